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
public final class KafkaProducer: Service, Sendable {
    private struct State {
        var nextID: UInt64 = 1
        var waiting: [UInt64: CheckedContinuation<Result<KafkaDeliveryReport, KafkaError>, Never>] = [:]
        var closed = false
    }

    public let configuration: KafkaProducerConfiguration
    private let handle: RDKafkaHandle
    private let state: LockedBox<State>
    private let pollThread: PollThread
    private let reports: DeliveryReportBatcher?
    private let logger: Logger

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
        let topicNames = TopicNameCache()
        let delivered = Counter(label: "kafka_producer_messages_total", dimensions: [("client", configuration.client.clientID), ("outcome", "delivered")])
        let failed = Counter(label: "kafka_producer_messages_total", dimensions: [("client", configuration.client.clientID), ("outcome", "failed")])
        let context = RDKafkaCallbackContext(
            logger: logger,
            statistics: configuration.client.statisticsInterval.map { _ in KafkaStatisticsReporter(clientLabel: configuration.client.clientID) },
            onDelivery: { message in
                let report = KafkaProducer.report(from: message.pointee, topicNames: topicNames)
                if report.error == nil { delivered.increment() } else { failed.increment() }
                // Only `send` ids carry the waiter bit: fire-and-forget reports skip the lock.
                if report.messageID & KafkaProducer.waiterBit != 0 {
                    // No waiter: its `send` was cancelled and has returned.
                    state.withLock { $0.waiting.removeValue(forKey: report.messageID) }?.resume(returning: .success(report))
                } else if let reports {
                    reports.add(report)
                } else if let error = report.error {
                    logger.error("kafka delivery failed", metadata: ["kafka.topic": "\(report.topic)", "kafka.error": "\(error)"])
                }
            }
        )
        let handle = try RDKafkaHandle(kind: .producer, properties: configuration.properties(), context: context)
        self.handle = handle
        let flushTimeout = configuration.flushTimeout.milliseconds
        self.pollThread = PollThread(name: "kafka-producer-poll") { thread in
            while !thread.isStopping {
                rd_kafka_poll(handle.pointer, 100)
                reports?.flush()
            }
            KafkaProducer.drain(handle: handle, flushTimeoutMilliseconds: flushTimeout, logger: logger)
            reports?.flush()
        }
    }

    deinit {
        pollThread.requestStop()
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
                        let err = enqueue(message, id: id)
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
            let err = enqueue(message, id: id)
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
        let first = state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
        if first {
            pollThread.requestStop()
            _ = try? handle.borrow("shut down") { rd_kafka_yield($0) }
        }
        await pollThread.join()
        await handle.destroyOffPool()
        let orphans = state.withLock { state in
            defer { state.waiting = [:] }
            return state.waiting.values
        }
        for waiter in orphans {
            waiter.resume(returning: .failure(.closed("wait for delivery")))
        }
        reports?.finish()
    }

    /// Hands one message to librdkafka. Call with the state lock held, so that no
    /// message reaches the handle after ``shutdown()`` marked the producer closed.
    private func enqueue(_ message: KafkaProducerMessage, id: UInt64) -> rd_kafka_resp_err_t {
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
