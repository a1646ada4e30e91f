import Foundation

/// The format a document turned out to be.
public enum FeedFormat: String, Sendable, Hashable, Codable {
    case rss090 = "rss-0.9x"
    case rss2 = "rss-2.0"
    case rss1 = "rss-1.0"
    case atom1 = "atom-1.0"
    case atom03 = "atom-0.3"
    case jsonFeed = "jsonfeed"
    case htmlTicker = "html-ticker"
}

/// An item as a source published it, normalised: plain text, absolute URLs,
/// UTC dates. Field names are those of the `news.item` event.
public struct ParsedItem: Sendable, Hashable, Codable {
    /// The publisher's id; empty when it gave none (see ``ItemIdentity``).
    public var guid: String
    public var title: String
    public var summary: String
    public var url: String?
    public var publishedAt: Date?
    public var updatedAt: Date?
    public var authors: [String]
    public var categories: [String]
    public var imageUrl: String?
    public var language: String?

    public init(
        guid: String = "", title: String = "", summary: String = "", url: String? = nil, publishedAt: Date? = nil,
        updatedAt: Date? = nil, authors: [String] = [], categories: [String] = [], imageUrl: String? = nil, language: String? = nil
    ) {
        self.guid = guid
        self.title = title
        self.summary = summary
        self.url = url
        self.publishedAt = publishedAt
        self.updatedAt = updatedAt
        self.authors = authors
        self.categories = categories
        self.imageUrl = imageUrl
        self.language = language
    }
}

/// A parsed feed or ticker page.
public struct ParsedFeed: Sendable, Hashable {
    public var format: FeedFormat
    public var title: String
    public var link: String?
    public var language: String?
    public var items: [ParsedItem]
    /// What was recovered from or skipped (broken markup, items without a title), for the source's status.
    public var warnings: [String]
}

/// Why a document could not be read at all.
public struct FeedParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// Bigger than ``FeedParserLimits/maximumBytes``.
        case tooLarge
        /// Neither a feed nor JSON Feed nor a ticker page.
        case unrecognisedFormat
        /// Not even recoverable as XML, JSON or HTML.
        case malformed
        /// A DTD declaring entities: refused (XML bombs, external entities).
        case forbiddenDoctype
        case unsupportedEncoding
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// Bounds on what one parse may take in.
public struct FeedParserLimits: Sendable, Hashable {
    public var maximumBytes: Int = 16 * 1024 * 1024
    public var maximumItems: Int = 1_000
    /// Longer summaries are cut at a word boundary.
    public var maximumSummaryCharacters: Int = 4_000

    public init() {}
}
