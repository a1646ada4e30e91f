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
        postgres://user:password@host:5432/newsflash?sslmode=require for PostgreSQL. \
        Default: $NEWSFLASH_SUBSCRIPTIONS, else var/subscriptions.sqlite.
        """)
    var subscriptions: String?

    var location: String {
        subscriptions ?? ProcessInfo.processInfo.environment["NEWSFLASH_SUBSCRIPTIONS"] ?? "var/subscriptions.sqlite"
    }

    /// Where the store logs when the command has no logger of its own: at $NEWSFLASH_LOG_LEVEL, else warning.
    static var logger: Logger {
        let level = ProcessInfo.processInfo.environment["NEWSFLASH_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        LoggingBootstrap.once(level: level)
        var logger = Logger(label: "newsflash.subscriptions")
        logger.logLevel = level
        return logger
    }

    /// Opens the store; the caller shuts it down (``withStore(logger:_:)`` does that on every path).
    func open(logger: Logger = Self.logger) async throws -> any SubscriptionStoring {
        do {
            return try await openSubscriptionStore(at: location, logger: logger)
        } catch let error as SubscriptionStoreError {
            throw CLIError(error.message)
        }
    }

    /// Opens the store, runs `body` with it and shuts it down, also when `body` throws.
    func withStore<Result>(
        logger: Logger = Self.logger, _ body: (any SubscriptionStoring) async throws -> Result
    ) async throws -> Result {
        let store = try await open(logger: logger)
        do {
            let result = try await body(store)
            await store.shutdown()
            return result
        } catch {
            await store.shutdown()
            throw error
        }
    }

    /// A parser that knows the taxonomy's labels, for checking filters when they are written.
    static func filterParser() throws -> FilterParser {
        Stages.filterParser(try NewsClassifier.bundled())
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
            try await files.withStore { try await $0.save(subscription) }
            print(subscription.id)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List subscriptions.")
        @OptionGroup var files: SubscriptionFiles

        func run() async throws {
            for subscription in try await files.withStore({ try await $0.all() }) {
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
        @OptionGroup var files: SubscriptionFiles
        @Argument(help: "The subscription id.") var id: String

        func run() async throws {
            guard try await files.withStore({ try await $0.delete(id) }) else { throw CLIError("no subscription \(id)") }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pause a subscription (nothing is matched for it until resumed).")
        @OptionGroup var files: SubscriptionFiles
        @Argument(help: "The subscription id.") var id: String

        func run() async throws { try await SubscriptionsCommand.setStatus(.paused, id, files) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume a paused subscription.")
        @OptionGroup var files: SubscriptionFiles
        @Argument(help: "The subscription id.") var id: String

        func run() async throws { try await SubscriptionsCommand.setStatus(.active, id, files) }
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
            guard let subscription = try await files.withStore({ try await $0.subscription(id) }) else { throw CLIError("no subscription \(id)") }
            let logger = global.makeLogger("newsflash.rewind")
            let admin = try await global.connectedAdmin(logger: logger)
            await admin.close()
            let client = global.kafkaClient("newsflash-rewind")
            let producer = try KafkaProducer.make(configuration: KafkaProducerConfiguration(client: client), logger: logger)
            let count = try await Rewinder(client: client, producer: producer, parser: try SubscriptionFiles.filterParser(), logger: logger)
                .rewind(subscription, since: time)
            await producer.shutdown()
            print("rewound \(subscription.id) since \(RFC3339Time.format(time)): \(count) deliveries re-published to \(Topics.alertsDeliveries)")
        }
    }

    static func setStatus(_ status: Subscription.Status, _ id: String, _ files: SubscriptionFiles) async throws {
        try await files.withStore { store in
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

        @Option(help: "Topic to read.")
        var input: String = Topics.newsClassified

        @Option(help: "Topic to publish to.")
        var output: String = Topics.alertsDeliveries

        @Option(help: "Consumer group.")
        var group = "newsflash-match"

        @Option(help: "Items matched at once.")
        var window = MatchProcessor.defaultWindow

        func validate() throws {
            guard window > 0 else { throw ValidationError("--window must be positive") }
        }

        func run() async throws {
            let logger = global.makeLogger("newsflash.match")
            let parser = try SubscriptionFiles.filterParser()
            try await files.withStore(logger: logger) { store in
                try await global.checkBroker(logger: logger)
                let context = try StageContext(global: global, producerID: "newsflash-match", logger: logger)
                let services = try await Stages.match(
                    Stages.MatchSettings(input: input, output: output, group: group, window: window), store: store, parser: parser, context)
                try await context.run(services, name: "match", observability: observability)
            }
        }
    }
}
