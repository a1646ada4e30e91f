import FeedParsing
import Foundation
import NewsModel

/// One item a publisher pushes (Schemas/http/push-request.v1.schema.json).
public struct PushedItem: Codable, Sendable, Hashable {
    /// The publisher's id of the item; pushing the same id again is idempotent.
    public var id: String
    public var title: String
    public var summary: String?
    public var url: String?
    public var publishedAt: String?
    public var updatedAt: String?
    public var authors: [String]?
    public var categories: [String]?
    public var imageUrl: String?
    public var language: String?
}

/// Reading and checking a push request body: `{"items": [...]}` or one item object.
public enum PushRequest {
    public static let maximumItems = 500
    public static let maximumBodyBytes = 1_048_576

    /// A request that cannot be accepted, with a message naming the item and field.
    public struct Invalid: Error, Sendable, Hashable {
        public var message: String
    }

    public static func parse(_ body: [UInt8]) throws(Invalid) -> [ParsedItem] {
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(body))
        } catch {
            throw Invalid(message: "the body is not JSON")
        }
        let objects: [Any]
        if let object = json as? [String: Any], let items = object["items"] {
            guard let array = items as? [Any] else { throw Invalid(message: "items must be an array") }
            objects = array
        } else if json is [String: Any] {
            objects = [json]
        } else {
            throw Invalid(message: "the body must be an item object or {\"items\": [...]}")
        }
        guard !objects.isEmpty else { throw Invalid(message: "items is empty") }
        guard objects.count <= maximumItems else { throw Invalid(message: "at most \(maximumItems) items per request, got \(objects.count)") }
        var parsed: [ParsedItem] = []
        for (index, object) in objects.enumerated() {
            let item: PushedItem
            do {
                let data = try JSONSerialization.data(withJSONObject: object)
                item = try JSONDecoder().decode(PushedItem.self, from: data)
            } catch let error as DecodingError {
                throw Invalid(message: "items[\(index)]: \(ConfigurationError.describe(error))")
            } catch {
                throw Invalid(message: "items[\(index)] is not an object")
            }
            if let object = object as? [String: Any] {
                let unknown = Set(object.keys).subtracting(["id", "title", "summary", "url", "publishedAt", "updatedAt", "authors", "categories", "imageUrl", "language"])
                if let field = unknown.sorted().first { throw Invalid(message: "items[\(index)]: unknown field \(field)") }
            }
            parsed.append(try check(item, index: index))
        }
        return parsed
    }

    private static func check(_ item: PushedItem, index: Int) throws(Invalid) -> ParsedItem {
        func fail(_ text: String) -> Invalid { Invalid(message: "items[\(index)]: \(text)") }
        let id = item.id.trimmed
        guard !id.isEmpty, id.utf8.count <= 2048 else { throw fail("id must be 1 to 2048 bytes") }
        let title = PlainText.from(item.title)
        guard !title.isEmpty, title.utf8.count <= 2048 else { throw fail("title must be 1 to 2048 bytes of text") }
        guard (item.summary?.utf8.count ?? 0) <= 65_536 else { throw fail("summary is longer than 65536 bytes") }
        var url: String?
        if let raw = item.url {
            guard let absolute = URLResolver.absolute(raw, base: nil) else { throw fail("url must be an absolute http(s) URL") }
            url = absolute
        }
        var imageUrl: String?
        if let raw = item.imageUrl {
            guard let absolute = URLResolver.absolute(raw, base: nil) else { throw fail("imageUrl must be an absolute http(s) URL") }
            imageUrl = absolute
        }
        func date(_ text: String?, _ field: String) throws(Invalid) -> Date? {
            guard let text else { return nil }
            guard let value = RFC3339Time.parse(text) else { throw fail("\(field) must be an RFC 3339 time, e.g. 2026-11-29T08:00:00Z") }
            return value
        }
        if let language = item.language, language.range(of: "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$", options: .regularExpression) == nil {
            throw fail("language must be a BCP 47 tag such as en or en-GB")
        }
        return ParsedItem(
            guid: id, title: title, summary: PlainText.from(item.summary ?? "", maximumCharacters: 4_000), url: url,
            publishedAt: try date(item.publishedAt, "publishedAt"), updatedAt: try date(item.updatedAt, "updatedAt"),
            authors: item.authors ?? [], categories: item.categories ?? [], imageUrl: imageUrl, language: item.language)
    }
}
