import Foundation

/// Reads JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1).
enum JSONFeedReader {
    private struct Feed: Decodable {
        struct Author: Decodable { let name: String? }
        struct Item: Decodable {
            let id: FlexibleID?
            let url: String?
            let external_url: String?
            let title: String?
            let content_text: String?
            let content_html: String?
            let summary: String?
            let image: String?
            let banner_image: String?
            let date_published: String?
            let date_modified: String?
            let author: Author?
            let authors: [Author]?
            let tags: [String]?
            let language: String?
        }
        let version: String?
        let title: String?
        let home_page_url: String?
        let feed_url: String?
        let language: String?
        let items: [Item]?
    }

    /// JSON Feed 1.0 allowed numeric ids.
    private struct FlexibleID: Decodable {
        let value: String
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                value = text
            } else {
                value = String(try container.decode(Double.self))
            }
        }
    }

    static func read(_ bytes: [UInt8], documentURL: String?, limits: FeedParserLimits) throws(FeedParseError) -> ParsedFeed {
        let feed: Feed
        do {
            feed = try JSONDecoder().decode(Feed.self, from: Data(bytes))
        } catch {
            throw FeedParseError(code: .malformed, message: "not a JSON Feed: \(error)")
        }
        guard let version = feed.version, version.contains("jsonfeed.org/version/1"), let items = feed.items else {
            throw FeedParseError(code: .unrecognisedFormat, message: "JSON without a jsonfeed.org version and items")
        }
        let base = feed.home_page_url ?? feed.feed_url ?? documentURL
        var warnings: [String] = []
        if items.count > limits.maximumItems {
            warnings.append("\(items.count) items; only the first \(limits.maximumItems) were read")
        }
        var parsed: [ParsedItem] = []
        for entry in items.prefix(limits.maximumItems) {
            let summary = entry.summary ?? entry.content_text ?? entry.content_html ?? ""
            var item = ParsedItem(
                guid: entry.id?.value ?? "",
                title: PlainText.from(entry.title ?? ""),
                summary: PlainText.from(summary, maximumCharacters: limits.maximumSummaryCharacters),
                url: URLResolver.absolute(entry.url ?? entry.external_url ?? "", base: base),
                publishedAt: entry.date_published.flatMap(FeedDate.parse),
                updatedAt: entry.date_modified.flatMap(FeedDate.parse),
                authors: ((entry.authors ?? []) + (entry.author.map { [$0] } ?? [])).compactMap { $0.name.map { PlainText.from($0) } }.filter { !$0.isEmpty },
                categories: entry.tags ?? [],
                imageUrl: URLResolver.absolute(entry.image ?? entry.banner_image ?? "", base: base),
                language: entry.language ?? feed.language)
            if item.title.isEmpty { item.title = String(item.summary.prefix(160)) }
            guard !item.title.isEmpty else {
                warnings.append("an item without title or content was skipped")
                continue
            }
            parsed.append(item)
        }
        return ParsedFeed(
            format: .jsonFeed, title: PlainText.from(feed.title ?? ""), link: feed.home_page_url, language: feed.language,
            items: parsed, warnings: warnings)
    }
}
