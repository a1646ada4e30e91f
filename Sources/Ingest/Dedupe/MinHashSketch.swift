/// A MinHash sketch of a headline: 128 minimum hashes over its shingles (the
/// stemmed content words of the normalised title). The share of equal
/// positions between two sketches estimates the Jaccard similarity of their
/// word sets.
///
/// Threshold: two headlines are the same story when the estimated similarity
/// is at least ``sameStoryThreshold`` (0.30) and their names do not conflict
/// (``TitleNormaliser/names(in:)``). Measured on the 70 labelled pairs in
/// Tests/IngestTests/Fixtures/story-pairs.jsonl (35 same story from different
/// outlets, 35 different stories chosen to share words and names): see
/// StoryIndexTests and the README for precision and recall.
public struct MinHashSketch: Sendable, Hashable {
    public static let size = 128
    public static let sameStoryThreshold = 0.30

    public let values: [UInt64]

    public init(title: String) {
        let shingles = Set(TitleNormaliser.contentWords(TitleNormaliser.normalise(title)).map { String(TitleNormaliser.stem($0)) })
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

    /// Estimated Jaccard similarity in 0...1 (0 when either title had no content words).
    public func similarity(to other: MinHashSketch) -> Double {
        guard values[0] != .max, other.values[0] != .max else { return 0 }
        var equal = 0
        for index in 0..<Self.size where values[index] == other.values[index] { equal += 1 }
        return Double(equal) / Double(Self.size)
    }

    /// Band keys for locality-sensitive lookup: 32 bands of 4 values.
    var bandKeys: [UInt64] {
        stride(from: 0, to: Self.size, by: 4).map { start in
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

/// Recent stories, to give near-duplicate headlines one story id.
///
/// Keeps the stories first seen within `window` (default 48 h), indexed by
/// MinHash bands; a new headline joins the most similar recent story at or
/// above the threshold, else starts a new one. Pure and deterministic; the
/// ingest worker persists it with its seen-set.
public struct StoryIndex: Sendable {
    public struct Entry: Sendable, Hashable, Codable {
        public var storyID: String
        public var values: [UInt64]
        public var names: Set<String>
        public var seenAt: Double
    }

    public var window: Double
    public var threshold: Double
    private(set) var entries: [Entry] = []
    private var bands: [UInt64: [Int]] = [:]

    public init(window: Double = 48 * 3600, threshold: Double = MinHashSketch.sameStoryThreshold) {
        self.window = window
        self.threshold = threshold
    }

    /// The story of a headline seen at `time` (seconds since 1970): an existing
    /// similar story's id, or `newStoryID`, which is then remembered.
    public mutating func story(for title: String, at time: Double, newStoryID: String) -> (storyID: String, similarity: Double?, created: Entry?) {
        let sketch = MinHashSketch(title: title)
        let names = TitleNormaliser.names(in: title)
        var best: (index: Int, similarity: Double)?
        var candidates = Set<Int>()
        for key in sketch.bandKeys { candidates.formUnion(bands[key] ?? []) }
        for index in candidates where time - entries[index].seenAt <= window && !Self.conflict(names, entries[index].names) {
            let similarity = sketch.similarity(to: MinHashSketch(values: entries[index].values))
            if similarity >= threshold, similarity > (best?.similarity ?? -1) { best = (index, similarity) }
        }
        if let best { return (entries[best.index].storyID, best.similarity, nil) }
        let entry = Entry(storyID: newStoryID, values: sketch.values, names: names, seenAt: time)
        insert(entry, keys: sketch.bandKeys)
        if entries.count % 1024 == 0 { expire(before: time - window) }
        return (newStoryID, nil, entry)
    }

    public var count: Int { entries.count }

    /// Each headline names something the other does not.
    public static func conflict(_ a: Set<String>, _ b: Set<String>) -> Bool {
        !a.isSubset(of: b) && !b.isSubset(of: a)
    }

    /// Whether two headlines are the same story by this index's rule.
    public func sameStory(_ a: String, _ b: String) -> Bool {
        MinHashSketch(title: a).similarity(to: MinHashSketch(title: b)) >= threshold
            && !Self.conflict(TitleNormaliser.names(in: a), TitleNormaliser.names(in: b))
    }

    private mutating func insert(_ entry: Entry, keys: [UInt64]) {
        entries.append(entry)
        for key in keys { bands[key, default: []].append(entries.count - 1) }
    }

    /// Drops stories older than `cutoff` and rebuilds the band index.
    public mutating func expire(before cutoff: Double) {
        let kept = entries.filter { $0.seenAt >= cutoff }
        guard kept.count != entries.count else { return }
        entries = []
        bands = [:]
        for entry in kept { insert(entry, keys: MinHashSketch(values: entry.values).bandKeys) }
    }

    /// The stories, for persisting; ``init(entries:)`` restores them.
    public var snapshot: [Entry] { entries }

    public init(entries: [Entry], window: Double = 48 * 3600, threshold: Double = MinHashSketch.sameStoryThreshold) {
        self.init(window: window, threshold: threshold)
        for entry in entries { insert(entry, keys: MinHashSketch(values: entry.values).bandKeys) }
    }
}

extension MinHashSketch {
    init(values: [UInt64]) {
        self.values = values
    }
}
