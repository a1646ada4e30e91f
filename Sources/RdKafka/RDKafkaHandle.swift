internal import CRdKafka
import Foundation
import Logging
import Synchronization

/// Owner of one `rd_kafka_t` and of the context its C callbacks reach.
///
/// librdkafka documents `rd_kafka_t` as thread-safe for the calls made through
/// this type, which is why it is `@unchecked Sendable`: the only mutable state
/// is inside librdkafka. `rd_kafka_destroy` runs exactly once, in ``destroy()``
/// or else in `deinit`. Calls from any thread go through ``blocking(_:)`` or
/// ``borrow(_:_:)``, which refuse once the handle is destroyed and which
/// ``destroy()`` waits out; ``pointer`` is used bare only on the owner's poll
/// thread, which the owners (producer, consumer, admin) join before destroying.
///
/// The owners destroy the handle when they are closed, not when the last
/// reference goes: that release came in a `deinit`, usually on one of Swift's
/// cooperative threads, which `rd_kafka_destroy` then blocked while librdkafka
/// stopped its threads; and a closed client stayed reachable until then.
final class RDKafkaHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    let context: RDKafkaCallbackContext

    private struct Life {
        var destroyed = false
        /// Calls inside ``borrow(_:_:)`` right now.
        var borrowers = 0
    }

    private let life = Mutex(Life())

    enum Kind {
        case producer, consumer
    }

    /// Creates the client. `properties` are librdkafka configuration properties.
    init(kind: Kind, properties: [String: String], context: RDKafkaCallbackContext) throws(KafkaError) {
        let conf = try RDKafkaHandle.makeConf(properties, context: context, kind: kind)
        let errorSize = 512
        var errorBuffer = [CChar](repeating: 0, count: errorSize)
        let handle = rd_kafka_new(kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, conf, &errorBuffer, errorSize)
        guard let handle else {
            rd_kafka_conf_destroy(conf)  // rd_kafka_new frees the conf only on success
            throw KafkaError(
                code: .invalidConfiguration, operation: "create Kafka client",
                message: String(cBuffer: errorBuffer))
        }
        self.pointer = handle
        self.context = context
        context.logger.debug(
            "kafka client created",
            metadata: ["kafka.client": "\(clientName(handle))", "librdkafka.version": "\(LibrdkafkaVersion.runtimeString)"])
    }

    /// Destroys the librdkafka instance: refuses new ``borrow(_:_:)`` calls, waits for the
    /// running ones (each a librdkafka call bounded by its own timeout), then destroys.
    /// Blocks (librdkafka stops its threads): call it outside Swift's cooperative pool, e.g.
    /// through ``destroyOffPool()``. Idempotent.
    ///
    /// - Parameter leavingGroup: false destroys a consumer without the close librdkafka would
    ///   otherwise run first (commit and LeaveGroup, which wait for the group coordinator); its
    ///   group drops it after `session.timeout.ms`. For a consumer whose close timed out.
    func destroy(leavingGroup: Bool = true) {
        let first = life.withLock { life in
            defer { life.destroyed = true }
            return !life.destroyed
        }
        guard first else { return }
        while life.withLock({ $0.borrowers }) > 0 { usleep(1_000) }
        if leavingGroup {
            rd_kafka_destroy(pointer)
        } else {
            rd_kafka_destroy_flags(pointer, Int32(RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE))
        }
    }

    /// ``destroy(leavingGroup:)`` on the blocking queue; returns once librdkafka's threads are gone.
    ///
    /// With a `limit`, returns false once it has passed, the destroy still running on the blocking
    /// queue: librdkafka's destroy waits for requests in flight (a commit sent into a network
    /// partition waits out `socket.timeout.ms`), and a process that is stopping must not.
    @discardableResult
    func destroyOffPool(leavingGroup: Bool = true, within limit: Duration? = nil) async -> Bool {
        guard let limit else {
            _ = try? await BlockingCall.run { [self] () throws(KafkaError) in destroy(leavingGroup: leavingGroup) }
            return true
        }
        return await BlockingCall.run(within: limit) { [self] in destroy(leavingGroup: leavingGroup) }
    }

    deinit {
        destroy()
    }

    /// Runs `body` with the handle kept alive: ``destroy()`` waits until it returns.
    /// - Throws: ``KafkaError/Code/closed`` once the handle is destroyed.
    func borrow<T>(_ operation: String, _ body: (OpaquePointer) throws(KafkaError) -> T) throws(KafkaError) -> T {
        let live = life.withLock { life in
            if !life.destroyed { life.borrowers += 1 }
            return !life.destroyed
        }
        guard live else { throw KafkaError.closed(operation) }
        defer { life.withLock { $0.borrowers -= 1 } }
        return try body(pointer)
    }

    /// Runs a blocking librdkafka call on the blocking queue (``BlockingCall``), with the handle borrowed.
    func blocking<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (OpaquePointer) throws(KafkaError) -> T) async throws(KafkaError) -> T {
        try await BlockingCall.run { [self] () throws(KafkaError) in try borrow(operation, body) }
    }

    /// The error to report when a request could not reach the broker: names the
    /// librdkafka fix when an old librdkafka failed on the broker's ApiVersions reply.
    /// The low and high watermarks of a partition, asked of the broker (blocks: call through `BlockingCall`).
    func queryWatermarks(_ partition: KafkaTopicPartition, timeoutMilliseconds: Int32) throws(KafkaError) -> (low: Int64, high: Int64) {
        var low: Int64 = 0
        var high: Int64 = 0
        let err = rd_kafka_query_watermark_offsets(pointer, partition.topic, partition.partition, &low, &high, timeoutMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw unreachableError("query watermarks of \(partition)", err) }
        return (low, high)
    }

    /// For each partition, the offset of its first record with a timestamp at or after
    /// `milliseconds`, as the broker answers (-1 where there is none); blocks.
    func queryOffsets(atTimestampMilliseconds milliseconds: Int64, _ partitions: [KafkaTopicPartition], timeoutMilliseconds: Int32) throws(KafkaError) -> [KafkaTopicPartitionOffset] {
        let operation = "look up offsets for time \(milliseconds)"
        return try RDKafkaTopicPartitionList.with(partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: milliseconds) }) {
            list throws(KafkaError) in
            let err = rd_kafka_offsets_for_times(pointer, list, timeoutMilliseconds)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw unreachableError(operation, err) }
            return try RDKafkaTopicPartitionList.positions(list, operation: operation)
        }
    }

    func unreachableError(_ operation: String, _ err: rd_kafka_resp_err_t) -> KafkaError {
        if context.sawApiVersionFailure, LibrdkafkaVersion.runtime < .minimumForFlexibleApiVersions {
            return KafkaError(
                code: .incompatibleLibrary, operation: operation,
                message: LibrdkafkaVersion.upgradeAdvice(runtime: .runtime))
        }
        return KafkaError(err, operation: operation)
    }

    private static func makeConf(
        _ properties: [String: String], context: RDKafkaCallbackContext, kind: Kind
    ) throws(KafkaError) -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        let errorSize = 512
        var errorBuffer = [CChar](repeating: 0, count: errorSize)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            let result = rd_kafka_conf_set(conf, key, value, &errorBuffer, errorSize)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let text = String(cBuffer: errorBuffer)
                let shown = key.contains("password") || key.contains("secret") || key.contains("jaas") ? "<redacted>" : value
                throw KafkaError(
                    code: .invalidConfiguration, operation: "configure Kafka client",
                    message: "\(key)=\(shown) refused: \(text)")
            }
        }
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_log_cb(conf, rdkafkaLogCallback)
        rd_kafka_conf_set_error_cb(conf, rdkafkaErrorCallback)
        if properties["statistics.interval.ms"].map({ $0 != "0" }) ?? false {
            rd_kafka_conf_set_stats_cb(conf, rdkafkaStatsCallback)
        }
        switch kind {
        case .producer:
            rd_kafka_conf_set_dr_msg_cb(conf, rdkafkaDeliveryCallback)
        case .consumer:
            rd_kafka_conf_set_rebalance_cb(conf, rdkafkaRebalanceCallback)
            rd_kafka_conf_set_offset_commit_cb(conf, rdkafkaOffsetCommitCallback)
        }
        return conf
    }
}

/// What librdkafka's C callbacks reach through the handle's opaque pointer.
///
/// Callbacks run on librdkafka's threads (logs) or on the client's poll thread
/// (delivery reports, rebalances, statistics, errors), never on Swift's
/// cooperative pool.
final class RDKafkaCallbackContext: Sendable {
    let logger: Logger
    let statistics: KafkaStatisticsReporter?
    /// Set by the producer: receives every delivery report, on the poll thread.
    let onDelivery: (@Sendable (UnsafePointer<rd_kafka_message_t>) -> Void)?
    /// Set by the consumer: handles assign and revoke, on the poll thread.
    let onRebalance: (@Sendable (OpaquePointer, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> Void)?
    /// Set by the consumer: receives client-level errors.
    let onError: (@Sendable (KafkaError) -> Void)?
    /// Set by the consumer: receives each offset commit's result, on the poll thread.
    let onCommit: (@Sendable (KafkaError?, [(KafkaTopicPartitionOffset, KafkaError?)]) -> Void)?
    private let apiVersionFailure = Atomic<Bool>(false)
    /// librdkafka's log lines and client errors go through it: a broker that is down is reported on
    /// every reconnect attempt.
    private let repeats = Mutex(RepeatedLineLimiter())

    init(
        logger: Logger,
        statistics: KafkaStatisticsReporter? = nil,
        onDelivery: (@Sendable (UnsafePointer<rd_kafka_message_t>) -> Void)? = nil,
        onRebalance: (@Sendable (OpaquePointer, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> Void)? = nil,
        onError: (@Sendable (KafkaError) -> Void)? = nil,
        onCommit: (@Sendable (KafkaError?, [(KafkaTopicPartitionOffset, KafkaError?)]) -> Void)? = nil
    ) {
        self.logger = logger
        self.statistics = statistics
        self.onDelivery = onDelivery
        self.onRebalance = onRebalance
        self.onError = onError
        self.onCommit = onCommit
    }

    /// librdkafka reported that a broker's ApiVersions reply could not be read.
    var sawApiVersionFailure: Bool { apiVersionFailure.load(ordering: .relaxed) }

    func noteMessage(_ text: String) {
        if text.contains("ApiVersionRequest failed") {
            apiVersionFailure.store(true, ordering: .relaxed)
        }
    }

    /// Logs a line of librdkafka's unless it is like one logged less than the limiter's interval ago
    /// (then it is counted, and the next one logged says how many were held back: `kafka.repeated`).
    /// Critical lines always go out.
    func logLimited(_ level: Logger.Level, _ message: Logger.Message, kind: String, metadata: @autoclosure () -> Logger.Metadata) {
        guard logger.logLevel <= level else { return }
        var metadata = metadata()
        if level < .critical {
            let key = "\(level) \(message) \(RepeatedLineLimiter.kind(of: kind))"
            guard let held = repeats.withLock({ $0.admit(key, now: .now) }) else { return }
            if held > 0 { metadata["kafka.repeated"] = "\(held)" }
        }
        logger.log(level: level, message, metadata: metadata)
    }

    static func from(_ rk: OpaquePointer?) -> RDKafkaCallbackContext? {
        guard let rk, let opaque = rd_kafka_opaque(rk) else { return nil }
        return Unmanaged<RDKafkaCallbackContext>.fromOpaque(opaque).takeUnretainedValue()
    }
}

// MARK: - C callbacks (no captures: they find their context through rd_kafka_opaque)

private let rdkafkaLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    rk, level, facility, buffer in
    guard let context = RDKafkaCallbackContext.from(rk), let buffer else { return }
    let text = String(cString: buffer)
    context.noteMessage(text)
    let swiftLevel: Logger.Level
    switch level {
    case 0...2: swiftLevel = .critical
    case 3: swiftLevel = .error
    case 4: swiftLevel = .warning
    case 5: swiftLevel = .notice
    case 6: swiftLevel = .info
    default: swiftLevel = .debug
    }
    let client = clientName(rk)
    let facilityName = facility.map { String(cString: $0) } ?? ""
    context.logLimited(
        swiftLevel, "librdkafka", kind: "\(client) \(facilityName) \(text)",
        metadata: ["kafka.client": "\(client)", "kafka.facility": "\(facilityName)", "kafka.message": "\(text)"])
}

/// The client's name as librdkafka gives it (`client.id#consumer-N`): which of a process's
/// clients (`up` runs some twenty) a log line or an error is about. librdkafka's own texts name
/// the thread and the broker, not the client or its group.
private func clientName(_ rk: OpaquePointer?) -> String {
    rk.flatMap { rd_kafka_name($0) }.map { String(cString: $0) } ?? ""
}

private let rdkafkaErrorCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
    rk, err, reason, _ in
    guard let context = RDKafkaCallbackContext.from(rk) else { return }
    let text = reason.map { String(cString: $0) } ?? ""
    context.noteMessage(text)
    let code = rd_kafka_resp_err_t(rawValue: err)
    var error = KafkaError(code, operation: "kafka client", detail: text)
    if code == RD_KAFKA_RESP_ERR__FATAL, let rk {
        var buffer = [CChar](repeating: 0, count: 512)
        let original = rd_kafka_fatal_error(rk, &buffer, buffer.count)
        error = KafkaError(original, operation: "kafka client", detail: String(cBuffer: buffer))
        error.isFatal = true
    }
    let client = clientName(rk)
    context.logLimited(
        error.isFatal ? .critical : .warning, "kafka client error", kind: "\(client) \(error)",
        metadata: ["kafka.client": "\(client)", "kafka.error": "\(error)"])
    context.onError?(error)
}

private let rdkafkaStatsCallback: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int, UnsafeMutableRawPointer?) -> Int32 = {
    rk, json, length, _ in
    guard let context = RDKafkaCallbackContext.from(rk), let json else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: json, count: length)
    context.statistics?.report(Array(bytes))
    return 0  // librdkafka frees the JSON
}

private let rdkafkaDeliveryCallback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
    rk, message, _ in
    guard let context = RDKafkaCallbackContext.from(rk), let message else { return }
    context.onDelivery?(message)
}

private let rdkafkaRebalanceCallback: @convention(c) (OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?) -> Void = {
    rk, err, partitions, _ in
    guard let rk, let partitions, let context = RDKafkaCallbackContext.from(rk), let onRebalance = context.onRebalance else { return }
    onRebalance(rk, err, partitions)
}

/// Every offset commit's result: the background auto-commits' too, which otherwise fail unseen.
private let rdkafkaOffsetCommitCallback: @convention(c) (OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?) -> Void = {
    rk, err, offsets, _ in
    guard let context = RDKafkaCallbackContext.from(rk), let onCommit = context.onCommit else { return }
    let operation = "commit offsets"
    let partitions = offsets.map { RDKafkaTopicPartitionList.read($0) } ?? []
    onCommit(
        err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(err, operation: operation),
        partitions.map { position, err in
            (position, err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(err, operation: operation, detail: position.topicPartition.description))
        })
}
