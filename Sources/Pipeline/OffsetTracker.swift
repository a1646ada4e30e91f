import RdKafka

/// Which offsets may be committed while messages are processed out of order.
///
/// Messages of a partition may finish in any order; the offset to store is
/// one past the highest offset below which every started message finished.
/// Pure value type: the stage runner owns one and is its only user.
public struct OffsetTracker: Sendable {
    private struct PartitionState: Sendable {
        var inFlight: Set<Int64> = []
        var highestStarted: Int64 = -1
    }

    private var partitions: [KafkaTopicPartition: PartitionState] = [:]

    public init() {}

    /// Messages started and not yet finished.
    public var inFlightCount: Int { partitions.values.reduce(0) { $0 + $1.inFlight.count } }

    public mutating func start(_ partition: KafkaTopicPartition, offset: Int64) {
        partitions[partition, default: PartitionState()].inFlight.insert(offset)
        partitions[partition]!.highestStarted = max(partitions[partition]!.highestStarted, offset)
    }

    /// Marks a message done; returns the offset to store for its partition (the
    /// next offset to read), or nil when an earlier message is still in flight.
    public mutating func finish(_ partition: KafkaTopicPartition, offset: Int64) -> Int64? {
        guard var state = partitions[partition], state.inFlight.remove(offset) != nil else { return nil }
        defer { partitions[partition] = state }
        guard let lowestInFlight = state.inFlight.min() else { return state.highestStarted + 1 }
        // Everything below the lowest message still in flight is done.
        return offset < lowestInFlight ? lowestInFlight : nil
    }

    /// Forgets partitions (revoked): their in-flight messages will be read again by their new owner.
    public mutating func forget(_ revoked: [KafkaTopicPartition]) {
        for partition in revoked { partitions[partition] = nil }
    }
}
