import Foundation

/// A news item with the classifier's tags: `news.classified` v1 on `news.classified`, keyed by item id.
public struct ClassifiedItem: NewsEvent, Hashable {
    public static let eventType = "news.classified"
    public static let schemaVersion = 1
    public static let schemaName = "classified-item.v1"

    public var item: NewsItem
    /// Regions, highest score first.
    public var regions: [ScoredLabel]
    /// Topics, highest score first.
    public var topics: [ScoredLabel]
    /// ISO 3166-1 alpha-2 codes, upper case.
    public var countries: [String]
    public var places: [PlaceMatch]
    public var urgency: Urgency
    /// Which phrase in which field led to which tag.
    public var explanation: [ExplanationStep]
    public var classifierVersion: String
    public var classifiedAt: Date

    public init(
        item: NewsItem, regions: [ScoredLabel], topics: [ScoredLabel], countries: [String], places: [PlaceMatch],
        urgency: Urgency, explanation: [ExplanationStep], classifierVersion: String, classifiedAt: Date
    ) {
        self.item = item
        self.regions = regions
        self.topics = topics
        self.countries = countries
        self.places = places
        self.urgency = urgency
        self.explanation = explanation
        self.classifierVersion = classifierVersion
        self.classifiedAt = classifiedAt
    }

    public var eventID: String { item.eventID }
}

/// A tag with the classifier's confidence in 0...1.
public struct ScoredLabel: Codable, Sendable, Hashable {
    public var label: String
    public var score: Double

    public init(label: String, score: Double) {
        self.label = label
        self.score = score
    }
}

/// A place the classifier found in the text.
public struct PlaceMatch: Codable, Sendable, Hashable {
    /// The canonical name, e.g. `Lebanon` for "South Lebanon".
    public var name: String
    public var countryCode: String?
    /// The text as it stood in the item.
    public var matchedText: String
    public var field: TextField

    public init(name: String, countryCode: String?, matchedText: String, field: TextField) {
        self.name = name
        self.countryCode = countryCode
        self.matchedText = matchedText
        self.field = field
    }
}

/// Where in an item the classifier looked.
public enum TextField: String, Codable, Sendable, Hashable {
    case title, summary, source
}

/// How soon a subscriber should hear of an item; ordered `routine < urgent < flash`.
public enum Urgency: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    case routine, urgent, flash

    private var rank: Int {
        switch self {
        case .routine: 0
        case .urgent: 1
        case .flash: 2
        }
    }

    public static func < (lhs: Urgency, rhs: Urgency) -> Bool { lhs.rank < rhs.rank }
}

/// One reason for one tag.
public struct ExplanationStep: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable {
        case region, topic, urgency, country
    }

    public var kind: Kind
    public var tag: String
    public var phrase: String
    /// Where the phrase stood (`source` for tags that come from the source's configuration or kind).
    public var field: TextField
    /// The rule that fired, e.g. `gazetteer`, `lexicon`, `model`, `cue:airstrike`, `source:html-ticker`.
    public var rule: String

    public init(kind: Kind, tag: String, phrase: String, field: TextField, rule: String) {
        self.kind = kind
        self.tag = tag
        self.phrase = phrase
        self.field = field
        self.rule = rule
    }
}
