import FeedParsing
/// Recent stories, to give near-duplicate headlines one story id.
///
/// Keeps the stories first seen within `window` (default 48 h). A new
/// headline joins the most similar recent story whose features do not
/// conflict with it (``HeadlineFeatures/conflicts(with:)``) and whose MinHash
/// similarity reaches the threshold (``MinHashSketch/sameStoryThreshold``);
/// else it starts a new story. Candidates come from an inverted index of
/// shingles, so every story sharing a word is compared (the sketches decide).
/// Pure and deterministic; the ingest worker persists the entries.
public struct StoryIndex: Sendable {
    /// A story as stored: its id, the sketch of its first headline, that headline's features
    /// (``HeadlineFeatures/tagged``) and when it was first seen (seconds since 1970).
    public struct Entry: Sendable, Hashable, Codable {
        public var storyID: String
        public var values: [UInt64]
        public var names: Set<String>
        public var seenAt: Double

        public init(storyID: String, values: [UInt64], names: Set<String>, seenAt: Double) {
            self.storyID = storyID
            self.values = values
            self.names = names
            self.seenAt = seenAt
        }
    }

    public var window: Double
    public var threshold: Double
    private(set) var entries: [Entry] = []
    private var features: [HeadlineFeatures] = []
    private var postings: [String: [Int]] = [:]
    /// At most this many candidates (the most recent) are compared per headline.
    static let maximumCandidates = 20_000

    public init(window: Double = 48 * 3600, threshold: Double = MinHashSketch.sameStoryThreshold) {
        self.window = window
        self.threshold = threshold
    }

    public init(entries: [Entry], window: Double = 48 * 3600, threshold: Double = MinHashSketch.sameStoryThreshold) {
        self.init(window: window, threshold: threshold)
        for entry in entries { insert(entry, features: HeadlineFeatures(tagged: entry.names)) }
    }

    /// The story of a headline seen at `time` (seconds since 1970): an existing similar story's id,
    /// or `newStoryID`, which is then remembered (returned as `created`, for persisting).
    public mutating func story(for title: String, at time: Double, newStoryID: String) -> (storyID: String, similarity: Double?, created: Entry?) {
        let headline = HeadlineFeatures(title: title)
        let sketch = MinHashSketch(shingles: headline.shingles)
        var candidates = Set<Int>()
        for shingle in headline.shingles { candidates.formUnion(postings[shingle] ?? []) }
        var best: (index: Int, similarity: Double)?
        for index in candidates.sorted(by: >).prefix(Self.maximumCandidates) where abs(time - entries[index].seenAt) <= window {
            guard !headline.conflicts(with: features[index]) else { continue }
            let similarity = sketch.similarity(to: MinHashSketch(values: entries[index].values))
            if similarity >= threshold, similarity > (best?.similarity ?? -1) { best = (index, similarity) }
        }
        if let best { return (entries[best.index].storyID, best.similarity, nil) }
        let entry = Entry(storyID: newStoryID, values: sketch.values, names: headline.tagged, seenAt: time)
        insert(entry, features: headline)
        if entries.count % 1024 == 0 { expire(before: time - window) }
        return (newStoryID, nil, entry)
    }

    public var count: Int { entries.count }

    /// Whether two headlines are the same story by this index's rule (the measure behind the threshold).
    public func sameStory(_ a: String, _ b: String) -> Bool {
        let first = HeadlineFeatures(title: a), second = HeadlineFeatures(title: b)
        guard !first.conflicts(with: second) else { return false }
        return MinHashSketch(shingles: first.shingles).similarity(to: MinHashSketch(shingles: second.shingles)) >= threshold
    }

    private mutating func insert(_ entry: Entry, features headline: HeadlineFeatures) {
        let index = entries.count
        entries.append(entry)
        features.append(headline)
        for shingle in headline.shingles { postings[shingle, default: []].append(index) }
    }

    /// Drops stories first seen before `cutoff` and rebuilds the index.
    public mutating func expire(before cutoff: Double) {
        let kept = zip(entries, features).filter { $0.0.seenAt >= cutoff }
        guard kept.count != entries.count else { return }
        entries = []
        features = []
        postings = [:]
        for (entry, headline) in kept { insert(entry, features: headline) }
    }

    /// The stories, for persisting; ``init(entries:window:threshold:)`` restores them.
    public var snapshot: [Entry] { entries }
}
