internal import CLibXML2
import Foundation

/// Reads the ticker of an HTML page (a BREAKING list) with libxml2's HTML
/// parser and XPath.
///
/// One item per ticker line, in page order. A line's title is its own text
/// without its `<time>`; its guid is derived from the normalised title and
/// the absolute link (when it has one), so the same line gets the same guid on
/// every poll whatever else on the page changed, and two different lines never
/// share one. Lines with no text are skipped; the page's `<title>` and
/// `<html lang>` become the feed's title and language.
enum HTMLTickerReader {
    private static let hardened: Void = newsflash_xml_harden()

    static func read(
        _ bytes: UnsafeBufferPointer<UInt8>, documentURL: String?, charset: String?, selectors: TickerSelectors, limits: FeedParserLimits
    ) throws(FeedParseError) -> ParsedFeed {
        _ = hardened
        guard let base = bytes.baseAddress else { throw FeedParseError(code: .malformed, message: "the document is empty") }
        let doc = base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { pointer in
            newsflash_html_read(pointer, Int32(bytes.count), documentURL, charset)
        }
        guard let doc else { throw FeedParseError(code: .malformed, message: "not HTML") }
        defer { xmlFreeDoc(doc) }
        guard let context = xmlXPathNewContext(doc) else { throw FeedParseError(code: .malformed, message: "cannot evaluate XPath on this page") }
        defer { xmlXPathFreeContext(context) }
        context.pointee.error = { _, _ in }  // errors become FeedParseError, not output on stderr
        let lines = try nodes(selectors.line, in: context, relativeTo: nil)
        let title = try nodes("//title", in: context, relativeTo: nil).first.map { PlainText.from(text(of: $0), markup: false) } ?? ""
        let language = try nodes("/html/@lang", in: context, relativeTo: nil).first.map { text(of: $0).trimmed }.flatMap(\.nilIfEmpty)
        var items: [ParsedItem] = []
        var warnings: [String] = []
        if lines.isEmpty { warnings.append("no ticker line matched the selector \(selectors.line)") }
        if lines.count > limits.maximumItems {
            warnings.append("only the first \(limits.maximumItems) items were read; the page has more (limit)")
        }
        var seen = Set<String>()
        for line in lines.prefix(limits.maximumItems) {
            let text = PlainText.from(text(of: line, skipping: "time"), maximumCharacters: limits.maximumTitleCharacters, markup: false)
            guard !text.isEmpty else { continue }
            var link: String?
            if let selector = selectors.link, let node = try nodes(selector, in: context, relativeTo: line).first {
                link = URLResolver.absolute(Self.text(of: node), base: documentURL)
            }
            var time: Date?
            if let selector = selectors.time, let node = try nodes(selector, in: context, relativeTo: line).first {
                time = FeedDate.parse(Self.text(of: node))
            }
            let guid = "ticker:" + TitleNormaliser.normalise(text) + (link.map { "|" + $0 } ?? "")
            guard seen.insert(guid).inserted else { continue }  // the same line twice on one page
            items.append(ParsedItem(guid: guid, title: text, url: link, publishedAt: time, language: language))
        }
        return ParsedFeed(format: .htmlTicker, title: title, link: documentURL, language: language, items: items, warnings: warnings)
    }

    private static func nodes(_ expression: String, in context: xmlXPathContextPtr, relativeTo node: xmlNodePtr?) throws(FeedParseError) -> [xmlNodePtr] {
        context.pointee.node = node ?? xmlDocGetRootElement(context.pointee.doc)
        guard let result = xmlXPathEvalExpression(expression, context) else {
            throw FeedParseError(code: .invalidSelector, message: "the ticker selector \(expression) is not valid XPath")
        }
        defer { xmlXPathFreeObject(result) }
        guard let set = result.pointee.nodesetval, set.pointee.nodeNr > 0 else { return [] }
        return (0..<Int(set.pointee.nodeNr)).compactMap { set.pointee.nodeTab[$0] }
    }

    /// Text of a node and its descendants, leaving out the subtrees of elements named `skipped`.
    private static func text(of node: xmlNodePtr, skipping skipped: String) -> String {
        var bytes: [UInt8] = []
        func walk(_ first: xmlNodePtr?) {
            var current = first
            while let node = current {
                if node.pointee.type == XML_TEXT_NODE || node.pointee.type == XML_CDATA_SECTION_NODE, let content = node.pointee.content {
                    bytes.append(contentsOf: UnsafeBufferPointer(start: content, count: strlen(UnsafeRawPointer(content).assumingMemoryBound(to: CChar.self))))
                } else if node.pointee.type == XML_ELEMENT_NODE, String(cString: node.pointee.name) != skipped {
                    walk(node.pointee.children)
                }
                current = node.pointee.next
            }
        }
        walk(node.pointee.children)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Text of an element or attribute node.
    private static func text(of node: xmlNodePtr) -> String {
        guard let content = xmlNodeGetContent(node) else { return "" }
        defer { newsflash_xml_free(content) }
        return String(cString: content)
    }
}
