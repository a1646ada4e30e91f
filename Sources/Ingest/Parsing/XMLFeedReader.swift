import CLibXML2
import Foundation

/// Reads RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom 1.0/0.3 with libxml2.
///
/// Safety: no network (`XML_PARSE_NONET`), an external entity loader that
/// loads nothing, no DTD loading, no entity substitution, and documents whose
/// DTD declares entities are refused before parsing (billion laughs, XXE).
/// Broken markup is recovered where libxml2 can (unescaped `&`, unclosed
/// tags, junk after the root) and reported as a warning.
enum XMLFeedReader {
    private static let hardened: Void = newsflash_xml_harden()

    static func read(_ bytes: [UInt8], documentURL: String?, encoding: String?, limits: FeedParserLimits) throws(FeedParseError) -> ParsedFeed {
        _ = hardened
        if declaresEntities(bytes) {
            throw FeedParseError(code: .forbiddenDoctype, message: "the document's DTD declares entities; refused (XML bomb and external entity protection)")
        }
        var wellFormed: Int32 = 1
        var error = [CChar](repeating: 0, count: 256)
        let repaired = AmpersandRepair.repair(bytes)
        let doc = (repaired ?? bytes).withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { pointer in
                newsflash_xml_read(pointer, Int32(buffer.count), documentURL, encoding, &wellFormed, &error, Int32(error.count))
            }
        }
        let message = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let doc, let rootNode = xmlDocGetRootElement(doc) else {
            if let doc { xmlFreeDoc(doc) }
            throw FeedParseError(code: .malformed, message: message.isEmpty ? "not XML" : "not XML: \(message)")
        }
        defer { xmlFreeDoc(doc) }
        if let subset = doc.pointee.intSubset, subset.pointee.entities != nil {
            throw FeedParseError(code: .forbiddenDoctype, message: "the document's DTD declares entities; refused")
        }
        var warnings: [String] = []
        if repaired != nil { warnings.append("repaired unescaped '&' or HTML entities") }
        if wellFormed == 0 { warnings.append("recovered from broken XML (\(message))") }
        let root = XMLElement(node: rootNode)
        var feed: ParsedFeed
        switch (root.name, root.namespace) {
        case ("rss", _):
            feed = readRSS(root, limits: limits, warnings: &warnings)
        case ("RDF", XMLNamespaces.rdf):
            feed = readRDF(root, limits: limits, warnings: &warnings)
        case ("feed", XMLNamespaces.atom), ("feed", ""):
            feed = readAtom(root, format: .atom1, limits: limits, warnings: &warnings)
        case ("feed", XMLNamespaces.atom03):
            feed = readAtom(root, format: .atom03, limits: limits, warnings: &warnings)
        default:
            throw FeedParseError(code: .unrecognisedFormat, message: "root element <\(root.name)> is not rss, rdf:RDF or feed")
        }
        feed.warnings = warnings
        return feed
    }

    /// Whether a DTD in the first 64 KiB declares entities (in UTF-8 or UTF-16).
    static func declaresEntities(_ bytes: [UInt8]) -> Bool {
        let window = bytes.prefix(65_536)
        let ascii = Array("<!ENTITY".utf8)
        let utf16le: [UInt8] = ascii.flatMap { [$0, 0] as [UInt8] }
        let utf16be: [UInt8] = ascii.flatMap { [0, $0] as [UInt8] }
        return contains(window, ascii) || contains(window, utf16le) || contains(window, utf16be)
    }

    private static func contains(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count, let first = needle.first else { return false }
        var index = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }

    // MARK: RSS 0.9x and 2.0

    private static func readRSS(_ root: XMLElement, limits: FeedParserLimits, warnings: inout [String]) -> ParsedFeed {
        let version = root.attribute("version") ?? ""
        let format: FeedFormat = version.hasPrefix("0.9") ? .rss090 : .rss2
        let channel = root.child("channel") ?? root
        let link = channel.child("link", namespace: "").map { $0.text.trimmed }
        let language = (channel.child("language") ?? channel.child("language", namespace: XMLNamespaces.dc))?.text.trimmed.nilIfEmpty
        // Items usually sit in <channel>; some 0.9x feeds put them beside it.
        let items = channel.children("item") + (channel.node == root.node ? [] : root.children("item"))
        return ParsedFeed(
            format: format, title: PlainText.from(channel.child("title")?.text ?? ""), link: link?.nilIfEmpty, language: language,
            items: collect(items, limits: limits, warnings: &warnings) { rssItem($0, feedLink: link, language: language, limits: limits) },
            warnings: [])
    }

    private static func rssItem(_ element: XMLElement, feedLink: String?, language: String?, limits: FeedParserLimits) -> ParsedItem {
        var item = ParsedItem(language: language)
        let base = element.base ?? feedLink
        var description: [UInt8] = []
        var content: [UInt8] = []
        var guidIsPermaLink = false
        for child in element.children {
            let kind = child.namespaceKind
            let plain = kind == .none || kind == .rss1 || kind == .rss090
            switch child.name {
            case "title" where plain:
                item.title = PlainText.from(bytes: child.textBytes)
            case "link" where plain:
                item.url = item.url ?? URLResolver.absolute(child.text, base: base)
            case "link" where kind == .atom:
                if (child.attribute("rel") ?? "alternate") == "alternate" {
                    item.url = item.url ?? URLResolver.absolute(child.attribute("href") ?? "", base: base)
                }
            case "guid" where kind == .none:
                item.guid = child.text.trimmed
                guidIsPermaLink = (child.attribute("isPermaLink") ?? "true") != "false"
            case "description" where plain:
                description = child.textBytes
            case "encoded" where kind == .content:
                content = child.textBytes
            case "pubDate" where kind == .none, "date" where kind == .dc, "published" where kind == .atom:
                item.publishedAt = item.publishedAt ?? FeedDate.parse(child.text)
            case "updated" where kind == .atom, "modified" where kind == .dc:
                item.updatedAt = FeedDate.parse(child.text)
            case "author" where kind == .none, "creator" where kind == .dc:
                appendUnique(&item.authors, PlainText.from(bytes: child.textBytes))
            case "category" where kind == .none, "subject" where kind == .dc:
                appendUnique(&item.categories, PlainText.from(bytes: child.textBytes))
            case "enclosure" where kind == .none:
                if item.imageUrl == nil, (child.attribute("type") ?? "image/").hasPrefix("image/") {
                    item.imageUrl = URLResolver.absolute(child.attribute("url") ?? "", base: base)
                }
            case "content" where kind == .media, "thumbnail" where kind == .media:
                if item.imageUrl == nil, child.attribute("medium").map({ $0 == "image" }) ?? true {
                    item.imageUrl = URLResolver.absolute(child.attribute("url") ?? "", base: base)
                }
            case "language" where kind == .dc:
                item.language = child.text.trimmed.nilIfEmpty ?? item.language
            default:
                break
            }
        }
        if item.url == nil, guidIsPermaLink { item.url = URLResolver.absolute(item.guid, base: base) }
        item.summary = PlainText.from(bytes: description.isEmpty ? content : description, maximumCharacters: limits.maximumSummaryCharacters)
        return item
    }

    // MARK: RSS 1.0 and 0.90 (RDF)

    private static func readRDF(_ root: XMLElement, limits: FeedParserLimits, warnings: inout [String]) -> ParsedFeed {
        let channel = root.child("channel")
        let format: FeedFormat = channel?.namespace == XMLNamespaces.rss090 ? .rss090 : .rss1
        let link = channel?.child("link").map { $0.text.trimmed }
        let language = channel?.child("language", namespace: XMLNamespaces.dc)?.text.trimmed.nilIfEmpty
        let items = root.children("item")
        return ParsedFeed(
            format: format, title: PlainText.from(channel?.child("title")?.text ?? ""), link: link?.nilIfEmpty, language: language,
            items: collect(items, limits: limits, warnings: &warnings) { element in
                var item = rssItem(element, feedLink: link, language: language, limits: limits)
                if item.guid.isEmpty { item.guid = element.attribute("about", namespace: XMLNamespaces.rdf) ?? "" }
                return item
            },
            warnings: [])
    }

    // MARK: Atom 1.0 and 0.3

    private static func readAtom(_ root: XMLElement, format: FeedFormat, limits: FeedParserLimits, warnings: inout [String]) -> ParsedFeed {
        let language = root.attribute("lang", namespace: XMLNamespaces.xml)
        let feedBase = root.base
        let link = alternateLink(root, base: feedBase)
        return ParsedFeed(
            format: format, title: atomText(root.child("title")), link: link, language: language,
            items: collect(root.children("entry"), limits: limits, warnings: &warnings) { entry in
                atomEntry(entry, feedLink: link, language: language, limits: limits)
            },
            warnings: [])
    }

    private static func atomEntry(_ entry: XMLElement, feedLink: String?, language: String?, limits: FeedParserLimits) -> ParsedItem {
        let base = entry.base ?? feedLink
        var item = ParsedItem(language: entry.attribute("lang", namespace: XMLNamespaces.xml) ?? language)
        var summary = ""
        var content = ""
        for child in entry.children {
            if child.namespaceKind == .media {
                if item.imageUrl == nil, child.name == "thumbnail" || child.name == "content" {
                    item.imageUrl = URLResolver.absolute(child.attribute("url") ?? "", base: base)
                }
                continue
            }
            switch child.name {
            case "id": item.guid = child.text.trimmed
            case "title": item.title = atomText(child)
            case "link":
                let rel = child.attribute("rel") ?? "alternate"
                if rel == "alternate", item.url == nil {
                    item.url = URLResolver.absolute(child.attribute("href") ?? "", base: child.base ?? base)
                } else if rel == "enclosure", item.imageUrl == nil, (child.attribute("type") ?? "").hasPrefix("image/") {
                    item.imageUrl = URLResolver.absolute(child.attribute("href") ?? "", base: child.base ?? base)
                }
            case "summary": summary = child.markupOrText
            case "content": content = child.markupOrText
            case "published", "issued": item.publishedAt = FeedDate.parse(child.text)
            case "updated", "modified": item.updatedAt = FeedDate.parse(child.text)
            case "author":
                if let name = child.child("name") { appendUnique(&item.authors, PlainText.from(name.text)) }
            case "category":
                appendUnique(&item.categories, PlainText.from(child.attribute("label") ?? child.attribute("term") ?? child.text))
            default: break
            }
        }
        if item.publishedAt == nil { item.publishedAt = item.updatedAt }
        item.summary = PlainText.from(summary.isEmpty ? content : summary, maximumCharacters: limits.maximumSummaryCharacters)
        return item
    }

    private static func alternateLink(_ element: XMLElement, base: String?) -> String? {
        for link in element.children("link") where (link.attribute("rel") ?? "alternate") == "alternate" {
            if let url = URLResolver.absolute(link.attribute("href") ?? "", base: base) { return url }
        }
        return nil
    }

    /// Atom text constructs: text, html (escaped markup) or xhtml (inline markup).
    private static func atomText(_ element: XMLElement?) -> String {
        guard let element else { return "" }
        return PlainText.from(element.markupOrText)
    }

    // MARK: Shared

    private static func collect(_ elements: [XMLElement], limits: FeedParserLimits, warnings: inout [String], _ read: (XMLElement) -> ParsedItem) -> [ParsedItem] {
        var items: [ParsedItem] = []
        if elements.count > limits.maximumItems {
            warnings.append("\(elements.count) items; only the first \(limits.maximumItems) were read")
        }
        var untitled = 0
        for element in elements.prefix(limits.maximumItems) {
            var item = read(element)
            if item.title.isEmpty {
                // RSS allows items with only a description: use its start as the title.
                item.title = String(item.summary.prefix(160))
            }
            guard !item.title.isEmpty else {
                untitled += 1
                continue
            }
            items.append(item)
        }
        if untitled > 0 { warnings.append("\(untitled) items without title or summary were skipped") }
        return items
    }

    private static func appendUnique(_ list: inout [String], _ value: String) {
        if !value.isEmpty, !list.contains(value) { list.append(value) }
    }
}

extension String {
    /// Without leading and trailing ASCII white space (no Foundation bridging: this is on the hot path).
    var trimmed: String {
        let utf8 = self.utf8
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C }
        guard let first = utf8.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = utf8.lastIndex(where: { !isSpace($0) })!
        if first == utf8.startIndex, last == utf8.index(before: utf8.endIndex) { return self }
        return String(self[first...last])
    }
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

/// Resolves links against a base and keeps only absolute http(s) URLs.
enum URLResolver {
    static func absolute(_ raw: String, base: String?) -> String? {
        let text = raw.trimmed
        guard !text.isEmpty, text.utf8.count < 4096 else { return nil }
        if isPlainAbsolute(text) { return text }
        if let base, let joined = joinSimple(text, base: base.trimmed) { return joined }
        let baseURL = base.flatMap { URL(string: $0.trimmed) }
        guard let url = URL(string: text, relativeTo: baseURL)?.absoluteURL ?? URL(string: text.addingPercentEncoding(withAllowedCharacters: .urlFragmentAllowed) ?? "", relativeTo: baseURL)?.absoluteURL,
              let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil
        else { return nil }
        return url.absoluteString
    }

    /// An absolute http(s) URL with a host and only characters that need no escaping: returned as is.
    private static func isPlainAbsolute(_ text: String) -> Bool {
        let bytes = text.utf8
        let prefix: Int
        if text.hasPrefix("https://") { prefix = 8 } else if text.hasPrefix("http://") { prefix = 7 } else { return false }
        guard bytes.count > prefix else { return false }
        var sawHostByte = false
        for (offset, byte) in bytes.enumerated() where offset >= prefix {
            if offset == prefix, byte == 0x2F { return false }
            guard byte > 0x20, byte < 0x7F, byte != 0x22, byte != 0x3C, byte != 0x3E, byte != 0x5C, byte != 0x5E, byte != 0x60,
                  byte != 0x7B, byte != 0x7C, byte != 0x7D else { return false }
            if byte == 0x2E || byte == 0x2D || (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A) { sawHostByte = true }
        }
        return sawHostByte && !containsDotSegment(bytes)
    }

    private static func containsDotSegment(_ bytes: String.UTF8View) -> Bool {
        var previous: [UInt8] = []
        for byte in bytes {
            previous.append(byte)
            if previous.count > 4 { previous.removeFirst() }
            if byte == 0x2F, previous.count >= 3, previous[previous.count - 2] == 0x2E,
               previous[previous.count - 3] == 0x2F || (previous.count == 4 && previous[1] == 0x2E && previous[0] == 0x2F) {
                return true
            }
        }
        return false
    }

    /// `/path` or `path` (no dot segments, no query-only or fragment-only forms) against a plain absolute base.
    private static func joinSimple(_ text: String, base: String) -> String? {
        guard isPlainAbsolute(base), isPlainPath(text) else { return nil }
        let bytes = Array(base.utf8)
        let schemeEnd = bytes.starts(with: Array("https://".utf8)) ? 8 : 7
        let pathStart = bytes[schemeEnd...].firstIndex(of: 0x2F) ?? bytes.count
        let origin = String(decoding: bytes[..<pathStart], as: UTF8.self)
        if text.utf8.first == 0x2F { return origin + text }
        // Relative to the base's directory (without its query or fragment).
        let pathEnd = bytes[pathStart...].firstIndex { $0 == 0x3F || $0 == 0x23 } ?? bytes.count
        let lastSlash = bytes[pathStart..<pathEnd].lastIndex(of: 0x2F)
        let directory = lastSlash.map { String(decoding: bytes[...$0], as: UTF8.self) } ?? origin + "/"
        return directory + text
    }

    private static func isPlainPath(_ text: String) -> Bool {
        let bytes = text.utf8
        guard let first = bytes.first, first != 0x3F, first != 0x23, first != 0x2E else { return false }
        if bytes.starts(with: [0x2F, 0x2F]) { return false }
        var sawColonBeforeSlash = false
        for byte in bytes {
            if byte == 0x2F || byte == 0x3F || byte == 0x23 { break }
            if byte == 0x3A { sawColonBeforeSlash = true }
        }
        guard !sawColonBeforeSlash else { return false }  // another scheme
        for byte in bytes {
            guard byte > 0x20, byte < 0x7F, byte != 0x22, byte != 0x3C, byte != 0x3E, byte != 0x5C, byte != 0x5E, byte != 0x60,
                  byte != 0x7B, byte != 0x7C, byte != 0x7D else { return false }
        }
        return !containsDotSegment(bytes)
    }
}
