import CRdKafka
import Foundation
import Logging
@testable import RdKafka
import Testing
import TestSupport

/// When messages time out while the broker cannot be reached, librdkafka bumps its idempotent
/// producer's epoch on its own, and a broker that takes only the epochs it handed out (Tansu, the
/// project's local and test broker) answers every later request with PRODUCER_FENCED. Before the
/// producer replaced its client, such a producer never delivered again: ingest's push endpoint
/// answered 503 until it was restarted.
@Suite(.enabled(if: Repository.hasPython, "needs the Python tools for a broker of its own: Deploy/local-broker.sh install"))
struct ProducerFencingTests {
    static let logger: Logger = {
        var logger = Logger(label: "fencing-test")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }()

    @Test("a producer whose messages timed out in a partition delivers again once the broker is back")
    func fencedProducerDeliversAgain() async throws {
        // A broker of its own: this test freezes it.
        let broker = try PrivateBroker()
        defer { broker.stop() }
        var client = KafkaClientConfiguration(bootstrapServers: [broker.bootstrap], clientID: "fencing-test")
        client.additionalConfig["request.timeout.ms"] = "2000"
        client.additionalConfig["socket.timeout.ms"] = "2000"
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(client: client), logger: Self.logger)
        let created = try await admin.createTopics([KafkaTopicSpecification(name: "fenced", partitions: 1)])
        await admin.close()
        #expect(created["fenced"] != nil)

        var configuration = KafkaProducerConfiguration(client: client)
        configuration.messageTimeout = .seconds(3)
        configuration.flushTimeout = .seconds(1)
        let producer = try KafkaProducer.make(configuration: configuration, logger: Self.logger)
        let message = KafkaProducerMessage(topic: "fenced", value: Array("news".utf8))
        try await producer.send(message)

        // A partition longer than the message timeout: the messages in flight time out.
        broker.pause()
        let timedOut = await withTaskGroup(of: KafkaError?.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    do throws(KafkaError) {
                        try await producer.send(message)
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            return await group.reduce(into: [KafkaError]()) { if let error = $1 { $0.append(error) } }
        }
        broker.resume()
        #expect(timedOut.count == 3, "sends into a frozen broker: \(timedOut)")

        // Once the broker answers again, messages are delivered (the first may still fail).
        let (delivered, failures) = try await Self.sendUntilDelivered(message, by: producer)
        #expect(delivered, "no delivery within 150 s after the partition; failures: \(failures.suffix(5)); broker log: \(broker.log.suffix(2000))")
        // The broker did fence the first client: the scenario this test is about took place.
        #expect(producer.clientReplacements >= 1, "failures: \(failures.suffix(5))")
        // The new client keeps delivering, and is not replaced in turn.
        for _ in 0..<5 { try await producer.send(message) }
        #expect(producer.clientReplacements == 1)
        await producer.shutdown()
    }

    @Test("a producer whose client raised a fatal error delivers again with a new client")
    func fatalClientIsReplaced() async throws {
        let broker = try PrivateBroker()
        defer { broker.stop() }
        let client = KafkaClientConfiguration(bootstrapServers: [broker.bootstrap], clientID: "fatal-test")
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(client: client), logger: Self.logger)
        _ = try await admin.createTopics([KafkaTopicSpecification(name: "fatal", partitions: 1)])
        await admin.close()
        var configuration = KafkaProducerConfiguration(client: client)
        configuration.flushTimeout = .seconds(1)
        let producer = try KafkaProducer.make(configuration: configuration, logger: Self.logger)
        let message = KafkaProducerMessage(topic: "fatal", value: Array("news".utf8))
        try await producer.send(message)

        // librdkafka's test hook raises the fatal error an idempotent producer raises when its
        // sequence numbers and the broker's part ways: every later produce call fails with _FATAL.
        let raised = try producer.handle.borrow("raise a fatal error") {
            rd_kafka_test_fatal_error($0, RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, "raised by the test")
        }
        #expect(raised == RD_KAFKA_RESP_ERR_NO_ERROR)

        let (delivered, failures) = try await Self.sendUntilDelivered(message, by: producer)
        #expect(delivered, "no delivery within 150 s of the fatal error; failures: \(failures.suffix(5))")
        #expect(producer.clientReplacements == 1, "failures: \(failures.suffix(5))")
        await producer.shutdown()
    }

    /// Sends `message` until one is delivered, for at most 150 s: whether one was, and the errors
    /// of the sends that failed. Alone a replacement takes a second or two; under the whole suite's
    /// load (two cores) tasks resume late, so the bound is generous: without the replacement no
    /// delivery ever comes.
    static func sendUntilDelivered(_ message: KafkaProducerMessage, by producer: KafkaProducer) async throws -> (Bool, [String]) {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(150)
        var failures: [String] = []
        while clock.now < deadline {
            do throws(KafkaError) {
                try await producer.send(message)
                return (true, failures)
            } catch {
                failures.append("\(error)")
                try await Task.sleep(for: .milliseconds(300))
            }
        }
        return (false, failures)
    }
}
