import Foundation

/// Reads JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1).
///
/// Lenient where the format is broken in practice: an item that is not an
/// object, or a field of the wrong type, is skipped (with a warning) rather
/// than failing the feed; numeric ids (1.0) are accepted. `title`, `summary`
/// and `content_text` are plain text (character references decoded, as
/// publishers leave them in); `content_html` is HTML. Feed-level authors are
/// inherited by items without their own.
enum JSONFeedReader {
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, documentURL: String?, limits: FeedParserLimits) throws(FeedParseError) -> ParsedFeed {
        let feed: JSONFeedDocument
        do {
            feed = try JSONDecoder().decode(JSONFeedDocument.self, from: Data(buffer: bytes))
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
            throw FeedParseError(code: .unrecognisedFormat, message: "JSON whose top level is not an object; not a JSON Feed")
        } catch let error as DecodingError {
            throw FeedParseError(code: .malformed, message: "not valid JSON: \(describe(error))")
        } catch {
            throw FeedParseError(code: .malformed, message: "not valid JSON: \(error)")
        }
        guard let items = feed.items, feed.version.map({ $0.contains("jsonfeed.org") }) ?? true else {
            throw FeedParseError(code: .unrecognisedFormat, message: "JSON without a jsonfeed.org version and an items array; not a JSON Feed")
        }
        let base = feed.homePageURL ?? feed.feedURL ?? documentURL
        var warnings: [String] = []
        let invalid = items.filter { $0.item == nil }.count
        if invalid > 0 { warnings.append("\(invalid) items were not JSON objects and were skipped") }
        let valid = items.compactMap(\.item)
        if valid.count > limits.maximumItems {
            warnings.append("only the first \(limits.maximumItems) items were read; the document has more (limit)")
        }
        let feedAuthors = names(feed.authors, feed.author, limits: limits)
        var parsed: [ParsedItem] = []
        var untitled = 0
        for entry in valid.prefix(limits.maximumItems) {
            let summary = entry.summary.map { PlainText.from($0, maximumCharacters: limits.maximumSummaryCharacters, markup: false) }
                ?? entry.contentText.map { PlainText.from($0, maximumCharacters: limits.maximumSummaryCharacters, markup: false) }
                ?? entry.contentHTML.map { PlainText.from($0, maximumCharacters: limits.maximumSummaryCharacters) } ?? ""
            var item = ParsedItem(
                guid: entry.id?.trimmed ?? "",
                title: PlainText.from(entry.title ?? "", maximumCharacters: limits.maximumTitleCharacters, markup: false),
                summary: summary,
                url: URLResolver.absolute(entry.url ?? entry.externalURL ?? "", base: base),
                publishedAt: entry.datePublished.flatMap(FeedDate.parse),
                updatedAt: entry.dateModified.flatMap(FeedDate.parse),
                authors: names(entry.authors, entry.author, limits: limits),
                categories: unique((entry.tags ?? []).map { PlainText.from($0, maximumCharacters: 200, markup: false) }, limits: limits),
                imageUrl: URLResolver.absolute(entry.image ?? entry.bannerImage ?? entry.imageAttachment ?? "", base: base),
                language: entry.language ?? feed.language)
            if item.authors.isEmpty { item.authors = feedAuthors }
            if item.title.isEmpty { item.title = PlainText.truncated(item.summary, to: 160) }
            guard !item.title.isEmpty else {
                untitled += 1
                continue
            }
            parsed.append(item)
        }
        if untitled > 0 { warnings.append("\(untitled) items without title or content were skipped") }
        return ParsedFeed(
            format: .jsonFeed, title: PlainText.from(feed.title ?? "", markup: false),
            link: URLResolver.absolute(feed.homePageURL ?? "", base: documentURL), language: feed.language,
            items: parsed, warnings: warnings)
    }

    private static func names(_ authors: [JSONFeedDocument.Author]?, _ author: JSONFeedDocument.Author?, limits: FeedParserLimits) -> [String] {
        unique(((authors ?? []) + (author.map { [$0] } ?? [])).compactMap { $0.name.map { PlainText.from($0, maximumCharacters: 200, markup: false) } }, limits: limits)
    }

    private static func unique(_ values: [String], limits: FeedParserLimits) -> [String] {
        var result: [String] = []
        for value in values where !value.isEmpty && !result.contains(value) && result.count < limits.maximumListEntries { result.append(value) }
        return result
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            let underlying = context.underlyingError.map { " (\($0))" } ?? ""
            return (path.isEmpty ? "" : "at \(path): ") + context.debugDescription + underlying
        @unknown default:
            return "\(error)"
        }
    }
}

/// The parts of a JSON Feed document the reader uses; every field is optional and type-tolerant.
struct JSONFeedDocument: Decodable {
    struct Author: Decodable {
        let name: String?
        init(from decoder: Decoder) throws {
            name = try? decoder.container(keyedBy: Key.self).decodeIfPresent(String.self, forKey: Key("name"))
        }
    }

    /// An item, or nil when the array element was not an object.
    struct LossyItem: Decodable {
        let item: Item?
        init(from decoder: Decoder) throws {
            item = try? Item(from: decoder)
        }
    }

    struct Item: Decodable {
        let id, url, externalURL, title, contentText, contentHTML, summary, image, bannerImage: String?
        let datePublished, dateModified, language: String?
        let author: Author?
        let authors: [Author]?
        let tags: [String]?
        /// The first attachment whose MIME type is an image.
        let imageAttachment: String?

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            func text(_ name: String) -> String? { try? container.decodeIfPresent(String.self, forKey: Key(name)) }
            if let string = text("id") {
                id = string
            } else if let integer = try? container.decodeIfPresent(Int64.self, forKey: Key("id")) {
                id = String(integer)
            } else {
                id = (try? container.decodeIfPresent(Double.self, forKey: Key("id"))).flatMap { $0 }.map { String($0) }
            }
            url = text("url")
            externalURL = text("external_url")
            title = text("title")
            contentText = text("content_text")
            contentHTML = text("content_html")
            summary = text("summary")
            image = text("image")
            bannerImage = text("banner_image")
            datePublished = text("date_published")
            dateModified = text("date_modified")
            language = text("language")
            author = (try? container.decodeIfPresent(Author.self, forKey: Key("author"))).flatMap { $0 }
            authors = (try? container.decodeIfPresent([Author].self, forKey: Key("authors"))).flatMap { $0 }
            tags = (try? container.decodeIfPresent([String].self, forKey: Key("tags"))).flatMap { $0 }
            let attachments = (try? container.decodeIfPresent([Attachment].self, forKey: Key("attachments"))).flatMap { $0 } ?? []
            imageAttachment = attachments.first { $0.mimeType?.lowercased().hasPrefix("image/") == true }?.url
        }
    }

    struct Attachment: Decodable {
        let url: String?
        let mimeType: String?
        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            url = try? container.decodeIfPresent(String.self, forKey: Key("url"))
            mimeType = try? container.decodeIfPresent(String.self, forKey: Key("mime_type"))
        }
    }

    struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    let version, title, homePageURL, feedURL, language: String?
    let author: Author?
    let authors: [Author]?
    let items: [LossyItem]?

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        func text(_ name: String) -> String? { try? container.decodeIfPresent(String.self, forKey: Key(name)) }
        version = text("version")
        title = text("title")
        homePageURL = text("home_page_url")
        feedURL = text("feed_url")
        language = text("language")
        author = (try? container.decodeIfPresent(Author.self, forKey: Key("author"))).flatMap { $0 }
        authors = (try? container.decodeIfPresent([Author].self, forKey: Key("authors"))).flatMap { $0 }
        items = (try? container.decodeIfPresent([LossyItem].self, forKey: Key("items"))).flatMap { $0 }
    }
}
