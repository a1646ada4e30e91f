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
    public var memberIDs: [String]
}
