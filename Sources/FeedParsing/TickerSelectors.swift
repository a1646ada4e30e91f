/// Where the ticker lines sit on a page, as XPath 1.0 expressions (libxml2).
/// `line` selects one node per ticker line from the document; `link` and
/// `time` are evaluated relative to each line node, and either may be absent
/// or select nothing. `link` should select an href (an attribute or text),
/// `time` a date (`@datetime`, or text ``FeedDate`` reads).
public struct TickerSelectors: Sendable, Hashable, Codable {
    public var line: String
    public var link: String?
    public var time: String?

    public init(line: String, link: String? = nil, time: String? = nil) {
        self.line = line
        self.link = link
        self.time = time
    }

    /// The list items of the first list after an element whose own text is BREAKING, as on the
    /// seed page (`<h2>BREAKING</h2><ul><li>…</li></ul>`); a line's link is its first `<a href>`,
    /// its time the `datetime` of its `<time>`.
    public static let breakingList = TickerSelectors(
        line: "//*[self::h1 or self::h2 or self::h3 or self::h4 or self::div or self::span or self::strong or self::p][normalize-space(text())='BREAKING']/following-sibling::*[self::ul or self::ol or self::div][1]//li",
        link: ".//a/@href",
        time: ".//time/@datetime")
}
