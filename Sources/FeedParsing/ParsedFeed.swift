import Foundation

/// The format a document turned out to be.
public enum FeedFormat: String, Sendable, Hashable, Codable {
    case rss090 = "rss-0.9x", rss2 = "rss-2.0", rss1 = "rss-1.0"
    case atom1 = "atom-1.0", atom03 = "atom-0.3"
    case jsonFeed = "jsonfeed"
    case htmlTicker = "html-ticker"
    /// Microsoft's Channel Definition Format (1997), read as feedparser reads it.
    case cdf
}

/// An item as a source published it, normalised: plain text, absolute http(s)
/// URLs, dates as instants. Field names are those of the `news.item` event.
public struct ParsedItem: Sendable, Hashable, Codable {
    /// The publisher's id (RSS guid, Atom id, JSON Feed id, rdf:about; for a
    /// ticker line one derived from its text); empty when it gave none (see ``ItemIdentity``).
    public var guid: String
    /// Plain text; never empty in a ``ParsedFeed`` (an item without a title takes the start of its summary).
    public var title: String
    /// Plain text, possibly empty, at most ``FeedParserLimits/maximumSummaryCharacters`` characters.
    public var summary: String
    public var url: String?
    public var publishedAt, updatedAt: Date?
    public var authors, categories: [String]
    public var imageUrl: String?
    /// The item's language, else the feed's (xml:lang, dc:language, RSS language, JSON Feed language, HTML lang).
    public var language: String?

    public init(
        guid: String = "", title: String = "", summary: String = "", url: String? = nil, publishedAt: Date? = nil,
        updatedAt: Date? = nil, authors: [String] = [], categories: [String] = [], imageUrl: String? = nil, language: String? = nil
    ) {
        self.guid = guid
        self.title = title
        self.summary = summary
        self.language = language
        self.url = url
        self.publishedAt = publishedAt
        self.updatedAt = updatedAt
        self.authors = authors
        self.categories = categories
        self.imageUrl = imageUrl
    }
}

/// A parsed feed or ticker page: feed-level metadata and its items in document order.
public struct ParsedFeed: Sendable, Hashable {
    public var format: FeedFormat
    /// Plain text; empty when the feed has none.
    public var title: String
    /// The site the feed belongs to (RSS channel link, Atom alternate link, JSON Feed home_page_url), absolute.
    public var link: String?
    public var language: String?
    public var items: [ParsedItem]
    /// What was recovered from, repaired or skipped (broken markup, encoding trouble, items over the limit,
    /// items without a title), one sentence each, for the source's status.
    public var warnings: [String]

    public init(format: FeedFormat, title: String = "", link: String? = nil, language: String? = nil, items: [ParsedItem] = [], warnings: [String] = []) {
        self.format = format
        self.title = title
        self.link = link
        self.language = language
        self.items = items
        self.warnings = warnings
    }
}
