/// A partition of a topic.
public struct KafkaTopicPartition: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// A position in a partition.
public struct KafkaTopicPartitionOffset: Sendable, Hashable, CustomStringConvertible {
    public var topicPartition: KafkaTopicPartition
    /// An offset, or one of the logical ones (``beginning``, ``end``, ``stored``, ``invalid``).
    public var offset: Int64

    /// The first offset still retained.
    public static let beginning: Int64 = -2
    /// The offset after the last message.
    public static let end: Int64 = -1
    /// The group's committed offset.
    public static let stored: Int64 = -1000
    /// No offset (e.g. nothing committed yet).
    public static let invalid: Int64 = -1001

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topicPartition = KafkaTopicPartition(topic: topic, partition: partition)
        self.offset = offset
    }

    public var topic: String { topicPartition.topic }
    public var partition: Int32 { topicPartition.partition }

    public var description: String { "\(topicPartition)@\(offset)" }
}

/// A Kafka record header. A `nil` value is a header with no value.
public struct KafkaHeader: Sendable, Hashable {
    public var key: String
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    /// Headers from name and text pairs (`EventHeaders.values(for:)`), the values as UTF-8.
    public static func list(_ pairs: [(String, String)]) -> [KafkaHeader] {
        pairs.map { KafkaHeader(key: $0.0, value: $0.1) }
    }

    public init(key: String, value: String) {
        self.init(key: key, value: Array(value.utf8))
    }
}

extension Array where Element == KafkaHeader {
    /// The value of the first header with this key, as UTF-8 text.
    public func string(_ key: String) -> String? {
        first { $0.key == key }?.value.map { String(decoding: $0, as: UTF8.self) }
    }
}

/// A message to produce.
public struct KafkaProducerMessage: Sendable, Hashable {
    public var topic: String
    /// `nil` lets the partitioner choose (by key hash when there is a key).
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]
    /// The record's create time in milliseconds since 1970; `nil` is now.
    public var timestampMilliseconds: Int64?

    public init(
        topic: String,
        partition: Int32? = nil,
        key: [UInt8]? = nil,
        value: [UInt8],
        headers: [KafkaHeader] = [],
        timestampMilliseconds: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }

    public init(
        topic: String,
        key: String?,
        value: [UInt8],
        headers: [KafkaHeader] = [],
        timestampMilliseconds: Int64? = nil
    ) {
        self.init(topic: topic, key: key.map { Array($0.utf8) }, value: value, headers: headers,
                  timestampMilliseconds: timestampMilliseconds)
    }
}

/// A message read from a topic. Owns copies of its bytes.
public struct KafkaConsumerMessage: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]
    /// The record's timestamp in milliseconds since 1970 (create or log-append time).
    public var timestampMilliseconds: Int64?
    /// Which assignment of its partition fetched the message: the consumer gives a
    /// partition a new number each time the group assigns it to this member (0: none).
    /// ``KafkaConsumer/storeOffset(_:assignmentOf:)`` refuses a message whose
    /// assignment is over, so a late task can never move a new owner's offset.
    public var assignment: UInt64

    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8],
        headers: [KafkaHeader], timestampMilliseconds: Int64?, assignment: UInt64 = 0
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
        self.assignment = assignment
    }

    public var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }

    /// The key as UTF-8 text.
    public var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }
}

/// The broker's answer for one produced message.
public struct KafkaDeliveryReport: Sendable, Hashable {
    /// The number ``KafkaProducer/sendAndForget(_:)`` returned for the message.
    public var messageID: UInt64
    public var topic: String
    public var partition: Int32
    /// The offset the broker stored the message at; `nil` when it failed or is unknown.
    public var offset: Int64?
    /// `nil` when the broker acknowledged the message.
    public var error: KafkaError?
}
