import ArgumentParser
import Foundation
import NewsflashConfig

/// `newsflash config check`: the settings a process would run with, where each comes from, and
/// every problem at once.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check the configuration, or list every setting.", subcommands: [Check.self, Describe.self])

    struct Describe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every setting of every process as a Markdown table: file key, environment variable, flag, default, who reads it.")

        @OptionGroup var global: GlobalOptions

        func run() {
            print(Setting.markdownTable())
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective settings (secrets redacted) and where each comes from; exit 1 on any problem.",
            discussion: """
                Settings come from the flags, then the environment, then the configuration file (--config, \
                $NEWSFLASH_CONFIG, else newsflash.json when there is one), then the defaults. The file has a section per \
                stage (kafka, log, metrics, liveness, store, ingest, classify, match, notifyWebhook, notifyEmail, api); \
                README.md, "Configuration", lists every setting.

                Checked: the file is JSON with no unknown section or setting (a near name is suggested), every value fits \
                its setting wherever it came from, the ingest section's sources, and the settings the chosen processes \
                require (ingest.sources; notifyEmail.smtpURL and notifyEmail.from).

                Examples:
                  newsflash config check --config /etc/newsflash/newsflash.json
                  newsflash config check --process notify-email --json
                  NEWSFLASH_CLASSIFY_WINDOW=512 newsflash config check --process classify

                Exit codes: 0 the configuration is usable; 1 it has problems (each printed on standard error); 64 bad usage.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "Check the settings of these processes only: ingest, classify, match, notify-webhook, notify-email, api (repeatable). Default: all; then settings that only some process requires are reported, not failed.")
        var process: [String] = []

        @Flag(help: "Print one JSON object: {settings: [{key, value, origin}], problems: [...]}.") var json = false

        func validate() throws {
            let known = Configuration.processes.map(\.name)
            for name in process where !known.contains(name) {
                throw ValidationError("--process must be one of \(known.joined(separator: ", ")), got '\(name)'")
            }
        }

        func run() throws {
            let config = try global.configuration()
            let all = Configuration.processes.map(\.name)
            let chosen = process.isEmpty ? all : process
            var problems = config.problems(processes: chosen)
            // Named processes must have what they require; with all of them, what one requires is a note.
            var notes: [String] = []
            if process.isEmpty { notes = config.missing(processes: chosen) } else { problems += config.missing(processes: chosen) }
            if chosen.contains("ingest"), config.section("ingest")?["sources"] != nil {
                do { _ = try Stages.IngestSettings.sources(config) } catch { problems.append("\(error)") }
            }
            if chosen.contains("notify-email"), (try? config.optionalString("notifyEmail.smtpURL")) != nil {
                do { _ = try Stages.EmailSettings(config) } catch let error as CLIError { problems.append(error.description) } catch {}
            }
            if chosen.contains("notify-webhook") {
                do { _ = try Stages.WebhookSettings(config) } catch let error as CLIError { problems.append(error.description) } catch {}
            }
            let rows = config.report(processes: chosen)
            if json {
                let object: [String: Any] = [
                    "file": config.filePath ?? NSNull(),
                    "settings": rows.map { ["key": $0.key, "value": $0.value, "origin": $0.origin.map { "\($0)" } ?? NSNull()] as [String: Any] },
                    "problems": problems, "notes": notes,
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("configuration file: \(config.filePath ?? "none")")
                let width = rows.map(\.key.count).max() ?? 0
                let valueWidth = min(48, rows.map(\.value.count).max() ?? 0)
                for row in rows {
                    let key = row.key.padding(toLength: width, withPad: " ", startingAt: 0)
                    let value = row.value.count > valueWidth ? row.value : row.value.padding(toLength: valueWidth, withPad: " ", startingAt: 0)
                    print("\(key)  \(value)  \(row.origin.map { "\($0)" } ?? "-")")
                }
                for note in notes { print("note: \(note)") }
            }
            for problem in problems { FileHandle.standardError.write(Data("problem: \(problem)\n".utf8)) }
            if !problems.isEmpty { throw ExitCode(1) }
        }
    }
}
