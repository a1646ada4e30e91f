import ArgumentParser
import Foundation
import Logging
import NewsModel
import NewsflashConfig
import RdKafka
import Synchronization

/// Options every command takes: the configuration file, where Kafka is and how much to log.
/// Each is also a setting of the file and the environment (``Setting/catalog``); a flag wins.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Configuration file (JSON, a section per stage; `newsflash config check` prints what it sets). Default: $NEWSFLASH_CONFIG, else newsflash.json when there is one.")
    var config: String?

    @Option(help: "Kafka bootstrap servers, comma-separated. Default: kafka.bootstrap, $KAFKA_BOOTSTRAP, else 127.0.0.1:9092.")
    var bootstrap: String?

    @Option(
        name: .customLong("kafka-config"),
        help: ArgumentHelp(
            "A librdkafka property as key=value, repeatable (e.g. security.protocol=SASL_SSL). Secrets belong in the file or $NEWSFLASH_KAFKA_<PROPERTY>, not here.",
            valueName: "key=value"))
    var kafkaConfig: [String] = []

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. Default: log.level, $NEWSFLASH_LOG_LEVEL, else warning.")
    var logLevel: String?

    @Option(help: "Log format on standard error: text, or json (one object a line). Default: log.format, $NEWSFLASH_LOG_FORMAT, else text.")
    var logFormat: String?

    func validate() throws {
        for entry in kafkaConfig where !entry.contains("=") || entry.hasPrefix("=") {
            throw ValidationError("--kafka-config takes key=value, got '\(entry)'")
        }
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        if let logFormat, !["text", "json"].contains(logFormat) {
            throw ValidationError("--log-format must be text or json")
        }
    }

    /// The configuration this process runs with: `flags` (the command's own, by setting key; nil
    /// for flags not given) and these options over the environment, over the file, over the defaults.
    /// A key in `flags` wins over the option of the same setting: it is what the command decided
    /// (`up` points kafka.bootstrap at the local broker it started when --bootstrap did not answer).
    func configuration(_ flags: [String: String?] = [:]) throws -> Configuration {
        let environment = ProcessInfo.processInfo.environment
        // Only the options given: assigning a nil would also remove a key the command set.
        var given = ["kafka.bootstrap": bootstrap, "log.level": logLevel, "log.format": logFormat].compactMapValues { $0 }
        given.merge(flags.compactMapValues { $0 }) { $1 }
        var properties: [String: String] = [:]
        for entry in kafkaConfig {
            let parts = entry.split(separator: "=", maxSplits: 1)
            properties[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        let named = config ?? environment["NEWSFLASH_CONFIG"]
        do {
            return try Configuration.load(
                path: named ?? "newsflash.json", required: named != nil, environment: environment, flags: given, flagProperties: properties)
        } catch {
            throw CLIError(error.message)
        }
    }

    /// The configuration, a logger and the Kafka settings, for a command named `label`.
    func setup(_ label: String, flags: [String: String?] = [:]) throws -> CommandSetup {
        try CommandSetup(configuration(flags), label: label)
    }

    /// For a command that needs no broker or store: checks the configuration and sets up logging
    /// as it says (``setup(_:flags:)`` without its result).
    func startLogging(_ label: String) throws {
        _ = try setup(label)
    }
}

/// What a command runs with: its resolved configuration, a logger at the configured level and
/// format, and where Kafka is.
struct CommandSetup: Sendable {
    let config: Configuration
    let kafka: KafkaSettings
    let logger: Logger

    init(_ config: Configuration, label: String) throws {
        self.config = config
        let level = Logger.Level(rawValue: try config.string("log.level")) ?? .warning
        LoggingBootstrap.once(level: level, json: try config.string("log.format") == "json")
        Observability.bootstrap()
        var logger = Logger(label: label)
        logger.logLevel = level
        self.logger = logger
        kafka = KafkaSettings(bootstrapServers: try config.list("kafka.bootstrap"), properties: try config.kafkaProperties())
    }

    /// Fails with a clear error unless the broker answers (a stage checks before it starts).
    func checkBroker() async throws {
        try await connectedAdmin().close()
    }

    /// An admin client that has reached the broker, or a clear error saying why not.
    func connectedAdmin() async throws -> KafkaAdmin {
        logger.info("using librdkafka", metadata: ["librdkafka.version": "\(LibrdkafkaVersion.runtimeString)"])
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(client: kafka.client("newsflash-cli")), logger: logger)
        do {
            try await admin.waitUntilReachable()
        } catch {
            await admin.close()
            throw CLIError("cannot reach Kafka at \(kafka.bootstrapServers.joined(separator: ",")): \(error.message)")
        }
        return admin
    }

    /// Runs `body` with an admin client that has reached the broker, closed afterwards whatever happens.
    func withAdmin<T>(_ body: (KafkaAdmin) async throws -> T) async throws -> T {
        let admin = try await connectedAdmin()
        do {
            let result = try await body(admin)
            await admin.close()
            return result
        } catch {
            await admin.close()
            throw error
        }
    }

    /// A setting's value, or the CLI's one-line error.
    func value<Value>(_ read: (Configuration) throws(SettingError) -> Value) throws -> Value {
        do {
            return try read(config)
        } catch {
            throw CLIError(error.message)
        }
    }
}

/// Where Kafka is and the librdkafka properties every client of this process gets.
struct KafkaSettings: Sendable {
    var bootstrapServers: [String]
    var properties: [String: String]

    func client(_ clientID: String) -> KafkaClientConfiguration {
        KafkaClientConfiguration(bootstrapServers: bootstrapServers, clientID: clientID, additionalConfig: properties)
    }
}

/// swift-log may be bootstrapped once per process; the first caller's level wins.
enum LoggingBootstrap {
    private static let bootstrapped = Mutex(false)

    static func once(level: Logger.Level, json: Bool = false) {
        bootstrapped.withLock { done in
            guard !done else { return }
            done = true
            LoggingSystem.bootstrap { label in
                if json { return JSONLogHandler(label: label, logLevel: level) }
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}

/// A failure the CLI reports as one line on stderr with a non-zero exit.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    /// A TCP port from an environment variable, or a clear error.
    static func port(_ text: String, _ variable: String) throws -> Int {
        guard let port = Int(text), (0...65_535).contains(port) else { throw CLIError("\(variable) must be a port number, got '\(text)'") }
        return port
    }
}

/// One JSON object a line on standard error: `time`, `level`, `logger`, `message`, and the
/// metadata as fields (e.g. `subscription.id`, `delivery.id`, `story.id`, `kafka.topic`).
/// Secrets never reach a log: configuration is printed redacted, API keys and webhook secrets not at all.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    private static let lock = Mutex(())

    init(label: String, logLevel: Logger.Level) {
        self.label = label
        self.logLevel = logLevel
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var object: [String: String] = ["time": RFC3339Time.format(Date()), "level": event.level.rawValue, "logger": label, "message": "\(event.message)"]
        for (key, value) in self.metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { object[key] = "\(value)" }
        if let error = event.error { object["error"] = "\(error)" }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        Self.lock.withLock { _ in FileHandle.standardError.write(data + Data([0x0A])) }
    }
}
