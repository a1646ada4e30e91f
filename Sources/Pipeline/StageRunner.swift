import Foundation
import Logging
import Metrics
import NewsModel
import RdKafka
import ServiceLifecycle

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

    /// An event with its envelope and the standard headers.
    public init<Event: NewsEvent>(topic: String, key: String?, event: Event, occurredAt: Date = Date()) throws {
        self.init(
            topic: topic, key: key, value: try EventCodec.encode(event, occurredAt: occurredAt),
            headers: EventHeaders.values(for: Event.self).map { KafkaHeader(key: $0.0, value: $0.1) })
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

/// Runs a stage: reads its consumer's messages, processes up to `window` of
/// them concurrently, produces their outputs (waiting for the broker's
/// acknowledgement) and only then stores each message's offset, in order per
/// partition. At least once: a crash re-delivers what was not stored.
///
/// A poison message becomes an `alerts.dead-letter` event on the DLQ topic
/// (then its offset is stored), so it never blocks its partition. A failed
/// produce or a transient error is retried with backoff (1 s doubling to 30 s)
/// until it succeeds or the stage shuts down.
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
    private let dueTime: (@Sendable (KafkaConsumerMessage) -> Date?)?
    private let logger: Logger

    public init(
        name: String, consumer: KafkaConsumer, producer: KafkaProducer, processor: Processor,
        deadLetterTopic: String = Topics.alertsDLQ, window: Int = 256,
        dueTime: (@Sendable (KafkaConsumerMessage) -> Date?)? = nil, logger: Logger
    ) {
        self.name = name
        self.consumer = consumer
        self.producer = producer
        self.processor = processor
        self.deadLetterTopic = deadLetterTopic
        self.window = max(1, window)
        self.dueTime = dueTime
        self.logger = logger
    }

    public func run() async throws {
        let tracker = TrackerBox()
        let processed = Counter(label: "stage_messages_total", dimensions: [("stage", name), ("outcome", "processed")])
        let poisoned = Counter(label: "stage_messages_total", dimensions: [("stage", name), ("outcome", "dead-lettered")])
        let latency = Timer(label: "stage_processing_seconds", dimensions: [("stage", name)])
        let holds = Holds()
        let watcher = dueTime == nil ? nil : Task { [consumer] in
            // A partition that moves to another member, or comes back, starts afresh.
            for await event in consumer.events {
                switch event {
                case .assigned(let partitions), .revoked(let partitions), .lost(let partitions):
                    await holds.clear(partitions)
                    try? consumer.resume(partitions)
                default:
                    break
                }
            }
        }
        defer {
            watcher?.cancel()
            Task { await holds.cancelAll() }
        }
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var running = 0
                for try await message in self.consumer.messages {
                    if let dueTime = self.dueTime {
                        if await holds.isHeld(message) { continue }  // fetched before its partition was paused
                        if let due = dueTime(message), due.timeIntervalSinceNow > 0.05 {
                            await self.hold(message, until: due, holds)
                            continue
                        }
                    }
                    if running >= self.window {
                        try await group.next()
                        running -= 1
                    }
                    await tracker.start(message)
                    running += 1
                    group.addTask {
                        let start = ContinuousClock.now
                        let deadLettered = await self.handle(message)
                        if deadLettered { poisoned.increment() } else { processed.increment() }
                        latency.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
                        if let next = await tracker.finish(message) {
                            do {
                                try self.consumer.storeOffsets([KafkaTopicPartitionOffset(topic: message.topic, partition: message.partition, offset: next)])
                            } catch {
                                // The partition was revoked meanwhile; its new owner reads the message again.
                                self.logger.info("offset not stored", metadata: ["stage": "\(self.name)", "kafka.error": "\(error)"])
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    /// Pauses the message's partition, rewinds it to the message and resumes it when due.
    private func hold(_ message: KafkaConsumerMessage, until due: Date, _ holds: Holds) async {
        let partition = message.topicPartition
        do {
            try consumer.pause([partition])
            await holds.hold(message, until: due, resume: Task { [consumer, logger] in
                try? await Task.sleep(for: .milliseconds(Int64(max(0, due.timeIntervalSinceNow) * 1000) + 1))
                guard !Task.isCancelled else { return }
                await holds.release(partition)
                do {
                    try consumer.resume([partition])
                } catch {
                    logger.info("held partition not resumed", metadata: ["kafka.partition": "\(partition)", "kafka.error": "\(error)"])
                }
            })
            try await consumer.seek(to: [KafkaTopicPartitionOffset(topic: message.topic, partition: message.partition, offset: message.offset)])
        } catch {
            // The partition is no longer ours; its next owner holds the message itself.
            logger.info("message not held", metadata: ["stage": "\(name)", "kafka.message": "\(message)", "kafka.error": "\(error)"])
        }
    }

    /// Processes and publishes one message, retrying until done; true when it was dead-lettered.
    private func handle(_ message: KafkaConsumerMessage) async -> Bool {
        var delay: Duration = .seconds(1)
        while !Task.isCancelled {
            do {
                let outputs = try await processor.process(message)
                try await publish(outputs)
                return false
            } catch let error as StageError where error.code == .poison {
                if (try? await deadLetter(message, error: error)) != nil { return true }
            } catch {
                logger.warning("stage message failed; retrying", metadata: [
                    "stage": "\(name)", "kafka.topic": "\(message.topic)", "kafka.partition": "\(message.partition)",
                    "kafka.offset": "\(message.offset)", "error": "\(error)", "retry_in": "\(delay)",
                ])
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(30))
        }
        return false
    }

    private func publish(_ outputs: [StageOutput]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for output in outputs {
                group.addTask {
                    try await self.producer.send(KafkaProducerMessage(
                        topic: output.topic, key: output.key, value: output.value, headers: output.headers))
                }
            }
            try await group.waitForAll()
        }
    }

    private func deadLetter(_ message: KafkaConsumerMessage, error: StageError) async throws {
        let letter = DeadLetter(
            reason: .poison, error: error.message, originalTopic: message.topic, partition: Int(message.partition),
            offset: message.offset, rawKey: message.key, rawPayload: message.value, delivery: nil, attempts: [], deadLetteredAt: Date())
        logger.error("poison message dead-lettered", metadata: [
            "stage": "\(name)", "kafka.topic": "\(message.topic)", "kafka.partition": "\(message.partition)",
            "kafka.offset": "\(message.offset)", "error": "\(error.message)",
        ])
        try await publish([try StageOutput(topic: deadLetterTopic, key: message.keyString, event: letter)])
    }
}

/// The partitions a delay-topic runner paused, from which offset, and the tasks that resume them.
private actor Holds {
    private var held: [KafkaTopicPartition: (offset: Int64, resume: Task<Void, Never>)] = [:]

    func hold(_ message: KafkaConsumerMessage, until due: Date, resume: Task<Void, Never>) {
        held[message.topicPartition]?.resume.cancel()
        held[message.topicPartition] = (message.offset, resume)
    }

    /// Whether the message comes at or after a held one of its partition.
    func isHeld(_ message: KafkaConsumerMessage) -> Bool {
        guard let entry = held[message.topicPartition] else { return false }
        return message.offset >= entry.offset
    }

    func release(_ partition: KafkaTopicPartition) {
        held[partition] = nil
    }

    func clear(_ partitions: [KafkaTopicPartition]) {
        for partition in partitions { held.removeValue(forKey: partition)?.resume.cancel() }
    }

    func cancelAll() {
        for entry in held.values { entry.resume.cancel() }
        held = [:]
    }
}

/// The tracker behind an actor, shared by the runner's tasks.
private actor TrackerBox {
    private var tracker = OffsetTracker()

    func start(_ message: KafkaConsumerMessage) {
        tracker.start(message.topicPartition, offset: message.offset)
    }

    func finish(_ message: KafkaConsumerMessage) -> Int64? {
        tracker.finish(message.topicPartition, offset: message.offset)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
