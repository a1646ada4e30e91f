import NewsModel

/// What the classifier reads: one news item's text and where it came from.
public struct ClassificationInput: Sendable, Hashable {
    /// How the item reached ingest; ticker lines are breaking by nature.
    public typealias SourceKind = NewsItem.SourceKind
    /// Default tags configured for the source, used when the text points nowhere.
    public typealias Hints = NewsItem.Hints

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

/// The classifier's judgement on one item, in NewsModel's types: the tag fields of
/// `news.classified` v1 (`ClassifiedItem`), with the same JSON keys.
public struct Classification: Sendable, Hashable, Codable {
    /// Regions, highest score first.
    public var regions: [ScoredLabel]
    /// Topics, highest score first.
    public var topics: [ScoredLabel]
    /// ISO 3166-1 alpha-2 codes, upper case, in order of first mention.
    public var countries: [String]
    /// Places found in the text, in order of appearance.
    public var places: [PlaceMatch]
    public var urgency: Urgency
    /// Which phrase in which field led to which tag, by which rule.
    public var explanation: [ExplanationStep]
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
}

extension PlaceMatch.Field {
    /// The text field an explanation points at; nil for `source`, which has no text.
    init?(_ field: ExplanationStep.Field) {
        switch field {
        case .title: self = .title
        case .summary: self = .summary
        case .source: return nil
        }
    }
}
