import Foundation

/// A news item with the classifier's tags and the reasons for them:
/// `news.classified` v1 on `news.classified`, keyed by item id.
///
/// Schema: `Schemas/events/classified-item.v1.schema.json`. ``eventID`` is the item's
/// (`<itemId>#v<version>`): one classification per item version. The classification's fields
/// stand beside `item` and `classifiedAt` in the JSON, and read as the item's own
/// (`classified.regions`).
@dynamicMemberLookup
public struct ClassifiedItem: NewsEvent {
    public static let eventType = "news.classified"
    public static let schemaVersion = 1
    public static let schemaName = "classified-item.v1"

    /// The item as ingested.
    public var item: NewsItem
    /// The classifier's tags and the reasons for them.
    public var classification: Classification
    public var classifiedAt: Date

    public init(item: NewsItem, classification: Classification, classifiedAt: Date) {
        self.item = item
        self.classification = classification
        self.classifiedAt = classifiedAt
    }

    public subscript<Value>(dynamicMember field: WritableKeyPath<Classification, Value>) -> Value {
        get { classification[keyPath: field] }
        set { classification[keyPath: field] = newValue }
    }

    /// The item's id and version, `<itemId>#v<version>`.
    public var eventID: String { item.eventID }

    enum CodingKeys: String, JSONMemberKey {
        static let members = JSONMemberTable(Self.self)
        case classifiedAt, item
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        item = try container.decode(NewsItem.self, forKey: .item)
        classifiedAt = try container.decode(Date.self, forKey: .classifiedAt)
        classification = try Classification(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        // One JSON object: the classification's members go in beside these two.
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(item, forKey: .item)
        try container.encode(classifiedAt, forKey: .classifiedAt)
        try classification.encode(to: encoder)
    }
}

/// The classifier's judgement on one item: the tag fields of `news.classified` v1
/// (``ClassifiedItem``), with the same JSON keys.
public struct Classification: Sendable, Hashable, Codable {
    /// Regions, highest score first.
    public var regions: [ScoredLabel]
    /// Topics, highest score first.
    public var topics: [ScoredLabel]
    /// ISO 3166-1 alpha-2 codes, upper case (`LB`), in order of first mention.
    public var countries: [String]
    /// The places found in the title and summary, in order of appearance.
    public var places: [PlaceMatch]
    public var urgency: Urgency
    /// Which phrase in which field led to which tag, by which rule.
    public var explanation: [ExplanationStep]
    /// The classifier's and its model's version.
    public var classifierVersion: String

    public init(
        regions: [ScoredLabel], topics: [ScoredLabel], countries: [String], places: [PlaceMatch], urgency: Urgency,
        explanation: [ExplanationStep], classifierVersion: String
    ) {
        self.regions = regions
        self.topics = topics
        self.countries = countries
        self.places = places
        self.urgency = urgency
        self.explanation = explanation
        self.classifierVersion = classifierVersion
    }

    enum CodingKeys: String, JSONMemberKey {
        static let members = JSONMemberTable(Self.self)
        case classifierVersion, countries, explanation, places, regions, topics, urgency
    }
}

/// A region or topic with the classifier's confidence in `0...1`.
public struct ScoredLabel: Codable, Sendable, Hashable {
    public var label: String
    public var score: Double

    /// The JSON members, sorted, one per stored property: the synthesized `Codable` (which
    /// `JSONWriter.encode` writes through too) and the hand-written reader (`JSON/`) go by this list.
    enum CodingKeys: String, JSONMemberKey {
        static let members = JSONMemberTable(Self.self)
        case label, score
    }

    public init(label: String, score: Double) {
        self.label = label
        self.score = score
    }
}

/// A place the classifier found in an item's title or summary.
public struct PlaceMatch: Codable, Sendable, Hashable {
    /// Where in the item the place stood.
    public enum Field: String, Codable, Sendable, Hashable, CaseIterable {
        case title, summary
    }

    /// The canonical name, e.g. `Lebanon` for "South Lebanon".
    public var name: String
    /// ISO 3166-1 alpha-2 code of the place's country, when it has one.
    public var countryCode: String?
    /// The text as it stood in the item.
    public var matchedText: String
    public var field: Field

    /// The JSON members, sorted, one per stored property: the synthesized `Codable` (which
    /// `JSONWriter.encode` writes through too) and the hand-written reader (`JSON/`) go by this list.
    enum CodingKeys: String, JSONMemberKey {
        static let members = JSONMemberTable(Self.self)
        case countryCode, field, matchedText, name
    }

    public init(name: String, countryCode: String?, matchedText: String, field: Field) {
        self.name = name
        self.countryCode = countryCode
        self.matchedText = matchedText
        self.field = field
    }
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

/// One reason for one tag: the phrase, where it stood and the rule that turned it into the tag.
public struct ExplanationStep: Codable, Sendable, Hashable {
    /// Which kind of tag the step explains.
    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        case region, topic, urgency, country
    }

    /// Where the phrase stood: in the item's text, or (`source`) in the source's configuration or kind.
    public enum Field: String, Codable, Sendable, Hashable, CaseIterable {
        case title, summary, source
    }

    public var kind: Kind
    /// The tag, e.g. `MENA`, `Politics`, `flash`, `LB`.
    public var tag: String
    public var phrase: String
    public var field: Field
    /// The rule that fired, e.g. `gazetteer`, `lexicon`, `model`, `cue:airstrike`, `source:html-ticker`.
    public var rule: String

    /// The JSON members, sorted, one per stored property: the synthesized `Codable` (which
    /// `JSONWriter.encode` writes through too) and the hand-written reader (`JSON/`) go by this list.
    enum CodingKeys: String, JSONMemberKey {
        static let members = JSONMemberTable(Self.self)
        case field, kind, phrase, rule, tag
    }

    public init(kind: Kind, tag: String, phrase: String, field: Field, rule: String) {
        self.kind = kind
        self.tag = tag
        self.phrase = phrase
        self.field = field
        self.rule = rule
    }
}

/// The earlier name of ``ExplanationStep/Field``; place matches use ``PlaceMatch/Field``,
/// which has no `source`.
@available(*, deprecated, renamed: "ExplanationStep.Field")
public typealias TextField = ExplanationStep.Field
