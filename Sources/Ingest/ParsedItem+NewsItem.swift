import FeedParsing
import Foundation
import NewsModel

extension FeedFormat {
    /// The `sourceKind` of items read in this format.
    public var sourceKind: NewsItem.SourceKind {
        switch self {
        case .rss090, .rss2, .rss1, .cdf: .rss  // CDF is an XML channel of items, RSS's ancestor
        case .atom1, .atom03: .atom
        case .jsonFeed: .jsonfeed
        case .htmlTicker: .htmlTicker
        }
    }
}

extension NewsItem {
    /// The news.item event for a parsed item.
    ///
    /// - Parameters:
    ///   - storyID: the story it belongs to (see ``StoryIndex``).
    ///   - version: 1, or the next version when its content changed since it was published.
    public init(
        parsed item: ParsedItem, sourceID: String, kind: NewsItem.SourceKind, fetchedAt: Date, storyID: String,
        version: Int = 1, hints: NewsItem.Hints? = nil
    ) {
        let identity = ItemIdentity(sourceID: sourceID, item: item)
        self.init(
            itemId: identity.itemID, sourceId: sourceID, sourceKind: kind,
            guid: String(identity.key.drop(while: { $0 != ":" }).dropFirst()),
            title: item.title, summary: item.summary, url: item.url, publishedAt: item.publishedAt, updatedAt: item.updatedAt,
            fetchedAt: fetchedAt, language: item.language, authors: item.authors, categories: item.categories,
            imageUrl: item.imageUrl, storyId: storyID, version: version, hints: hints)
    }

    /// The story id a parsed item starts when it is the first of its story.
    public static func newStoryID(sourceID: String, item: ParsedItem) -> String {
        StableID.make(prefix: "sty", [sourceID, ItemIdentity(sourceID: sourceID, item: item).key])
    }
}

extension NewsItem {
    /// Whether `id` may name a source: `^[a-z0-9][a-z0-9._-]{0,63}$`, as the schema says.
    public static func isValidSourceID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard let first = bytes.first, bytes.count <= 64 else { return false }
        func allowed(_ byte: UInt8, first: Bool) -> Bool {
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || (!first && (byte == 0x2E || byte == 0x5F || byte == 0x2D))
        }
        return allowed(first, first: true) && bytes.dropFirst().allSatisfy { allowed($0, first: false) }
    }
}
