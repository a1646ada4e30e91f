import FeedParsing
/// A MinHash sketch of a headline: 128 minimum hashes over its shingles
/// (``HeadlineFeatures/shingles``: the stemmed content words of the
/// normalised title, number words as digits). The share of equal positions
/// between two sketches estimates the Jaccard similarity of their shingle sets
/// (standard error about 0.04 at 128 hashes); 32 bands of 4 hashes give the
/// candidates for a lookup (``StoryIndex``).
public struct MinHashSketch: Sendable, Hashable {
    public static let size = 128

    /// The similarity at or above which two headlines whose features do not conflict are the same story.
    ///
    /// Measured with `StoryIndexTests` (which prints the tables) on two labelled sets of headline pairs:
    /// - Tests/IngestTests/Fixtures/story-pairs.jsonl, 120 pairs used to choose the threshold and the
    ///   conflict rule: 60 the same story from different outlets (paraphrases, a ticker line and the
    ///   article, a French wire) and 60 different stories chosen to be hard (the same template with
    ///   another place, the same people and another event, the same place and another event). At 0.25,
    ///   the best F1 of 0.05…0.90 in steps of 0.05: precision 0.982 (55 of 56), recall 0.917 (55 of 60).
    ///   Without the conflict rule the best is precision 0.69, recall 0.93 (also at 0.25).
    /// - Tests/IngestTests/Fixtures/story-pairs-holdout.jsonl, 40 pairs written afterwards and never used
    ///   for tuning (20 same, 20 different): at 0.25, precision 0.941 (16 of 17), recall 0.80 (16 of 20);
    ///   at 0.15 it would be 0.95 / 0.95, a hint that 0.25 is on the cautious side (a false merge hides
    ///   an alert, a false split only repeats one).
    /// Misses are paraphrases sharing few words ("Fed cuts rates by quarter point" / "Federal Reserve
    /// lowers rates by 25 basis points"); the false merges share a subject but not the event ("France's
    /// Macron names new prime minister" / "France's prime minister survives no-confidence vote").
    public static let sameStoryThreshold = 0.25

    public let values: [UInt64]

    public init(title: String) {
        self.init(shingles: HeadlineFeatures(title: title).shingles)
    }

    public init(shingles: Set<String>) {
        var minimums = [UInt64](repeating: .max, count: Self.size)
        for shingle in shingles {
            let base = Self.fnv1a(shingle)
            for slot in 0..<Self.size {
                let hash = Self.mix(base &+ UInt64(slot) &* 0x9E37_79B9_7F4A_7C15)
                if hash < minimums[slot] { minimums[slot] = hash }
            }
        }
        values = minimums
    }

    init(values: [UInt64]) {
        self.values = values
    }

    /// Estimated Jaccard similarity in 0...1 (0 when either title had no shingles or a sketch is malformed).
    public func similarity(to other: MinHashSketch) -> Double {
        guard values.count == Self.size, other.values.count == Self.size, values[0] != .max, other.values[0] != .max else { return 0 }
        var equal = 0
        for index in 0..<Self.size where values[index] == other.values[index] { equal += 1 }
        return Double(equal) / Double(Self.size)
    }

    /// Band keys for locality-sensitive lookup: 32 bands of 4 values. Two sketches of similarity
    /// s share at least one band with probability 1 − (1 − s⁴)³², 0.05 at s = 0.2, 0.72 at 0.4 and
    /// above 0.99 from 0.55; ``StoryIndex`` also compares against the most recent stories directly.
    var bandKeys: [UInt64] {
        guard values.count == Self.size else { return [] }
        return stride(from: 0, to: Self.size, by: 4).map { start in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325 &+ UInt64(start)
            for value in values[start..<(start + 4)] { hash = Self.mix(hash ^ value) }
            return hash
        }
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// splitmix64 finaliser.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
