import Foundation
import Logging
import MetricsTestKit
import RdKafka
import ServiceLifecycle
import ServiceLifecycleTestKit
import TestSupport
import Testing

/// The Kafka layer against the real broker (`KAFKA_BOOTSTRAP`).
@Suite(.serialized, TestBroker.available)
struct KafkaLayerTests {
    @Test("send returns when the broker acknowledged, with the offset")
    func sendIsAcknowledged() async throws {
        let topic = try await TestBroker.makeTopic("ack", partitions: 1)
        let producer = try TestBroker.producer()
        var offsets: [Int64] = []
        for index in 0..<3 {
            let report = try await producer.send(KafkaProducerMessage(
                topic: topic, key: "k\(index)", value: Array("v\(index)".utf8),
                headers: [KafkaHeader(key: "newsflash-test", value: "yes")]))
            #expect(report.error == nil)
            #expect(report.topic == topic)
            offsets.append(try #require(report.offset))
        }
        #expect(offsets == [0, 1, 2])
        await producer.shutdown()

        let reader = try TestBroker.partitionConsumer(topic: topic, partitions: [0])
        let messages = try await TestBroker.read(3, from: reader)
        await reader.close()
        #expect(messages.map(\.text) == ["v0", "v1", "v2"])
        #expect(messages.map(\.keyString) == ["k0", "k1", "k2"])
        #expect(messages[0].headers.string("newsflash-test") == "yes")
        #expect(messages.allSatisfy { $0.timestampMilliseconds != nil })
    }

    @Test("fire-and-forget messages report their delivery on the report stream")
    func deliveryReports() async throws {
        let topic = try await TestBroker.makeTopic("reports", partitions: 2)
        var configuration = KafkaProducerConfiguration(client: try TestBroker.client("reports"))
        configuration.linger = .milliseconds(20)
        let (producer, reports) = try KafkaProducer.makeWithDeliveryReports(configuration: configuration, logger: TestBroker.logger)
        var ids: Set<UInt64> = []
        for index in 0..<500 {
            ids.insert(try producer.sendAndForget(KafkaProducerMessage(topic: topic, key: "key-\(index % 7)", value: Array("m\(index)".utf8))))
        }
        let delivered = try await withDeadline(.seconds(30), "500 delivery reports") {
            var seen: Set<UInt64> = []
            for await report in reports {
                #expect(report.error == nil)
                #expect(report.offset != nil)
                seen.insert(report.messageID)
                if seen.count == 500 { break }
            }
            return seen
        }
        #expect(delivered == ids)
        await producer.shutdown()
    }

    @Test("producing to a partition that does not exist fails with a clear error")
    func unknownPartitionFails() async throws {
        let topic = try await TestBroker.makeTopic("badpart", partitions: 1)
        var configuration = KafkaProducerConfiguration(client: try TestBroker.client("badpart"))
        configuration.messageTimeout = .seconds(3)
        let producer = try KafkaProducer.make(configuration: configuration, logger: TestBroker.logger)
        await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaProducerMessage(topic: topic, partition: 7, value: Array("x".utf8)))
        }
        await producer.shutdown()
        // after shutdown nothing is accepted
        #expect(throws: KafkaError.self) { try producer.sendAndForget(KafkaProducerMessage(topic: topic, value: [1])) }
    }

    @Test("two members of a group split the partitions and read every message once")
    func groupOfTwoSplitsPartitions() async throws {
        let topic = try await TestBroker.makeTopic("group", partitions: 4)
        let group = TestBroker.unique("group")
        let first = try TestBroker.groupConsumer(group: group, topic: topic)
        let second = try TestBroker.groupConsumer(group: group, topic: topic)

        // Wait until the two members hold disjoint halves that cover all partitions.
        try await withDeadline(.seconds(60), "both members assigned") {
            while true {
                let a = Set(try first.assignment().map(\.partition))
                let b = Set(try second.assignment().map(\.partition))
                if !a.isEmpty, !b.isEmpty, a.isDisjoint(with: b), a.union(b) == [0, 1, 2, 3] { return }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        let firstPartitions = Set(try first.assignment().map(\.partition))
        let secondPartitions = Set(try second.assignment().map(\.partition))

        let producer = try TestBroker.producer()
        for index in 0..<200 {
            try await producer.send(KafkaProducerMessage(topic: topic, partition: Int32(index % 4), value: Array("m\(index)".utf8)))
        }
        await producer.shutdown()

        let expectedFirst = 200 / 4 * firstPartitions.count
        async let a = TestBroker.read(expectedFirst, from: first, store: true)
        async let b = TestBroker.read(200 - expectedFirst, from: second, store: true)
        let (fromFirst, fromSecond) = try await (a, b)
        #expect(Set(fromFirst.map(\.partition)).isSubset(of: firstPartitions))
        #expect(Set(fromSecond.map(\.partition)).isSubset(of: secondPartitions))
        let all = (fromFirst + fromSecond).map(\.text)
        #expect(all.count == 200)
        #expect(Set(all) == Set((0..<200).map { "m\($0)" }))
        await first.close()
        await second.close()
    }

    @Test("a consumer that keeps up never pauses its fetch, though its buffer fills again and again")
    func aConsumerThatKeepsUpNeverPauses() async throws {
        let topic = try await TestBroker.makeTopic("keeps-up", partitions: 2)
        let producer = try TestBroker.producer()
        let count = 20_000
        for index in 0..<count {
            _ = try producer.sendAndForget(KafkaProducerMessage(topic: topic, partition: Int32(index % 2), key: nil, value: Array("m\(index)".utf8)))
        }
        try await producer.flush(timeout: .seconds(60))
        await producer.shutdown()
        let positions = [0, 1].map { KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: KafkaTopicPartitionOffset.beginning) }
        var configuration = KafkaConsumerConfiguration(client: try TestBroker.client("keeps-up"), groupID: TestBroker.unique("keeps-up"), subscription: .partitions(positions))
        configuration.bufferedMessages = 500
        let consumer = try KafkaConsumer(configuration: configuration, logger: TestBroker.logger)
        let read = try await withDeadline(.seconds(120), "read \(count) messages") {
            var read = 0
            for try await _ in consumer.messages {
                read += 1
                if read == count { break }
            }
            return read
        }
        #expect(read == count)
        // Each pause would make librdkafka fetch again what it had prefetched (a fivefold slowdown
        // of the consume benchmark when the buffer paused at every fill: 40 fills here). A reader
        // starved of CPU for over the buffer's 1 s of grace (the suite's other tests share two
        // cores) may cause a few (2 in one CI run); pausing at every fill must not come back.
        let fills = count / configuration.bufferedMessages
        #expect(consumer.fetchPauses < fills / 4, "\(consumer.fetchPauses) pauses over \(fills) fills of the buffer")
        await consumer.close()
    }

    @Test("a restarted member resumes from the committed offsets: no gap, no duplicate")
    func resumeWithoutGapOrDuplicate() async throws {
        let topic = try await TestBroker.makeTopic("resume", partitions: 2)
        let group = TestBroker.unique("resume")
        let producer = try TestBroker.producer()
        for index in 0..<100 {
            try await producer.send(KafkaProducerMessage(topic: topic, partition: Int32(index % 2), value: Array("m\(index)".utf8)))
        }
        await producer.shutdown()

        // First run: process 40 messages, storing each offset after processing, then shut down gracefully.
        let first = try TestBroker.groupConsumer(group: group, topic: topic)
        let processed = try await TestBroker.read(40, from: first, store: true)
        try await runUntilGracefulShutdown(first)

        // The group's committed offsets say exactly where the first run stopped.
        let admin = try TestBroker.admin()
        let committed = try await admin.groupOffsets(group)
        await admin.close()
        let perPartition = Dictionary(grouping: processed, by: \.partition).mapValues { ($0.map(\.offset).max() ?? -1) + 1 }
        for position in committed where position.offset >= 0 {
            #expect(perPartition[position.partition] == position.offset)
        }

        // Second run: reads the other 60, none of the first 40.
        let second = try TestBroker.groupConsumer(group: group, topic: topic)
        let rest = try await TestBroker.read(60, from: second, store: true)
        await second.close()
        let firstTexts = Set(processed.map(\.text))
        let restTexts = Set(rest.map(\.text))
        #expect(firstTexts.isDisjoint(with: restTexts))
        #expect(firstTexts.union(restTexts) == Set((0..<100).map { "m\($0)" }))
        #expect(rest.count == restTexts.count)
    }

    /// A group consumer of a client id of its own (so its commit counters are its own) that has read
    /// and stored the offsets of a new topic's 10 messages, and its counters.
    struct CommitCounting {
        let consumer: KafkaConsumer
        let group: String
        let committed: TestCounter
        let failed: TestCounter

        static func start(_ name: String, autoCommitInterval: Duration) async throws -> CommitCounting {
            let metrics = SharedTestMetrics.factory
            let topic = try await TestBroker.makeTopic(name, partitions: 1)
            let producer = try TestBroker.producer()
            for index in 0..<10 { try await producer.send(KafkaProducerMessage(topic: topic, partition: 0, value: Array("m\(index)".utf8))) }
            await producer.shutdown()
            let clientID = TestBroker.unique(name)
            let group = TestBroker.unique(name)
            let consumer = try TestBroker.groupConsumer(group: group, topic: topic, clientID: clientID, autoCommitInterval: autoCommitInterval)
            let counting = CommitCounting(
                consumer: consumer, group: group,
                committed: try metrics.expectCounter("kafka_consumer_commits_total", [("client", clientID), ("outcome", "committed")]),
                failed: try metrics.expectCounter("kafka_consumer_commits_total", [("client", clientID), ("outcome", "failed")]))
            #expect(counting.committed.totalValue == 0)
            _ = try await TestBroker.read(10, from: consumer, store: true)
            return counting
        }
    }

    @Test("every commit is counted by outcome: the background commit of stored offsets counts as committed, none failed")
    func backgroundCommitsAreCounted() async throws {
        let counting = try await CommitCounting.start("commits", autoCommitInterval: .milliseconds(200))
        // No commit of ours: the consumer stays open, so only librdkafka's auto-commit can commit.
        let admin = try TestBroker.admin()
        try await withDeadline(.seconds(30), "a counted background commit of offset 10") {
            while true {
                let offset = try await admin.groupOffsets(counting.group).first?.offset
                if counting.committed.totalValue > 0, offset == 10 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        await admin.close()
        #expect(counting.failed.totalValue == 0)
        await counting.consumer.close()
    }

    @Test("the final commit on close is counted too: with no background commit due, closing commits the stored offsets")
    func theCommitOnCloseIsCounted() async throws {
        let counting = try await CommitCounting.start("close-commit", autoCommitInterval: .seconds(600))  // none due in the test
        #expect(counting.committed.totalValue == 0)
        await counting.consumer.close()
        let admin = try TestBroker.admin()
        #expect(try await admin.groupOffsets(counting.group).first?.offset == 10)
        await admin.close()
        // Counted while the consumer closes: the final commit, and the revoke's commit inside
        // rd_kafka_consumer_close (two results of offset 10 here).
        #expect(counting.committed.totalValue >= 1)
        #expect(counting.failed.totalValue == 0)
    }

    @Test("seek by offset and by timestamp, checked against record timestamps")
    func seekByOffsetAndTimestamp() async throws {
        let topic = try await TestBroker.makeTopic("seek", partitions: 1)
        let producer = try TestBroker.producer()
        // Record timestamps one second apart, ten minutes ago: the broker stored them all "now".
        let base = Int64(Date().timeIntervalSince1970 * 1000) - 600_000
        for index in 0..<10 {
            try await producer.send(KafkaProducerMessage(
                topic: topic, partition: 0, value: Array("m\(index)".utf8), timestampMilliseconds: base + Int64(index) * 1000))
        }
        await producer.shutdown()

        let reader = try TestBroker.partitionConsumer(topic: topic, partitions: [0])
        #expect(try await TestBroker.read(10, from: reader).map(\.text) == (0..<10).map { "m\($0)" })

        try await reader.seek(to: [KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: 5)])
        #expect(try await TestBroker.read(1, from: reader).first?.offset == 5)

        let partition = KafkaTopicPartition(topic: topic, partition: 0)
        try await reader.seek(toTimestampMilliseconds: base + 7000, partitions: [partition])
        let afterTime = try await TestBroker.read(3, from: reader)
        #expect(afterTime.map(\.text) == ["m7", "m8", "m9"])

        // Between two records: the next one.
        try await reader.seek(toTimestampMilliseconds: base + 2500, partitions: [partition])
        #expect(try await TestBroker.read(1, from: reader).first?.text == "m3")

        let (low, high) = try await reader.watermarks(for: partition)
        #expect(low == 0)
        #expect(high == 10)
        await reader.close()
    }

    @Test("creating topics is idempotent; list and describe show them")
    func createTopicsIdempotently() async throws {
        let admin = try TestBroker.admin()
        let name = TestBroker.unique("create")
        let spec = KafkaTopicSpecification(name: name, partitions: 3)
        #expect(try await admin.createTopics([spec]) == [name: .created])
        #expect(try await admin.createTopics([spec]) == [name: .alreadyExisted])
        let listed = try await admin.listTopics()
        let topic = try #require(listed.first { $0.name == name })
        #expect(topic.partitions.map(\.id) == [0, 1, 2])
        try await admin.deleteTopics([name])
        await admin.close()
    }

    @Test("graceful shutdown flushes every queued message")
    func gracefulShutdownFlushes() async throws {
        let topic = try await TestBroker.makeTopic("flush", partitions: 1)
        // A long linger keeps messages queued in the client until shutdown flushes them.
        let producer = try TestBroker.producer(linger: .seconds(2))
        for index in 0..<1000 {
            try producer.sendAndForget(KafkaProducerMessage(topic: topic, value: Array("m\(index)".utf8)))
        }
        #expect(producer.queuedMessages > 0)
        try await runUntilGracefulShutdown(producer)
        #expect(producer.queuedMessages == 0)

        let reader = try TestBroker.partitionConsumer(topic: topic, partitions: [0])
        let messages = try await TestBroker.read(1000, from: reader)
        await reader.close()
        #expect(messages.map(\.text) == (0..<1000).map { "m\($0)" })
    }

    @Test("close and shutdown destroy the client before they return: a call in flight finishes first, later calls are refused as closed")
    func closingDestroysTheClient() async throws {
        let topic = try await TestBroker.makeTopic("destroy", partitions: 2)
        let partition = KafkaTopicPartition(topic: topic, partition: 0)
        func expectClosed(_ operation: String, _ body: () async throws -> Void) async {
            do {
                try await body()
                Issue.record("\(operation) after close was not refused")
            } catch let error as KafkaError {
                #expect(error.code == .closed, "\(operation): \(error)")
            } catch {
                Issue.record("\(operation): \(error)")
            }
        }

        let consumer = try TestBroker.partitionConsumer(topic: topic, partitions: [0, 1])
        // Requests racing the close: each either answers or is refused, never reaches a destroyed client.
        let answered = AsyncStream<Void>.makeStream()
        let racing = Task {
            var outcomes: [String: Int] = [:]
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                do {
                    _ = try await consumer.watermarks(for: partition)
                    outcomes["answered", default: 0] += 1
                    answered.continuation.yield()
                } catch let error as KafkaError where error.code == .closed {
                    outcomes["closed", default: 0] += 1
                    break
                }
            }
            return outcomes
        }
        for await _ in answered.stream { break }
        await consumer.close()
        let outcomes = try await racing.value
        #expect(outcomes["closed"] == 1 && (outcomes["answered"] ?? 0) >= 1, "\(outcomes)")
        await expectClosed("assignment") { _ = try consumer.assignment() }
        await expectClosed("watermarks") { _ = try await consumer.watermarks(for: partition) }
        await expectClosed("commit") { try await consumer.commit() }
        await consumer.close()  // idempotent

        let producer = try TestBroker.producer()
        try await producer.send(KafkaProducerMessage(topic: topic, value: Array("x".utf8)))
        await producer.shutdown()
        await expectClosed("flush") { try await producer.flush(timeout: .seconds(1)) }
        await expectClosed("send") { try await producer.send(KafkaProducerMessage(topic: topic, value: Array("y".utf8))) }
        await producer.shutdown()

        let admin = try TestBroker.admin()
        #expect(try await admin.listTopics().contains { $0.name == topic })
        await admin.close()
        await expectClosed("list topics") { _ = try await admin.listTopics() }
    }

    /// Runs `service` in a ServiceGroup and triggers its graceful shutdown.
    private func runUntilGracefulShutdown(_ service: some Service) async throws {
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }
}
