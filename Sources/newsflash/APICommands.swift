import ArgumentParser
import Foundation
import Logging
import NewsModel
import Pipeline
import SubscriptionStore

/// The API key a command works on, in the store its options name.
struct KeyTarget: ParsableArguments {
    @OptionGroup var store: StoreOptions
    @Argument(help: "The key id (key_…), as keys list shows it.") var id: String

    /// The error for an id the store has not, or has revoked.
    var notFound: CLIError { CLIError("no key \(id) that is not revoked") }
}

/// `newsflash keys create|list|revoke|rotate`: API keys, in the subscription store.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage API keys.",
        discussion: "Exit codes: 0 done; 1 no such key (or it is revoked), or the store cannot be reached; 64 bad usage.",
        subcommands: [Create.self, List.self, Revoke.self, Rotate.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key; prints its id, role and secret (the secret is not stored, only its SHA-256).")
        @OptionGroup var store: StoreOptions

        @Flag(help: "An admin key (every subscription) instead of a subscriber key (its own).") var admin = false

        func run() async throws {
            let (key, secret) = try await store.withStore("newsflash.keys", creating: true) {
                try await $0.createKey(role: admin ? .admin : .subscriber)
            }
            print("\(key.id) \(key.role.rawValue) \(secret)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every API key (never its secret): id, role, created, revoked.",
            discussion: "Examples:\n  newsflash keys list\n  newsflash keys list --json | jq -r 'select(.revokedAt == null) | .id'")
        @OptionGroup var store: StoreOptions

        @Flag(help: "One JSON object a line: id, role, createdAt, revokedAt.") var json = false

        func run() async throws {
            let records = try await store.withStore("newsflash.keys") { try await $0.keys() }
            if !json { print("ID\tROLE\tCREATED\tREVOKED") }
            for record in records {
                let created = RFC3339Time.format(record.createdAt), revoked = record.revokedAt.map(RFC3339Time.format)
                if json {
                    var object: [String: Any] = ["id": record.key.id, "role": record.key.role.rawValue, "createdAt": created]
                    object["revokedAt"] = revoked ?? NSNull()
                    try printJSONLine(object)
                } else {
                    print("\(record.key.id)\t\(record.key.role.rawValue)\t\(created)\t\(revoked ?? "-")")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke an API key: its secret stops working at once. The subscriptions it owns stay; an admin key manages them.",
            discussion: "Example:\n  newsflash keys revoke key_3f9a1c2b7d0e4a5b6c7d")
        @OptionGroup var key: KeyTarget

        func run() async throws {
            guard try await key.store.withStore("newsflash.keys", { try await $0.revokeKey(key.id, at: Date()) }) else { throw key.notFound }
            print("revoked \(key.id)")
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give an API key a new secret (printed once, as create prints it); the old secret stops working at once.",
            discussion: "Example:\n  newsflash keys rotate key_3f9a1c2b7d0e4a5b6c7d")
        @OptionGroup var key: KeyTarget

        func run() async throws {
            let id = key.id
            let (secret, role) = try await key.store.withStore("newsflash.keys") { store in
                (try await store.rotateKey(id), try await store.keys().first { $0.key.id == id }?.key.role)
            }
            guard let secret, let role else { throw key.notFound }
            print("\(id) \(role.rawValue) \(secret)")
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

        @OptionGroup var store: StoreOptions

        @Option(help: "Address to listen on. Default: api.host, $NEWSFLASH_API_HOST, else 127.0.0.1 (the container image sets 0.0.0.0).")
        var host: String?

        @Option(help: "Port to listen on. Default: api.port, $NEWSFLASH_API_PORT, else 8080.") var port: Int?

        @Flag(help: "Serve subscriptions only: no receipts, filter tests or rewinds. Default: api.noKafka, $NEWSFLASH_API_NO_KAFKA, else off.")
        var noKafka = false

        @Option(help: "How many recent news.classified items per partition POST /v1/filters/test searches. Default: api.recentItems, else 500.")
        var recentItems: Int?

        func run() async throws {
            let setup = try store.setup(
                "newsflash.api",
                flags: [
                    "api.host": host, "api.port": port.map(String.init), "api.recentItems": recentItems.map(String.init),
                    "api.noKafka": noKafka ? "true" : nil,
                ])
            let settings = try Stages.APISettings(setup.config)
            let withoutKafka = try setup.config.bool("api.noKafka")
            let parser = try SubscriptionFiles.filterParser()
            let keys = try setup.secretKeys()
            try await setup.withStore(creating: true) { store in
                guard !withoutKafka else {
                    let services = try Stages.api(settings, store: store, parser: parser, keys: keys, nil, logger: setup.logger)
                    setup.logger.info("api listening", metadata: services.metadata)
                    try await StageServices.runGroup(services.work, listening: services.listening, logger: setup.logger)
                    return
                }
                try await setup.checkBroker()
                let context = try StageContext(setup, producerID: "newsflash-api")
                let services = try Stages.api(settings, store: store, parser: parser, keys: keys, context, logger: setup.logger)
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
