import ArgumentParser
import Classifier
import Foundation
import Hummingbird
import Logging
import MatchStage
import NewsModel
import RdKafka
import Server
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

    @Option(help: """
        File of the keys that seal webhook signing secrets and unsubscribe tokens (read by the API, the notifiers and \
        subscriptions add). Default: secrets.keyFile, $NEWSFLASH_SECRETS_KEY_FILE, else secrets.key beside a SQLite store \
        (made on first use); $NEWSFLASH_SECRETS_KEY gives the key text itself.
        """)
    var secretsKeyFile: String?

    /// These flags by setting key.
    var flags: [String: String?] { ["store.subscriptions": subscriptions, "secrets.keyFile": secretsKeyFile] }

    /// A parser that knows the taxonomy's labels, for checking filters when they are written.
    static func filterParser() throws -> FilterParser {
        Stages.filterParser(try NewsClassifier.bundled())
    }
}

/// The subscription a command works on, in the store its options name.
struct SubscriptionTarget: ParsableArguments {
    @OptionGroup var store: StoreOptions
    @Argument(help: "The subscription id.") var id: String

    /// The error for an id the store does not have.
    var notFound: CLIError { CLIError("no subscription \(id)") }
}

/// The options of a command that works on the subscription store: the global ones and ``SubscriptionFiles``.
struct StoreOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions
    @OptionGroup var files: SubscriptionFiles

    /// ``GlobalOptions/setup(_:flags:)`` with the store's flags, and `flags` over them.
    func setup(_ label: String, flags: [String: String?] = [:]) throws -> CommandSetup {
        try global.setup(label, flags: files.flags.merging(flags) { $1 })
    }

    /// Sets up as `label`, then ``CommandSetup/withStore(creating:_:)``.
    func withStore<Result>(
        _ label: String, creating: Bool = false, _ body: (any SubscriptionStoring) async throws -> Result
    ) async throws -> Result {
        try await setup(label).withStore(creating: creating, body)
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
        try await withStore(creating: true) { store in
            let context = try StageContext(self, producerID: "newsflash-\(name)")
            let services = try await build(store, try await Stages.mirror(store, logger: logger), context)
            try await context.run(services, name: name)
        }
    }

    /// The keys that seal subscribers' secrets for the store of `store.subscriptions` (``Stages/secretKeys(_:storeLocation:)``).
    func secretKeys() throws -> SecretKeySource {
        try Stages.secretKeys(config, storeLocation: try config.string("store.subscriptions"))
    }

    /// Opens the subscription store (`store.subscriptions`), runs `body` with it and shuts it down,
    /// also when `body` throws. Only the commands that make something (a stage, the API, `subscriptions
    /// add`, `keys create`) create a SQLite store that is not there yet: the others, pointed at the
    /// wrong path, would make an empty store there and report that it holds nothing.
    func withStore<Result>(creating: Bool = false, _ body: (any SubscriptionStoring) async throws -> Result) async throws -> Result {
        let location = try config.string("store.subscriptions")
        let store: any SubscriptionStoring
        do {
            store = try await openSubscriptionStore(at: location, creating: creating, logger: logger)
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
        discussion: """
            show, list, add and update print subscriptions as the HTTP API shows them (--json: the same JSON), \
            and add and update check their settings with the API's rules. Exit codes: 0 done; 1 no such \
            subscription, an invalid setting, or the store cannot be reached; 64 bad usage.
            """,
        subcommands: [Add.self, List.self, Show.self, Update.self, Remove.self, Pause.self, Resume.self, Rewind.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a subscription; prints its id.")
        @OptionGroup var store: StoreOptions

        @Option(help: "A name for people.") var name: String
        @Option(help: #"The filter, e.g. 'region:MENA AND (topic:Politics OR "air strike")'."#) var filter: String
        @Option(help: "Deliver to this webhook URL (http or https).") var webhook: String?
        @Option(help: "Deliver to this email address.") var email: String?
        @Option(help: "Send only items at least this urgent: routine, urgent or flash.") var minUrgency: String = "routine"
        @Flag(help: "Print the subscription as JSON (as the API shows it, with the webhook's signing secret, shown once).") var json = false

        func run() async throws {
            var settings = SubscriptionSettings()
            settings.name = name
            settings.filter = filter
            settings.minimumUrgency = minUrgency
            settings.channel = SubscriptionView.Channel(webhook: webhook, email: email)
            var subscription = try SubscriptionsCommand.checked { try settings.makeSubscription(parser: try SubscriptionFiles.filterParser(), owner: nil) }
            let setup = try store.setup("newsflash.subscriptions")
            let issued = subscription.issueCredentials(try setup.secretKeys().keyring)
            try await setup.withStore(creating: true) { try await $0.save(subscription) }
            if json {
                try SubscriptionsCommand.printJSON(SubscriptionView(subscription, secret: issued.signingSecret))
            } else {
                print(subscription.id)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List subscriptions: id, status, name, channel, urgency, filter.")
        @OptionGroup var store: StoreOptions

        @Flag(help: "One JSON object per subscription and line, as the API shows it.") var json = false

        func run() async throws {
            for subscription in try await store.withStore("newsflash.subscriptions", { try await $0.all() }) {
                if json {
                    try SubscriptionsCommand.printJSON(SubscriptionView(subscription))
                    continue
                }
                let target: String
                switch subscription.channel {
                case .webhook(let url): target = "webhook \(url)"
                case .email(let address): target = "email \(address)"
                }
                print("\(subscription.id)\t\(subscription.status.rawValue)\t\(subscription.name)\t\(target)\turgency>=\(subscription.minimumUrgency.rawValue)\t\(subscription.filter)")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one subscription: channel, filter, urgency, status, delivery mode, quiet hours, rate limit, contact.",
            discussion: """
                Example:
                  newsflash subscriptions show sub_0123 --json | jq .quietHours
                """)
        @OptionGroup var target: SubscriptionTarget
        @Flag(help: "One JSON object, as the API shows it.") var json = false

        func run() async throws {
            guard let subscription = try await target.store.withStore("newsflash.subscriptions", { try await $0.subscription(target.id) })
            else { throw target.notFound }
            try SubscriptionsCommand.show(SubscriptionView(subscription), json: json)
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a subscription's name, filter, urgency, delivery mode, quiet hours, rate limit or contact address.",
            discussion: """
                Only the settings given change; each is checked as the API's PATCH checks it. The channel cannot change: \
                add a new subscription for another endpoint or address.

                Examples:
                  newsflash subscriptions update sub_0123 --mode daily --digest-time 07:30 --time-zone Europe/Paris
                  newsflash subscriptions update sub_0123 --quiet-hours 22:00-07:00 --max-alerts-per-hour 20
                  newsflash subscriptions update sub_0123 --no-quiet-hours --min-urgency urgent
                """)
        @OptionGroup var target: SubscriptionTarget
        @Option(help: "A name for people.") var name: String?
        @Option(help: "The filter.") var filter: String?
        @Option(help: "Send only items at least this urgent: routine, urgent or flash.") var minUrgency: String?
        @Option(help: "immediate, hourly (a digest each hour) or daily (a digest each day).") var mode: String?
        @Option(help: "The digest's local time, HH:MM (daily), or its minute past each hour (hourly, HH:MM).") var digestTime: String?
        @Option(help: "IANA time zone of digest times and quiet hours, e.g. Europe/Paris.") var timeZone: String?
        @Option(help: "Hold alerts between these local times, HH:MM-HH:MM (flash alerts still go out unless --quiet-blocks-flash).")
        var quietHours: String?
        @Flag(help: "With --quiet-hours: hold flash alerts too.") var quietBlocksFlash = false
        @Flag(help: "Remove the quiet hours.") var noQuietHours = false
        @Option(help: "At most this many alerts an hour (0: no limit).") var maxAlertsPerHour: Int?
        @Option(help: "Address for notices about this subscription (empty: none).") var contactEmail: String?
        @Flag(help: "Print the updated subscription as JSON.") var json = false

        func validate() throws {
            if quietHours != nil && noQuietHours { throw ValidationError("give --quiet-hours or --no-quiet-hours, not both") }
            if quietBlocksFlash && quietHours == nil { throw ValidationError("--quiet-blocks-flash goes with --quiet-hours") }
        }

        func run() async throws {
            var settings = SubscriptionSettings()
            settings.name = name
            settings.filter = filter
            settings.minimumUrgency = minUrgency
            settings.mode = mode
            settings.digestTime = digestTime
            settings.timeZone = timeZone
            settings.maxAlertsPerHour = maxAlertsPerHour
            settings.contactEmail = contactEmail
            if noQuietHours { settings.clearQuietHours = true }
            if let quietHours {
                let parts = quietHours.split(separator: "-", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw CLIError("--quiet-hours must be HH:MM-HH:MM, e.g. 22:00-07:00") }
                settings.quietHours = SubscriptionView.Quiet(start: parts[0], end: parts[1], allowFlash: !quietBlocksFlash)
            }
            let parser = try SubscriptionFiles.filterParser()
            let change = settings
            let updated = try await target.store.withStore("newsflash.subscriptions") { store in
                try await SubscriptionsCommand.checkedAsync {
                    try await store.update(target.id) { subscription in
                        try change.apply(to: &subscription, parser: parser)
                        return true
                    }
                }
            }
            guard let updated else { throw target.notFound }
            try SubscriptionsCommand.show(SubscriptionView(updated.subscription), json: json)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a subscription.")
        @OptionGroup var target: SubscriptionTarget

        func run() async throws {
            guard try await target.store.withStore("newsflash.subscriptions", { try await $0.delete(target.id) }) else { throw target.notFound }
        }
    }

    struct Pause: StatusChange {
        static let configuration = CommandConfiguration(abstract: "Pause a subscription (nothing is matched for it until resumed).")
        static let status = Subscription.Status.paused
        @OptionGroup var target: SubscriptionTarget
    }

    struct Resume: StatusChange {
        static let configuration = CommandConfiguration(abstract: "Resume a paused subscription.")
        static let status = Subscription.Status.active
        @OptionGroup var target: SubscriptionTarget
    }

    struct Rewind: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-deliver to one subscription what it matches among the retained news.classified items since a time.",
            discussion: """
                The deliveries go to alerts.deliveries marked as replays, with the delivery ids of the first time. At most \
                100,000 items are read; a rewind that stops there, or that the broker leaves short, says so and exits 1. \
                `newsflash replay news.classified --since TIME --to-subscription ID` does the same with a checkpoint, a rate and a dry run.
                """)
        @OptionGroup var target: SubscriptionTarget
        @Option(help: "RFC 3339 start time, e.g. 2026-11-29T08:00:00Z.") var since: String

        func run() async throws {
            guard let time = RFC3339Time.parse(since) else { throw CLIError("--since must be an RFC 3339 time such as 2026-11-29T08:00:00Z") }
            let setup = try target.store.setup("newsflash.rewind")
            let logger = setup.logger
            guard let subscription = try await setup.withStore({ try await $0.subscription(target.id) }) else { throw target.notFound }
            try await setup.checkBroker()
            let client = setup.kafka.client("newsflash-rewind")
            let producer = try KafkaProducer.make(configuration: KafkaProducerConfiguration(client: client), logger: logger)
            let outcome: Rewinder.Outcome
            do {
                outcome = try await Rewinder(client: client, producer: producer, parser: try SubscriptionFiles.filterParser(), logger: logger)
                    .rewind(subscription, since: time)
            } catch {
                await producer.shutdown()
                throw error
            }
            await producer.shutdown()
            let note = switch outcome.state {
            case .completed: ""
            case .truncated: "; TRUNCATED after \(outcome.scanned) of \(outcome.total) items: rewind again from a later time for the rest"
            case .incomplete: "; INCOMPLETE: the broker sent nothing more after \(outcome.scanned) of \(outcome.total) items"
            }
            print("rewound \(subscription.id) since \(RFC3339Time.format(time)): \(outcome.scanned) items read, "
                  + "\(outcome.redelivered) deliveries re-published to \(Topics.alertsDeliveries)\(note)")
            if outcome.state != .completed { throw ExitCode(1) }
        }
    }

    /// Runs the API's validation; its errors become the CLI's one-line errors.
    static func checked<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as HTTPError {
            throw CLIError(error.body ?? "\(error)")
        }
    }

    static func checkedAsync<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as HTTPError {
            throw CLIError(error.body ?? "\(error)")
        }
    }

    static func printJSON(_ view: SubscriptionView) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(view), as: UTF8.self))
    }

    /// A subscription for people (one setting a line), or its JSON.
    static func show(_ view: SubscriptionView, json: Bool) throws {
        if json { return try printJSON(view) }
        var lines = [
            "id: \(view.id)", "name: \(view.name)", "status: \(view.status)\(view.disabledReason.map { " (\($0))" } ?? "")",
            "channel: " + (view.channel.webhook.map { "webhook \($0)" } ?? view.channel.email.map { "email \($0)" } ?? "-")
                + (view.confirmed.map { $0 ? " (confirmed)" : " (not confirmed)" } ?? ""),
            "filter: \(view.filter)", "minimum urgency: \(view.minimumUrgency)",
            "mode: \(view.mode)\(view.digestTime.map { " at \($0)" } ?? "") (\(view.timeZone))",
        ]
        if let quiet = view.quietHours {
            lines.append("quiet hours: \(quiet.start)-\(quiet.end)\(quiet.allowFlash == false ? ", flash held too" : ", flash goes out")")
        }
        if let limit = view.maxAlertsPerHour { lines.append("at most \(limit) alerts an hour") }
        if let contact = view.contactEmail { lines.append("contact: \(contact)\(view.contactConfirmed == true ? "" : " (not confirmed yet)")") }
        lines.append("created \(view.createdAt), updated \(view.updatedAt)")
        print(lines.joined(separator: "\n"))
    }
}

/// `subscriptions pause` and `resume`: sets one subscription's status.
protocol StatusChange: AsyncParsableCommand {
    static var status: Subscription.Status { get }
    var target: SubscriptionTarget { get }
}

extension StatusChange {
    func run() async throws {
        try await target.store.withStore("newsflash.subscriptions") { store in
            let now = Date()
            let updated = try await store.update(target.id) { subscription in
                subscription.status = Self.status
                subscription.updatedAt = now
                return true
            }
            guard updated != nil else { throw target.notFound }
        }
    }
}

extension RunCommand {
    struct Match: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Match news.classified items against the subscriptions and publish alerts.deliveries.",
            discussion: "Subscription changes are picked up within 2 s (the store is polled with a version cursor).")

        @OptionGroup var store: StoreOptions
        @OptionGroup var observability: ObservabilityOptions

        @OptionGroup var stream: StreamOptions

        func run() async throws {
            let setup = try store.setup("newsflash.match", flags: observability.flags.merging(stream.flags("match")) { $1 })
            let settings = try Stages.StreamSettings(setup.config, section: "match")
            let parser = try SubscriptionFiles.filterParser()
            try await setup.runStoreStage("match") { store, mirror, context in
                try await Stages.match(settings, store: store, mirror: mirror, parser: parser, context)
            }
        }
    }
}
