/// Settings every Kafka client of Newsflash shares.
///
/// Each client configuration turns into a librdkafka property dictionary. Keys in
/// ``additionalConfig`` are applied last and override everything else, so any
/// librdkafka property (`security.protocol`, `sasl.*`, `ssl.*`, …) works unchanged
/// against a production cluster. See librdkafka's CONFIGURATION.md for the keys.
public struct KafkaClientConfiguration: Sendable, Hashable {
    /// `host:port` pairs of brokers to bootstrap from.
    public var bootstrapServers: [String]
    /// Shown in broker logs and metrics.
    public var clientID: String
    /// How often librdkafka reports statistics to swift-metrics; `nil` turns them off.
    public var statisticsInterval: Duration?
    /// Raw librdkafka properties, applied last.
    public var additionalConfig: [String: String]

    public init(
        bootstrapServers: [String],
        clientID: String = "newsflash",
        statisticsInterval: Duration? = nil,
        additionalConfig: [String: String] = [:]
    ) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.statisticsInterval = statisticsInterval
        self.additionalConfig = additionalConfig
    }

    func properties() -> [String: String] {
        var props: [String: String] = [
            "bootstrap.servers": bootstrapServers.joined(separator: ","),
            "client.id": clientID,
        ]
        if let statisticsInterval {
            props["statistics.interval.ms"] = String(statisticsInterval.milliseconds)
        }
        return props
    }
}

/// How a producer batches and acknowledges.
public struct KafkaProducerConfiguration: Sendable, Hashable {
    public enum Acks: String, Sendable, Hashable {
        case none = "0"
        case leader = "1"
        case all = "all"
    }

    public enum Compression: String, Sendable, Hashable {
        case none, gzip, snappy, lz4, zstd
    }

    public var client: KafkaClientConfiguration
    /// Exactly-once per partition within a producer session; requires `acks = all`. Default on.
    public var isIdempotent: Bool = true
    public var acks: Acks = .all
    /// How long a message may wait for acknowledgement, retries included, before it fails.
    public var messageTimeout: Duration = .seconds(30)
    /// How long to wait for more messages before sending a batch (`linger.ms`).
    public var linger: Duration = .milliseconds(5)
    /// The most messages in one batch (`batch.num.messages`).
    public var batchMaxMessages: Int = 10_000
    /// The most bytes in one batch (`batch.size`).
    public var batchMaxBytes: Int = 1_000_000
    /// The most messages waiting in the local queue (`queue.buffering.max.messages`);
    /// `send` waits for room when it is full.
    public var queueMaxMessages: Int = 100_000
    public var compression: Compression = .lz4
    /// How long ``KafkaProducer/shutdown()`` waits for in-flight messages.
    public var flushTimeout: Duration = .seconds(30)

    public init(client: KafkaClientConfiguration) {
        self.client = client
    }

    func properties() -> [String: String] {
        var props = client.properties()
        props["enable.idempotence"] = String(isIdempotent)
        props["acks"] = acks.rawValue
        props["message.timeout.ms"] = String(messageTimeout.milliseconds)
        props["linger.ms"] = String(linger.milliseconds)
        props["batch.num.messages"] = String(batchMaxMessages)
        props["batch.size"] = String(batchMaxBytes)
        props["queue.buffering.max.messages"] = String(queueMaxMessages)
        props["compression.codec"] = compression.rawValue
        return props.merging(client.additionalConfig) { _, raw in raw }
    }
}

/// How a consumer joins its group, where it starts and how it commits.
///
/// Offsets are stored only by the application (``KafkaConsumer/storeOffset(for:)``)
/// after it has durably processed a message; librdkafka then commits stored
/// offsets in the background every ``autoCommitInterval`` and on revoke and close.
/// That is at-least-once: a crash re-delivers what was not yet stored.
public struct KafkaConsumerConfiguration: Sendable, Hashable {
    public enum Subscription: Sendable, Hashable {
        /// Join `groupID` and split the topics' partitions with its other members.
        case group(topics: [String])
        /// Read exactly these partitions from these offsets, without group management
        /// (tools: tail, replay). Offsets are not committed unless asked.
        case partitions([KafkaTopicPartitionOffset])
    }

    public enum OffsetReset: String, Sendable, Hashable {
        case earliest, latest
        case error
    }

    public enum AssignmentStrategy: String, Sendable, Hashable {
        case range
        case roundRobin = "roundrobin"
        case cooperativeSticky = "cooperative-sticky"
    }

    public var client: KafkaClientConfiguration
    public var groupID: String
    public var subscription: Subscription
    /// Where to start when the group has no committed offset.
    public var offsetReset: OffsetReset = .earliest
    public var assignmentStrategy: AssignmentStrategy = .range
    /// A member not heard from within this time leaves the group.
    public var sessionTimeout: Duration = .seconds(10)
    public var heartbeatInterval: Duration = .seconds(3)
    /// `max.poll.interval.ms`: the longest time between two polls of the poll thread
    /// before the member is considered stuck and its partitions are given to others.
    /// The poll thread keeps polling while the application is slow (a full buffer
    /// pauses fetching instead), so this catches a stuck client, not slow processing.
    public var maxPollInterval: Duration = .seconds(300)
    /// How long ``KafkaConsumer/close()`` may take to commit the stored offsets and leave the
    /// group. Past it (the broker or the group coordinator cannot be reached), the client is
    /// destroyed without leaving: the group drops the member after `sessionTimeout`, and what was
    /// not committed is read again by the partitions' next owner.
    public var closeTimeout: Duration = .seconds(10)
    /// Commit stored offsets in the background (never unprocessed ones).
    public var isAutoCommitEnabled: Bool = true
    public var autoCommitInterval: Duration = .seconds(1)
    /// How many fetched messages may wait for the application. When they are all waiting, the
    /// poll thread gives the application a second to take some; then it pauses fetching (and keeps
    /// polling, so the group keeps this member) until half of them are taken.
    public var bufferedMessages: Int = Self.defaultBufferedMessages
    public static let defaultBufferedMessages = 10_000
    /// `fetch.wait.max.ms`: how long the broker may hold a fetch that found nothing new.
    /// Kafka answers a held fetch as soon as data arrives, so there this only sets how
    /// often an idle consumer asks (20 small requests a second). Brokers that hold a
    /// fetch for its whole wait (Tansu, the local broker) add up to this much to every
    /// hop: librdkafka's default of 500 ms made each hop of the pipeline 130 ms at the
    /// median there, 50 ms makes it 20 ms (`make chaos CHAOS_ARGS=--latency`, README).
    public var fetchWaitMax: Duration = .milliseconds(50)
    /// Report the end of each partition as an event.
    public var reportsPartitionEOF: Bool = false
    public var isolationLevel: String = "read_committed"

    public init(client: KafkaClientConfiguration, groupID: String, subscription: Subscription) {
        self.client = client
        self.groupID = groupID
        self.subscription = subscription
    }

    func properties() -> [String: String] {
        var props = client.properties()
        props["group.id"] = groupID
        props["auto.offset.reset"] = offsetReset.rawValue
        props["partition.assignment.strategy"] = assignmentStrategy.rawValue
        props["session.timeout.ms"] = String(sessionTimeout.milliseconds)
        props["heartbeat.interval.ms"] = String(heartbeatInterval.milliseconds)
        props["max.poll.interval.ms"] = String(maxPollInterval.milliseconds)
        props["enable.auto.commit"] = String(isAutoCommitEnabled)
        props["auto.commit.interval.ms"] = String(autoCommitInterval.milliseconds)
        props["enable.auto.offset.store"] = "false"
        props["enable.partition.eof"] = String(reportsPartitionEOF)
        props["isolation.level"] = isolationLevel
        props["fetch.wait.max.ms"] = String(fetchWaitMax.milliseconds)
        return props.merging(client.additionalConfig) { _, raw in raw }
    }
}

/// Settings of an admin client.
public struct KafkaAdminConfiguration: Sendable, Hashable {
    public var client: KafkaClientConfiguration
    /// How long one admin request may take.
    public var requestTimeout: Duration = .seconds(30)

    public init(client: KafkaClientConfiguration) {
        self.client = client
    }

    func properties() -> [String: String] {
        client.properties().merging(client.additionalConfig) { _, raw in raw }
    }
}

extension Duration {
    /// Whole milliseconds, rounded down, at least 0.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return max(0, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
