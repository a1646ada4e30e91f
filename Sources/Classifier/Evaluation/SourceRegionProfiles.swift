/// What each source's items name, region by region, for suggesting a source's region hint
/// (`hints.region` in the ingest configuration: the region of the source's items that name no place).
///
/// A national outlet's story that names no place is its country's news, but nothing in the text says
/// so; the source's other items do. Each item is added with the regions its own words, URL and
/// categories gave it (classified without the source's hint) and the hint the source has now. A source
/// whose placed items name one region often enough is suggested that region. Pure and deterministic:
/// sources in order of their id, ties between regions broken by name.
public struct SourceRegionProfiles: Sendable {
    /// One source's tally.
    public struct Profile: Sendable, Equatable {
        public var sourceId: String
        public var items = 0
        /// Items whose own evidence gave them a region.
        public var placed = 0
        /// How many placed items have each region.
        public var regions: [String: Int] = [:]
        /// The region hint the source's items carry now (the last seen), if any.
        public var configuredHint: String?

        /// Items the text, URL and categories gave no region: what a hint would place.
        public var unplaced: Int { items - placed }

        /// The region most placed items have (ties: the first by name), and its share of them.
        public var leadingRegion: (region: String, share: Double)? {
            guard placed > 0, let best = regions.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }) else { return nil }
            return (best.key, Double(best.value) / Double(placed))
        }
    }

    /// A suggested hint: the source's leading region, with the figures that justify it.
    public struct Suggestion: Sendable, Equatable {
        public var sourceId: String
        public var region: String
        /// The share of the source's placed items that have the region.
        public var share: Double
        public var placed: Int
        /// Items the hint would place (they name no place).
        public var unplaced: Int
    }

    private var profiles: [String: Profile] = [:]

    public init() {}

    /// Adds one item of `sourceId`: the regions its own evidence gave it and the source's hint now.
    public mutating func add(sourceId: String, regions: [String], configuredHint: String?) {
        var profile = profiles[sourceId] ?? Profile(sourceId: sourceId)
        profile.items += 1
        if !regions.isEmpty {
            profile.placed += 1
            for region in Set(regions) { profile.regions[region, default: 0] += 1 }
        }
        if let configuredHint { profile.configuredHint = configuredHint }
        profiles[sourceId] = profile
    }

    /// Every source's profile, by source id.
    public var all: [Profile] { profiles.values.sorted { $0.sourceId < $1.sourceId } }

    /// A hint for each source that has none yet, has at least `minimumPlaced` placed items, has items
    /// without a region, and whose leading region is on at least `minimumShare` of its placed items.
    public func suggestions(minimumPlaced: Int, minimumShare: Double) -> [Suggestion] {
        all.compactMap { profile in
            guard profile.configuredHint == nil, profile.placed >= minimumPlaced, profile.unplaced > 0,
                let (region, share) = profile.leadingRegion, share >= minimumShare
            else { return nil }
            return Suggestion(sourceId: profile.sourceId, region: region, share: share, placed: profile.placed, unplaced: profile.unplaced)
        }
    }
}
