import Foundation

/// An ingested news item: `news.item` v1 on `news.raw`, keyed by ``itemId``.
///
/// Schema: `Schemas/events/news-item.v1.schema.json`. ``eventID`` is `<itemId>#v<version>`,
/// so a re-fetch of an unchanged item is a recognisable duplicate and an edit is a new event.
public struct NewsItem: NewsEvent {
    public static let eventType = "news.item"
    public static let schemaVersion = 1
    public static let schemaName = "news-item.v1"

    /// How a source delivers items.
    public enum SourceKind: String, Codable, Sendable, Hashable, CaseIterable {
        case rss, atom, jsonfeed
        case htmlTicker = "html-ticker"
        case push
    }

    /// Default tags configured for a source, used when the text says nothing better.
    public struct Hints: Codable, Sendable, Hashable {
        public var region: String?
        public var topic: String?

        /// The JSON members, sorted, one per stored property: the synthesized `Codable` (which
        /// `JSONWriter.encode` writes through too) and the hand-written reader (`JSON/`) go by this list.
        enum CodingKeys: String, JSONMemberKey {
            static let members = JSONMemberTable(Self.self)
            case region, topic
        }

        public init(region: String? = nil, topic: String? = nil) {
            self.region = region
            self.topic = topic
        }
    }

    /// Stable: ``makeItemID(sourceID:guid:)``.
    public var itemId: String
    /// The configured source, `^[a-z0-9][a-z0-9._-]{0,63}$`.
    public var sourceId: String
    public var sourceKind: SourceKind
    /// The publisher's id of the item (guid/id; else the link; else the normalised title).
    public var guid: String
    /// Plain text, not empty.
    public var title: String
    /// Plain text, may be empty.
    public var summary: String
    /// Absolute http(s) URL of the item.
    public var url: String?
    public var publishedAt: Date?
    public var updatedAt: Date?
    /// When ingest fetched it.
    public var fetchedAt: Date
    /// BCP 47 tag, e.g. `en` or `en-GB`.
    public var language: String?
    public var authors: [String]
    public var categories: [String]
    public var imageUrl: String?
    /// Items about the same story share it: `sty_` and 20 hex digits.
    public var storyId: String
    /// 1 for the first version; an edited item is the next version of the same story.
    public var version: Int
    public var hints: Hints?

    /// The JSON members, sorted, one per stored property: the synthesized `Codable` (which
    /// `JSONWriter.encode` writes through too) and the hand-written reader (`JSON/`) go by this list.
    enum CodingKeys: String, JSONMemberKey {
        static let members = JSONMemberTable(Self.self)
        case authors, categories, fetchedAt, guid, hints, imageUrl, itemId, language, publishedAt, sourceId, sourceKind, storyId, summary,
            title, updatedAt, url, version
    }

    public init(
        itemId: String, sourceId: String, sourceKind: SourceKind, guid: String, title: String, summary: String,
        url: String? = nil, publishedAt: Date? = nil, updatedAt: Date? = nil, fetchedAt: Date, language: String? = nil,
        authors: [String] = [], categories: [String] = [], imageUrl: String? = nil, storyId: String, version: Int = 1,
        hints: Hints? = nil
    ) {
        self.itemId = itemId
        self.sourceId = sourceId
        self.sourceKind = sourceKind
        self.guid = guid
        self.title = title
        self.summary = summary
        self.url = url
        self.publishedAt = publishedAt
        self.updatedAt = updatedAt
        self.fetchedAt = fetchedAt
        self.language = language
        self.authors = authors
        self.categories = categories
        self.imageUrl = imageUrl
        self.storyId = storyId
        self.version = version
        self.hints = hints
    }

    /// `<itemId>#v<version>`: a version of an item is one event.
    public var eventID: String { "\(itemId)#v\(version)" }

    /// `itm_` and the first 20 hex digits of SHA-256(sourceId U+001F guid).
    public static func makeItemID(sourceID: String, guid: String) -> String {
        StableID.make(prefix: "itm", [sourceID, guid])
    }
}
