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
    /// The publisher's categories of the item (RSS `<category>`, Atom `category`, JSON Feed `tags`):
    /// one that names a taxonomy topic's or region's section ("Sport", "Business", "Africa") files the
    /// item under it (`PublisherSections`).
    public var categories: [String]
    /// The item's URL: a path section the taxonomy lists ("/sport/football/…") does the same, and a
    /// country-code domain ("www.example.ie") places an item that names no place in its country's regions.
    public var url: String?

    public init(
        title: String, summary: String = "", sourceKind: SourceKind? = nil, hints: Hints? = nil, language: String? = nil,
        categories: [String] = [], url: String? = nil
    ) {
        self.title = title
        self.summary = summary
        self.sourceKind = sourceKind
        self.hints = hints
        self.language = language
        self.categories = categories
        self.url = url
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
