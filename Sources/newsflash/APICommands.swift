import ArgumentParser
import Foundation
import Logging
import NewsModel
import Pipeline
import SubscriptionStore

/// `newsflash keys create [--admin]`: an API key, shown once.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage API keys.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key; prints its id and secret (the secret is not stored, only its SHA-256).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var files: SubscriptionFiles

        @Flag(help: "An admin key (every subscription) instead of a subscriber key (its own).")
        var admin = false

        func run() async throws {
            let (key, secret) = try await global.setup("newsflash.keys", flags: files.flags).withStore { try await $0.createKey(role: admin ? .admin : .subscriber) }
            print("\(key.id) \(key.role.rawValue) \(secret)")
        }
    }
}

extension RunCommand {
    struct API: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "api", abstract: "Serve the subscriptions HTTP API (Schemas/openapi.yaml).",
            discussion: """
                With a reachable broker it also records alerts.receipts into the store (group newsflash-receipts) for \
                GET /v1/subscriptions/{id}/deliveries, tests filters against the recent news.classified items and \
                rewinds subscriptions. With --no-kafka it serves subscriptions alone and those two routes answer 503.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var files: SubscriptionFiles

        @Option(help: "Address to listen on. Default: api.host, $NEWSFLASH_API_HOST, else 127.0.0.1 (the container image sets 0.0.0.0).")
        var host: String?

        @Option(help: "Port to listen on. Default: api.port, $NEWSFLASH_API_PORT, else 8080.")
        var port: Int?

        @Flag(help: "Serve subscriptions only: no receipts, filter tests or rewinds. Default: api.noKafka, $NEWSFLASH_API_NO_KAFKA, else off.")
        var noKafka = false

        @Option(help: "How many recent news.classified items per partition POST /v1/filters/test searches. Default: api.recentItems, else 500.")
        var recentItems: Int?

        func run() async throws {
            let setup = try global.setup(
                "newsflash.api",
                flags: files.flags.merging([
                    "api.host": host, "api.port": port.map(String.init), "api.recentItems": recentItems.map(String.init),
                    "api.noKafka": noKafka ? "true" : nil,
                ]) { $1 })
            let settings = try Stages.APISettings(setup.config)
            let withoutKafka = try setup.config.bool("api.noKafka")
            let parser = try SubscriptionFiles.filterParser()
            try await setup.withStore { store in
                guard !withoutKafka else {
                    let services = try Stages.api(settings, store: store, parser: parser, nil, logger: setup.logger)
                    setup.logger.info("api listening", metadata: services.metadata)
                    try await StageServices.runGroup(services.work, logger: setup.logger)
                    return
                }
                try await setup.checkBroker()
                let context = try StageContext(setup, producerID: "newsflash-api")
                let services = try Stages.api(settings, store: store, parser: parser, context, logger: setup.logger)
                // /metrics and /health/ready are on the API's own port.
                try await context.run(services, name: "api", servesMetrics: false)
            }
        }
    }
}

/// The most recent classified items, read again at most every 5 s.
actor RecentItems {
    let reader: RetainedTopicReader
    let perPartition: Int
    private var cached: (at: ContinuousClock.Instant, items: [ClassifiedItem])?

    init(reader: RetainedTopicReader, perPartition: Int) {
        self.reader = reader
        self.perPartition = perPartition
    }

    func items() async -> [ClassifiedItem] {
        if let cached, ContinuousClock.now - cached.at < .seconds(5) { return cached.items }
        let collected = Collected()
        do {
            try await reader.read(from: .last(perPartition)) { message in
                if let item = try? EventCodec.decode(ClassifiedItem.self, from: message.value).data { await collected.add(item) }
                return true
            }
        } catch {
            reader.logger.warning("recent items not read", metadata: ["error": "\(error)"])
        }
        let items = await collected.items.sorted { $0.classifiedAt < $1.classifiedAt }
        cached = (.now, items)
        return items
    }

    private actor Collected {
        var items: [ClassifiedItem] = []
        func add(_ item: ClassifiedItem) { items.append(item) }
    }
}
