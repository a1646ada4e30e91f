/// A topic to create.
public struct KafkaTopicSpecification: Sendable, Hashable {
    public var name: String
    public var partitions: Int32
    /// -1 lets the broker use its default.
    public var replicationFactor: Int32
    /// Topic configuration, e.g. `retention.ms`.
    public var configs: [String: String]

    public init(name: String, partitions: Int32, replicationFactor: Int32 = -1, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// What creating one topic did.
public enum KafkaTopicCreation: Sendable, Hashable {
    case created
    /// The topic was there already; nothing changed.
    case alreadyExisted
}

/// A topic as the broker describes it.
public struct KafkaTopicDescription: Sendable, Hashable {
    public struct Partition: Sendable, Hashable {
        public var id: Int32
        public var leader: Int32
        public var replicas: [Int32]
        public var inSyncReplicas: [Int32]
    }

    public var name: String
    public var partitions: [Partition]
    /// Topic configuration; filled by ``KafkaAdmin/describeTopics(_:)`` where the broker answers DescribeConfigs.
    public var configs: [String: String]
}

/// A consumer group as the broker lists it.
public struct KafkaGroupDescription: Sendable, Hashable {
    public var name: String
    public var state: String
    public var protocolType: String
    /// The assignment strategy in use (`range`, `cooperative-sticky`, …).
    public var assignmentProtocol: String
    public var members: [Member]

    public var memberIDs: [String] { members.map(\.id) }

    /// A member of a group: who it is and which partitions it owns.
    public struct Member: Sendable, Hashable {
        public var id: String
        public var clientID: String
        public var host: String
        /// The partitions the group's leader gave it (consumer groups only).
        public var assignment: [KafkaTopicPartition]

        /// The partitions of a consumer-protocol assignment (big-endian: version int16, then an
        /// array of topics, each a string and an array of int32 partitions, then user data);
        /// nil when the bytes are not one.
        static func consumerAssignment(_ bytes: [UInt8]) -> [KafkaTopicPartition]? {
            var index = 0
            func integer(_ width: Int) -> Int64? {
                guard index + width <= bytes.count else { return nil }
                var value: Int64 = 0
                for byte in bytes[index..<(index + width)] { value = value << 8 | Int64(byte) }
                index += width
                // Sign-extend.
                let shift = Int64(64 - 8 * width)
                return (value << shift) >> shift
            }
            guard integer(2) != nil, let topicCount = integer(4), topicCount >= 0, topicCount < 100_000 else { return nil }
            var partitions: [KafkaTopicPartition] = []
            for _ in 0..<topicCount {
                guard let length = integer(2), length >= 0, index + Int(length) <= bytes.count else { return nil }
                let topic = String(decoding: bytes[index..<(index + Int(length))], as: UTF8.self)
                index += Int(length)
                guard let count = integer(4), count >= 0, count < 1_000_000 else { return nil }
                for _ in 0..<count {
                    guard let partition = integer(4) else { return nil }
                    partitions.append(KafkaTopicPartition(topic: topic, partition: Int32(partition)))
                }
            }
            return partitions.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
        }
    }
}
