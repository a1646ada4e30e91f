import Foundation
import Logging
import NewsModel
import Pipeline
import RdKafka
import Synchronization

/// A replay's plan and progress: what it copies where, and how far it got. Saved as JSON in its
/// checkpoint file after every acknowledged batch, so an interrupted replay resumes exactly
/// where it stopped (`newsflash replay --resume FILE`).
public struct ReplayCheckpoint: Codable, Sendable, Equatable {
    public var replayID: String
    public var topic: String
    /// The target topic, or `nil` when ``toSubscription`` is the target.
    public var to: String?
    public var toSubscription: String?
    public var since: Date?
    public var until: Date?
    public var filter: String?
    public var ratePerSecond: Double?
    /// Per partition (as a decimal string): the next offset to read. Every message of the slice
    /// below it has been sent and acknowledged by the broker, or skipped.
    public var next: [String: Int64]
    /// Per partition: the end of the slice (exclusive), fixed when the replay was planned, so a
    /// resumed replay does not take in what arrived since.
    public var end: [String: Int64]
    public var sent: Int
    public var skipped: [String: Int]
    public var startedAt: Date
    public var updatedAt: Date

    public init(
        replayID: String, topic: String, target: ReplayTarget, since: Date?, until: Date?, filter: String?, ratePerSecond: Double?,
        next: [Int32: Int64], end: [Int32: Int64], startedAt: Date = Date()
    ) {
        self.replayID = replayID
        self.topic = topic
        switch target {
        case .topic(let name): to = name
        case .subscription(let id): toSubscription = id
        }
        self.since = since
        self.until = until
        self.filter = filter
        self.ratePerSecond = ratePerSecond
        self.next = Dictionary(uniqueKeysWithValues: next.map { (String($0.key), $0.value) })
        self.end = Dictionary(uniqueKeysWithValues: end.map { (String($0.key), $0.value) })
        sent = 0
        skipped = [:]
        self.startedAt = startedAt
        updatedAt = startedAt
    }

    public var target: ReplayTarget? {
        if let to { return .topic(to) }
        return toSubscription.map(ReplayTarget.subscription)
    }

    /// The partitions with messages left to read, and where to read from.
    public var remaining: [Int32: Int64] {
        var left: [Int32: Int64] = [:]
        for (key, offset) in next {
            guard let partition = Int32(key), let end = end[key], offset < end else { continue }
            left[partition] = offset
        }
        return left
    }

    public var ends: [Int32: Int64] {
        Dictionary(uniqueKeysWithValues: end.compactMap { key, value in Int32(key).map { ($0, value) } })
    }

    /// Messages of the slice not yet read.
    public var left: Int64 { remaining.reduce(0) { $0 + (ends[$1.key] ?? $1.value) - $1.value } }

    public var isComplete: Bool { remaining.isEmpty }

    public static func load(_ path: String) throws -> ReplayCheckpoint {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = RFC3339Time.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an RFC 3339 time: \(text)"))
            }
            return date
        }
        return try decoder.decode(ReplayCheckpoint.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Writes the file whole or not at all (a new file renamed over the old), so a crash
    /// mid-write leaves the previous checkpoint.
    public func save(_ path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339Time.format(date))
        }
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

/// How far a replay is, for progress displays.
public struct ReplayProgress: Sendable {
    public var read: Int
    public var sent: Int
    public var skipped: Int
    /// Messages of the slice at the start of this run (an upper bound of what is sent).
    public var total: Int64
    public var elapsed: Duration
}

/// Runs a replay: reads the slice in its checkpoint, sends what the router selects in batches
/// (at most ``batchSize`` in flight, paced to the checkpoint's rate), and saves the checkpoint
/// after each batch the broker acknowledged. Stopping between batches (``run``'s `shouldStop`)
/// loses nothing and repeats nothing; a crash repeats at most one batch, under the same ids.
public struct Replayer: Sendable {
    /// How ``run(_:producer:save:shouldStop:progress:preview:)`` ended.
    public enum Outcome: Sendable, Equatable {
        /// Every message of the slice was read.
        case complete
        /// `shouldStop` asked for a stop; the checkpoint says where to resume.
        case stopped
        /// The broker sent nothing more before the slice's end (the reader's idle timeout).
        case incomplete
        /// ``maximumMessages`` were read before the slice's end.
        case truncated
    }

    public var reader: RetainedTopicReader
    public var router: ReplayRouter
    public var batchSize: Int
    /// Stop after reading this many messages (the outcome is then ``Outcome/truncated``).
    public var maximumMessages: Int

    public init(reader: RetainedTopicReader, router: ReplayRouter, batchSize: Int = 200, maximumMessages: Int = .max) {
        self.reader = reader
        self.router = router
        self.batchSize = batchSize
        self.maximumMessages = maximumMessages
    }

    /// - Parameters:
    ///   - producer: where to send; `nil` for a dry run, which only calls `preview`.
    ///   - save: called with the checkpoint after each acknowledged batch.
    public func run(
        _ checkpoint: ReplayCheckpoint, producer: KafkaProducer?,
        save: @escaping @Sendable (ReplayCheckpoint) throws -> Void,
        shouldStop: @escaping @Sendable () -> Bool,
        progress: @escaping @Sendable (ReplayProgress) -> Void = { _ in },
        preview: @escaping @Sendable (KafkaConsumerMessage, ReplayRouter.Decision) -> Void = { _, _ in }
    ) async throws -> (Outcome, ReplayCheckpoint) {
        let state = State(checkpoint: checkpoint, total: checkpoint.left)
        let router = self.router, batchSize = self.batchSize, maximum = self.maximumMessages
        let pacer = Pacer(perSecond: checkpoint.ratePerSecond)
        let remaining = checkpoint.remaining
        if !remaining.isEmpty {
            try await reader.read(from: .offsets(remaining), until: checkpoint.ends) { message in
                let decision = router.decide(message)
                preview(message, decision)
                let full = state.add(message, decision, batchSize: batchSize)
                if full {
                    try await Self.flush(state, producer: producer, pacer: pacer, save: save)
                    progress(state.progress)
                }
                return !shouldStop() && state.read < maximum
            }
            try await Self.flush(state, producer: producer, pacer: pacer, save: save)
            progress(state.progress)
        }
        let final = state.checkpoint
        if final.isComplete { return (.complete, final) }
        if state.read >= maximum { return (.truncated, final) }
        return (shouldStop() ? .stopped : .incomplete, final)
    }

    /// Sends the batch (paced, concurrently), waits for every acknowledgement, then moves the
    /// checkpoint past everything read and saves it.
    private static func flush(
        _ state: State, producer: KafkaProducer?, pacer: Pacer, save: @Sendable (ReplayCheckpoint) throws -> Void
    ) async throws {
        let (batch, positions, skips) = state.takeBatch()
        guard !positions.isEmpty else { return }
        if let producer {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for message in batch {
                    try await pacer.wait()
                    group.addTask { _ = try await producer.send(message) }
                }
                try await group.waitForAll()
            }
        }
        let checkpoint = state.commit(positions: positions, sent: producer == nil ? 0 : batch.count, skips: skips)
        if producer != nil { try save(checkpoint) }
    }

    private final class State: Sendable {
        struct Value {
            var checkpoint: ReplayCheckpoint
            var batch: [KafkaProducerMessage] = []
            var positions: [Int32: Int64] = [:]
            var skips: [String: Int] = [:]
            var read = 0
            var sent = 0
            var skipped = 0
            var total: Int64
            let started = ContinuousClock.now
        }

        private let value: Mutex<Value>

        init(checkpoint: ReplayCheckpoint, total: Int64) {
            value = Mutex(Value(checkpoint: checkpoint, total: total))
        }

        /// Adds a message; true when the batch is full.
        func add(_ message: KafkaConsumerMessage, _ decision: ReplayRouter.Decision, batchSize: Int) -> Bool {
            value.withLock { value in
                value.read += 1
                value.positions[message.partition] = max(value.positions[message.partition] ?? -1, message.offset + 1)
                switch decision {
                case .send(let output): value.batch.append(output)
                case .skip(let reason):
                    value.skips[reason.rawValue, default: 0] += 1
                    value.skipped += 1
                }
                // Also after a long run of skipped messages, so the checkpoint keeps up with reading.
                return value.batch.count >= batchSize || value.read % (batchSize * 10) == 0
            }
        }

        func takeBatch() -> ([KafkaProducerMessage], [Int32: Int64], [String: Int]) {
            value.withLock { value in
                defer {
                    value.batch = []
                    value.positions = [:]
                    value.skips = [:]
                }
                return (value.batch, value.positions, value.skips)
            }
        }

        func commit(positions: [Int32: Int64], sent: Int, skips: [String: Int]) -> ReplayCheckpoint {
            value.withLock { value in
                for (partition, next) in positions { value.checkpoint.next[String(partition)] = next }
                value.checkpoint.sent += sent
                value.sent += sent
                for (reason, count) in skips { value.checkpoint.skipped[reason, default: 0] += count }
                value.checkpoint.updatedAt = Date()
                return value.checkpoint
            }
        }

        var checkpoint: ReplayCheckpoint { value.withLock { $0.checkpoint } }

        var read: Int { value.withLock { $0.read } }

        var progress: ReplayProgress {
            value.withLock { ReplayProgress(read: $0.read, sent: $0.sent, skipped: $0.skipped, total: $0.total, elapsed: .now - $0.started) }
        }
    }

    /// Spaces sends `1/perSecond` apart (no pacing without a rate).
    private actor Pacer {
        let interval: Duration?
        var next = ContinuousClock.now

        init(perSecond: Double?) {
            interval = perSecond.map { .nanoseconds(Int64(1_000_000_000 / $0)) }
        }

        func wait() async throws {
            guard let interval else { return }
            let now = ContinuousClock.now
            if next < now { next = now }
            let at = next
            next = next + interval
            if at > now { try await Task.sleep(until: at, clock: .continuous) }
        }
    }
}
