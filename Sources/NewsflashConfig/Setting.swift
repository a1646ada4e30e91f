/// One setting of a Newsflash process: its key in the configuration file (`section.name`), its
/// environment variable, its flag, its default and what values it takes. ``Setting/catalog`` lists
/// every one; ``Configuration`` resolves them (flag, then environment, then file, then default);
/// `newsflash config check` prints them; the README's configuration table is checked against them.
public struct Setting: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A non-empty string.
        case text
        case integer(ClosedRange<Int>)
        /// A number above `above`, at most `atMost`.
        case number(above: Double, atMost: Double? = nil)
        case boolean
        case choice([String])
        /// Comma-separated in an environment variable or repeated flags; an array or a comma-separated string in the file.
        case list
        /// librdkafka properties: an object in the file, `NEWSFLASH_KAFKA_<PROPERTY>` variables, repeated `--kafka-config key=value`.
        case kafkaProperties
        /// Part of the ingest section, checked as a whole when ingest's configuration is loaded (file only).
        case ingest
    }

    /// How much of a value `config check` may print.
    public enum Secrecy: Sendable, Hashable {
        case none
        /// A URL whose password is replaced by `<redacted>` (`postgres://`, `smtp://`).
        case urlPassword
        /// librdkafka properties whose name says password, secret or key.
        case propertyValues
        /// Never printed: shown as `<redacted>`.
        case whole
    }

    /// `section.name`, as in the file: `{"classify": {"window": 256}}` is `classify.window`.
    public let key: String
    /// The environment variable; nil for settings read from the file only.
    public let environment: String?
    /// The flag, on the commands that take it (nil: none).
    public let flag: String?
    /// The default as text; nil when there is none (required where used, or simply unset).
    public let defaultValue: String?
    public let kind: Kind
    public let secrecy: Secrecy
    public let help: String

    public var section: String { String(key.prefix { $0 != "." }) }
    public var name: String { String(key.drop { $0 != "." }.dropFirst()) }

    init(
        _ key: String, env: Environment = .derived, flag: String? = nil, default defaultValue: String?, _ kind: Kind,
        secrecy: Secrecy = .none, _ help: String
    ) {
        self.key = key
        self.flag = flag
        self.defaultValue = defaultValue
        self.kind = kind
        self.secrecy = secrecy
        self.help = help
        switch env {
        case .derived: environment = Self.derivedVariable(key)
        case .named(let name): environment = name
        case .none: environment = nil
        }
    }

    /// A text setting.
    init(_ key: String, env: Environment = .derived, flag: String? = nil, default defaultValue: String?, secrecy: Secrecy = .none, _ help: String) {
        self.init(key, env: env, flag: flag, default: defaultValue, .text, secrecy: secrecy, help)
    }

    enum Environment { case derived, named(String), none }

    /// `NEWSFLASH_<SECTION>_<NAME>` in upper snake case: `notifyWebhook.perEndpoint` is `NEWSFLASH_NOTIFY_WEBHOOK_PER_ENDPOINT`.
    static func derivedVariable(_ key: String) -> String {
        var name = "NEWSFLASH_"
        for character in key {
            if character == "." {
                name += "_"
            } else if character.isUppercase {
                name += "_" + String(character)
            } else {
                name += character.uppercased()
            }
        }
        return name
    }
}

extension Setting {
    /// Every setting of every process, in the order of the README's table.
    ///
    /// Servers listen on loopback unless told otherwise. The image (Deploy/Dockerfile) sets
    /// NEWSFLASH_METRICS_HOST, NEWSFLASH_API_HOST and NEWSFLASH_PUSH_HOST to 0.0.0.0, where probes,
    /// Prometheus and other containers connect from outside the container's loopback. Not guessed
    /// from the environment: a development machine may itself be a container, and tests and demos
    /// listen on loopback only.
    public static let catalog: [Setting] = [
        // Every process
        Setting("kafka.bootstrap", env: .named("KAFKA_BOOTSTRAP"), flag: "--bootstrap", default: "127.0.0.1:9092", .list,
                "Kafka bootstrap servers (host:port, comma-separated)"),
        Setting("kafka.properties", env: .named("NEWSFLASH_KAFKA_<PROPERTY>"), flag: "--kafka-config", default: nil, .kafkaProperties,
                secrecy: .propertyValues,
                "librdkafka properties (e.g. security.protocol, sasl.password); a variable is the property upper-cased with _ for . (NEWSFLASH_KAFKA_SASL_PASSWORD is sasl.password); keep secrets out of flags, where /proc/<pid>/cmdline shows them"),
        Setting("log.level", env: .named("NEWSFLASH_LOG_LEVEL"), flag: "--log-level", default: "warning",
                .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]), "log level"),
        Setting("log.format", env: .named("NEWSFLASH_LOG_FORMAT"), flag: "--log-format", default: "text", .choice(["text", "json"]),
                "log format on standard error: text, or json (one object a line)"),
        Setting("metrics.host", env: .named("NEWSFLASH_METRICS_HOST"), flag: "--metrics-host", default: "127.0.0.1",
                "address of /metrics, /health/live and /health/ready (the image sets 0.0.0.0)"),
        Setting("metrics.port", env: .named("NEWSFLASH_METRICS_PORT"), flag: "--metrics-port", default: "9464", .integer(-1...65_535),
                "port of /metrics and /health/*; 0 picks a free one, -1 serves none"),
        Setting("liveness.stallSeconds", env: .named("NEWSFLASH_LIVENESS_STALL_SECONDS"), default: "300", .number(above: 0),
                "seconds a stage may hold messages without finishing one, take nothing while the broker has messages for it, or have a poll running or overdue, before /health/live fails"),
        Setting("store.subscriptions", env: .named("NEWSFLASH_SUBSCRIPTIONS"), flag: "--subscriptions", default: "var/subscriptions.sqlite",
                secrecy: .urlPassword,
                "subscription store: a SQLite file, or postgres://user:password@host:5432/db?sslmode=require"),
        Setting("secrets.keyFile", env: .named("NEWSFLASH_SECRETS_KEY_FILE"), flag: "--secrets-key-file", default: nil,
                "file of the keys that seal webhook signing secrets and unsubscribe tokens at rest (lines <id>:<base64 of 32 bytes>, the current key first; newsflash secrets generate-key); default: secrets.key beside a SQLite store, made on first use; required with PostgreSQL unless secrets.keyText is given"),
        Setting("secrets.keyText", env: .named("NEWSFLASH_SECRETS_KEY"), default: nil, secrecy: .whole,
                "the same key text given directly (a Kubernetes Secret as a variable); read before the file, and never reloaded"),
        // Ingest
        Setting("ingest.state", env: .named("NEWSFLASH_INGEST_STATE"), flag: "--state", default: "var/ingest.sqlite",
                "ingest state (SQLite): seen items, source health, stories"),
        Setting("ingest.topic", flag: "--topic", default: "news.raw", "topic ingest publishes to"),
        Setting("ingest.pushHost", env: .named("NEWSFLASH_PUSH_HOST"), flag: "--push-host", default: "127.0.0.1",
                "address of the push endpoint (the image sets 0.0.0.0)"),
        Setting("ingest.pushPort", env: .named("NEWSFLASH_PUSH_PORT"), flag: "--push-port", default: "8081", .integer(0...65_535),
                "port of the push endpoint"),
        Setting("ingest.sources", env: .none, default: nil, .ingest, "the sources (see Ingest: sources); required by run ingest"),
        Setting("ingest.seenExpiryDays", env: .none, default: "30", .ingest, "how long a published item is remembered"),
        Setting("ingest.maxConcurrentRequestsPerHost", env: .none, default: "2", .ingest, "requests in flight per host"),
        Setting("ingest.failureAlertThreshold", env: .none, default: "5", .ingest, "failures in a row after which a source is reported failing"),
        Setting("ingest.connectTimeoutSeconds", env: .none, default: "5", .ingest, "seconds to connect to a source"),
        Setting("ingest.requestTimeoutSeconds", env: .none, default: "15", .ingest, "seconds for a whole request to a source"),
        Setting("ingest.maxResponseBytes", env: .none, default: "10485760", .ingest, "larger responses are refused"),
        // Classify
        Setting("classify.input", flag: "--input", default: "news.raw", "topic classify reads"),
        Setting("classify.output", flag: "--output", default: "news.classified", "topic classify publishes to"),
        Setting("classify.group", flag: "--group", default: "newsflash-classify", "classify's consumer group"),
        Setting("classify.window", flag: "--window", default: "256", .integer(1...65_536), "messages classified at once"),
        Setting("classify.taxonomy", flag: "--taxonomy", default: nil,
                "a taxonomy JSON file instead of the bundled one (keywords, sections; its region and topic labels must be the bundled ones, which filters are checked against)"),
        Setting("classify.model", flag: "--model", default: nil, "a topic model JSON file (newsflash classify train) instead of the bundled one"),
        // Match
        Setting("match.input", flag: "--input", default: "news.classified", "topic match reads"),
        Setting("match.output", flag: "--output", default: "alerts.deliveries", "topic match publishes to"),
        Setting("match.group", flag: "--group", default: "newsflash-match", "match's consumer group"),
        Setting("match.window", flag: "--window", default: "64", .integer(1...65_536), "items matched at once"),
    ]
        + notifierSettings("notifyWebhook", group: "newsflash-notify-webhook")
        + [
            Setting("notifyWebhook.allowAddress", env: .named("NEWSFLASH_WEBHOOK_ALLOW"), flag: "--allow-address", default: nil, .list,
                    "webhook addresses allowed despite the SSRF policy (CIDR ranges, e.g. 127.0.0.0/8 for a local demo)"),
            Setting("notifyWebhook.connectTimeout", flag: "--connect-timeout", default: "5", .number(above: 0), "seconds to connect to an endpoint"),
            Setting("notifyWebhook.timeout", flag: "--timeout", default: "15", .number(above: 0),
                    "seconds for a whole attempt, from connecting to the end of the response"),
            Setting("notifyWebhook.perEndpoint", flag: "--per-endpoint", default: "64", .integer(1...65_536),
                    "deliveries in flight to one endpoint; more are deferred 5 s without an attempt"),
            Setting("notifyWebhook.connectionsPerEndpoint", flag: "--connections-per-endpoint", default: "8", .integer(1...1_024),
                    "keep-alive connections to one endpoint"),
        ]
        + notifierSettings("notifyEmail", group: "newsflash-notify-email")
        + [
            Setting("notifyEmail.smtpURL", env: .named("NEWSFLASH_SMTP_URL"), flag: "--smtp-url", default: nil, secrecy: .urlPassword,
                    "SMTP server: smtp://user:password@host:587 (STARTTLS required; ?tls=none for a local sink) or smtps://host:465; required by run notify-email"),
            Setting("notifyEmail.smtpCAFile", env: .named("NEWSFLASH_SMTP_CA_FILE"), flag: "--smtp-ca-file", default: nil,
                    "trust only the CA certificates in this PEM file for the SMTP server (default: the system's)"),
            Setting("notifyEmail.smtpConnections", flag: "--smtp-connections", default: "4", .integer(1...256), "SMTP connections kept open"),
            Setting("notifyEmail.from", env: .named("NEWSFLASH_MAIL_FROM"), flag: "--from", default: nil,
                    "From address of mails, e.g. 'Newsflash <alerts@example.com>'; required by run notify-email"),
            Setting("notifyEmail.publicURL", env: .named("NEWSFLASH_PUBLIC_URL"), flag: "--public-url", default: "http://127.0.0.1:8080",
                    "the API's public base URL, for confirmation and unsubscribe links"),
            // API
            Setting("api.host", env: .named("NEWSFLASH_API_HOST"), flag: "--host", default: "127.0.0.1", "address of the API (the image sets 0.0.0.0)"),
            Setting("api.port", env: .named("NEWSFLASH_API_PORT"), flag: "--port", default: "8080", .integer(0...65_535), "port of the API"),
            Setting("api.recentItems", flag: "--recent-items", default: "500", .integer(1...100_000),
                    "recent news.classified items per partition that POST /v1/filters/test searches"),
            Setting("api.noKafka", flag: "--no-kafka", default: "false", .boolean, "serve subscriptions only: no receipts, filter tests or rewinds"),
            Setting("api.receiptsGroup", default: "newsflash-receipts",
                    "consumer group that records alerts.receipts into this API's store (the delivery log); one per store"),
        ]

    /// What both notifiers take, in their own sections.
    private static func notifierSettings(_ section: String, group: String) -> [Setting] {
        [
            Setting("\(section).group", flag: "--group", default: group, "consumer group of alerts.deliveries (the delay topics use <group>.<topic>)"),
            Setting("\(section).window", flag: "--window", default: "512", .integer(1...65_536), "deliveries in flight per consumed topic"),
            Setting("\(section).disableAfterDays", flag: "--disable-after-days", default: "5", .number(above: 0),
                    "days without a success before an endpoint or address is disabled"),
            Setting("\(section).retryScale", flag: "--retry-scale", default: "1", .number(above: 0, atMost: 1),
                    "a factor on every retry delay; 0.001 runs the whole schedule in about a minute, for tests; keep 1 in production"),
        ]
    }

    /// The setting with this key.
    public static func named(_ key: String) -> Setting? { catalog.first { $0.key == key } }

    /// The file's sections, in catalog order.
    public static var sections: [String] {
        var seen: [String] = []
        for setting in catalog where !seen.contains(setting.section) { seen.append(setting.section) }
        return seen
    }
}

extension Setting {
    /// The README's configuration table: one row per setting, generated from ``catalog`` (a test
    /// keeps the README equal to it; `newsflash config describe` prints it).
    public static func markdownTable() -> String {
        var lines = [
            "| file key | environment | flag | default | read by | what |",
            "|---|---|---|---|---|---|",
        ]
        for setting in catalog {
            let readers = Configuration.processes.filter { $0.sections.contains(setting.section) }.map(\.name)
            let readBy = readers.count == Configuration.processes.count ? "all" : readers.joined(separator: ", ")
            let cells = [
                "`\(setting.key)`", setting.environment.map { "`\($0)`" } ?? "(file only)", setting.flag.map { "`\($0)`" } ?? "",
                setting.defaultValue.map { "`\($0)`" } ?? "none", readBy, setting.help.replacingOccurrences(of: "|", with: "\\|"),
            ]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }
}
