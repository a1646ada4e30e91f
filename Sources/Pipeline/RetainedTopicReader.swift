import Foundation
import Logging
import RdKafka
import Synchronization

/// Reads what a topic retains, from a time (or the beginning) up to its end
/// as it was when the read started, with a consumer of its own that joins no
/// group and commits nothing. For rewinds, shadow runs and the API's recent
/// items.
public struct RetainedTopicReader: Sendable {
    public var client: KafkaClientConfiguration
    public var topic: String
    /// Stop after this many messages.
    public var maximumMessages: Int
    /// Stop after this long without a message (Tansu's high watermark can lag a batch).
    public var idleTimeout: Duration
    public var logger: Logger

    public init(client: KafkaClientConfiguration, topic: String, maximumMessages: Int = 100_000, idleTimeout: Duration = .seconds(3), logger: Logger) {
        self.client = client
        self.topic = topic
        self.maximumMessages = maximumMessages
        self.idleTimeout = idleTimeout
        self.logger = logger
    }

    /// Where to start in each partition.
    public enum Start: Sendable {
        case beginning
        case time(Date)
        /// The last `n` messages of each partition.
        case last(Int)
        /// These offsets, in these partitions only (a resumed replay).
        case offsets([Int32: Int64])
    }

    /// A partition's first kept offset, its end offset (checked against the records), and (when
    /// asked for a time) the first offset at or after it: the broker's answer when the records
    /// bear it out, else found by a search (``OffsetForTime``).
    public struct PartitionBounds: Sendable, Hashable {
        public var low: Int64
        public var high: Int64
        public var atTime: Int64?
    }

    /// Every partition's bounds as they are now, with the offset for `time` when given.
    public func bounds(at time: Date? = nil) async throws -> [Int32: PartitionBounds] {
        let partitions = try await partitions()
        var configuration = KafkaConsumerConfiguration(
            client: client, groupID: "newsflash-reader-\(UUID().uuidString.prefix(8))",
            subscription: .partitions(partitions.map { KafkaTopicPartitionOffset(topic: topic, partition: $0.partition, offset: KafkaTopicPartitionOffset.end) }))
        configuration.isAutoCommitEnabled = false
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        do {
            var bounds: [Int32: PartitionBounds] = [:]
            for partition in partitions {
                let marks = try await consumer.watermarks(for: partition)
                bounds[partition.partition] = PartitionBounds(low: marks.low, high: marks.high)
            }
            let ends = try await verifiedEnds(bounds.mapValues(\.high))
            for (partition, end) in ends { bounds[partition]?.high = end }
            if let time {
                let milliseconds = Int64((time.timeIntervalSince1970 * 1000).rounded())
                let answers = try await consumer.offsets(forTimestampMilliseconds: milliseconds, partitions: partitions)
                var lookup: [Int32: OffsetForTime.Partition] = [:]
                for (partition, bound) in bounds {
                    // -1: the broker has no record at or after the time.
                    let answer = answers.first { $0.partition == partition }.map { $0.offset >= 0 ? $0.offset : bound.high }
                    lookup[partition] = OffsetForTime.Partition(low: bound.low, high: bound.high, answer: answer)
                }
                let (offsets, searched) = try await OffsetForTime.resolve(milliseconds, partitions: lookup) { positions in
                    try await firstRecords(at: positions).mapValues { ($0.offset, $0.timestampMilliseconds ?? .min) }
                }
                if !searched.isEmpty {
                    logger.debug("the broker's offsets for a time did not hold; found by a search", metadata: [
                        "topic": "\(topic)", "partitions": "\(searched.sorted())",
                    ])
                }
                for (partition, offset) in offsets { bounds[partition]?.atTime = offset }
            }
            await consumer.close()
            return bounds
        } catch {
            await consumer.close()
            throw error
        }
    }

    /// Each partition's end offset, checked against the records. Some Kafka-compatible brokers
    /// answer a stale end: Tansu answers one past the first offset of the last batch, so a batch
    /// of 500 records looks like one. A consumer placed at each reported end reads what lies
    /// beyond it (on a broker that answers right: nothing, which costs ``endCheck``), and the
    /// end is one past the last record seen.
    public func verifiedEnds(_ reported: [Int32: Int64]) async throws -> [Int32: Int64] {
        // A partition whose end is 0 holds no batch at all.
        let last = Last()
        try await scan(reported.filter { $0.value > 0 }) { message in
            last.see(message)
            return false
        }
        var ends = reported
        for (partition, offset) in last.offsets { ends[partition] = max(ends[partition] ?? 0, offset + 1) }
        return ends
    }

    /// The first record at or after each offset (none for a partition with nothing there), e.g.
    /// the oldest message a group has not processed.
    public func firstRecords(at offsets: [Int32: Int64]) async throws -> [Int32: KafkaConsumerMessage] {
        let first = First()
        let wanted = offsets.count
        try await scan(offsets) { message in first.see(message) >= wanted }
        return first.messages
    }

    /// How long ``verifiedEnds(_:)`` and ``firstRecords(at:)`` wait for a record that may not be there.
    public var endCheck: Duration = .milliseconds(500)

    /// Reads from `positions` with a consumer of its own until `visit` returns true, or nothing
    /// arrived for ``endCheck`` (at most ten times that in all).
    private func scan(_ positions: [Int32: Int64], _ visit: @escaping @Sendable (KafkaConsumerMessage) -> Bool) async throws {
        guard !positions.isEmpty else { return }
        var configuration = KafkaConsumerConfiguration(
            client: client, groupID: "newsflash-reader-\(UUID().uuidString.prefix(8))",
            subscription: .partitions(positions.map { KafkaTopicPartitionOffset(topic: topic, partition: $0.key, offset: $0.value) }))
        configuration.isAutoCommitEnabled = false
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        let idle = IdleClock()
        let satisfied = Flag()
        let stream = consumer.messages
        let reading = Task {
            for try await message in stream {
                await idle.touch()
                if visit(message) {
                    satisfied.set()
                    return
                }
            }
        }
        let deadline = ContinuousClock.now + endCheck * 10
        while await idle.idleFor() < endCheck, ContinuousClock.now < deadline, !satisfied.isSet {
            try await Task.sleep(for: .milliseconds(25))
        }
        reading.cancel()
        _ = try? await reading.value
        await consumer.close()
    }

    private final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        func set() { value.store(true, ordering: .relaxed) }
        var isSet: Bool { value.load(ordering: .relaxed) }
    }

    private final class Last: Sendable {
        private let seen = Mutex<[Int32: Int64]>([:])
        func see(_ message: KafkaConsumerMessage) { seen.withLock { $0[message.partition] = max($0[message.partition] ?? -1, message.offset) } }
        var offsets: [Int32: Int64] { seen.withLock { $0 } }
    }

    private final class First: Sendable {
        private let seen = Mutex<[Int32: KafkaConsumerMessage]>([:])
        /// Keeps the partition's first message; returns how many partitions have one.
        func see(_ message: KafkaConsumerMessage) -> Int {
            seen.withLock { seen in
                if seen[message.partition] == nil { seen[message.partition] = message }
                return seen.count
            }
        }
        var messages: [Int32: KafkaConsumerMessage] { seen.withLock { $0 } }
    }

    private func partitions() async throws -> [KafkaTopicPartition] {
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(client: client), logger: logger)
        let description: KafkaTopicDescription?
        do {
            description = try await admin.listTopics().first { $0.name == topic }
            await admin.close()
        } catch {
            await admin.close()
            throw error
        }
        guard let description else { throw KafkaError(code: .unknownTopicOrPartition, operation: "read", message: "no topic named \(topic)") }
        return description.partitions.map { KafkaTopicPartition(topic: topic, partition: $0.id) }
    }

    /// Calls `handle` for each message from `start` to the end as it is now (or to `ends`, per
    /// partition, when that is earlier), in offset order per partition, until it returns false;
    /// returns how many messages it handled.
    @discardableResult
    public func read(
        from start: Start, until limits: [Int32: Int64]? = nil, _ handle: @escaping @Sendable (KafkaConsumerMessage) async throws -> Bool
    ) async throws -> Int {
        var partitions = try await partitions()
        var first: [Int32: Int64] = [:]
        if case .offsets(let offsets) = start {
            partitions = partitions.filter { offsets[$0.partition] != nil }
            first = offsets
        }
        guard !partitions.isEmpty else { return 0 }
        var configuration = KafkaConsumerConfiguration(
            client: client, groupID: "newsflash-reader-\(UUID().uuidString.prefix(8))",
            subscription: .partitions(partitions.map {
                KafkaTopicPartitionOffset(topic: topic, partition: $0.partition, offset: first[$0.partition] ?? KafkaTopicPartitionOffset.beginning)
            }))
        configuration.isAutoCommitEnabled = false
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        var ends: [Int32: Int64] = [:]
        var starts: [Int32: Int64] = [:]
        var reported: [Int32: Int64] = [:]
        for partition in partitions {
            let marks = try await consumer.watermarks(for: partition)
            reported[partition.partition] = marks.high
            starts[partition.partition] = max(marks.low, first[partition.partition] ?? marks.low)
        }
        for (partition, high) in try await verifiedEnds(reported) {
            ends[partition] = min(high, limits?[partition] ?? high)
        }
        switch start {
        case .beginning, .offsets:
            break
        case .time(let time):
            try await consumer.seek(toTimestampMilliseconds: Int64((time.timeIntervalSince1970 * 1000).rounded()), partitions: partitions)
        case .last(let count):
            try await consumer.seek(to: partitions.map {
                KafkaTopicPartitionOffset(topic: topic, partition: $0.partition, offset: max(starts[$0.partition] ?? 0, (ends[$0.partition] ?? 0) - Int64(count)))
            })
        }
        var pending = Set(ends.filter { $0.value > (starts[$0.key] ?? 0) }.map(\.key))
        guard !pending.isEmpty else {
            await consumer.close()
            return 0
        }
        let stream = consumer.messages
        let finalEnds = ends
        let limit = maximumMessages
        let idle = IdleClock()
        let handled = Handled()
        let reader = Task { () async throws in
            var count = 0
            for try await message in stream {
                await idle.touch()
                if let end = finalEnds[message.partition], message.offset >= end - 1 { pending.remove(message.partition) }
                if let end = finalEnds[message.partition], message.offset >= end {
                    if pending.isEmpty { break } else { continue }
                }
                // The watchdog counts only time spent waiting for the broker, not handling.
                await idle.busy(true)
                let goOn = try await handle(message)
                await idle.busy(false)
                count += 1
                await handled.set(count)
                if !goOn || pending.isEmpty || count >= limit { break }
            }
        }
        let timeout = idleTimeout
        let watchdog = Task {
            while await idle.idleFor() < timeout { try await Task.sleep(for: .milliseconds(100)) }
            reader.cancel()
        }
        defer { watchdog.cancel() }
        do {
            try await reader.value
        } catch is CancellationError {
            // The watchdog: nothing arrived for `idleTimeout`.
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
        return await handled.value
    }

    /// The messages from `start` to the end as it is now that `keep` accepts, in offset order per
    /// partition; `truncated` when the read stopped at ``maximumMessages``.
    public func collect(
        from start: Start, where keep: @escaping @Sendable (KafkaConsumerMessage) -> Bool = { _ in true }
    ) async throws -> (messages: [KafkaConsumerMessage], truncated: Bool) {
        let kept = Kept()
        let count = try await read(from: start) { message in
            if keep(message) { kept.append(message) }
            return true
        }
        return (kept.messages, count >= maximumMessages)
    }

    private final class Kept: Sendable {
        private let messages_ = Mutex<[KafkaConsumerMessage]>([])
        func append(_ message: KafkaConsumerMessage) { messages_.withLock { $0.append(message) } }
        var messages: [KafkaConsumerMessage] { messages_.withLock { $0 } }
    }

    private actor Handled {
        private(set) var value = 0
        func set(_ count: Int) { value = count }
    }
}

/// When the last message arrived: a reader's watchdog stops it after a quiet spell.
public actor IdleClock {
    private var last = ContinuousClock.now
    private var isBusy = false

    public init() {}

    public func touch() { last = .now }

    /// While busy (handling what arrived), the clock stands at zero; it restarts when that ends.
    public func busy(_ busy: Bool) {
        isBusy = busy
        last = .now
    }

    public func idleFor() -> Duration { isBusy ? .zero : .now - last }
}
