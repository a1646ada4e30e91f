/// The tags the classifier can give: regions (with the countries and phrases that point to each)
/// and topics (with a keyword lexicon each). Data, not code: the default is
/// `Resources/taxonomy.json`, the sections of the seed news site; `TaxonomyLoader` reads and checks others.
public struct Taxonomy: Sendable, Hashable {
    public struct Region: Sendable, Hashable {
        public var label: String
        /// ISO 3166-1 alpha-2 codes; a country may sit in several regions.
        public var countries: [String]
        /// Phrases that name the region itself ("Middle East", "NATO", "Sahel").
        public var phrases: [String]
        /// The names publishers give the region's desk, in feed categories and URL paths ("Africa",
        /// "/world/middle-east/…", "/uk-news/…"): an item filed there that names no place is the
        /// region's (`PublisherSections`), compared as topics' sections are.
        public var sections: [String]

        public init(label: String, countries: [String], phrases: [String], sections: [String] = []) {
            self.label = label
            self.countries = countries
            self.phrases = phrases
            self.sections = sections
        }
    }

    public struct Topic: Sendable, Hashable {
        public var label: String
        /// Words and phrases that point to the topic. Written with a capital, a keyword must appear
        /// so in sentence-case text; a `:U` suffix marks an acronym, matched only as written ("NATO"
        /// in capitals, "EVs" as a capital and small letters).
        public var keywords: [String]
        /// The names publishers give the topic's section, in feed categories ("Sport", "News >
        /// Business") and URL paths ("/sport/football/…", "/business/2020/…"): an item filed there
        /// has the topic (`PublisherSections`). Compared without case, with "&" read as "and" and
        /// hyphens and underscores as spaces.
        public var sections: [String]

        public init(label: String, keywords: [String], sections: [String] = []) {
            self.label = label
            self.keywords = keywords
            self.sections = sections
        }
    }

    /// A place whose regions are set directly instead of through its country.
    public struct PlaceRegions: Sendable, Hashable {
        /// The canonical gazetteer name, e.g. "Jerusalem".
        public var place: String
        public var regions: [String]
    }

    public var version: String
    public var regions: [Region]
    public var topics: [Topic]
    public var placeRegions: [PlaceRegions]
    /// The topic given when nothing points anywhere (and the source has no topic hint).
    public var fallbackTopic: String?

    public init(version: String, regions: [Region], topics: [Topic], placeRegions: [PlaceRegions] = [], fallbackTopic: String? = nil) {
        self.version = version
        self.regions = regions
        self.topics = topics
        self.placeRegions = placeRegions
        self.fallbackTopic = fallbackTopic
    }

    /// Region indices for each country code.
    public func regionIndicesByCountry() -> [String: [Int]] {
        var map: [String: [Int]] = [:]
        for (index, region) in regions.enumerated() {
            for country in region.countries where !(map[country]?.contains(index) ?? false) {
                map[country, default: []].append(index)
            }
        }
        return map
    }
}
