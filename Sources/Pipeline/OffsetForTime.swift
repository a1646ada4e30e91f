/// The first offset of each partition whose record is at or after a time, with the broker's
/// answer checked against the records.
///
/// Kafka's offsets-for-times answers exactly; some Kafka-compatible brokers answer at batch
/// granularity, or wrongly (the local broker answers 0 for a time after the last record). An
/// answer is taken when the record at it is at or after the time and the record before it is
/// earlier; otherwise (or without an answer) a binary search over offsets, reading single
/// records, finds the offset. Every partition is probed in the same round, so a search costs
/// about log2(messages) reads of one record per partition. Timestamps are taken to grow with
/// offsets, as they do for log-append time and for producers with sane clocks; readers still
/// skip records older than the time (``RetainedTopicReader``, ``KafkaConsumer``'s floor).
public enum OffsetForTime {
    /// A record as a probe sees it: its offset and timestamp in milliseconds.
    public typealias Probe = (offset: Int64, milliseconds: Int64)

    /// The range of a partition and the broker's answer for it (nil: none).
    public struct Partition: Sendable {
        public var low: Int64
        public var high: Int64
        public var answer: Int64?

        public init(low: Int64, high: Int64, answer: Int64?) {
            self.low = low
            self.high = high
            self.answer = answer
        }
    }

    /// The offset per partition, and which partitions needed the search.
    /// - Parameter first: the first record at or after each given offset, per partition (none where
    ///   nothing is there), e.g. ``RetainedTopicReader/firstRecords(at:)``.
    public static func resolve(
        _ milliseconds: Int64, partitions: [Int32: Partition],
        first: ([Int32: Int64]) async throws -> [Int32: Probe]
    ) async throws -> (offsets: [Int32: Int64], searched: Set<Int32>) {
        var offsets: [Int32: Int64] = [:]
        var unsure = Set<Int32>()
        // The check: the record at the answer is at or after the time, the one before it earlier.
        var at: [Int32: Int64] = [:], before: [Int32: Int64] = [:]
        for (id, partition) in partitions {
            guard partition.high > partition.low else {
                offsets[id] = partition.high
                continue
            }
            guard let answer = partition.answer, answer >= partition.low, answer <= partition.high else {
                unsure.insert(id)
                continue
            }
            if answer < partition.high { at[id] = answer }
            if answer > partition.low { before[id] = answer - 1 }
        }
        let atRecords = try await first(at)
        let beforeRecords = try await first(before)
        for (id, partition) in partitions where offsets[id] == nil && !unsure.contains(id) {
            let answer = partition.answer!
            var holds = true
            if at[id] != nil { holds = atRecords[id].map { $0.milliseconds >= milliseconds } ?? false }
            if let previous = beforeRecords[id], previous.offset < answer { holds = holds && previous.milliseconds < milliseconds }
            if holds { offsets[id] = answer } else { unsure.insert(id) }
        }
        // The search: the smallest offset whose first record at or after it is at or after the time.
        var bounds = Dictionary(uniqueKeysWithValues: unsure.compactMap { id in partitions[id].map { (id, (low: $0.low, high: $0.high)) } })
        while !bounds.isEmpty {
            let middles = bounds.mapValues { $0.low + ($0.high - $0.low) / 2 }
            let records = try await first(middles)
            for (id, middle) in middles {
                guard var range = bounds[id] else { continue }
                if let record = records[id], record.milliseconds < milliseconds {
                    range.low = max(record.offset + 1, middle + 1)
                } else {
                    range.high = middle  // at or after the time, or nothing from here on
                }
                if range.low >= range.high {
                    offsets[id] = range.low
                    bounds[id] = nil
                } else {
                    bounds[id] = range
                }
            }
        }
        return (offsets, unsure)
    }
}
