@testable import RdKafka
import Testing

@Suite struct ConsumerMessageBufferTests {
    /// Until the reader is parked in the buffer (at most 10 s), so the test exercises the wake-up.
    func waitUntilWaiting(_ buffer: ConsumerMessageBuffer) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !buffer.hasWaiter {
            guard ContinuousClock.now < deadline else {
                Issue.record("the reader never waited")
                return
            }
            await Task.yield()
        }
    }

    func message(_ partition: Int32, _ offset: Int64) -> KafkaConsumerMessage {
        KafkaConsumerMessage(topic: "t", partition: partition, offset: offset, key: nil, value: [UInt8(offset & 0xff)], headers: [], timestampMilliseconds: nil)
    }

    @Test func deliversInOrderAndEndsOnFinish() async throws {
        let buffer = ConsumerMessageBuffer(capacity: 10)
        buffer.append([message(0, 0), message(0, 1)])
        buffer.append([message(0, 2)])
        var iterator = KafkaConsumerMessages(buffer: buffer).makeAsyncIterator()
        var offsets: [Int64] = []
        for _ in 0..<3 { offsets.append(try #require(try await iterator.next()).offset) }
        #expect(offsets == [0, 1, 2])
        buffer.finish()
        let end = try await iterator.next()
        #expect(end == nil)
    }

    @Test func isBounded() {
        let buffer = ConsumerMessageBuffer(capacity: 2)
        #expect(buffer.wantsMessages)
        buffer.append([message(0, 0), message(0, 1)])
        #expect(!buffer.wantsMessages)
        _ = buffer.take(limit: 1)
        #expect(buffer.wantsMessages)
        buffer.finish()
        #expect(!buffer.wantsMessages)  // an ended buffer wants nothing either: the poll thread pauses
    }

    @Test("fetching paused on a full buffer resumes once half of it is taken, not at the first free slot")
    func resumesAtHalf() {
        let buffer = ConsumerMessageBuffer(capacity: 4)
        buffer.append((0..<4).map { message(0, $0) })
        #expect(!buffer.wantsMessages && !buffer.wantsMessagesAfterHoldingBack)
        _ = buffer.take(limit: 1)
        #expect(buffer.wantsMessages)
        #expect(!buffer.wantsMessagesAfterHoldingBack, "3 of 4 waiting: still held back")
        _ = buffer.take(limit: 1)
        #expect(buffer.wantsMessagesAfterHoldingBack, "2 of 4 waiting: fetch again")
        buffer.finish()
        #expect(!buffer.wantsMessagesAfterHoldingBack)
    }

    @Test func dropsRevokedPartitions() async throws {
        let buffer = ConsumerMessageBuffer(capacity: 10)
        buffer.append([message(0, 0), message(1, 0), message(0, 1), message(1, 1)])
        buffer.remove(partitions: [KafkaTopicPartition(topic: "t", partition: 1)])
        guard case .messages(let kept) = buffer.take(limit: 10) else {
            Issue.record("no messages")
            return
        }
        #expect(kept.map(\.partition) == [0, 0])
        #expect(kept.map(\.offset) == [0, 1])
    }

    @Test func waitingIteratorWakesOnAppend() async throws {
        let buffer = ConsumerMessageBuffer(capacity: 10)
        let reader = Task {
            var iterator = KafkaConsumerMessages(buffer: buffer).makeAsyncIterator()
            return try await iterator.next()?.offset
        }
        try await waitUntilWaiting(buffer)
        buffer.append([message(0, 42)])
        #expect(try await reader.value == 42)
    }

    @Test func cancellingAWaitingIteratorEndsIt() async throws {
        let buffer = ConsumerMessageBuffer(capacity: 10)
        let reader = Task {
            var iterator = KafkaConsumerMessages(buffer: buffer).makeAsyncIterator()
            return try await iterator.next()
        }
        try await waitUntilWaiting(buffer)
        reader.cancel()
        #expect(try await reader.value == nil)
    }

    @Test func fatalFailureIsThrown() async throws {
        let buffer = ConsumerMessageBuffer(capacity: 10)
        buffer.finish(failure: KafkaError(code: .fatal, operation: "consume", message: "boom", isFatal: true))
        var iterator = KafkaConsumerMessages(buffer: buffer).makeAsyncIterator()
        await #expect(throws: KafkaError.self) { _ = try await iterator.next() }
    }
}
