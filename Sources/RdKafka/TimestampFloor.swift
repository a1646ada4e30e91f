/// Makes a seek by timestamp exact even where the broker's answer is only a lower bound.
///
/// Kafka's ListOffsets-by-time answers the first offset whose record timestamp
/// is at or after the time. Some brokers answer earlier offsets: Tansu uses the
/// time it stored a batch, not the records' timestamps, and answers offset 0 for
/// a time after the last record. After seeking to such an answer, the consumer
/// skips each partition's records until the first whose timestamp reaches the
/// floor, and delivers everything from there on: exactly Kafka's semantics.
/// On a broker that answers exactly, nothing is skipped.
struct TimestampFloor: Sendable {
    private var floors: [KafkaTopicPartition: Int64] = [:]

    var isEmpty: Bool { floors.isEmpty }

    /// From now on, skip this partition's records older than `milliseconds`.
    mutating func set(_ partition: KafkaTopicPartition, milliseconds: Int64) {
        floors[partition] = milliseconds
    }

    mutating func clear(_ partitions: some Sequence<KafkaTopicPartition>) {
        for partition in partitions { floors[partition] = nil }
    }

    /// Whether to deliver a record; the first record at or after the floor lifts it.
    mutating func admits(_ partition: KafkaTopicPartition, timestampMilliseconds: Int64?) -> Bool {
        guard let floor = floors[partition] else { return true }
        guard let timestamp = timestampMilliseconds, timestamp >= floor else { return false }
        floors[partition] = nil
        return true
    }
}
