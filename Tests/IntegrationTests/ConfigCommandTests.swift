import AsyncHTTPClient
import Foundation
import SubscriptionStore
import Subscriptions
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `newsflash config check`, and one configuration file driving a real process.
@Suite("config check and the configuration file")
struct ConfigCommandTests {
    /// This test's own directory for its files.
    let scratch = ScratchDirectory("config")

    /// The environment without any Newsflash setting of the machine running the tests.
    var cleanEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("NEWSFLASH_") && $0.key != "KAFKA_BOOTSTRAP" }
    }

    @Test("the example file is usable for every process; secrets given by the environment are redacted")
    func exampleFile() async throws {
        var environment = cleanEnvironment
        environment["NEWSFLASH_KAFKA_SASL_PASSWORD"] = "sasl-secret-1234"
        environment["NEWSFLASH_SUBSCRIPTIONS"] = "postgres://newsflash:store-secret-1234@db:5432/newsflash"
        environment["NEWSFLASH_SECRETS_KEY"] = "k1:" + Data(repeating: 7, count: 32).base64EncodedString() + "secret-1234"
        let example = Repository.root.appendingPathComponent("Deploy/newsflash.example.json").path
        let run = try await NewsflashCLI.run(["config", "check", "--config", example, "--json"], environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect((object["problems"] as? [String])?.isEmpty == true)
        let settings = try #require(object["settings"] as? [[String: Any]])
        func row(_ key: String) -> [String: Any]? { settings.first { $0["key"] as? String == key } }
        #expect(row("classify.window")?["value"] as? String == "256")
        #expect(row("classify.window")?["origin"] as? String == example)
        #expect(row("store.subscriptions")?["origin"] as? String == "$NEWSFLASH_SUBSCRIPTIONS")
        #expect(row("kafka.properties.sasl.password")?["value"] as? String == "<redacted>")
        #expect(row("secrets.keyText")?["value"] as? String == "<redacted>")
        #expect(!run.stdout.contains("secret-1234") && !run.stderr.contains("secret-1234"))
    }

    @Test("every problem at once, exit 1: unknown keys, bad values from any place, bad sources, what a named process requires")
    func problems() async throws {
        let directory = scratch.url
        let file = directory.appendingPathComponent("newsflash.json")
        try Data(#"""
            {"classify": {"windw": 10}, "api": {"port": 70000},
             "ingest": {"sources": [{"id": "Bad Id", "kind": "rss", "url": "ftp://x"}]}}
            """#.utf8).write(to: file)
        var environment = cleanEnvironment
        environment["NEWSFLASH_MATCH_WINDOW"] = "many"
        let run = try await NewsflashCLI.run(["config", "check", "--config", file.path, "--process", "ingest", "--process", "match",
                                        "--process", "api", "--process", "notify-email"], environment: environment)
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        for message in [
            #"unknown setting "classify.windw"; did you mean "classify.window"?"#,
            "api.port from \(file.path) must be an integer from 0 to 65535, got '70000'",
            "match.window from $NEWSFLASH_MATCH_WINDOW must be an integer",
            "id must match",
            "notifyEmail.smtpURL is required by run notify-email",
        ] {
            #expect(run.stderr.contains(message), "missing: \(message)\n\(run.stderr)")
        }
        // Without --process, a setting only one process requires is a note, not a failure.
        try Data(#"{"classify": {"window": 10}}"#.utf8).write(to: file)
        let all = try await NewsflashCLI.run(["config", "check", "--config", file.path], environment: cleanEnvironment)
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.contains("note: notifyEmail.smtpURL is required by run notify-email"))
        // A named file that is not there, or is not JSON, is an error.
        #expect(try await NewsflashCLI.run(["config", "check", "--config", directory.appendingPathComponent("none.json").path]).stderr
            .contains("cannot read configuration file"))
        try Data("{".utf8).write(to: file)
        #expect(try await NewsflashCLI.run(["config", "check", "--config", file.path]).stderr.contains("not JSON"))
    }

    @Test("keys create, list, rotate and revoke on the store the configuration names; exit 1 for a key that is not there")
    func keysCommands() async throws {
        let directory = scratch.url
        var environment = cleanEnvironment
        environment["NEWSFLASH_SUBSCRIPTIONS"] = directory.appendingPathComponent("keys.sqlite").path
        let created = try await NewsflashCLI.run(["keys", "create"], environment: environment)
        #expect(created.status == 0, "\(created.stderr)")
        let fields = created.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        try #require(fields.count == 3)
        let id = fields[0]
        #expect(fields[1] == "subscriber" && fields[2].hasPrefix("nfk_"))
        let rotated = try await NewsflashCLI.run(["keys", "rotate", id], environment: environment)
        #expect(rotated.status == 0 && rotated.stdout.hasPrefix("\(id) subscriber nfk_") && !rotated.stdout.contains(fields[2]), "\(rotated.stderr)")
        #expect(try await NewsflashCLI.run(["keys", "revoke", id], environment: environment).stdout == "revoked \(id)\n")
        let list = try await NewsflashCLI.run(["keys", "list", "--json"], environment: environment)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
        #expect(object["id"] as? String == id && object["revokedAt"] is String && !list.stdout.contains("nfk_"))
        let again = try await NewsflashCLI.run(["keys", "revoke", id], environment: environment)
        #expect(again.status == 1 && again.stderr.contains("no key \(id) that is not revoked"))
    }

    @Test("shell completion scripts cover the operator commands and their options", arguments: ["bash", "zsh", "fish"])
    func completion(shell: String) async throws {
        let run = try await NewsflashCLI.run(["--generate-completion-script", shell], environment: cleanEnvironment)
        #expect(run.status == 0, "\(run.stderr)")
        for word in ["groups", "dlq", "reset", "to-datetime", "subscriptions", "min-urgency"] {
            #expect(run.stdout.contains(word), "the \(shell) script lacks \(word)")
        }
    }

    @Test("secrets: a key file made beside a SQLite store, rotate-key re-seals every subscription, a PostgreSQL store needs a key")
    func secretsCommands() async throws {
        let directory = scratch.url
        var environment = cleanEnvironment
        let storePath = directory.appendingPathComponent("subscriptions.sqlite").path
        environment["NEWSFLASH_SUBSCRIPTIONS"] = storePath
        let added = try await NewsflashCLI.run(
            ["subscriptions", "add", "--name", "desk", "--filter", "region:MENA", "--webhook", "https://example.org/hook", "--json"],
            environment: environment)
        #expect(added.status == 0, "\(added.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])
        let id = try #require(object["id"] as? String), secret = try #require(object["secret"] as? String)
        // The key file was made beside the store, readable by its owner only.
        let keyFile = directory.appendingPathComponent("secrets.key").path
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int)
        #expect(mode & 0o077 == 0)
        let first = try SecretKeyring(text: try String(contentsOfFile: keyFile, encoding: .utf8))

        let rotated = try await NewsflashCLI.run(["secrets", "rotate-key", "--id", "second"], environment: environment)
        #expect(rotated.status == 0, "\(rotated.stderr)")
        #expect(rotated.stdout.contains("re-sealed 1 of 1 subscriptions under key second; 0 still hold"), "\(rotated.stdout)")
        let after = try SecretKeyring(text: try String(contentsOfFile: keyFile, encoding: .utf8))
        #expect(after.keys.map(\.id) == ["second", first.current.id])
        // Only the new key is needed now: the old line can go.
        let secondOnly = try SecretKeyring(text: after.text.split(separator: "\n")[0] + "\n")
        let store = try SQLiteSubscriptionStore(path: storePath)
        let stored = try #require(try await store.subscription(id))
        await store.shutdown()
        #expect(stored.sealingKeyIDs == ["second"])
        #expect(try stored.signingSecrets(at: Date(), keyring: secondOnly) == [secret])
        #expect(try await NewsflashCLI.run(["secrets", "rotate-key", "--id", "second"], environment: environment).stderr.contains("appears twice"))

        // Without the key that sealed them, reseal names what does not open and exits 1.
        let stranger = directory.appendingPathComponent("other.key").path
        try SecretKeyring.newKeyLine(id: "stranger").write(toFile: stranger, atomically: true, encoding: .utf8)
        let failed = try await NewsflashCLI.run(["secrets", "reseal", "--secrets-key-file", stranger], environment: environment)
        #expect(failed.status == 1 && failed.stderr.contains("\(id): a secret is sealed with key second"), "\(failed.stderr)")

        // A PostgreSQL store has no default key: every process that opens secrets must share one.
        var postgres = cleanEnvironment
        postgres["NEWSFLASH_SUBSCRIPTIONS"] = "postgres://newsflash@127.0.0.1:1/newsflash"
        let api = try await NewsflashCLI.run(["run", "api", "--no-kafka", "--port", "0"], environment: postgres)
        #expect(api.status == 1 && api.stderr.contains("a PostgreSQL store needs the key that seals subscribers' secrets"), "\(api.stderr)")
        let generated = try await NewsflashCLI.run(["secrets", "generate-key", "--id", "prod-1"], environment: postgres)
        #expect(try SecretKeyring(text: generated.stdout).current.id == "prod-1")
    }

    @Test("processes that make the key file at once agree on one key, and every secret they sealed opens with it")
    func concurrentKeyFileCreation() async throws {
        let directory = scratch.url
        var environment = cleanEnvironment
        let storePath = directory.appendingPathComponent("subscriptions.sqlite").path
        environment["NEWSFLASH_SUBSCRIPTIONS"] = storePath
        let shared = environment
        let runs = try await withThrowingTaskGroup(of: Subprocess.Result.self) { group in
            for index in 0..<6 {
                group.addTask {
                    try await NewsflashCLI.run(
                        ["subscriptions", "add", "--name", "hook \(index)", "--filter", "region:MENA", "--webhook", "https://example.org/\(index)", "--json"],
                        environment: shared)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for run in runs { #expect(run.status == 0, "\(run.stderr)") }
        let keyring = try SecretKeyring(text: try String(contentsOfFile: directory.appendingPathComponent("secrets.key").path, encoding: .utf8))
        #expect(keyring.keys.count == 1)
        let store = try SQLiteSubscriptionStore(path: storePath)
        let all = try await store.all()
        await store.shutdown()
        #expect(all.count == 6)
        let shown = Set(runs.compactMap { run in
            (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["secret"] as? String
        })
        let opened = Set(try all.flatMap { try $0.signingSecrets(at: Date(), keyring: keyring) })
        #expect(shown.count == 6 && opened == shown)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".new-") }.isEmpty)
    }

    @Test("subscriptions add, show, update, list, pause, resume and remove, as the API shows them and with its checks; exit 1 for a bad setting or id")
    func subscriptionCommands() throws {
        let directory = scratch.url
        var environment = cleanEnvironment
        environment["NEWSFLASH_SUBSCRIPTIONS"] = directory.appendingPathComponent("subscriptions.sqlite").path
        func json(_ run: Subprocess.Result) throws -> [String: Any] {
            #expect(run.status == 0, "\(run.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        }
        let added = try json(NewsflashCLI.run(
            ["subscriptions", "add", "--name", "Gaza desk", "--filter", "region:MENA", "--webhook", "https://example.org/hook", "--json"],
            environment: environment))
        let id = try #require(added["id"] as? String)
        #expect((added["secret"] as? String)?.hasPrefix("whsec_") == true)  // shown once, at creation

        let updated = try json(NewsflashCLI.run(
            ["subscriptions", "update", id, "--mode", "daily", "--digest-time", "07:30", "--time-zone", "Europe/Paris",
             "--quiet-hours", "22:00-06:00", "--max-alerts-per-hour", "20", "--min-urgency", "urgent", "--json"],
            environment: environment))
        #expect(updated["mode"] as? String == "daily" && updated["digestTime"] as? String == "07:30")
        #expect(updated["timeZone"] as? String == "Europe/Paris" && updated["maxAlertsPerHour"] as? Int == 20)
        #expect(updated["minimumUrgency"] as? String == "urgent")
        #expect((updated["quietHours"] as? [String: Any])?["start"] as? String == "22:00")
        #expect(updated["secret"] == nil)

        let shown = try json(NewsflashCLI.run(["subscriptions", "show", id, "--json"], environment: environment))
        #expect(shown["mode"] as? String == "daily" && shown["name"] as? String == "Gaza desk")
        let text = try NewsflashCLI.run(["subscriptions", "show", id], environment: environment)
        #expect(text.stdout.contains("quiet hours: 22:00-06:00, flash goes out"), "\(text.stdout)")

        let cleared = try json(NewsflashCLI.run(["subscriptions", "update", id, "--no-quiet-hours", "--json"], environment: environment))
        #expect(cleared["quietHours"] == nil && cleared["mode"] as? String == "daily")

        let listed = try NewsflashCLI.run(["subscriptions", "list", "--json"], environment: environment)
        #expect(listed.stdout.split(separator: "\n").count == 1 && listed.stdout.contains(id) && !listed.stdout.contains("whsec_"))

        // The API's checks, as one-line errors.
        let badZone = try NewsflashCLI.run(["subscriptions", "update", id, "--time-zone", "Mars/Olympus"], environment: environment)
        #expect(badZone.status == 1 && badZone.stderr.contains("timeZone must be an IANA time zone"), "\(badZone.stderr)")
        let badFilter = try NewsflashCLI.run(["subscriptions", "update", id, "--filter", "region:"], environment: environment)
        #expect(badFilter.status == 1, "\(badFilter.stderr)")
        let badURL = try NewsflashCLI.run(["subscriptions", "add", "--name", "x", "--filter", "region:MENA", "--webhook", "ftp://x"], environment: environment)
        #expect(badURL.status == 1 && badURL.stderr.contains("must be an absolute http(s) URL"), "\(badURL.stderr)")
        let missing = try NewsflashCLI.run(["subscriptions", "show", "sub_missing"], environment: environment)
        #expect(missing.status == 1 && missing.stderr.contains("no subscription sub_missing"))

        // pause, resume and remove; each says so when the id is not there.
        #expect(try NewsflashCLI.run(["subscriptions", "pause", id], environment: environment).status == 0)
        #expect(try json(NewsflashCLI.run(["subscriptions", "show", id, "--json"], environment: environment))["status"] as? String == "paused")
        #expect(try NewsflashCLI.run(["subscriptions", "resume", id], environment: environment).status == 0)
        #expect(try json(NewsflashCLI.run(["subscriptions", "show", id, "--json"], environment: environment))["status"] as? String == "active")
        for verb in ["pause", "resume", "remove"] {
            let absent = try NewsflashCLI.run(["subscriptions", verb, "sub_missing"], environment: environment)
            #expect(absent.status == 1 && absent.stderr.contains("no subscription sub_missing"), "\(verb): \(absent.stderr)")
        }
        #expect(try NewsflashCLI.run(["subscriptions", "remove", id], environment: environment).status == 0)
        let left = try NewsflashCLI.run(["subscriptions", "list"], environment: environment)
        #expect(left.status == 0 && left.stdout.isEmpty, "\(left.stderr)")
    }

    @Test("run api takes its port, store and log format from the file and serves until SIGTERM")
    func apiFromTheFile() async throws {
        let directory = scratch.url
        let port = UpCommandTests.freePort()
        let file = directory.appendingPathComponent("newsflash.json")
        let store = directory.appendingPathComponent("subscriptions.sqlite").path
        try Data(#"""
            {"api": {"port": \#(port), "noKafka": true}, "store": {"subscriptions": "\#(store)"}, "log": {"level": "info", "format": "json"}}
            """#.utf8).write(to: file)
        let process = Process()
        process.executableURL = NewsflashCLI.executable
        var environment = cleanEnvironment
        environment["NEWSFLASH_CONFIG"] = file.path
        process.environment = environment
        process.arguments = ["run", "api"]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        var status: UInt?
        for _ in 0..<100 where status == nil && process.isRunning {
            status = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/health/ready"), timeout: .seconds(5)).status.code
            if status == nil { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(status == 200)
        let live = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/health/live"), timeout: .seconds(5))
        #expect(live.status.code == 200)
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<150 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: store), "the store named in the file was not used")
        let log = String(decoding: Subprocess.readToEnd(errors.fileHandleForReading), as: UTF8.self)
        let first = try #require(log.split(separator: "\n").first, "no log line at info")
        #expect((try? JSONSerialization.jsonObject(with: Data(first.utf8))) != nil, "the file's log.format json was not used: \(first)")
    }
}
