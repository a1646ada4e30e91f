import ArgumentParser
import Foundation
import Hummingbird
import Logging
import MatchStage
import NewsModel
import Pipeline
import RdKafka
import Server
import ServiceLifecycle
import SubscriptionStore

/// `newsflash keys create [--admin]`: an API key, shown once.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage API keys.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key; prints its id and secret (the secret is not stored, only its SHA-256).")
        @OptionGroup var files: SubscriptionFiles

        @Flag(help: "An admin key (every subscription) instead of a subscriber key (its own).")
        var admin = false

        func run() async throws {
            let (key, secret) = try await files.withStore { try await $0.createKey(role: admin ? .admin : .subscriber) }
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

        @Option(help: "Address to listen on.")
        var host = "127.0.0.1"

        @Option(help: "Port to listen on.")
        var port = 8080

        @Flag(help: "Serve subscriptions only: no receipts, filter tests or rewinds.")
        var noKafka = false

        @Option(help: "How many recent news.classified items per partition POST /v1/filters/test searches.")
        var recentItems = 500

        func run() async throws {
            let logger = global.makeLogger("newsflash.api")
            try await files.withStore(logger: logger) { try await serve($0, logger: logger) }
        }

        func serve(_ store: any SubscriptionStoring, logger: Logger) async throws {
            let parser = try SubscriptionFiles.filterParser()
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
            var extras = SubscriptionAPI.Services()
            if !noKafka {
                let admin = try await global.connectedAdmin(logger: logger)
                await admin.close()
                let client = global.kafkaClient("newsflash-api")
                let producer = try KafkaProducer.make(configuration: KafkaProducerConfiguration(client: client), logger: logger)
                let consumer = try KafkaConsumer(
                    configuration: KafkaConsumerConfiguration(client: client, groupID: "newsflash-receipts", subscription: .group(topics: [Topics.alertsReceipts])),
                    logger: logger)
                let recorder = StageRunner(name: "receipts", consumer: consumer, producer: producer, processor: ReceiptRecorder(store: store), logger: logger)
                services = [.init(service: consumer), .init(service: producer), .init(service: recorder)]
                let rewinder = Rewinder(client: client, producer: producer, parser: parser, logger: logger)
                let recent = RecentItems(reader: RetainedTopicReader(client: client, topic: Topics.newsClassified, idleTimeout: .seconds(2), logger: logger), perPartition: recentItems)
                extras = SubscriptionAPI.Services(recentItems: { await recent.items() }, rewind: { try await rewinder.rewind($0, since: $1) })
            }
            let router = SubscriptionAPI.buildRouter(store: store, parser: parser, services: extras)
            // /metrics and /health/ready on the API's own port (/health/live is part of the API).
            var checks: [Observability.Check] = [Observability.storeCheck { _ = try await store.count(ownedBy: "") }]
            if !noKafka { checks.append(Observability.brokerCheck(global.kafkaClient("newsflash-api-health"), logger: logger)) }
            Observability.addRoutes(to: router, checks: checks, live: false)
            let app = Application(router: router, configuration: .init(address: .hostname(host, port: port)), logger: logger)
            let group = ServiceGroup(configuration: ServiceGroupConfiguration(
                services: services + [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).withShutdownDeadline())
            logger.info("api listening", metadata: ["http.address": "\(host):\(port)"])
            try await group.run()
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
