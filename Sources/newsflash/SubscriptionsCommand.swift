import ArgumentParser
import Classifier
import Foundation
import Logging
import MatchStage
import NewsModel
import RdKafka
import SubscriptionStore
import Subscriptions

/// Where the subscriptions live: a SQLite file, or PostgreSQL by URL.
struct SubscriptionFiles: ParsableArguments {
    @Option(help: """
        Subscription store: a SQLite file, or a postgres:// (postgresql://) URL such as \
        postgres://user:password@host:5432/newsflash?sslmode=require for PostgreSQL (keep a password out of flags: \
        give it in the file or the environment). Default: store.subscriptions, $NEWSFLASH_SUBSCRIPTIONS, else var/subscriptions.sqlite.
        """)
    var subscriptions: String?

    /// These flags by setting key.
    var flags: [String: String?] { ["store.subscriptions": subscriptions] }

    /// A parser that knows the taxonomy's labels, for checking filters when they are written.
    static func filterParser() throws -> FilterParser {
        Stages.filterParser(try NewsClassifier.bundled())
    }
}

extension CommandSetup {
    /// Runs a stage that reads the subscription store (match, the notifiers) until SIGTERM or
    /// SIGINT: the broker checked, the store opened (and shut down on every path), the process's
    /// one subscription mirror, and the services `build` makes of them.
    func runStoreStage(
        _ name: String, _ build: (any SubscriptionStoring, SubscriptionMirror, StageContext) async throws -> StageServices
    ) async throws {
        try await checkBroker()
        try await withStore { store in
            let context = try StageContext(self, producerID: "newsflash-\(name)")
            let services = try await build(store, try await Stages.mirror(store, logger: logger), context)
            try await context.run(services, name: name)
        }
    }

    /// Opens the subscription store (`store.subscriptions`), runs `body` with it and shuts it down,
    /// also when `body` throws.
    func withStore<Result>(_ body: (any SubscriptionStoring) async throws -> Result) async throws -> Result {
        let location = try config.string("store.subscriptions")
        let store: any SubscriptionStoring
        do {
            store = try await openSubscriptionStore(at: location, logger: logger)
        } catch let error as SubscriptionStoreError {
            throw CLIError(error.message)
        }
        do {
            let result = try await body(store)
            await store.shutdown()
            return result
        } catch {
            await store.shutdown()
            throw error
        }
    }
}

/// `newsflash subscriptions add|list|remove|pause|resume`: manage subscriptions on this host.
struct SubscriptionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscriptions",
        abstract: "Manage subscriptions in the subscription store.",
        subcommands: [Add.self, List.self, Remove.self, Pause.self, Resume.self, Rewind.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a subscription; prints its id.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var files: SubscriptionFiles

        @Option(help: "A name for people.")
        var name: String

        @Option(help: #"The filter, e.g. 'region:MENA AND (topic:Politics OR "air strike")'."#)
        var filter: String

        @Option(help: "Deliver to this webhook URL (http or https).")
        var webhook: String?

        @Option(help: "Deliver to this email address.")
        var email: String?

        @Option(help: "Send only items at least this urgent: routine, urgent or flash.")
        var minUrgency: String = "routine"

        func run() async throws {
            do {
                _ = try SubscriptionFiles.filterParser().parse(filter)
            } catch let error as FilterSyntaxError {
                throw CLIError("invalid filter: \(error.message)\n  \(filter)\n  \(String(repeating: " ", count: error.position))^")
            }
            guard let urgency = Urgency(rawValue: minUrgency) else { throw CLIError("--min-urgency must be routine, urgent or flash") }
            let channel: Subscription.Channel
            switch (webhook, email) {
            case (let url?, nil):
                guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
                    throw CLIError("--webhook must be an absolute http(s) URL")
                }
                channel = .webhook(url: url)
            case (nil, let address?):
                guard address.contains("@"), !address.contains(" "), !address.contains("\r"), !address.contains("\n") else {
                    throw CLIError("--email must be an email address")
                }
                channel = .email(address: address)
            default:
                throw CLIError("give exactly one of --webhook and --email")
            }
            let subscription = Subscription(name: name, filter: filter, channel: channel, minimumUrgency: urgency)
            try await global.setup("newsflash.subscriptions", flags: files.flags).withStore { try await $0.save(subscription) }
            print(subscription.id)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List subscriptions.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var files: SubscriptionFiles

        func run() async throws {
            for subscription in try await global.setup("newsflash.subscriptions", flags: files.flags).withStore({ try await $0.all() }) {
                let target: String
                switch subscription.channel {
                case .webhook(let url): target = "webhook \(url)"
                case .email(let address): target = "email \(address)"
                }
                print("\(subscription.id)\t\(subscription.status.rawValue)\t\(subscription.name)\t\(target)\turgency>=\(subscription.minimumUrgency.rawValue)\t\(subscription.filter)")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a subscription.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var files: SubscriptionFiles
        @Argument(help: "The subscription id.") var id: String

        func run() async throws {
            guard try await global.setup("newsflash.subscriptions", flags: files.flags).withStore({ try await $0.delete(id) }) else { throw CLIError("no subscription \(id)") }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pause a subscription (nothing is matched for it until resumed).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var files: SubscriptionFiles
        @Argument(help: "The subscription id.") var id: String

        func run() async throws { try await SubscriptionsCommand.setStatus(.paused, id, try global.setup("newsflash.subscriptions", flags: files.flags)) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume a paused subscription.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var files: SubscriptionFiles
        @Argument(help: "The subscription id.") var id: String

        func run() async throws { try await SubscriptionsCommand.setStatus(.active, id, try global.setup("newsflash.subscriptions", flags: files.flags)) }
    }

    struct Rewind: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-deliver to one subscription what it matches among the retained news.classified items since a time.",
            discussion: "The deliveries go to alerts.deliveries marked as replays, with the delivery ids of the first time.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var files: SubscriptionFiles
        @Argument(help: "The subscription id.") var id: String
        @Option(help: "RFC 3339 start time, e.g. 2026-11-29T08:00:00Z.") var since: String

        func run() async throws {
            guard let time = RFC3339Time.parse(since) else { throw CLIError("--since must be an RFC 3339 time such as 2026-11-29T08:00:00Z") }
            let setup = try global.setup("newsflash.rewind", flags: files.flags)
            let logger = setup.logger
            guard let subscription = try await setup.withStore({ try await $0.subscription(id) }) else { throw CLIError("no subscription \(id)") }
            try await setup.checkBroker()
            let client = setup.kafka.client("newsflash-rewind")
            let producer = try KafkaProducer.make(configuration: KafkaProducerConfiguration(client: client), logger: logger)
            let count = try await Rewinder(client: client, producer: producer, parser: try SubscriptionFiles.filterParser(), logger: logger)
                .rewind(subscription, since: time)
            await producer.shutdown()
            print("rewound \(subscription.id) since \(RFC3339Time.format(time)): \(count) deliveries re-published to \(Topics.alertsDeliveries)")
        }
    }

    static func setStatus(_ status: Subscription.Status, _ id: String, _ setup: CommandSetup) async throws {
        try await setup.withStore { store in
            let now = Date()
            let updated = try await store.update(id) { subscription in
                subscription.status = status
                subscription.updatedAt = now
                return true
            }
            guard updated != nil else { throw CLIError("no subscription \(id)") }
        }
    }
}

extension RunCommand {
    struct Match: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Match news.classified items against the subscriptions and publish alerts.deliveries.",
            discussion: "Subscription changes are picked up within 2 s (the store is polled with a version cursor).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var files: SubscriptionFiles
        @OptionGroup var observability: ObservabilityOptions

        @OptionGroup var stream: StreamOptions

        func run() async throws {
            let setup = try global.setup(
                "newsflash.match",
                flags: files.flags.merging(observability.flags) { $1 }.merging(stream.flags("match")) { $1 })
            let settings = try Stages.StreamSettings(setup.config, section: "match")
            let parser = try SubscriptionFiles.filterParser()
            try await setup.runStoreStage("match") { store, mirror, context in
                try await Stages.match(settings, store: store, mirror: mirror, parser: parser, context)
            }
        }
    }
}
