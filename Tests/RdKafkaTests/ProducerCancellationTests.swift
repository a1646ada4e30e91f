import Foundation
import Logging
@testable import RdKafka
import Testing
import TestSupport

/// A `send` waits for its delivery report, which a broker that cannot be reached sends only after
/// `messageTimeout`; a stopping stage cancels its sends and must not wait that long.
@Suite struct ProducerCancellationTests {
    @Test("a cancelled send returns at once with CANCELLED, not after the message timeout")
    func cancelledSendReturnsAtOnce() async throws {
        // A port that takes connections into its backlog and never answers: a network partition.
        let blackhole = try TakenPort()
        var configuration = KafkaProducerConfiguration(
            client: KafkaClientConfiguration(bootstrapServers: ["127.0.0.1:\(blackhole.port)"], clientID: "cancel-test"))
        // Far longer than any wait a loaded machine adds: without cancellation this waits it out.
        configuration.messageTimeout = .seconds(120)
        configuration.flushTimeout = .milliseconds(100)
        let producer = try KafkaProducer.make(configuration: configuration, logger: Logger(label: "cancel-test"))
        let sending = Task { () -> Result<KafkaDeliveryReport, KafkaError> in
            do throws(KafkaError) {
                return .success(try await producer.send(KafkaProducerMessage(topic: "t", value: Array("v".utf8))))
            } catch {
                return .failure(error)
            }
        }
        // Queued by now, waiting for a broker that never answers.
        try await Task.sleep(for: .milliseconds(300))
        let clock = ContinuousClock()
        let cancelled = clock.now
        sending.cancel()
        let result = await sending.value
        let took = clock.now - cancelled
        guard case .failure(let error) = result else {
            Issue.record("a send to a partitioned broker succeeded: \(result)")
            return
        }
        #expect(error.code == .cancelled, "\(error)")
        #expect(took < .seconds(60), "the cancelled send returned after \(took)")
        // Its delivery report comes later (purged at shutdown), with no waiter left: it is dropped.
        await producer.shutdown()
    }

    @Test("a send in an already cancelled task does not queue its message")
    func sendInCancelledTaskQueuesNothing() async throws {
        let blackhole = try TakenPort()
        let producer = try KafkaProducer.make(
            configuration: KafkaProducerConfiguration(
                client: KafkaClientConfiguration(bootstrapServers: ["127.0.0.1:\(blackhole.port)"], clientID: "cancel-test")),
            logger: Logger(label: "cancel-test"))
        let sending = Task { () -> KafkaError? in
            withUnsafeCurrentTask { $0?.cancel() }
            do throws(KafkaError) {
                _ = try await producer.send(KafkaProducerMessage(topic: "t", value: Array("v".utf8)))
                return nil
            } catch {
                return error
            }
        }
        #expect(await sending.value?.code == .cancelled)
        #expect(producer.queuedMessages == 0)
        await producer.shutdown()
    }
}
