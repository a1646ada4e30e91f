import Foundation
import NewsModel
import Pipeline
import RdKafka
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import TestSupport
import Testing

/// Issue #14's regression, in process against the real broker: a stage told to stop
/// with work in flight and buffered stores offsets only for what it processed.
@Suite(.serialized, TestBroker.available)
struct StageStopTests {
    /// Echoes a message to the output topic after `delay`, counting how many it started.
    final class SlowEcho: StageProcessor {
        let output: String
        let delay: Duration
        let started = Mutex(0)
        /// The texts of the messages whose echo was made.
        let processed = Mutex(Set<String>())

        init(output: String, delay: Duration) {
            self.output = output
            self.delay = delay
        }

        func process(_ message: KafkaConsumerMessage) async throws(StageError) -> [StageOutput] {
            started.withLock { $0 += 1 }
            try? await Task.sleep(for: delay)
            processed.withLock { _ = $0.insert(message.text) }
            return [StageOutput(topic: output, key: message.keyString, value: message.value, headers: [])]
        }
    }

    /// A new input topic of `partitions` holding `count` messages, a new output topic of one
    /// partition and a new group, named after `name`.
    static func fresh(_ name: String, messages count: Int, partitions: Int32 = 1) async throws -> (input: String, output: String, group: String) {
        let input = try await TestBroker.makeTopic("\(name)-in", partitions: partitions)
        let output = try await TestBroker.makeTopic("\(name)-out", partitions: 1)
        try await produce(count, to: input, partitions: partitions)
        return (input, output, TestBroker.unique(name))
    }

    static func produce(_ count: Int, to topic: String, partitions: Int32) async throws {
        let producer = try TestBroker.producer()
        for index in 0..<count {
            try producer.sendAndForget(KafkaProducerMessage(
                topic: topic, partition: Int32(index) % partitions, key: Array("k\(index)".utf8), value: Array("m\(index)".utf8)))
        }
        await producer.shutdown()
    }

    /// The texts on `topic` so far: read by one iterator until `idle` passes without a new one.
    static func texts(on topic: String, partitions: [Int32], idle: Duration = .seconds(3)) async throws -> [String] {
        let reader = try TestBroker.partitionConsumer(topic: topic, partitions: partitions)
        let seen = Mutex<[String]>([])
        let reading = Task {
            for try await message in reader.messages { seen.withLock { $0.append(message.text) } }
        }
        var last = -1
        while true {
            try await Task.sleep(for: idle)
            let now = seen.withLock { $0.count }
            if now == last { break }
            last = now
        }
        reading.cancel()
        await reader.close()
        return seen.withLock { $0 }
    }

    /// The group's committed offset for each partition.
    static func committed(group: String, topic: String, partitions: [Int32]) async throws -> [Int32: Int64] {
        // Assigned, not subscribed: asking must not join the group and make it rebalance.
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(
            client: try TestBroker.client("committed"), groupID: group,
            subscription: .partitions(partitions.map { KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: KafkaTopicPartitionOffset.end) })),
            logger: TestBroker.logger)
        defer { Task { await consumer.close() } }
        let offsets = try await consumer.committedOffsets(for: partitions.map { KafkaTopicPartition(topic: topic, partition: $0) })
        return Dictionary(uniqueKeysWithValues: offsets.map { ($0.partition, $0.offset) })
    }

    /// What every deployment in Deploy/ gives a stage to stop after SIGTERM
    /// (`terminationGracePeriodSeconds`, `TimeoutStopSec`, `stop_grace_period`).
    static let gracePeriod = Duration.seconds(60)

    /// How long a stop took: the runner's own part (from the trigger until its `run()` returned:
    /// intake ended, the messages in flight drained or abandoned, their offsets stored), and the
    /// whole stop, which then flushes the producer and closes the consumer (a synchronous commit
    /// and leaving the group: round trips to the broker, as long as the broker takes to answer).
    struct StopTimes: CustomStringConvertible {
        var runner: Duration
        var total: Duration
        var description: String { "runner \(runner), in all \(total)" }
    }

    /// The runner as the ServiceGroup's service, noting when its `run()` returned.
    final class TimedStage: Service {
        let runner: StageRunner<SlowEcho>
        let returned = Mutex<ContinuousClock.Instant?>(nil)

        init(runner: StageRunner<SlowEcho>) { self.runner = runner }

        func run() async throws {
            defer { returned.withLock { $0 = ContinuousClock.now } }
            try await runner.run()
        }
    }

    /// Runs the stage until `stopWhen` says so, then triggers a graceful shutdown as SIGTERM
    /// does (runner first, then producer, then consumer, as a ServiceGroup stops them).
    func runThenStop(
        group: String, input: String, processor: SlowEcho, window: Int, drainTimeout: Duration, producer: KafkaProducer? = nil,
        stopWhen: @escaping @Sendable () -> Bool
    ) async throws -> StopTimes {
        let consumer = try TestBroker.groupConsumer(group: group, topic: input)
        let producer = try producer ?? TestBroker.producer()
        let stage = TimedStage(runner: StageRunner(
            name: "slow-echo", consumer: consumer, producer: producer, processor: processor, window: window,
            drainTimeout: drainTimeout, logger: TestBroker.logger))
        let clock = ContinuousClock()
        var stopped = clock.now
        try await testGracefulShutdown { trigger in
            let serviceGroup = ServiceGroup(configuration: ServiceGroupConfiguration(
                services: [.init(service: consumer), .init(service: producer), .init(service: stage)], logger: TestBroker.logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await serviceGroup.run() }
                let deadline = clock.now + .seconds(60)
                while !stopWhen(), clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                stopped = clock.now
                await serviceGroup.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            _ = trigger
        }
        let total = clock.now - stopped
        return StopTimes(runner: (stage.returned.withLock { $0 } ?? clock.now) - stopped, total: total)
    }

    @Test("a graceful stop with messages in flight and buffered commits only what was processed; the rest is read again")
    func gracefulStopLosesNothing() async throws {
        let count = 300
        let (input, output, group) = try await Self.fresh("stop", messages: count, partitions: 2)

        // Three stops mid-stream, then a run left to finish.
        let processor = SlowEcho(output: output, delay: .milliseconds(30))
        for round in 0..<3 {
            let before = processor.started.withLock { $0 }
            let took = try await runThenStop(
                group: group, input: input, processor: processor, window: 8, drainTimeout: .seconds(10),
                stopWhen: { processor.started.withLock { $0 } >= before + 40 })
            // The runner's part needs no deadline (its messages in flight finish in 30 ms); the
            // clients' close takes what the broker takes, within a deployment's grace period.
            #expect(took.runner < .seconds(10), "round \(round): the stop took \(took)")
            #expect(took.total < Self.gracePeriod, "round \(round): the stop took \(took)")
            // Everything below each committed offset has its echo: nothing was marked done unprocessed.
            let echoed = Set(try await Self.texts(on: output, partitions: [0], idle: .seconds(1)))
            let offsets = try await Self.committed(group: group, topic: input, partitions: [0, 1])
            for (partition, next) in offsets where next > 0 {
                let missing = (0..<Int(next)).map { Int($0) * 2 + Int(partition) }.filter { !echoed.contains("m\($0)") }
                #expect(missing.isEmpty, "round \(round): partition \(partition) committed \(next) but never echoed \(missing.prefix(10))")
            }
            #expect(offsets.values.reduce(0) { $0 + max(0, $1) } < count, "round \(round) should stop mid-stream")
        }
        _ = try await runThenStop(
            group: group, input: input, processor: processor, window: 32, drainTimeout: .seconds(10),
            stopWhen: { processor.processed.withLock { $0.count } == count })
        let echoed = Set(try await Self.texts(on: output, partitions: [0], idle: .seconds(1)))
        let lost = (0..<count).filter { !echoed.contains("m\($0)") }
        #expect(lost.isEmpty, "lost \(lost.count) of \(count): \(lost.prefix(20))")
    }

    @Test("past the drain deadline a message in flight is abandoned: its offset is not committed and it is read again")
    func drainDeadlineAbandons() async throws {
        let (input, output, group) = try await Self.fresh("abandon", messages: 5)
        let slow = SlowEcho(output: output, delay: .seconds(30))
        let took = try await runThenStop(
            group: group, input: input, processor: slow, window: 1, drainTimeout: .milliseconds(500),
            stopWhen: { slow.started.withLock { $0 } >= 1 })
        #expect(took.runner < .seconds(5), "the stop took \(took)")
        #expect(took.total < Self.gracePeriod, "the stop took \(took)")
        #expect(try await Self.texts(on: output, partitions: [0], idle: .seconds(1)).isEmpty)
        let offsets = try await Self.committed(group: group, topic: input, partitions: [0])
        #expect((offsets[0] ?? -1) <= 0, "committed \(offsets) past an abandoned message")
        let quick = SlowEcho(output: output, delay: .zero)
        _ = try await runThenStop(
            group: group, input: input, processor: quick, window: 4, drainTimeout: .seconds(5),
            stopWhen: { quick.started.withLock { $0 } >= 5 })
        #expect(Set(try await Self.texts(on: output, partitions: [0])) == Set((0..<5).map { "m\($0)" }))
    }

    @Test("outputs that cannot reach a broker do not hold the stop past the drain deadline: their sends are cancelled, nothing is committed")
    func partitionedOutputsDoNotHoldTheStop() async throws {
        let (input, output, group) = try await Self.fresh("partitioned", messages: 3)
        // The outputs' producer talks to a port that takes connections and never answers.
        let blackhole = try TakenPort()
        var configuration = KafkaProducerConfiguration(
            client: KafkaClientConfiguration(bootstrapServers: ["127.0.0.1:\(blackhole.port)"], clientID: "it-partitioned"))
        configuration.flushTimeout = .seconds(1)
        // Far past the bounds below, which leave room for a loaded machine: without cancellation
        // the runner waits this out.
        configuration.messageTimeout = .seconds(120)
        let producer = try KafkaProducer.make(configuration: configuration, logger: TestBroker.logger)
        let echo = SlowEcho(output: output, delay: .zero)
        let took = try await runThenStop(
            group: group, input: input, processor: echo, window: 4, drainTimeout: .seconds(1), producer: producer,
            stopWhen: { echo.processed.withLock { $0.count } >= 3 })
        // Before sends could be cancelled the runner waited out the message timeout.
        #expect(took.runner < .seconds(30), "the stop took \(took)")
        #expect(took.total < .seconds(45), "the stop took \(took)")
        let offsets = try await Self.committed(group: group, topic: input, partitions: [0])
        #expect((offsets[0] ?? -1) <= 0, "committed \(offsets) for outputs never published")
    }

    @Test("an offset of a revoked partition is refused, even after the partition comes back")
    func storeAfterRevokeIsRefused() async throws {
        let topic = try await TestBroker.makeTopic("revoke", partitions: 2)
        let group = TestBroker.unique("revoke")
        try await Self.produce(20, to: topic, partitions: 2)
        let first = try TestBroker.groupConsumer(group: group, topic: topic)
        let early = try await TestBroker.read(20, from: first, timeout: .seconds(60))
        #expect(Set(early.map(\.partition)) == [0, 1])
        // A second member joins: the first gives partitions up (eager range: all, then some back).
        let second = try TestBroker.groupConsumer(group: group, topic: topic)
        let events = Task {
            for await event in first.events {
                if case .revoked = event { return true }
            }
            return false
        }
        let secondRead = Task { try? await TestBroker.read(1, from: second, timeout: .seconds(60)) }
        _ = try await withDeadline(.seconds(60), "revoke") { await events.value }
        for message in early {
            #expect(throws: KafkaError.self, "offset \(message.offset) of partition \(message.partition) stored after the revoke") {
                try first.storeOffset(for: message)
            }
        }
        secondRead.cancel()
        await second.close()
        await first.close()
        let offsets = try await Self.committed(group: group, topic: topic, partitions: [0, 1])
        #expect(offsets.values.allSatisfy { $0 < 0 }, "committed \(offsets)")
    }

    @Test("a full buffer pauses fetching and keeps polling: past max.poll.interval.ms the member is still in its group")
    func fullBufferKeepsTheMember() async throws {
        let topic = try await TestBroker.makeTopic("full", partitions: 1)
        let group = TestBroker.unique("full")
        let count = 3_000
        try await Self.produce(count, to: topic, partitions: 1)
        var configuration = KafkaConsumerConfiguration(client: try TestBroker.client("full"), groupID: group, subscription: .group(topics: [topic]))
        configuration.sessionTimeout = .seconds(6)
        configuration.heartbeatInterval = .seconds(1)
        configuration.maxPollInterval = .seconds(7)
        configuration.bufferedMessages = 10
        let consumer = try KafkaConsumer(configuration: configuration, logger: TestBroker.logger)
        let lostOrRevoked = Mutex(false)
        let watcher = Task {
            for await event in consumer.events {
                switch event {
                case .lost, .revoked: lostOrRevoked.withLock { $0 = true }
                default: break
                }
            }
        }
        let read = try await withDeadline(.seconds(90), "read \(count) messages") {
            var texts: [String] = []
            for try await message in consumer.messages {
                texts.append(message.text)
                try consumer.storeOffset(for: message)
                // The application takes nothing for longer than max.poll.interval.ms.
                if texts.count == 5 { try await Task.sleep(for: .seconds(10)) }
                if texts.count == count { break }
            }
            return texts
        }
        #expect(!lostOrRevoked.withLock { $0 }, "the member lost its partition while its buffer was full")
        #expect(read == (0..<count).map { "m\($0)" })
        #expect(consumer.fetchPauses >= 1, "a buffer full for 10 s pauses fetching")
        watcher.cancel()
        await consumer.close()
    }
}
