internal import CRdKafka

/// An error from the Kafka layer: a code the caller can switch on, whether
/// retrying can help, and a message a person can act on.
///
/// `code` wraps librdkafka's `rd_kafka_resp_err_t` (broker error codes are
/// positive, librdkafka's local ones negative) plus a few codes of this layer.
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a value to switch on.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        init(_ err: rd_kafka_resp_err_t) { self.rawValue = err.rawValue }

        /// librdkafka's symbolic name, such as `_MSG_TIMED_OUT` or `UNKNOWN_TOPIC_OR_PART`.
        public var description: String {
            switch self {
            case .invalidConfiguration: return "INVALID_CONFIGURATION"
            case .incompatibleLibrary: return "INCOMPATIBLE_LIBRDKAFKA"
            case .closed: return "CLIENT_CLOSED"
            case .invalidArgument: return "INVALID_ARGUMENT"
            case .cancelled: return "CANCELLED"
            default:
                let err = rd_kafka_resp_err_t(rawValue: rawValue)
                return String(cString: rd_kafka_err2name(err))
            }
        }

        // librdkafka local errors
        public static let messageTimedOut = Code(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
        public static let queueFull = Code(RD_KAFKA_RESP_ERR__QUEUE_FULL)
        public static let timedOut = Code(RD_KAFKA_RESP_ERR__TIMED_OUT)
        public static let transport = Code(RD_KAFKA_RESP_ERR__TRANSPORT)
        public static let allBrokersDown = Code(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        public static let partitionEOF = Code(RD_KAFKA_RESP_ERR__PARTITION_EOF)
        public static let unknownPartition = Code(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
        public static let unknownTopicLocal = Code(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
        public static let purgedInQueue = Code(RD_KAFKA_RESP_ERR__PURGE_QUEUE)
        public static let purgedInFlight = Code(RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
        public static let noOffset = Code(RD_KAFKA_RESP_ERR__NO_OFFSET)
        public static let state = Code(RD_KAFKA_RESP_ERR__STATE)
        public static let fatal = Code(RD_KAFKA_RESP_ERR__FATAL)
        public static let messageSizeTooLarge = Code(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
        // broker errors
        public static let unknownTopicOrPartition = Code(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        public static let topicAlreadyExists = Code(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        public static let invalidPartitions = Code(RD_KAFKA_RESP_ERR_INVALID_PARTITIONS)
        public static let invalidReplicationFactor = Code(RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR)
        public static let unsupportedVersion = Code(RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION)
        public static let invalidRequest = Code(RD_KAFKA_RESP_ERR_INVALID_REQUEST)
        public static let groupIDNotFound = Code(RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND)

        // codes of this layer, outside librdkafka's ranges
        /// A configuration key or value was refused.
        public static let invalidConfiguration = Code(rawValue: -10_001)
        /// The librdkafka loaded at run time cannot talk to the broker.
        public static let incompatibleLibrary = Code(rawValue: -10_002)
        /// The client was already closed.
        public static let closed = Code(rawValue: -10_003)
        /// An argument was out of range (for example a negative partition).
        public static let invalidArgument = Code(rawValue: -10_004)
        /// The waiting task was cancelled.
        public static let cancelled = Code(rawValue: -10_005)
    }

    public var code: Code
    /// What this layer was doing, e.g. "produce to news.raw" or "create topic alerts.dlq".
    public var operation: String
    /// librdkafka's message or this layer's explanation, with the fix where one is known.
    public var message: String
    /// The client instance can no longer be used (e.g. an idempotent producer lost its guarantee).
    public var isFatal: Bool
    /// Trying the same call again may succeed.
    public var isRetriable: Bool

    public init(code: Code, operation: String, message: String, isFatal: Bool = false, isRetriable: Bool = false) {
        self.code = code
        self.operation = operation
        self.message = message
        self.isFatal = isFatal
        self.isRetriable = isRetriable
    }

    public var description: String {
        var text = "\(operation) failed: \(message) [\(code)]"
        if isFatal { text += " (fatal)" } else if isRetriable { text += " (retriable)" }
        return text
    }
}

extension KafkaError {
    /// An error from an `rd_kafka_resp_err_t`, with librdkafka's text for it.
    init(_ err: rd_kafka_resp_err_t, operation: String, detail: String? = nil) {
        let text = String(cString: rd_kafka_err2str(err))
        let retriable: Bool
        switch err {
        case RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__QUEUE_FULL,
            RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
            RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
            RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
            retriable = true
        default:
            retriable = false
        }
        self.init(
            code: Code(err),
            operation: operation,
            message: detail.map { "\($0): \(text)" } ?? text,
            isFatal: err == RD_KAFKA_RESP_ERR__FATAL,
            isRetriable: retriable
        )
    }

    /// An error from an `rd_kafka_error_t`, which carries its own flags. Destroys `error`.
    init(consuming error: OpaquePointer, operation: String) {
        defer { rd_kafka_error_destroy(error) }
        self.init(
            code: Code(rd_kafka_error_code(error)),
            operation: operation,
            message: String(cString: rd_kafka_error_string(error)),
            isFatal: rd_kafka_error_is_fatal(error) != 0,
            isRetriable: rd_kafka_error_is_retriable(error) != 0
        )
    }

    static func closed(_ operation: String) -> KafkaError {
        KafkaError(code: .closed, operation: operation, message: "the client is closed")
    }
}
