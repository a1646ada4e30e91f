import ClassifyStage
import Classifier
import Foundation
import Hummingbird
import FeedParsing
import Ingest
import Logging
import Mailer
import MatchStage
import NewsModel
import NewsflashConfig
import Notifier
import Pipeline
import RdKafka
import Server
import ServiceLifecycle
import SubscriptionStore
import Subscriptions

/// Every stage's wiring, once: `newsflash run <stage>` builds one stage from its flags,
/// `newsflash up` builds them all from defaults, and both run the result with
/// ``StageContext/run(_:name:observability:)``.
enum Stages {
    // MARK: Ingest

    struct IngestSettings {
        var configuration: IngestConfiguration
        var store: IngestStore
        var topic: String
        /// Where the push endpoint listens, when a push source is configured.
        var pushHost: String
        var pushPort: Int

        /// The ingest section of `config` (its sources checked as a whole) and the state it names, opened.
        init(_ config: Configuration) throws {
            try self.init(configuration: Self.sources(config), store: Self.openState(try config.string("ingest.state")), config)
        }

        /// The ingest state `config` names (`ingest.state`), opened only when its file is there: the
        /// commands that read it (`status`, `sources status`) create nothing, for an empty state made
        /// at a wrong path would report every source as never polled. The store is nil without a file.
        static func existingState(_ config: Configuration) throws -> (path: String, store: IngestStore?) {
            let state = try config.string("ingest.state")
            guard state == ":memory:" || FileManager.default.fileExists(atPath: state) else { return (state, nil) }
            return (state, try openState(state))
        }

        /// The ingest state at `path`, opened (created and migrated if need be).
        private static func openState(_ path: String) throws -> IngestStore {
            do {
                return try IngestStore(path: path)
            } catch {
                throw CLIError("cannot open ingest state \(path): \(error)")
            }
        }

        /// Given sources and state (`up`'s demo) with the rest of the ingest section.
        init(configuration: IngestConfiguration, store: IngestStore, _ config: Configuration) throws {
            self.configuration = configuration
            self.store = store
            topic = try config.string("ingest.topic")
            pushHost = try config.string("ingest.pushHost")
            pushPort = try config.int("ingest.pushPort")
        }

        /// The sources and fetch limits of the file's ingest section, checked.
        static func sources(_ config: Configuration) throws -> IngestConfiguration {
            guard let section = config.section("ingest"), section["sources"] != nil else {
                throw CLIError(
                    "ingest needs sources: give them in the \"ingest\" section of the configuration file"
                        + (config.filePath.map { " (\($0) has none)" } ?? " (--config, $NEWSFLASH_CONFIG, else newsflash.json; none found)"))
            }
            do {
                return try IngestConfiguration.parse(Array(try JSONEncoder().encode(JSONValue.object(section))), origin: "\(config.filePath ?? "") (ingest)")
            } catch let error as ConfigurationError {
                throw CLIError(error.message)
            }
        }
    }

    /// The ingest worker (polls and pushes), and the push endpoint when a push source is enabled.
    static func ingest(_ settings: IngestSettings, _ context: StageContext) async throws -> StageServices {
        let fetcher = FeedFetcher(configuration: settings.configuration)
        let worker = try await IngestWorker(
            configuration: settings.configuration, store: settings.store, producer: context.producer, fetcher: fetcher,
            topic: settings.topic, logger: context.logger)
        let limit = context.stallLimit
        var services = StageServices(
            work: [worker], liveness: [("ingest", { worker.stall(after: limit) })], shutdowns: [{ await fetcher.shutdown() }],
            metadata: ["kafka.topic": "\(settings.topic)"])
        if settings.configuration.sources.contains(where: { $0.kind == .push && $0.enabled }) {
            let router = Router()
            PushEndpoint.register(on: router, worker: worker)
            services.work.append(Application(
                router: router, configuration: .init(address: .hostname(settings.pushHost, port: settings.pushPort)), logger: context.logger))
            services.metadata["push.address"] = "\(settings.pushHost):\(settings.pushPort)"
            services.listening.append(.init(name: "ingest.pushPort, --push-port", host: settings.pushHost, port: settings.pushPort))
        }
        return services
    }

    // MARK: Classify

    /// What a stage that reads one topic and writes another is told: classify's and match's sections.
    struct StreamSettings {
        var input: String
        var output: String
        var group: String
        var window: Int

        /// The settings of the `section` ("classify", "match") of `config`.
        init(_ config: Configuration, section: String) throws {
            input = try config.string("\(section).input")
            output = try config.string("\(section).output")
            group = try config.string("\(section).group")
            window = try config.int("\(section).window")
        }
    }

    /// The classifier the classify stage runs: the bundled one, or `classify.taxonomy` and
    /// `classify.model` in its place (a model from `classify train`, tried with `classify shadow`;
    /// a taxonomy with other keywords or sections). The taxonomy's labels must be the bundled ones:
    /// the match stage, the API and `subscriptions` check filters against those.
    static func classifier(_ config: Configuration) throws -> NewsClassifier {
        let taxonomyFile = try config.optionalString("classify.taxonomy"), modelFile = try config.optionalString("classify.model")
        let classifier: NewsClassifier
        do {
            classifier = NewsClassifier(resources: try ClassifierResources.bundled(
                taxonomyFile: taxonomyFile.map { URL(fileURLWithPath: $0) }, topicModelFile: modelFile.map { URL(fileURLWithPath: $0) }))
        } catch {
            let names = [taxonomyFile.map { "classify.taxonomy \($0)" }, modelFile.map { "classify.model \($0)" }].compactMap { $0 }
            throw CLIError("cannot load the classifier\(names.isEmpty ? "" : " from " + names.joined(separator: " and ")): \(error)")
        }
        guard let taxonomyFile else { return classifier }
        // The bundled taxonomy alone (no gazetteer or model) is what the labels are checked against.
        let bundled: Taxonomy
        do {
            bundled = try TaxonomyLoader.load(try Data(contentsOf: ClassifierResources.bundledFile("taxonomy", "json")), source: "the bundled taxonomy")
        } catch {
            throw CLIError("cannot load the classifier: \(error)")
        }
        for (what, labels, expected) in [
            ("region", classifier.taxonomy.regions.map(\.label), bundled.regions.map(\.label)),
            ("topic", classifier.taxonomy.topics.map(\.label), bundled.topics.map(\.label)),
        ] where Set(labels) != Set(expected) {
            throw CLIError(
                "classify.taxonomy \(taxonomyFile) has the \(what) labels \(labels.joined(separator: ", ")); they must be the bundled ones "
                    + "(\(expected.joined(separator: ", "))), which the match stage, the API and subscriptions check filters against")
        }
        return classifier
    }

    static func classify(_ settings: StreamSettings, classifier: NewsClassifier, _ context: StageContext) throws -> StageServices {
        let consumer = try context.consumer("classify", group: settings.group, topic: settings.input)
        let runner = StageRunner(
            name: "classify", consumer: consumer, producer: context.producer,
            processor: ClassifyProcessor(classifier: classifier, outputTopic: settings.output), window: settings.window, logger: context.logger)
        return StageServices(
            consumers: [consumer], work: [runner], liveness: [context.liveness(runner)],
            metadata: ["classifier.version": "\(classifier.version)", "classify.group": "\(settings.group)"])
    }

    // MARK: Match

    /// The matcher, its subscription directory (refreshed every 2 s) and the store's readiness check.
    static func match(
        _ settings: StreamSettings, store: any SubscriptionStoring, mirror: SubscriptionMirror, parser: FilterParser, _ context: StageContext
    ) async throws -> StageServices {
        let directory = SubscriptionDirectory(mirror: mirror, parser: parser, logger: context.logger)
        try await directory.refresh()
        let consumer = try context.consumer("match", group: settings.group, topic: settings.input)
        let runner = StageRunner(
            name: "match", consumer: consumer, producer: context.producer,
            processor: MatchProcessor(directory: directory, store: store, outputTopic: settings.output), window: settings.window, logger: context.logger)
        return StageServices(
            consumers: [consumer],
            background: [PeriodicTask(name: "subscriptions refresh", logger: context.logger) { try await directory.refresh() }],
            work: [runner], checks: [storeCheck(store)], liveness: [context.liveness(runner)],
            metadata: ["subscriptions": "\(await directory.count)", "match.group": "\(settings.group)"])
    }

    // MARK: Receipts

    /// Records alerts.receipts into the store, for the API's delivery log.
    static func receipts(group: String, store: any SubscriptionStoring, _ context: StageContext) throws -> StageServices {
        let consumer = try context.consumer("receipts", group: group, topic: Topics.alertsReceipts)
        let runner = StageRunner(name: "receipts", consumer: consumer, producer: context.producer, processor: ReceiptRecorder(store: store), logger: context.logger)
        return StageServices(consumers: [consumer], work: [runner], liveness: [context.liveness(runner)])
    }

    // MARK: Notifiers

    /// What both notifiers share.
    struct NotifierSettings {
        var group: String
        var window: Int
        var disableAfterDays: Double
        /// Multiplies every retry delay; 1 in production.
        var retryScale: Double
        var flow: DeliveryFlow { DeliveryFlow(schedule: RetrySchedule().scaled(by: retryScale)) }

        /// The settings of the notifier whose section is `section` (`notifyWebhook`, `notifyEmail`).
        init(_ config: Configuration, section: String) throws {
            group = try config.string("\(section).group")
            window = try config.int("\(section).window")
            disableAfterDays = try config.double("\(section).disableAfterDays")
            retryScale = try config.double("\(section).retryScale")
        }
    }

    struct WebhookSettings {
        var notifier: NotifierSettings
        var sender = WebhookSender.Configuration()
        var perEndpoint: Int

        init(_ config: Configuration) throws {
            notifier = try NotifierSettings(config, section: "notifyWebhook")
            perEndpoint = try config.int("notifyWebhook.perEndpoint")
            sender.connectTimeout = .milliseconds(Int64(try config.double("notifyWebhook.connectTimeout") * 1000))
            sender.totalTimeout = .milliseconds(Int64(try config.double("notifyWebhook.timeout") * 1000))
            sender.connectionsPerEndpoint = try config.int("notifyWebhook.connectionsPerEndpoint")
            let allowed = try config.list("notifyWebhook.allowAddress")
            for range in allowed where AddressPolicy.Range(range) == nil {
                throw CLIError("notifyWebhook.allowAddress: \(range) is not a CIDR range such as 127.0.0.0/8 or ::1/128")
            }
            sender.policy = AddressPolicy(allowed: allowed)
        }
    }

    /// Webhook deliveries on alerts.deliveries and the delay topics, webhook digests, the
    /// subscription mirror (refreshed every 2 s) and the store's readiness check.
    static func notifyWebhook(
        _ settings: WebhookSettings, store: any SubscriptionStoring, mirror: SubscriptionMirror, keys: SecretKeySource, _ context: StageContext
    ) async throws -> StageServices {
        let sender = WebhookSender(configuration: settings.sender, logger: context.logger)
        let processor = WebhookProcessor(
            channel: WebhookChannel(sender: sender, gate: EndpointGate(limit: settings.perEndpoint), keys: keys), mirror: mirror, store: store,
            flow: settings.notifier.flow, disableAfter: settings.notifier.disableAfterDays * 86_400, logger: context.logger)
        var services = try notifier(
            "notify-webhook", settings.notifier, processor: processor, store: store, mirror: mirror,
            refresh: { try await mirror.refresh(maximumAge: .seconds(1)) }, context)
        services.shutdowns.append { await sender.shutdown() }
        return services
    }

    struct EmailSettings {
        var notifier: NotifierSettings
        var smtp: SMTPConfiguration
        var from: EmailAddress
        /// The API's public base URL, for confirmation and unsubscribe links.
        var publicURL: String

        /// `up`'s: the SMTP sink it started, and links to its own API.
        init(_ config: Configuration, smtp: SMTPConfiguration, from: EmailAddress, publicURL: String) throws {
            notifier = try NotifierSettings(config, section: "notifyEmail")
            self.smtp = smtp
            self.from = from
            self.publicURL = publicURL
        }

        /// `run notify-email`'s: the notifyEmail section, its SMTP URL and public URL checked.
        init(_ config: Configuration) throws {
            notifier = try NotifierSettings(config, section: "notifyEmail")
            smtp = try SMTPURL.parse(try config.string("notifyEmail.smtpURL"))
            smtp.maxConnections = try config.int("notifyEmail.smtpConnections")
            if let ca = try config.optionalString("notifyEmail.smtpCAFile") { smtp.trust = .caFile(ca) }
            from = try SMTPURL.address(try config.string("notifyEmail.from"))
            publicURL = try config.string("notifyEmail.publicURL")
            guard let parsed = URL(string: publicURL), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw CLIError("notifyEmail.publicURL must be an absolute http(s) URL, got '\(publicURL)'")
            }
        }
    }

    /// Mail deliveries, confirmations, digests and disabled-subscription notices over SMTP.
    static func notifyEmail(
        _ settings: EmailSettings, store: any SubscriptionStoring, mirror: SubscriptionMirror, keys: SecretKeySource, _ context: StageContext
    ) async throws -> StageServices {
        let client = try SMTPClient(configuration: settings.smtp, logger: context.logger)
        let templates = try MailTemplates()
        let mail = EmailChannel.Settings(from: settings.from, publicURL: settings.publicURL)
        let processor = EmailProcessor(
            channel: EmailChannel(transport: client, templates: templates, settings: mail, keys: keys, logger: context.logger), mirror: mirror, store: store,
            flow: settings.notifier.flow, disableAfter: settings.notifier.disableAfterDays * 86_400, logger: context.logger)
        let notices = MailNotices(mirror: mirror, store: store, transport: client, templates: templates, settings: mail, logger: context.logger)
        var services = try notifier(
            "notify-email", settings.notifier, processor: processor, store: store, mirror: mirror,
            refresh: {
                try await mirror.refresh(maximumAge: .seconds(1))
                try await notices.runOnce()
            }, context)
        services.shutdowns.append { await client.shutdown() }
        services.metadata["smtp"] = "\(settings.smtp)"
        return services
    }

    /// A notifier's consumers and runners (``NotifierStage``), its digests and its refresh task.
    private static func notifier<Channel: NotificationChannel>(
        _ name: String, _ settings: NotifierSettings, processor: ChannelProcessor<Channel>, store: any SubscriptionStoring,
        mirror: SubscriptionMirror, refresh: @escaping @Sendable () async throws -> Void, _ context: StageContext
    ) throws -> StageServices {
        let stage = try NotifierStage(
            name: name, group: settings.group, consumer: { try context.consumer(name, group: $0, topic: $1) }, producer: context.producer,
            processor: processor, window: settings.window, logger: context.logger)
        let digests = DigestRunner(
            channel: processor.channel.kind, store: store, mirror: mirror, producer: context.producer, flow: settings.flow, logger: context.logger,
            send: { await processor.sendDigest($0, $1, at: $2) })
        return StageServices(
            consumers: stage.consumers, background: [PeriodicTask(name: "subscriptions refresh", logger: context.logger, refresh), digests],
            work: stage.runners, checks: [storeCheck(store)], liveness: stage.runners.map { context.liveness($0) },
            metadata: ["\(name).group": "\(settings.group)"])
    }

    // MARK: API

    struct APISettings {
        var host: String
        var port: Int
        /// How many recent news.classified items per partition POST /v1/filters/test searches.
        var recentItems: Int
        /// The group that records alerts.receipts into the store.
        var receiptsGroup: String

        init(_ config: Configuration) throws {
            host = try config.string("api.host")
            port = try config.int("api.port")
            recentItems = try config.int("api.recentItems")
            receiptsGroup = try config.string("api.receiptsGroup")
        }
    }

    /// The subscriptions API with /metrics and /health/ready on its own port. With a context it also
    /// records receipts, tests filters against recent items and rewinds; without one (`--no-kafka`)
    /// those routes answer 503.
    static func api(
        _ settings: APISettings, store: any SubscriptionStoring, parser: FilterParser, keys: SecretKeySource, _ context: StageContext?,
        logger: Logger
    ) throws -> StageServices {
        var services = StageServices()
        var extras = SubscriptionAPI.Services()
        var checks = [storeCheck(store)]
        if let context {
            services = try receipts(group: settings.receiptsGroup, store: store, context)
            let client = context.client("api")
            let rewinder = Rewinder(client: client, producer: context.producer, parser: parser, logger: logger)
            let recent = RecentItems(
                reader: RetainedTopicReader(client: client, topic: Topics.newsClassified, idleTimeout: .seconds(2), logger: logger),
                perPartition: settings.recentItems)
            let rewinds = RewindJobs { subscription, since, progress in
                let outcome = try await rewinder.rewind(subscription, since: since, progress: progress)
                let state: RewindJobs.Report.State = switch outcome.state {
                case .completed: .completed
                case .truncated: .truncated
                case .incomplete: .incomplete
                }
                return RewindJobs.Report(state: state, redelivered: outcome.redelivered, scanned: outcome.scanned)
            }
            extras = SubscriptionAPI.Services(recentItems: { await recent.items() }, rewinds: rewinds)
            checks.append(context.brokerCheck)
        }
        let router = SubscriptionAPI.buildRouter(store: store, parser: parser, keys: keys, services: extras)
        // /health/live fails when the receipts recorder is stuck; without Kafka it has nothing to check.
        Observability.addRoutes(to: router, checks: checks, liveness: services.liveness)
        MethodNotAllowed.install(on: router)
        services.work.append(Application(router: router, configuration: .init(address: .hostname(settings.host, port: settings.port)), logger: logger))
        services.metadata["http.address"] = "\(settings.host):\(settings.port)"
        services.listening.append(.init(name: "api.port, --port", host: settings.host, port: settings.port))
        return services
    }

    // MARK: Shared

    /// The process's one subscription mirror, read once before the stages start; match and the
    /// notifiers share it (``SubscriptionMirror``).
    static func mirror(_ store: any SubscriptionStoring, logger: Logger) async throws -> SubscriptionMirror {
        let mirror = SubscriptionMirror(store: store, logger: logger)
        try await mirror.refresh()
        return mirror
    }

    /// The keys that seal subscribers' secrets at rest (``SecretKeyring``): `secrets.keyText` as
    /// text, else the file `secrets.keyFile`, else `secrets.key` beside a SQLite store at
    /// `storeLocation`, made (mode 0600) on first use. A PostgreSQL store has no default: every API
    /// and notifier process must share the key, so it is given explicitly.
    static func secretKeys(_ config: Configuration, storeLocation: String) throws -> SecretKeySource {
        if let text = try config.optionalString("secrets.keyText") {
            do {
                return SecretKeySource(try SecretKeyring(text: text))
            } catch {
                throw CLIError("secrets.keyText (NEWSFLASH_SECRETS_KEY): \(error)")
            }
        }
        let path: String
        if let file = try config.optionalString("secrets.keyFile") {
            path = file
        } else if storeLocation.hasPrefix("postgres://") || storeLocation.hasPrefix("postgresql://") || storeLocation == ":memory:" {
            throw CLIError("""
                a PostgreSQL store needs the key that seals subscribers' secrets, shared by every API and notifier process: \
                set secrets.keyFile (NEWSFLASH_SECRETS_KEY_FILE) or NEWSFLASH_SECRETS_KEY (make one with `newsflash secrets generate-key`)
                """)
        } else {
            path = URL(fileURLWithPath: storeLocation).deletingLastPathComponent().appendingPathComponent("secrets.key").path
            try createKeyFileIfMissing(path)
        }
        do {
            return try SecretKeySource(file: path)
        } catch {
            throw CLIError("\(error)")
        }
    }

    /// Writes a fresh keyring to `path` unless a file is there. The file appears whole or not at all
    /// (``KeyFile/write(_:to:replacing:)``): of two processes starting at once, one writes and both
    /// read the same key.
    static func createKeyFileIfMissing(_ path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try KeyFile.write(KeyFile.header + SecretKeyring.newKeyLine(), to: path, replacing: false)
    }

    /// Ready when the subscription store answers `SELECT 1`.
    static func storeCheck(_ store: any StoreConnection) -> Observability.Check {
        Observability.storeCheck { try await store.ping() }
    }

    /// A filter parser that knows the taxonomy's labels, as the API checks filters when they are written.
    static func filterParser(_ classifier: NewsClassifier) -> FilterParser {
        FilterParser(regions: classifier.taxonomy.regions.map(\.label), topics: classifier.taxonomy.topics.map(\.label))
    }
}
