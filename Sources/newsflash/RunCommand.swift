import ArgumentParser
import Foundation
import Classifier
import FeedParsing
import Ingest
import NewsModel

/// `newsflash run <stage>`: a pipeline stage as a long-running process.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline stage until SIGTERM or SIGINT.",
        subcommands: [Ingest.self, Classify.self, Match.self, NotifyWebhook.self, NotifyEmail.self, API.self])

    struct Ingest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Poll the configured sources and publish new items to news.raw.",
            discussion: "Run several copies only with distinct configurations (each source polled by one process).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var files: IngestFiles
        @OptionGroup var observability: ObservabilityOptions

        @Option(help: "Topic to publish to.")
        var topic: String = Topics.newsRaw

        @Option(help: "Address of the push endpoint (served when a push source is configured). Default: $NEWSFLASH_PUSH_HOST, else 127.0.0.1 (the container image sets 0.0.0.0).")
        var pushHost: String?

        @Option(help: "Port of the push endpoint. Default: $NEWSFLASH_PUSH_PORT, else 8081.")
        var pushPort: Int?

        func run() async throws {
            let logger = global.makeLogger("newsflash.ingest")
            let environment = ProcessInfo.processInfo.environment
            let configuration = try files.loadConfiguration()
            let store = try files.openStore()
            try await global.checkBroker(logger: logger)
            let context = try StageContext(global: global, producerID: "newsflash-ingest", logger: logger)
            let services = try await Stages.ingest(
                Stages.IngestSettings(
                    configuration: configuration, store: store, topic: topic,
                    pushHost: pushHost ?? environment["NEWSFLASH_PUSH_HOST"] ?? ListenAddress.defaultHost,
                    pushPort: try pushPort ?? environment["NEWSFLASH_PUSH_PORT"].map { try CLIError.port($0, "NEWSFLASH_PUSH_PORT") } ?? 8081),
                context)
            try await context.run(services, name: "ingest", observability: observability)
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

        @Option(help: "Topic to read.")
        var input: String = Topics.newsRaw

        @Option(help: "Topic to publish to.")
        var output: String = Topics.newsClassified

        @Option(help: "Consumer group.")
        var group = "newsflash-classify"

        @Option(help: "Messages processed at once.")
        var window = 256

        func run() async throws {
            let logger = global.makeLogger("newsflash.classify")
            let classifier: NewsClassifier
            do {
                classifier = try NewsClassifier.bundled()
            } catch {
                throw CLIError("cannot load the classifier: \(error)")
            }
            try await global.checkBroker(logger: logger)
            let context = try StageContext(global: global, producerID: "newsflash-classify", logger: logger)
            let services = try Stages.classify(
                Stages.ClassifySettings(input: input, output: output, group: group, window: window), classifier: classifier, context)
            try await context.run(services, name: "classify", observability: observability)
        }
    }
}

/// Where ingest's configuration and state are.
struct IngestFiles: ParsableArguments {
    @Option(help: "Configuration file (JSON). Default: $NEWSFLASH_CONFIG, else newsflash.json.")
    var config: String?

    @Option(help: "Ingest state (SQLite): seen items, source health, stories. Default: $NEWSFLASH_INGEST_STATE, else var/ingest.sqlite.")
    var state: String?

    var configPath: String {
        config ?? ProcessInfo.processInfo.environment["NEWSFLASH_CONFIG"] ?? "newsflash.json"
    }

    var statePath: String {
        state ?? ProcessInfo.processInfo.environment["NEWSFLASH_INGEST_STATE"] ?? "var/ingest.sqlite"
    }

    func loadConfiguration() throws -> IngestConfiguration {
        do {
            return try IngestConfiguration.load(contentsOf: configPath)
        } catch {
            throw CLIError(error.message)
        }
    }

    func openStore() throws -> IngestStore {
        do {
            return try IngestStore(path: statePath)
        } catch {
            throw CLIError("cannot open ingest state \(statePath): \(error)")
        }
    }
}

/// `newsflash sources list|status`.
struct SourcesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sources",
        abstract: "Show the configured sources and their health.",
        subcommands: [List.self, Status.self, HashToken.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the configured sources.")
        @OptionGroup var files: IngestFiles

        func run() throws {
            let configuration = try files.loadConfiguration()
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

        func run() throws {
            guard let token = readLine(strippingNewline: true), token.count >= 16 else {
                throw CLIError("give the token (at least 16 characters) on standard input, e.g. openssl rand -hex 32 | tee token | newsflash sources hash-token")
            }
            print(StableID.sha256Hex(token))
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each source's last poll, last success, failures in a row and last error.")
        @OptionGroup var files: IngestFiles

        @Flag(help: "Print JSON lines.")
        var json = false

        func run() async throws {
            let configuration = try files.loadConfiguration()
            let store = try files.openStore()
            let states = Dictionary(try await store.states().map { ($0.sourceID, $0) }) { first, _ in first }
            for source in configuration.sources {
                let state = states[source.id] ?? IngestStore.SourceState(sourceID: source.id)
                let failing = state.consecutiveFailures >= configuration.failureAlertThreshold
                let seen = try await store.seenCount(sourceID: source.id)
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
