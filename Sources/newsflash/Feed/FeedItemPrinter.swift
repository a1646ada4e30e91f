import Foundation
import FeedParsing
import Ingest
import NewsModel

/// The news.item events `feed parse` shows: what ingest would publish for a
/// parsed feed seen for the first time (version 1, stories grouped within the feed).
enum FeedItemEvents {
    static func make(_ feed: ParsedFeed, sourceID: String, fetchedAt: Date) -> [NewsItem] {
        var stories = StoryIndex()
        return feed.items.map { parsed in
            let story = stories.story(
                for: parsed.title, at: (parsed.publishedAt ?? fetchedAt).timeIntervalSince1970,
                newStoryID: NewsItem.newStoryID(sourceID: sourceID, item: parsed))
            return NewsItem(parsed: parsed, sourceID: sourceID, kind: feed.format.sourceKind, fetchedAt: fetchedAt, storyID: story.storyID)
        }
    }
}

/// Formats items as JSON lines (the event's fields, sorted keys, RFC 3339 UTC
/// times with milliseconds, as on the topic) or as a listing for people.
struct FeedItemPrinter {
    let json: Bool

    func header(_ feed: ParsedFeed, count: Int) -> String {
        var parts = [feed.format.rawValue, "\"\(feed.title)\""]
        if let link = feed.link { parts.append("<\(link)>") }
        if let language = feed.language { parts.append("[\(language)]") }
        return parts.joined(separator: " ") + ": \(count) item\(count == 1 ? "" : "s")"
    }

    func line(_ item: NewsItem) throws -> String {
        if json { return String(decoding: try EventCodec.encodeValue(item), as: UTF8.self) }
        var lines = ["- \(item.title)", "  \(item.url ?? "(no link)")"]
        var facts = ["published \(item.publishedAt.map(RFC3339Time.format) ?? "-")"]
        if let updated = item.updatedAt { facts.append("updated \(RFC3339Time.format(updated))") }
        if !item.guid.isEmpty { facts.append("guid \(item.guid)") }
        if let language = item.language { facts.append("language \(language)") }
        lines.append("  " + facts.joined(separator: " · "))
        var people = [String]()
        if !item.authors.isEmpty { people.append("by \(item.authors.joined(separator: ", "))") }
        if !item.categories.isEmpty { people.append("in \(item.categories.joined(separator: ", "))") }
        if let image = item.imageUrl { people.append("image \(image)") }
        if !people.isEmpty { lines.append("  " + people.joined(separator: " · ")) }
        if !item.summary.isEmpty {
            let summary = item.summary.count > 200 ? String(item.summary.prefix(199)) + "…" : item.summary
            lines.append("  \(summary)")
        }
        lines.append("  \(item.itemId) \(item.storyId)")
        return lines.joined(separator: "\n")
    }
}
