import ArgumentParser
import Foundation
import Classifier
import FeedParsing
import Ingest
import NewsModel
import NewsflashConfig

/// `newsflash run <stage>`: a pipeline stage as a long-running process.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline stage until SIGTERM or SIGINT.",
        subcommands: [Ingest.self, Classify.self, Match.self, NotifyWebhook.self, NotifyEmail.self, API.self])

    struct Ingest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Poll the configured sources and publish new items to news.raw.",
            discussion: "The sources are the \"ingest\" section of the configuration file. Run several copies only with distinct configurations (each source polled by one process).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var files: IngestFiles
        @OptionGroup var observability: ObservabilityOptions

        @Option(help: "Topic to publish to. Default: ingest.topic, $NEWSFLASH_INGEST_TOPIC, else news.raw.") var topic: String?

        @Option(help: "Address of the push endpoint (served when a push source is configured). Default: ingest.pushHost, $NEWSFLASH_PUSH_HOST, else 127.0.0.1 (the container image sets 0.0.0.0).")
        var pushHost: String?

        @Option(help: "Port of the push endpoint. Default: ingest.pushPort, $NEWSFLASH_PUSH_PORT, else 8081.") var pushPort: Int?

        func run() async throws {
            let setup = try global.setup(
                "newsflash.ingest",
                flags: observability.flags.merging(files.flags) { $1 }.merging(
                    ["ingest.topic": topic, "ingest.pushHost": pushHost, "ingest.pushPort": pushPort.map(String.init)]) { $1 })
            let settings = try Stages.IngestSettings(setup.config)
            try await setup.checkBroker()
            let context = try StageContext(setup, producerID: "newsflash-ingest")
            let services = try await Stages.ingest(settings, context)
            try await context.run(services, name: "ingest")
        }
    }
}

extension RunCommand {
    struct Classify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tag news.raw items with regions, topics and urgency and publish them to news.classified.",
            discussion: "Scale by running more copies: they share the consumer group and split the partitions.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var observability: ObservabilityOptions

        @OptionGroup var stream: StreamOptions
        @Option(help: "A taxonomy JSON file instead of the bundled one, with the bundled labels. Default: classify.taxonomy, $NEWSFLASH_CLASSIFY_TAXONOMY.")
        var taxonomy: String?
        @Option(help: "A topic model JSON file (classify train) instead of the bundled one. Default: classify.model, $NEWSFLASH_CLASSIFY_MODEL.")
        var model: String?

        func run() async throws {
            let setup = try global.setup(
                "newsflash.classify",
                flags: observability.flags.merging(stream.flags("classify")) { $1 }.merging(["classify.taxonomy": taxonomy, "classify.model": model]) { $1 })
            let settings = try Stages.StreamSettings(setup.config, section: "classify")
            let classifier = try Stages.classifier(setup.config)
            try await setup.checkBroker()
            let context = try StageContext(setup, producerID: "newsflash-classify")
            let services = try Stages.classify(settings, classifier: classifier, context)
            try await context.run(services, name: "classify")
        }
    }
}

/// What classify and match are told on the command line; each is a setting of their own section
/// (`classify.window`, `match.window`, …) with its own default.
struct StreamOptions: ParsableArguments {
    @Option(help: "Topic to read. Default: <section>.input, else news.raw (classify) or news.classified (match).") var input: String?

    @Option(help: "Topic to publish to. Default: <section>.output, else news.classified (classify) or alerts.deliveries (match).")
    var output: String?

    @Option(help: "Consumer group. Default: <section>.group, else newsflash-classify or newsflash-match.") var group: String?
    @Option(help: "Messages processed at once. Default: <section>.window, else 256 (classify) or 64 (match).") var window: Int?

    /// These flags by setting key, in `section`.
    func flags(_ section: String) -> [String: String?] {
        ["\(section).input": input, "\(section).output": output, "\(section).group": group, "\(section).window": window.map(String.init)]
    }
}

/// Where ingest's state is (its sources are in the configuration file).
struct IngestFiles: ParsableArguments {
    @Option(help: "Ingest state (SQLite): seen items, source health, stories. Default: ingest.state, $NEWSFLASH_INGEST_STATE, else var/ingest.sqlite.")
    var state: String?

    /// These flags by setting key.
    var flags: [String: String?] { ["ingest.state": state] }
}

/// `newsflash sources list|status`.
struct SourcesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sources",
        abstract: "Show the configured sources and their health.",
        subcommands: [List.self, Status.self, HashToken.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the configured sources.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let configuration = try Stages.IngestSettings.sources(try global.configuration())
            for source in configuration.sources {
                let state = source.enabled ? "" : " (disabled)"
                print("\(source.id)\t\(source.kind.rawValue)\t\(Int(source.pollIntervalSeconds))s\t\(source.url ?? "-")\(state)")
            }
        }
    }

    struct HashToken: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hash-token",
            abstract: "Print the pushTokenSHA256 to configure for a push source's bearer token (read from standard input).")

        @OptionGroup var global: GlobalOptions

        func run() throws {
            try global.startLogging("newsflash.sources")
            guard let token = readLine(strippingNewline: true), token.count >= 16 else {
                throw CLIError("give the token (at least 16 characters) on standard input, e.g. openssl rand -hex 32 | tee token | newsflash sources hash-token")
            }
            print(StableID.sha256Hex(token))
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each source's last poll, last success, failures in a row and last error.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var files: IngestFiles

        @Flag(help: "Print JSON lines.") var json = false

        func run() async throws {
            let config = try global.configuration(files.flags)
            let configuration = try Stages.IngestSettings.sources(config)
            let (path, store) = try Stages.IngestSettings.existingState(config)
            if store == nil {
                FileHandle.standardError.write(Data("newsflash: no ingest state at \(path) (ingest.state): no source has been polled with it\n".utf8))
            }
            let states = Dictionary(try await store?.states().map { ($0.sourceID, $0) } ?? []) { first, _ in first }
            for source in configuration.sources {
                let state = states[source.id] ?? IngestStore.SourceState(sourceID: source.id)
                let failing = state.consecutiveFailures >= configuration.failureAlertThreshold
                let seen = try await store?.seenCount(sourceID: source.id) ?? 0
                if json {
                    var object: [String: Any] = [
                        "source": source.id, "failing": failing, "consecutiveFailures": state.consecutiveFailures,
                        "itemsPublished": state.itemsPublished, "itemsRemembered": seen,
                    ]
                    object["lastPollAt"] = state.lastPollAt.map { RFC3339Time.format($0) }
                    object["lastSuccessAt"] = state.lastSuccessAt.map { RFC3339Time.format($0) }
                    object["lastError"] = state.lastError
                    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    let health = failing ? "FAILING" : state.consecutiveFailures > 0 ? "degraded" : state.lastPollAt == nil ? "never polled" : "ok"
                    print("\(source.id): \(health); last success \(state.lastSuccessAt.map { RFC3339Time.format($0) } ?? "never"); "
                          + "\(state.consecutiveFailures) failures in a row; \(state.itemsPublished) published, \(seen) remembered"
                          + (state.lastError.map { "; last error: \($0)" } ?? ""))
                }
            }
        }
    }
}
