import Foundation
import Logging
import Metrics
import NewsModel
import RdKafka
import ServiceLifecycle
import Synchronization

/// A message a stage produces.
public struct StageOutput: Sendable, Hashable {
    public var topic: String
    public var key: String?
    public var value: [UInt8]
    public var headers: [KafkaHeader]

    public init(topic: String, key: String?, value: [UInt8], headers: [KafkaHeader]) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// A dead letter for `topic` (alerts.dlq), counted in `dead_letters_total{reason}`: the one way
    /// every stage and notifier writes one, so the count covers them all.
    public static func deadLetter(_ letter: DeadLetter, topic: String, key: String?, occurredAt: Date = Date()) throws -> StageOutput {
        let output = try StageOutput(topic: topic, key: key, event: letter, occurredAt: occurredAt)
        Counter(label: "dead_letters_total", dimensions: [("reason", letter.reason.rawValue)]).increment()
        return output
    }

    /// An event with its envelope and the standard headers.
    public init<Event: NewsEvent>(topic: String, key: String?, event: Event, occurredAt: Date = Date()) throws {
        self.init(
            topic: topic, key: key, value: try EventCodec.encode(event, occurredAt: occurredAt),
            headers: KafkaHeader.list(EventHeaders.values(for: Event.self)))
    }

    /// The producer message that publishes this output.
    public var producerMessage: KafkaProducerMessage {
        KafkaProducerMessage(topic: topic, key: key, value: value, headers: headers)
    }
}

/// Why a message could not be processed.
public struct StageError: Error, Sendable, Hashable {
    public enum Code: String, Sendable, Hashable {
        /// The message can never be processed (undecodable): it goes to the dead-letter topic.
        case poison
        /// Processing failed for now (a dependency is down): the message is tried again.
        case transient
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// What a stage does with one message.
public protocol StageProcessor: Sendable {
    func process(_ message: KafkaConsumerMessage) async throws(StageError) -> [StageOutput]
}

/// How long a stopping ``StageRunner`` waits for the messages in flight, unless told otherwise.
public let stageDrainTimeout: Duration = .seconds(25)

/// Runs a stage: reads its consumer's messages, processes up to `window` of
/// them concurrently, produces their outputs (waiting for the broker's
/// acknowledgement) and only then stores each message's offset, in order per
/// partition. At least once: a crash re-delivers what was not stored.
///
/// A poison message becomes an `alerts.dead-letter` event on the DLQ topic
/// (then its offset is stored), so it never blocks its partition. A transient
/// processing error is retried with backoff (1 s doubling to 30 s); a failed
/// produce is retried the same way with the outputs already made, so the
/// processor's work (a webhook POST, a mail) is not done again for it.
///
/// A graceful shutdown stops intake at once (``KafkaConsumer/endMessages()``):
/// no message is started after it. What is in flight gets `drainTimeout` to
/// finish, without starting a new retry; what is still running then is cancelled
/// and abandoned. Offsets are stored only for messages processed or
/// dead-lettered, never past one that was not (``StageBookkeeping``), so an
/// abandoned or unstarted message is read again by the partition's next owner.
/// Cancelling `run()`'s task abandons everything in flight at once.
///
/// With `dueTime` (delay topics), a message that is not due yet is not held in
/// the window: its partition is paused and rewound to it, and resumed when it is
/// due. The consumer keeps polling meanwhile, so the group never sees it stall
/// and other partitions go on.
///
/// Put it after its consumer and producer in a `ServiceGroup`: it stops first.
public final class StageRunner<Processor: StageProcessor>: Service, Sendable {
    public let name: String
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let processor: Processor
    private let deadLetterTopic: String
    private let window: Int
    private let drainTimeout: Duration
    private let dueTime: (@Sendable (KafkaConsumerMessage) -> Date?)?
    private let logger: Logger
    private let book = Mutex(StageBookkeeping())
    private let holdTimers = Mutex<[KafkaTopicPartition: Task<Void, Never>]>([:])
    /// Messages being processed, and when one last started into an idle runner or finished.
    private let activity = Mutex((inFlight: 0, since: ContinuousClock.now))

    /// - Parameters:
    ///   - window: messages processed at once.
    ///   - drainTimeout: how long a graceful shutdown waits for messages in flight
    ///     before abandoning them (keep it below the ServiceGroup's deadline, which
    ///     also has to flush the producer and commit).
    public init(
        name: String, consumer: KafkaConsumer, producer: KafkaProducer, processor: Processor,
        deadLetterTopic: String = Topics.alertsDLQ, window: Int = 256, drainTimeout: Duration = stageDrainTimeout,
        dueTime: (@Sendable (KafkaConsumerMessage) -> Date?)? = nil, logger: Logger
    ) {
        self.window = max(1, window)  // at least one message in flight
        self.name = name
        self.consumer = consumer
        self.producer = producer
        self.processor = processor
        self.deadLetterTopic = deadLetterTopic
        self.drainTimeout = drainTimeout
        self.dueTime = dueTime
        self.logger = logger
    }

    /// What a child task of the runner reports.
    private enum Completion: Sendable {
        case message
        case drainDeadline
    }

    public func run() async throws {
        let processed = Counter(label: "stage_messages_total", dimensions: [("stage", name), ("outcome", "processed")])
        let poisoned = Counter(label: "stage_messages_total", dimensions: [("stage", name), ("outcome", "dead-lettered")])
        let abandoned = Counter(label: "stage_messages_total", dimensions: [("stage", name), ("outcome", "abandoned")])
        let latency = Timer(label: "stage_processing_seconds", dimensions: [("stage", name)])
        defer {
            let timers = holdTimers.withLock { timers in
                defer { timers = [:] }
                return timers
            }
            for timer in timers.values { timer.cancel() }
        }
        let stop = StopSignal()
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Completion.self) { group in
                // The drain deadline's clock starts with the stop.
                group.addTask {
                    await stop.wait()
                    try? await Task.sleep(for: self.drainTimeout)
                    return .drainDeadline
                }
                var running = 0
                func settle(_ completion: Completion?) {
                    switch completion {
                    case .message:
                        running -= 1
                    case .drainDeadline:
                        self.logger.warning("stage drain deadline passed; abandoning messages in flight", metadata: [
                            "stage": "\(self.name)", "stage.in_flight": "\(running)", "stage.drain_timeout": "\(self.drainTimeout)",
                        ])
                        group.cancelAll()
                    case nil:
                        running = 0
                    }
                }
                var failure: (any Error)?
                do {
                    for try await message in self.consumer.messages {
                        // A free place first, then the decision: a stop while waiting skips the message.
                        while running >= self.window { settle(try await group.next()) }
                        let due = self.dueTime?(message)
                        switch self.book.withLock({ $0.receive(message, due: due) }) {
                        case .skip:
                            continue
                        case .hold(let until, let hold):
                            await self.hold(message, until: until, hold: hold)
                            continue
                        case .process:
                            break
                        }
                        running += 1
                        self.activity.withLock { activity in
                            if activity.inFlight == 0 { activity.since = .now }
                            activity.inFlight += 1
                        }
                        group.addTask {
                            let start = ContinuousClock.now
                            let outcome = await self.handle(message)
                            switch outcome {
                            case .processed: processed.increment()
                            case .deadLettered: poisoned.increment()
                            case .abandoned: abandoned.increment()
                            }
                            latency.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
                            self.finish(message, outcome)
                            self.activity.withLock { activity in
                                activity.inFlight -= 1
                                activity.since = .now
                            }
                            return .message
                        }
                    }
                } catch {
                    failure = error  // the consumer failed: settle what is in flight, then report it
                }
                // Intake is over (a graceful shutdown, cancellation or the consumer's end).
                self.book.withLock { $0.beginDraining() }
                if stop.fire(), running > 0 { self.logDraining() }
                while running > 0 { settle(try await group.next()) }
                group.cancelAll()  // the deadline's clock
                if let failure { throw failure }
            }
        } onGracefulShutdown: {
            self.book.withLock { $0.beginDraining() }
            // Logged now, not once the loop notices: a full window keeps it waiting for a free place.
            if stop.fire() { self.logDraining() }
            self.consumer.endMessages()
        }
    }

    /// Logs what is in flight when intake ends (the bookkeeping's count: the loop's own also
    /// counts finished tasks not yet collected).
    private func logDraining() {
        let inFlight = book.withLock { $0.inFlightCount }
        logger.info("stage draining", metadata: ["stage": "\(name)", "stage.in_flight": "\(inFlight)"])
    }

    /// Why the runner looks stuck, or nil: messages are in flight and none has finished for longer
    /// than `limit` (a processor or a produce that never returns). For liveness probes: a stuck
    /// runner holds its partitions and their offsets while lag grows, and a restart hands them on.
    /// Messages held for a later time (delay topics) are not in flight and never count.
    public func stall(after limit: Duration, now: ContinuousClock.Instant = .now) -> String? {
        let (inFlight, since) = activity.withLock { ($0.inFlight, $0.since) }
        let idle = now - since
        guard inFlight > 0, idle > limit else { return nil }
        return "\(inFlight) messages in flight and none finished for \(idle.components.seconds) s"
    }

    /// Why the runner's consumer looks stuck, or nil: nothing in flight, nothing taken for longer
    /// than `limit`, and yet the broker has messages past the group's committed offsets on a
    /// partition this runner owns and holds nothing of (its fetch has stopped: a wedged client, a
    /// partition never resumed). Asks the broker only once the runner has been idle that long; a
    /// broker that does not answer is readiness's concern, not a stall.
    public func stalledFetch(after limit: Duration, now: ContinuousClock.Instant = .now) async -> String? {
        let (inFlight, since) = activity.withLock { ($0.inFlight, $0.since) }
        let idle = now - since
        guard inFlight == 0, idle > limit, let lags = try? await consumer.lag(timeout: .seconds(3)) else { return nil }
        let held = book.withLock { $0.heldPartitions }
        let lag = lags.filter { !held.contains($0.key) }.values.reduce(0, +)
        guard lag > 0 else { return nil }
        return "a lag of \(lag) and no message taken for \(idle.components.seconds) s"
    }

    /// Records a message's end and stores the offset it lets its partition move to.
    private func finish(_ message: KafkaConsumerMessage, _ outcome: StageBookkeeping.Outcome) {
        // Stored under the bookkeeping's lock, so two tasks never store out of order.
        book.withLock { book in
            guard let next = book.finish(message, outcome) else { return }
            do {
                try consumer.storeOffset(next, assignmentOf: message)
            } catch {
                // The partition was revoked meanwhile; its new owner reads the message again.
                logger.info("offset not stored", metadata: ["stage": "\(name)", "kafka.error": "\(error)"])
            }
        }
    }

    /// Pauses the message's partition, rewinds it to the message and resumes it when due.
    private func hold(_ message: KafkaConsumerMessage, until due: Date, hold: UInt64) async {
        let partition = message.topicPartition
        do {
            try consumer.pause([partition])
            try await consumer.seek(to: [KafkaTopicPartitionOffset(topic: message.topic, partition: message.partition, offset: message.offset)])
        } catch {
            // The partition is no longer ours (its next owner holds the message itself), or the
            // rewind failed: the hold still ends when due, and nothing is stored past the message.
            book.withLock { $0.rewindFailed(partition, hold: hold) }
            logger.info("message not held", metadata: ["stage": "\(name)", "kafka.message": "\(message)", "kafka.error": "\(error)"])
        }
        let timer = Task { [self] in
            try? await Task.sleep(for: .milliseconds(Int64(max(0, due.timeIntervalSinceNow) * 1000) + 1))
            guard !Task.isCancelled, self.book.withLock({ $0.release(partition, hold: hold) }) else { return }
            do {
                try self.consumer.resume([partition])
            } catch {
                self.logger.info("held partition not resumed", metadata: ["kafka.partition": "\(partition)", "kafka.error": "\(error)"])
            }
        }
        holdTimers.withLock { $0.updateValue(timer, forKey: partition)?.cancel() }
    }

    /// Whether a message should give up instead of trying again: the stage is stopping.
    private var stopping: Bool {
        Task.isCancelled || book.withLock { $0.phase == .draining }
    }

    /// Processes one message and publishes what it made (or its dead letter), each
    /// retried with backoff until done; abandoned when the stage stops meanwhile.
    private func handle(_ message: KafkaConsumerMessage) async -> StageBookkeeping.Outcome {
        var delay: Duration = .seconds(1)
        var outputs: [StageOutput] = []
        var outcome = StageBookkeeping.Outcome.processed
        while true {
            if Task.isCancelled { return .abandoned }
            do {
                outputs = try await processor.process(message)
                break
            } catch let error where error.code == .poison {
                logger.error("poison message dead-lettered", metadata: [
                    "stage": "\(name)", "kafka.topic": "\(message.topic)", "kafka.partition": "\(message.partition)",
                    "kafka.offset": "\(message.offset)", "error": "\(error.message)",
                ])
                do {
                    outputs = [try deadLetter(message, error: error)]
                } catch {
                    logger.critical("dead letter not encoded; message left unprocessed", metadata: ["stage": "\(name)", "error": "\(error)"])
                    return .abandoned
                }
                outcome = .deadLettered
                break
            } catch {
                logger.warning("stage message failed; retrying", metadata: [
                    "stage": "\(name)", "kafka.topic": "\(message.topic)", "kafka.partition": "\(message.partition)",
                    "kafka.offset": "\(message.offset)", "error": "\(error.message)", "retry_in": "\(delay)",
                ])
                guard await backOff(&delay) else { return .abandoned }
            }
        }
        delay = .seconds(1)
        while true {
            // Work done after the task was cancelled is not published: the message is read again.
            if Task.isCancelled { return .abandoned }
            do {
                try await publish(outputs)
                return outcome
            } catch {
                // No new try after a stop: the message is left uncommitted, for its next reader.
                let stopped = stopping
                logger.warning(stopped ? "stage output not published; stopping, left for the next reader" : "stage output not published; retrying", metadata: [
                    "stage": "\(name)", "kafka.topic": "\(message.topic)", "kafka.partition": "\(message.partition)",
                    "kafka.offset": "\(message.offset)", "error": "\(error)", "retry_in": "\(stopped ? "never" : "\(delay)")",
                ])
                guard !stopped, await backOff(&delay) else { return .abandoned }
            }
        }
    }

    /// Waits `delay` before the next try and doubles it (up to 30 s); false, at once,
    /// when the stage stops meanwhile: no new try starts after a stop.
    private func backOff(_ delay: inout Duration) async -> Bool {
        let until = ContinuousClock.now + delay
        delay = min(delay * 2, .seconds(30))
        while !stopping {
            let left = until - ContinuousClock.now
            guard left > .zero else { return true }
            try? await Task.sleep(for: min(left, .milliseconds(100)))
        }
        return false
    }

    private func publish(_ outputs: [StageOutput]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for output in outputs {
                group.addTask {
                    try await self.producer.send(output.producerMessage)
                }
            }
            try await group.waitForAll()
        }
    }

    private func deadLetter(_ message: KafkaConsumerMessage, error: StageError) throws -> StageOutput {
        let letter = DeadLetter(
            reason: .poison, error: error.message, originalTopic: message.topic, partition: Int(message.partition),
            offset: message.offset, rawKey: message.key, rawPayload: message.value, delivery: nil, attempts: [], deadLetteredAt: Date())
        return try StageOutput.deadLetter(letter, topic: deadLetterTopic, key: message.keyString)
    }
}

/// Fired once when a stage stops taking work; ``wait()`` returns then (or when its task is cancelled).
private final class StopSignal: Sendable {
    private let state = Mutex<(fired: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// Fires the signal; true the first time.
    @discardableResult
    func fire() -> Bool {
        let (first, waiters) = state.withLock { state in
            defer { state = (true, []) }
            return (!state.fired, state.waiters)
        }
        for waiter in waiters { waiter.resume() }
        return first
    }

    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let waiting = state.withLock { state in
                    guard !state.fired, !Task.isCancelled else { return false }
                    state.waiters.append(continuation)
                    return true
                }
                if !waiting { continuation.resume() }
            }
        } onCancel: {
            fire()
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
