import Foundation
import NewsModel
import Pipeline
import RdKafka
import Synchronization
import ServiceLifecycleTestKit
import TestSupport
import Testing

/// The stage runner through the real broker, with a processor simple enough to check by eye.
@Suite(.serialized, TestBroker.available)
struct StageRunnerTests {
    /// Upper-cases a text message into the output topic; "poison" is undecodable; "slow:N" takes N ms.
    struct Shouter: StageProcessor {
        let output: String

        func process(_ message: KafkaConsumerMessage) async throws(StageError) -> [StageOutput] {
            let text = message.text
            if text == "poison" { throw StageError(.poison, "cannot shout 'poison'") }
            if text.hasPrefix("slow:"), let milliseconds = Int(text.dropFirst(5)) {
                try? await Task.sleep(for: .milliseconds(milliseconds))
            }
            return [StageOutput(topic: output, key: message.keyString, value: Array(text.uppercased().utf8), headers: [])]
        }
    }

    /// Blocks every message until released: a processor that never returns.
    final class Gate: StageProcessor, Sendable {
        let open = Mutex(false)

        func process(_ message: KafkaConsumerMessage) async throws(StageError) -> [StageOutput] {
            while !open.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(20)) }
            return []
        }
    }

    @Test("a runner whose messages stop finishing reports a stall (liveness), and recovers when they finish")
    func aStuckProcessorIsReportedAsAStall() async throws {
        let input = try await TestBroker.makeTopic("stall-in", partitions: 1)
        let producer = try TestBroker.producer()
        try await producer.send(KafkaProducerMessage(topic: input, partition: 0, key: Array("k".utf8), value: Array("stuck".utf8)))
        await producer.shutdown()
        let consumer = try TestBroker.groupConsumer(group: TestBroker.unique("stall"), topic: input)
        let stageProducer = try TestBroker.producer()
        let gate = Gate()
        let stage = StageRunner(name: "stall", consumer: consumer, producer: stageProducer, processor: gate, window: 4, logger: TestBroker.logger)
        #expect(stage.stall(after: .zero) == nil, "idle is not stuck")
        let running = Task { try await stage.run() }
        try await withDeadline(.seconds(30), "the stall to be reported") {
            while stage.stall(after: .milliseconds(300)) == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(stage.stall(after: .milliseconds(300))?.contains("1 messages in flight") == true)
        #expect(stage.stall(after: .seconds(600)) == nil, "within the limit it is not stuck")
        gate.open.withLock { $0 = true }
        try await withDeadline(.seconds(10), "the stall to clear") {
            while stage.stall(after: .zero) != nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        running.cancel()
        _ = await running.result
        await stageProducer.shutdown()
        await consumer.close()
    }

    @Test("a runner whose consumer takes nothing while the broker has messages for it reports a stall (liveness), and recovers when they come")
    func aStoppedFetchIsReportedAsAStall() async throws {
        let input = try await TestBroker.makeTopic("fetch-stall-in", partitions: 1)
        let output = try await TestBroker.makeTopic("fetch-stall-out", partitions: 1)
        let consumer = try TestBroker.groupConsumer(group: TestBroker.unique("fetch-stall"), topic: input)
        let stageProducer = try TestBroker.producer()
        let stage = StageRunner(
            name: "fetch-stall", consumer: consumer, producer: stageProducer, processor: Shouter(output: output), window: 4, logger: TestBroker.logger)
        let producer = try TestBroker.producer()
        let running = Task { try await stage.run() }
        let partition = KafkaTopicPartition(topic: input, partition: 0)
        try await withDeadline(.seconds(30), "the partition to be assigned") {
            while try !consumer.assignment().contains(where: { $0.topic == input }) { try await Task.sleep(for: .milliseconds(100)) }
        }
        // The fetch stops (as a wedged client's would) while messages keep coming.
        try consumer.pause([partition])
        for index in 0..<5 {
            try await producer.send(KafkaProducerMessage(topic: input, partition: 0, key: Array("k".utf8), value: Array("m\(index)".utf8)))
        }
        #expect(stage.stall(after: .zero) == nil, "nothing is in flight")
        try await withDeadline(.seconds(30), "the stall to be reported") {
            while await stage.stalledFetch(after: .milliseconds(500)) == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let reported = await stage.stalledFetch(after: .milliseconds(500))
        #expect(reported?.contains("a lag of 5 and no message taken") == true, "\(reported ?? "")")
        #expect(await stage.stalledFetch(after: .seconds(600)) == nil, "within the limit it is not stuck")
        try consumer.resume([partition])
        try await withDeadline(.seconds(30), "the stall to clear") {
            while await stage.stalledFetch(after: .milliseconds(500)) != nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let reader = try TestBroker.partitionConsumer(topic: output, partitions: [0])
        #expect(try await TestBroker.read(5, from: reader).count == 5)
        await reader.close()
        running.cancel()
        _ = await running.result
        await producer.shutdown()
        await stageProducer.shutdown()
        await consumer.close()
    }

    @Test func processesConcurrentlyCommitsInOrderAndDeadLettersPoison() async throws {
        let input = try await TestBroker.makeTopic("stage-in", partitions: 2)
        let output = try await TestBroker.makeTopic("stage-out", partitions: 2)
        let dlq = try await TestBroker.makeTopic("stage-dlq", partitions: 1)
        let group = TestBroker.unique("stage")
        let producer = try TestBroker.producer()
        var texts = (0..<60).map { "m\($0)" }
        texts[10] = "slow:300"  // finishes after later messages of its partition
        texts[20] = "poison"
        for (index, text) in texts.enumerated() {
            try await producer.send(KafkaProducerMessage(topic: input, partition: Int32(index % 2), key: Array("k\(index)".utf8), value: Array(text.utf8)))
        }

        func runStage(until count: Int, topic: String) async throws -> [KafkaConsumerMessage] {
            let consumer = try TestBroker.groupConsumer(group: group, topic: input)
            let stageProducer = try TestBroker.producer()
            let stage = StageRunner(name: "shout", consumer: consumer, producer: stageProducer, processor: Shouter(output: output),
                                    deadLetterTopic: dlq, window: 16, logger: TestBroker.logger)
            // Stopped as in production: a graceful shutdown, after which the runner has finished
            // what it held and stored its offsets; any error it ends with fails the test.
            let read = try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: [KafkaConsumerMessage]?.self) { group in
                    group.addTask { try await stage.run(); return nil }
                    let reader = try TestBroker.partitionConsumer(topic: topic, partitions: topic == dlq ? [0] : [0, 1])
                    let read = try await TestBroker.read(count, from: reader, timeout: .seconds(60))
                    await reader.close()
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                    return read
                }
            }
            await stageProducer.shutdown()
            await consumer.close()  // commits stored offsets
            return read
        }

        let shouted = try await runStage(until: 59, topic: output)
        #expect(Set(shouted.map(\.text)) == Set(texts.filter { $0 != "poison" }.map { $0.uppercased() }))
        let dlqReader = try TestBroker.partitionConsumer(topic: dlq, partitions: [0])
        let letters = try await TestBroker.read(1, from: dlqReader).map { try EventCodec.decode(DeadLetter.self, from: $0.value).data }
        await dlqReader.close()
        #expect(letters.first?.reason == .poison)
        #expect(letters.first?.originalTopic == input)
        #expect(letters.first?.payload == "poison")

        // Restarted on more input, the group resumes after what it stored: nothing is shouted twice.
        try await producer.send(KafkaProducerMessage(topic: input, partition: 0, key: Array("late".utf8), value: Array("late".utf8)))
        await producer.shutdown()
        let afterRestart = try await runStage(until: 60, topic: output)
        #expect(afterRestart.filter { $0.text == "LATE" }.count == 1)
        #expect(afterRestart.count == 60)  // 59 from before + 1
        let reader = try TestBroker.partitionConsumer(topic: output, partitions: [0, 1])
        // A 61st message within 3 s means one was processed twice; only the timeout is the good outcome.
        do {
            _ = try await TestBroker.read(61, from: reader, timeout: .seconds(3))
            Issue.record("a message was processed twice")
        } catch is DeadlineExceeded {
        }
        await reader.close()
    }
}
