internal import CRdKafka
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Publishes messages to Kafka through librdkafka.
///
/// ``send(_:)`` returns once the broker acknowledged the message (with the
/// default `acks = all` and idempotence, once every in-sync replica has it);
/// ``sendAndForget(_:)`` only enqueues, and its outcome arrives on the
/// ``KafkaDeliveryReports`` sequence of ``makeWithDeliveryReports(configuration:logger:)``.
///
/// A dedicated thread serves librdkafka's delivery reports. The producer is a
/// `Service`: on graceful shutdown it stops accepting messages, flushes what is
/// queued (within ``KafkaProducerConfiguration/flushTimeout``) and releases the
/// client. All methods may be called from any task.
///
/// When the broker fences the producer's id (a delivery fails with `PRODUCER_FENCED` or
/// `INVALID_PRODUCER_EPOCH`) or librdkafka raises a fatal error, the librdkafka client can
/// never deliver again: the producer replaces it with a new one, which gets a new producer id.
/// What the old client still held fails (the callers retry, as after any failed delivery);
/// ``clientReplacements`` counts the replacements. (After messages time out while the broker
/// is unreachable, librdkafka bumps its idempotent producer's epoch itself; a broker that
/// takes only epochs it handed out, as Tansu does, then fences every later request.)
public final class KafkaProducer: Service, Sendable {
    private struct State {
        var nextID: UInt64 = 1
        var waiting: [UInt64: CheckedContinuation<Result<KafkaDeliveryReport, KafkaError>, Never>] = [:]
        var closed = false
        /// The librdkafka client messages go to; nil only while `init` makes the first.
        var client: Client?
        /// Which client that is: 0 for the first, one more for each replacement.
        var generation = 0
        var replacing = false
        var lastReplacement: ContinuousClock.Instant?
    }

    /// One librdkafka producer instance and the thread that serves it.
    private struct Client: Sendable {
        let handle: RDKafkaHandle
        let pollThread: PollThread

        /// Stops the poll thread (which flushes within `flushTimeout`, then purges what is left),
        /// waits for it and destroys the instance.
        func stop() async {
            pollThread.requestStop()
            _ = try? handle.borrow("shut down") { rd_kafka_yield($0) }
            await pollThread.join()
            await handle.destroyOffPool()
        }
    }

    public let configuration: KafkaProducerConfiguration
    private let state: LockedBox<State>
    private let reports: DeliveryReportBatcher?
    private let logger: Logger
    /// Makes a librdkafka client with this producer's callbacks: the first (generation 0), and
    /// each replacement. Its callbacks name its generation when they report the id lost, so that a
    /// late report of a replaced client does not replace its successor.
    private let makeClient: @Sendable (_ generation: Int) throws(KafkaError) -> Client
    /// Lets the callbacks, made before `self`, ask for a replacement.
    private let identityLost: IdentityLostSignal
    private let replacedCounter: Counter

    /// The current client's handle (messages are enqueued on `state.client` with the state lock held).
    var handle: RDKafkaHandle { state.withLock { $0.client! }.handle }

    /// How many times the librdkafka client was replaced after it lost its producer id.
    public var clientReplacements: Int { state.withLock { $0.generation } }

    /// A producer whose fire-and-forget outcomes are only logged and counted.
    public static func make(configuration: KafkaProducerConfiguration, logger: Logger) throws(KafkaError) -> KafkaProducer {
        try KafkaProducer(configuration: configuration, logger: logger, reports: nil)
    }

    /// A producer and the sequence of delivery reports for ``sendAndForget(_:)``.
    /// Read the sequence: reports are buffered until read.
    public static func makeWithDeliveryReports(
        configuration: KafkaProducerConfiguration, logger: Logger
    ) throws(KafkaError) -> (KafkaProducer, KafkaDeliveryReports) {
        let (stream, continuation) = AsyncStream<[KafkaDeliveryReport]>.makeStream(bufferingPolicy: .unbounded)
        let producer = try KafkaProducer(configuration: configuration, logger: logger, reports: DeliveryReportBatcher(continuation: continuation))
        return (producer, KafkaDeliveryReports(stream: stream))
    }

    private init(
        configuration: KafkaProducerConfiguration, logger: Logger,
        reports: DeliveryReportBatcher?
    ) throws(KafkaError) {
        self.configuration = configuration
        self.logger = logger
        self.reports = reports
        let state = LockedBox(State())
        self.state = state
        let identityLost = IdentityLostSignal()
        self.identityLost = identityLost
        replacedCounter = Counter(label: "kafka_producer_client_replacements_total", dimensions: [("client", configuration.client.clientID)])
        let topicNames = TopicNameCache()
        let delivered = Counter(label: "kafka_producer_messages_total", dimensions: [("client", configuration.client.clientID), ("outcome", "delivered")])
        let failed = Counter(label: "kafka_producer_messages_total", dimensions: [("client", configuration.client.clientID), ("outcome", "failed")])
        let flushTimeout = configuration.flushTimeout.milliseconds
        makeClient = { (generation: Int) throws(KafkaError) -> Client in
            let context = RDKafkaCallbackContext(
                logger: logger,
                statistics: configuration.client.statisticsInterval.map { _ in KafkaStatisticsReporter(clientLabel: configuration.client.clientID) },
                onDelivery: { message in
                    let report = KafkaProducer.report(from: message.pointee, topicNames: topicNames)
                    if let error = report.error {
                        failed.increment()
                        if KafkaProducer.losesProducerID(error.code) { identityLost.raise(generation, "a delivery failed: \(error)") }
                    } else {
                        delivered.increment()
                    }
                    // Only `send` ids carry the waiter bit: fire-and-forget reports skip the lock.
                    if report.messageID & KafkaProducer.waiterBit != 0 {
                        // No waiter: its `send` was cancelled and has returned.
                        state.withLock { $0.waiting.removeValue(forKey: report.messageID) }?.resume(returning: .success(report))
                    } else if let reports {
                        reports.add(report)
                    } else if let error = report.error {
                        logger.error("kafka delivery failed", metadata: ["kafka.topic": "\(report.topic)", "kafka.error": "\(error)"])
                    }
                },
                onError: { error in
                    if error.isFatal { identityLost.raise(generation, "librdkafka raised a fatal error: \(error)") }
                }
            )
            let handle = try RDKafkaHandle(kind: .producer, properties: configuration.properties(), context: context)
            let pollThread = PollThread(name: "kafka-producer-poll") { thread in
                while !thread.isStopping {
                    rd_kafka_poll(handle.pointer, 100)
                    reports?.flush()
                }
                KafkaProducer.drain(handle: handle, flushTimeoutMilliseconds: flushTimeout, logger: logger)
                reports?.flush()
            }
            return Client(handle: handle, pollThread: pollThread)
        }
        let client = try makeClient(0)
        state.withLock { $0.client = client }
        identityLost.onRaise { [weak self] generation, reason in self?.replaceClient(generation, because: reason) }
    }

    deinit {
        state.withLock { $0.client }?.pollThread.requestStop()
    }

    /// Produces `message` and returns when the broker acknowledged it.
    ///
    /// Waits for room when the local queue is full. Cancelling the calling task ends the wait
    /// at once with ``KafkaError/Code/cancelled``, but does not withdraw a message already handed
    /// to librdkafka: it may still be delivered. (A stage stopping past its drain deadline must not
    /// wait out `messageTimeout` for a broker it cannot reach.)
    /// - Throws: ``KafkaError`` when the message could not be queued or delivered
    ///   (after librdkafka's own retries, within `messageTimeout`), or the task was cancelled.
    @discardableResult
    public func send(_ message: KafkaProducerMessage) async throws(KafkaError) -> KafkaDeliveryReport {
        let clock = ContinuousClock()
        let deadline = clock.now + configuration.messageTimeout
        let cancelled = KafkaError(
            code: .cancelled, operation: "wait for delivery to \(message.topic)",
            message: "the task was cancelled; a message already queued may still be delivered")
        while true {
            let id = state.withLock { state in
                defer { state.nextID += 1 }
                return state.nextID | KafkaProducer.waiterBit
            }
            let result = await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Result<KafkaDeliveryReport, KafkaError>, Never>) in
                    let failure: KafkaError? = state.withLock { state in
                        // Under the lock the cancellation handler takes: a cancellation is seen here, or finds the waiter.
                        guard !Task.isCancelled else { return cancelled }
                        guard !state.closed else { return KafkaError.closed("produce to \(message.topic)") }
                        let err = enqueue(message, id: id, on: state.client!.handle)
                        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { return KafkaError(err, operation: "produce to \(message.topic)") }
                        state.waiting[id] = continuation
                        return nil
                    }
                    if let failure { continuation.resume(returning: .failure(failure)) }
                }
            } onCancel: {
                state.withLock { $0.waiting.removeValue(forKey: id) }?.resume(returning: .failure(cancelled))
            }
            switch result {
            case .success(let report):
                if let error = report.error { throw error }
                return report
            case .failure(let error) where error.code == .queueFull && clock.now < deadline:
                try? await Task.sleep(for: .milliseconds(2))
            case .failure(let error):
                throw error
            }
        }
    }

    /// Enqueues `message` and returns at once with the number its delivery report will carry.
    ///
    /// - Throws: ``KafkaError`` with code ``KafkaError/Code/queueFull`` (retriable)
    ///   when the local queue is full, or another code when the message is refused.
    @discardableResult
    public func sendAndForget(_ message: KafkaProducerMessage) throws(KafkaError) -> UInt64 {
        let outcome: Result<UInt64, KafkaError> = state.withLock { state in
            guard !state.closed else { return .failure(KafkaError.closed("produce to \(message.topic)")) }
            let id = state.nextID
            let err = enqueue(message, id: id, on: state.client!.handle)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { return .failure(KafkaError(err, operation: "produce to \(message.topic)")) }
            state.nextID += 1
            return .success(id)
        }
        return try outcome.get()
    }

    /// Waits until every queued and in-flight message has its delivery report.
    public func flush(timeout: Duration) async throws(KafkaError) {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while case let queued = try handle.borrow("flush producer", { rd_kafka_outq_len($0) }), queued > 0 {
            guard clock.now < deadline else {
                throw KafkaError(
                    code: .timedOut, operation: "flush producer",
                    message: "\(queued) messages still unacknowledged after \(timeout)",
                    isRetriable: true)
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Messages queued or in flight.
    public var queuedMessages: Int { Int((try? handle.borrow("count queued messages") { rd_kafka_outq_len($0) }) ?? 0) }

    /// Runs until graceful shutdown (or cancellation), then ``shutdown()``.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Stops accepting messages and flushes within `flushTimeout`, purging and
    /// failing what is left after it. Idempotent. The librdkafka instance is
    /// destroyed before this returns.
    public func shutdown() async {
        let client = state.withLock { state in
            state.closed = true
            return state.client!
        }
        // Each step of `stop()` is idempotent: a second shutdown waits for the first's.
        await client.stop()
        let orphans = state.withLock { state in
            defer { state.waiting = [:] }
            return state.waiting.values
        }
        for waiter in orphans {
            waiter.resume(returning: .failure(.closed("wait for delivery")))
        }
        reports?.finish()
    }

    /// The least time between two replacements of the client: a broker that fences every new
    /// producer id too must not make the producer spin.
    static let replacementInterval: Duration = .seconds(1)

    /// Whether a delivery that failed with `code` means the client's producer id is no longer
    /// accepted, so that no later message of this client can be delivered either.
    static func losesProducerID(_ code: KafkaError.Code) -> Bool {
        switch code.rawValue {
        case RD_KAFKA_RESP_ERR_PRODUCER_FENCED.rawValue, RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH.rawValue,
             RD_KAFKA_RESP_ERR__FENCED.rawValue, RD_KAFKA_RESP_ERR__FATAL.rawValue:
            return true
        default:
            return false
        }
    }

    /// Starts replacing client `generation`, unless it was replaced already, a replacement runs,
    /// or the producer is closed. Called on a poll thread, which the replacement stops: the work
    /// runs in a task of its own.
    private func replaceClient(_ generation: Int, because reason: String) {
        let start = state.withLock { state in
            guard !state.closed, !state.replacing, state.generation == generation else { return false }
            state.replacing = true
            return true
        }
        guard start else { return }
        Task.detached { [self] in await performReplacement(of: generation, because: reason) }
    }

    private func performReplacement(of generation: Int, because reason: String) async {
        if let last = state.withLock({ $0.lastReplacement }) {
            try? await Task.sleep(until: last + Self.replacementInterval, clock: .continuous)
        }
        let fresh: Client
        do {
            fresh = try makeClient(generation + 1)
        } catch {
            logger.error("kafka producer could not make a new client after losing its producer id", metadata: ["kafka.error": "\(error)"])
            state.withLock {
                $0.replacing = false
                $0.lastReplacement = .now
            }
            return
        }
        let old: Client? = state.withLock { state in
            defer {
                state.replacing = false
                state.lastReplacement = .now
            }
            guard !state.closed else { return nil }
            defer {
                state.client = fresh
                state.generation = generation + 1
            }
            return state.client
        }
        guard let old else {
            // Closed meanwhile: the shutdown took the client it found.
            await fresh.stop()
            return
        }
        replacedCounter.increment()
        logger.warning(
            "kafka producer lost its producer id; new messages go to a new client, what the old one held fails and is retried",
            metadata: ["kafka.reason": "\(reason)", "kafka.messages": "\(rd_kafka_outq_len(old.handle.pointer))"])
        // What the old client holds can never be delivered: fail it now, so its senders retry.
        _ = try? old.handle.borrow("purge a replaced producer") {
            rd_kafka_purge($0, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
        }
        await old.stop()
    }

    /// Hands one message to librdkafka. Call with the state lock held, so that no
    /// message reaches the handle after ``shutdown()`` marked the producer closed.
    private func enqueue(_ message: KafkaProducerMessage, id: UInt64, on handle: RDKafkaHandle) -> rd_kafka_resp_err_t {
        if let partition = message.partition, partition < 0 { return RD_KAFKA_RESP_ERR__INVALID_ARG }
        let headers = KafkaProducer.makeHeaders(message.headers)
        let opaque = UnsafeMutableRawPointer(bitPattern: UInt(id))
        let err = message.value.withUnsafeBytes { value in
            KafkaProducer.withOptionalBytes(message.key) { key in
                newsflash_produce(
                    handle.pointer, message.topic, message.partition ?? newsflash_partition_unassigned,
                    key.baseAddress, key.count, value.baseAddress, value.count, headers,
                    message.timestampMilliseconds ?? 0, opaque)
            }
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR, let headers {
            rd_kafka_headers_destroy(headers)
        }
        return err
    }

    private static func withOptionalBytes<T>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        guard let bytes else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return bytes.withUnsafeBytes(body)
    }

    private static func makeHeaders(_ headers: [KafkaHeader]) -> OpaquePointer? {
        guard !headers.isEmpty else { return nil }
        let list = rd_kafka_headers_new(headers.count)
        for header in headers {
            if let value = header.value {
                value.withUnsafeBytes { bytes in
                    _ = rd_kafka_header_add(list, header.key, -1, bytes.baseAddress, bytes.count)
                }
            } else {
                _ = rd_kafka_header_add(list, header.key, -1, nil, 0)
            }
        }
        return list
    }

    /// Marks message ids whose delivery a `send` call waits for.
    static let waiterBit: UInt64 = 1 << 62

    /// Copies a delivery report out of librdkafka's message.
    private static func report(from message: rd_kafka_message_t, topicNames: TopicNameCache) -> KafkaDeliveryReport {
        let topic = message.rkt.map { topicNames.name(of: $0) } ?? ""
        let error: KafkaError? =
            message.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(message.err, operation: "deliver to \(topic)")
        return KafkaDeliveryReport(
            messageID: UInt64(UInt(bitPattern: message._private)),
            topic: topic,
            partition: message.partition,
            offset: error == nil && message.offset >= 0 ? message.offset : nil,
            error: error)
    }

    /// Flushes on the poll thread at shutdown; what cannot be delivered in time
    /// is purged, so that every waiting `send` gets an answer.
    private static func drain(handle: RDKafkaHandle, flushTimeoutMilliseconds: Int, logger: Logger) {
        guard rd_kafka_flush(handle.pointer, Int32(clamping: flushTimeoutMilliseconds)) != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        logger.warning(
            "kafka producer flush timed out; failing the rest",
            metadata: ["kafka.messages": "\(rd_kafka_outq_len(handle.pointer))"])
        rd_kafka_purge(handle.pointer, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
        for _ in 0..<50 where rd_kafka_outq_len(handle.pointer) > 0 {
            rd_kafka_poll(handle.pointer, 100)
        }
    }
}

/// Carries "this client lost its producer id" from librdkafka's callbacks, which are made before
/// the producer exists, to the producer.
private final class IdentityLostSignal: Sendable {
    private let handler = Mutex<(@Sendable (_ generation: Int, _ reason: String) -> Void)?>(nil)

    func onRaise(_ body: @escaping @Sendable (_ generation: Int, _ reason: String) -> Void) {
        handler.withLock { $0 = body }
    }

    /// Client `generation` lost its producer id.
    func raise(_ generation: Int, _ reason: String) {
        handler.withLock { $0 }?(generation, reason)
    }
}
