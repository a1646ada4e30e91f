/// Something that happened to a consumer besides a message.
public enum KafkaConsumerEvent: Sendable, Hashable {
    /// The group gave these partitions to this member.
    case assigned([KafkaTopicPartition])
    /// The group took these partitions away; their stored offsets were committed first.
    case revoked([KafkaTopicPartition])
    /// These partitions were lost without a clean revoke (e.g. the session timed out);
    /// their offsets were not committed and other members may already read them.
    case lost([KafkaTopicPartition])
    /// The consumer reached the end of a partition (only with `reportsPartitionEOF`).
    case partitionEOF(KafkaTopicPartitionOffset)
    /// A client-level error; the consumer keeps trying unless it is fatal.
    case error(KafkaError)
}

/// The events of a ``KafkaConsumer``. The newest 1024 are kept until read;
/// the sequence ends when the consumer closes.
public struct KafkaConsumerEvents: AsyncSequence, Sendable {
    public typealias Element = KafkaConsumerEvent
    let stream: AsyncStream<KafkaConsumerEvent>

    public func makeAsyncIterator() -> AsyncStream<KafkaConsumerEvent>.Iterator {
        stream.makeAsyncIterator()
    }
}
