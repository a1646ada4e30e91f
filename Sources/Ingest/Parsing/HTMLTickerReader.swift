import CLibXML2
import Foundation

/// Where the ticker lines sit on a page: XPath expressions. `line` selects one
/// node per ticker line from the document; `link` and `time` are evaluated
/// relative to each line node (either may be absent).
public struct TickerSelectors: Sendable, Hashable, Codable {
    public var line: String
    public var link: String?
    public var time: String?

    public init(line: String, link: String? = nil, time: String? = nil) {
        self.line = line
        self.link = link
        self.time = time
    }

    /// Lines of the list that follows a heading reading BREAKING, as on the seed page.
    public static let breakingList = TickerSelectors(
        line: "//*[self::h1 or self::h2 or self::h3 or self::h4 or self::div or self::span][normalize-space(text())='BREAKING']/following-sibling::*[1]//li",
        link: ".//a/@href",
        time: ".//time/@datetime")
}

/// Reads the BREAKING ticker of an HTML page with libxml2's HTML parser and XPath.
///
/// One item per ticker line. A line's guid is derived from its normalised
/// text (and its link when there is one), so the same line gets the same
/// guid on every poll, whatever else on the page changed.
enum HTMLTickerReader {
    private static let hardened: Void = newsflash_xml_harden()

    static func read(_ bytes: [UInt8], documentURL: String?, encoding: String?, selectors: TickerSelectors, limits: FeedParserLimits) throws(FeedParseError) -> ParsedFeed {
        _ = hardened
        let doc = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { pointer in
                newsflash_html_read(pointer, Int32(buffer.count), documentURL, encoding)
            }
        }
        guard let doc else { throw FeedParseError(code: .malformed, message: "not HTML") }
        defer { xmlFreeDoc(doc) }
        guard let context = xmlXPathNewContext(doc) else { throw FeedParseError(code: .malformed, message: "cannot evaluate XPath") }
        defer { xmlXPathFreeContext(context) }
        let lines = try nodes(selectors.line, context: context, relativeTo: nil)
        let title = try nodes("//title", context: context, relativeTo: nil).first.map { PlainText.from(XMLElement(node: $0).text) } ?? ""
        let language = try nodes("/html/@lang", context: context, relativeTo: nil).first.map { XMLElement.textOf($0) }
        var items: [ParsedItem] = []
        var warnings: [String] = []
        if lines.isEmpty { warnings.append("no ticker line matched \(selectors.line)") }
        for line in lines.prefix(limits.maximumItems) {
            // The line's own text, without its time stamp.
            let text = PlainText.from(XMLElement.text(of: line, skippingElementsNamed: ["time"]))
            guard !text.isEmpty else { continue }
            var link: String?
            if let selector = selectors.link, let node = try nodes(selector, context: context, relativeTo: line).first {
                link = URLResolver.absolute(XMLElement.textOf(node), base: documentURL)
            }
            var time: Date?
            if let selector = selectors.time, let node = try nodes(selector, context: context, relativeTo: line).first {
                time = FeedDate.parse(XMLElement.textOf(node))
            }
            let guid = "ticker:" + TitleNormaliser.normalise(text) + (link.map { "|" + $0 } ?? "")
            items.append(ParsedItem(guid: guid, title: text, summary: "", url: link, publishedAt: time, language: language))
        }
        return ParsedFeed(format: .htmlTicker, title: title, link: documentURL, language: language, items: items, warnings: warnings)
    }

    private static func nodes(_ expression: String, context: xmlXPathContextPtr, relativeTo node: xmlNodePtr?) throws(FeedParseError) -> [xmlNodePtr] {
        context.pointee.node = node ?? xmlDocGetRootElement(context.pointee.doc)
        guard let result = xmlXPathEvalExpression(expression, context) else {
            throw FeedParseError(code: .malformed, message: "invalid XPath selector: \(expression)")
        }
        defer { xmlXPathFreeObject(result) }
        guard let set = result.pointee.nodesetval else { return [] }
        return (0..<Int(set.pointee.nodeNr)).compactMap { set.pointee.nodeTab[$0] }
    }
}

extension XMLElement {
    /// Text of an element, leaving out the subtrees of elements with these names.
    static func text(of node: xmlNodePtr, skippingElementsNamed skipped: Set<String>) -> String {
        var bytes: [UInt8] = []
        func walk(_ first: xmlNodePtr?) {
            var current = first
            while let node = current {
                if node.pointee.type == XML_TEXT_NODE || node.pointee.type == XML_CDATA_SECTION_NODE, let content = node.pointee.content {
                    var pointer = content
                    while pointer.pointee != 0 {
                        bytes.append(pointer.pointee)
                        pointer += 1
                    }
                } else if node.pointee.type == XML_ELEMENT_NODE, !skipped.contains(String(cString: node.pointee.name)) {
                    walk(node.pointee.children)
                }
                current = node.pointee.next
            }
        }
        walk(node.pointee.children)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Text of an element or attribute node.
    static func textOf(_ node: xmlNodePtr) -> String {
        guard let content = xmlNodeGetContent(node) else { return "" }
        defer { newsflash_xml_free(content) }
        return String(cString: content)
    }
}
