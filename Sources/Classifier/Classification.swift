/// What the classifier reads: one news item's text and where it came from.
public struct ClassificationInput: Sendable, Hashable {
    /// How the item reached ingest; ticker lines are breaking by nature.
    public enum SourceKind: String, Sendable, Hashable, Codable, CaseIterable {
        case rss, atom, jsonfeed
        case htmlTicker = "html-ticker"
        case push
    }

    /// Default tags configured for the source, used when the text points nowhere.
    public struct Hints: Sendable, Hashable {
        public var region: String?
        public var topic: String?

        public init(region: String? = nil, topic: String? = nil) {
            self.region = region
            self.topic = topic
        }
    }

    public var title: String
    public var summary: String
    public var sourceKind: SourceKind?
    public var hints: Hints?
    /// BCP 47 tag ("en", "en-GB"); the lexicon and model are English.
    public var language: String?

    public init(title: String, summary: String = "", sourceKind: SourceKind? = nil, hints: Hints? = nil, language: String? = nil) {
        self.title = title
        self.summary = summary
        self.sourceKind = sourceKind
        self.hints = hints
        self.language = language
    }
}

/// The classifier's judgement on one item. Same shape and JSON keys as the tag fields of
/// `news.classified` v1 (`ClassifiedItem` in NewsModel), so it maps over one to one.
public struct Classification: Sendable, Hashable, Codable {
    /// Regions, highest score first.
    public var regions: [ScoredTag]
    /// Topics, highest score first.
    public var topics: [ScoredTag]
    /// ISO 3166-1 alpha-2 codes, upper case, in order of first mention.
    public var countries: [String]
    /// Places found in the text, in order of appearance.
    public var places: [MatchedPlace]
    public var urgency: UrgencyLevel
    /// Which phrase in which field led to which tag, by which rule.
    public var explanation: [Evidence]
    public var classifierVersion: String

    public init(
        regions: [ScoredTag], topics: [ScoredTag], countries: [String], places: [MatchedPlace], urgency: UrgencyLevel,
        explanation: [Evidence], classifierVersion: String
    ) {
        self.regions = regions
        self.topics = topics
        self.countries = countries
        self.places = places
        self.urgency = urgency
        self.explanation = explanation
        self.classifierVersion = classifierVersion
    }
}

/// A tag with a confidence in 0...1 (`ScoredLabel` in NewsModel).
public struct ScoredTag: Sendable, Hashable, Codable {
    public var label: String
    public var score: Double

    public init(label: String, score: Double) {
        self.label = label
        self.score = score
    }
}

/// A place found in the text (`PlaceMatch` in NewsModel).
public struct MatchedPlace: Sendable, Hashable, Codable {
    /// The canonical name, e.g. "Gaza Strip" for "Gaza", "Washington" for "Washington D.C.".
    public var name: String
    public var countryCode: String?
    /// The text as it stood in the item.
    public var matchedText: String
    public var field: ItemField

    public init(name: String, countryCode: String?, matchedText: String, field: ItemField) {
        self.name = name
        self.countryCode = countryCode
        self.matchedText = matchedText
        self.field = field
    }
}

/// Where the classifier found something (`TextField` in NewsModel).
public enum ItemField: String, Sendable, Hashable, Codable {
    case title, summary
    /// The source's configuration or kind, not its text.
    case source
}

/// How soon a subscriber should hear of an item, ordered `routine < urgent < flash` (`Urgency` in NewsModel).
public enum UrgencyLevel: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case routine, urgent, flash

    private var rank: Int {
        switch self {
        case .routine: 0
        case .urgent: 1
        case .flash: 2
        }
    }

    public static func < (lhs: UrgencyLevel, rhs: UrgencyLevel) -> Bool { lhs.rank < rhs.rank }
}

/// One reason for one tag (`ExplanationStep` in NewsModel).
public struct Evidence: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case region, topic, urgency, country
    }

    public var kind: Kind
    /// The tag this supports: a region or topic label, an urgency level, or a country code.
    public var tag: String
    /// The words that led to it, as they stood in the text (or the source kind / hint).
    public var phrase: String
    public var field: ItemField
    /// The rule that fired, e.g. `gazetteer:city`, `country:LB`, `lexicon`, `model`, `cue:airstrike`,
    /// `source:html-ticker`, `trap:georgia-us-context`.
    public var rule: String

    public init(kind: Kind, tag: String, phrase: String, field: ItemField, rule: String) {
        self.kind = kind
        self.tag = tag
        self.phrase = phrase
        self.field = field
        self.rule = rule
    }
}
