import Pipeline
import Testing

/// The time lookup's check of the broker's answer and its search, on logs written here.
struct OffsetForTimeTests {
    /// A partition's records: offset → timestamp (gaps are compacted-away offsets).
    struct Log {
        var records: [Int64: Int64]
        var low: Int64 { records.keys.min() ?? 0 }
        var high: Int64 { (records.keys.max() ?? -1) + 1 }

        func first(atOrAfter offset: Int64) -> OffsetForTime.Probe? {
            records.filter { $0.key >= offset }.min { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
    }

    /// Offsets 0..<100 at 1,000 ms apart: record n at n × 1,000.
    let log = Log(records: Dictionary(uniqueKeysWithValues: (0..<100).map { (Int64($0), Int64($0) * 1_000) }))

    func resolve(_ time: Int64, answer: Int64?, logs: [Int32: Log]? = nil) async throws -> (offset: Int64, searched: Bool, probes: Int) {
        let logs = logs ?? [0: log]
        var probes = 0
        let partitions = logs.mapValues { OffsetForTime.Partition(low: $0.low, high: $0.high, answer: answer) }
        let (offsets, searched) = try await OffsetForTime.resolve(time, partitions: partitions) { positions in
            probes += 1
            return positions.compactMapValues { _ in nil }.merging(
                Dictionary(uniqueKeysWithValues: positions.compactMap { id, offset in logs[id]?.first(atOrAfter: offset).map { (id, $0) } })) { $1 }
        }
        return (offsets[0] ?? -1, searched.contains(0), probes)
    }

    @Test func anExactAnswerIsCheckedAndTaken() async throws {
        let result = try await resolve(42_000, answer: 42)
        #expect(result.offset == 42 && !result.searched)
        #expect(result.probes == 2)  // the record at the answer and the one before it
        // Between two records: the later one.
        #expect(try await resolve(41_500, answer: 42).offset == 42)
    }

    @Test func aBatchGrainedOrWrongAnswerIsFoundBySearch() async throws {
        // Too early (the batch's first offset), too late, 0 for a time after the last record, none.
        for answer: Int64? in [40, 45, 0, nil] {
            let result = try await resolve(42_000, answer: answer)
            #expect(result.offset == 42 && result.searched, "answer \(String(describing: answer))")
            #expect(result.probes <= 2 + 8, "a search reads about log2(100) records")
        }
        let after = try await resolve(500_000, answer: 0)
        #expect(after.offset == 100 && after.searched)
        let before = try await resolve(-5, answer: 30)
        #expect(before.offset == 0 && before.searched)
    }

    @Test func gapsAndEmptyPartitionsAndEveryPartitionInOneRound() async throws {
        // Offsets 10, 20, …, 90 only (compacted), at 10 s apart.
        let sparse = Log(records: Dictionary(uniqueKeysWithValues: (1..<10).map { (Int64($0 * 10), Int64($0) * 10_000) }))
        let found = try await resolve(35_000, answer: 3, logs: [0: sparse, 1: log, 2: Log(records: [:])])
        #expect(found.offset >= 31 && found.offset <= 40 && sparse.first(atOrAfter: found.offset)?.offset == 40)
        // All partitions are probed together: rounds, not partitions × rounds.
        #expect(found.probes <= 2 + 8)
    }
}
