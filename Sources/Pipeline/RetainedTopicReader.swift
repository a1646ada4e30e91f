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
    }

    /// Calls `handle` for each message from `start` to the end as it is now, in
    /// offset order per partition, until it returns false; returns how many messages it handled.
    @discardableResult
    public func read(from start: Start, _ handle: @escaping @Sendable (KafkaConsumerMessage) async throws -> Bool) async throws -> Int {
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
        let partitions = description.partitions.map { KafkaTopicPartition(topic: topic, partition: $0.id) }
        var configuration = KafkaConsumerConfiguration(
            client: client, groupID: "newsflash-reader-\(UUID().uuidString.prefix(8))",
            subscription: .partitions(partitions.map { KafkaTopicPartitionOffset(topic: topic, partition: $0.partition, offset: KafkaTopicPartitionOffset.beginning) }))
        configuration.isAutoCommitEnabled = false
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        var ends: [Int32: Int64] = [:]
        var starts: [Int32: Int64] = [:]
        for partition in partitions {
            let marks = try await consumer.watermarks(for: partition)
            ends[partition.partition] = marks.high
            starts[partition.partition] = marks.low
        }
        switch start {
        case .beginning:
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
                let goOn = try await handle(message)
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

    public init() {}

    public func touch() { last = .now }

    public func idleFor() -> Duration { .now - last }
}
