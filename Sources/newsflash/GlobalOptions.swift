import ArgumentParser
import Foundation
import Logging
import NewsModel
import RdKafka
import Synchronization

/// Options every command takes: where Kafka is and how much to log.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers, comma-separated. Default: $KAFKA_BOOTSTRAP, else 127.0.0.1:9092.")
    var bootstrap: String?

    @Option(
        name: .customLong("kafka-config"),
        help: ArgumentHelp(
            "A librdkafka property as key=value, repeatable (e.g. security.protocol=SASL_SSL).",
            valueName: "key=value"))
    var kafkaConfig: [String] = []

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. Default: $NEWSFLASH_LOG_LEVEL, else warning.")
    var logLevel: String?

    @Option(help: "Log format on standard error: text, or json (one object a line). Default: $NEWSFLASH_LOG_FORMAT, else text.")
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

    var bootstrapServers: [String] {
        let value = bootstrap ?? ProcessInfo.processInfo.environment["KAFKA_BOOTSTRAP"] ?? "127.0.0.1:9092"
        return value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func kafkaClient(_ clientID: String) -> KafkaClientConfiguration {
        var additional = Self.kafkaProperties(environment: ProcessInfo.processInfo.environment)
        for entry in kafkaConfig {
            let parts = entry.split(separator: "=", maxSplits: 1)
            additional[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return KafkaClientConfiguration(bootstrapServers: bootstrapServers, clientID: clientID, additionalConfig: additional)
    }

    /// librdkafka properties from `NEWSFLASH_KAFKA_<PROPERTY>` variables: the name after the prefix,
    /// lower-cased, with `_` for `.` (`NEWSFLASH_KAFKA_SASL_PASSWORD` is `sasl.password`), so secrets
    /// need not be on the command line, where `/proc/<pid>/cmdline` shows them. `--kafka-config` wins.
    static func kafkaProperties(environment: [String: String]) -> [String: String] {
        var properties: [String: String] = [:]
        for (name, value) in environment where name.hasPrefix("NEWSFLASH_KAFKA_") && name.count > 16 {
            properties[name.dropFirst(16).lowercased().replacingOccurrences(of: "_", with: ".")] = value
        }
        return properties
    }

    /// Sets up swift-log once for the process (stderr) and returns a logger.
    func makeLogger(_ label: String) -> Logger {
        let level = (logLevel ?? ProcessInfo.processInfo.environment["NEWSFLASH_LOG_LEVEL"]).flatMap(Logger.Level.init(rawValue:)) ?? .warning
        let json = (logFormat ?? ProcessInfo.processInfo.environment["NEWSFLASH_LOG_FORMAT"]) == "json"
        LoggingBootstrap.once(level: level, json: json)
        Observability.bootstrap()
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    /// Fails with a clear error unless the broker answers (a stage checks before it starts).
    func checkBroker(logger: Logger) async throws {
        let admin = try await connectedAdmin(logger: logger)
        await admin.close()
    }

    /// An admin client that has reached the broker, or a clear error saying why not.
    func connectedAdmin(logger: Logger) async throws -> KafkaAdmin {
        logger.info("using librdkafka", metadata: ["librdkafka.version": "\(LibrdkafkaVersion.runtimeString)"])
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(client: kafkaClient("newsflash-cli")), logger: logger)
        do {
            try await admin.waitUntilReachable()
        } catch {
            await admin.close()
            throw CLIError("cannot reach Kafka at \(bootstrapServers.joined(separator: ",")): \(error.message)")
        }
        return admin
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
