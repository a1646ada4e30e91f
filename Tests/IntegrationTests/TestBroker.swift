import Foundation
import Logging
import RdKafka
import TestSupport
import Testing

/// The broker the integration tests talk to: `KAFKA_BOOTSTRAP` (set by `make test`
/// and `.ci/run`, which start the local broker). In CI a missing broker fails the
/// tests loudly; elsewhere the tests are skipped with that reason.
enum TestBroker {
    static let environment = ProcessInfo.processInfo.environment
    static let isCI = environment["CI"] == "true"
    static let bootstrap = environment["KAFKA_BOOTSTRAP"]

    /// Enables a test when a broker is configured, or in CI (where it then fails).
    static let available = Testing.ConditionTrait.enabled(
        if: bootstrap != nil || isCI, "KAFKA_BOOTSTRAP is not set: start a broker with `make broker` or run `make test`")

    static func client(_ name: String) throws -> KafkaClientConfiguration {
        let servers = try #require(bootstrap, "KAFKA_BOOTSTRAP must name the test broker (CI=true)")
        return KafkaClientConfiguration(bootstrapServers: [servers], clientID: "it-\(name)")
    }

    /// A name no other test or run uses.
    static func unique(_ prefix: String) -> String {
        "it-\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    static let logger: Logger = {
        var logger = Logger(label: "newsflash.integration-tests")
        logger.logLevel = environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }()

    static func admin() throws -> KafkaAdmin {
        try KafkaAdmin(configuration: KafkaAdminConfiguration(client: client("admin")), logger: logger)
    }

    /// Creates a topic with `partitions` partitions and returns its name.
    static func makeTopic(_ prefix: String, partitions: Int32) async throws -> String {
        let name = unique(prefix)
        let admin = try admin()
        defer { Task { await admin.close() } }
        let outcome = try await admin.createTopics([KafkaTopicSpecification(name: name, partitions: partitions)])
        #expect(outcome[name] == .created)
        return name
    }

    static func producer(linger: Duration = .milliseconds(5)) throws -> KafkaProducer {
        var configuration = KafkaProducerConfiguration(client: try client("producer"))
        configuration.linger = linger
        return try KafkaProducer.make(configuration: configuration, logger: logger)
    }

    /// A group consumer tuned for a quick join on the test broker.
    /// - Parameter clientID: the client id (its metrics' `client` label), unless "it-consumer".
    static func groupConsumer(
        group: String, topic: String, strategy: KafkaConsumerConfiguration.AssignmentStrategy = .range,
        clientID: String? = nil, autoCommitInterval: Duration = .milliseconds(200)
    ) throws -> KafkaConsumer {
        var client = try client("consumer")
        if let clientID { client.clientID = clientID }
        var configuration = KafkaConsumerConfiguration(client: client, groupID: group, subscription: .group(topics: [topic]))
        configuration.sessionTimeout = .seconds(6)
        configuration.heartbeatInterval = .seconds(1)
        configuration.assignmentStrategy = strategy
        configuration.autoCommitInterval = autoCommitInterval
        return try KafkaConsumer(configuration: configuration, logger: logger)
    }

    static func partitionConsumer(topic: String, partitions: [Int32], offset: Int64 = KafkaTopicPartitionOffset.beginning) throws -> KafkaConsumer {
        let configuration = KafkaConsumerConfiguration(
            client: try client("reader"), groupID: unique("reader"),
            subscription: .partitions(partitions.map { KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: offset) }))
        return try KafkaConsumer(configuration: configuration, logger: logger)
    }

    /// Reads `count` messages, failing after `timeout`.
    static func read(_ count: Int, from consumer: KafkaConsumer, timeout: Duration = .seconds(30), store: Bool = false) async throws -> [KafkaConsumerMessage] {
        try await withDeadline(timeout, "read \(count) messages") {
            var messages: [KafkaConsumerMessage] = []
            for try await message in consumer.messages {
                messages.append(message)
                if store { try consumer.storeOffset(for: message) }
                if messages.count == count { break }
            }
            return messages
        }
    }
}

extension KafkaConsumerMessage {
    var text: String { String(decoding: value, as: UTF8.self) }
}
