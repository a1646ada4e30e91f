import ArgumentParser
import Foundation
import Logging
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

    func validate() throws {
        for entry in kafkaConfig where !entry.contains("=") || entry.hasPrefix("=") {
            throw ValidationError("--kafka-config takes key=value, got '\(entry)'")
        }
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    var bootstrapServers: [String] {
        let value = bootstrap ?? ProcessInfo.processInfo.environment["KAFKA_BOOTSTRAP"] ?? "127.0.0.1:9092"
        return value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func kafkaClient(_ clientID: String) -> KafkaClientConfiguration {
        var additional: [String: String] = [:]
        for entry in kafkaConfig {
            let parts = entry.split(separator: "=", maxSplits: 1)
            additional[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return KafkaClientConfiguration(bootstrapServers: bootstrapServers, clientID: clientID, additionalConfig: additional)
    }

    /// Sets up swift-log once for the process (stderr) and returns a logger.
    func makeLogger(_ label: String) -> Logger {
        let level = (logLevel ?? ProcessInfo.processInfo.environment["NEWSFLASH_LOG_LEVEL"]).flatMap(Logger.Level.init(rawValue:)) ?? .warning
        LoggingBootstrap.once(level: level)
        Observability.bootstrap()
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
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

    static func once(level: Logger.Level) {
        bootstrapped.withLock { done in
            guard !done else { return }
            done = true
            LoggingSystem.bootstrap { label in
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
}
