import Foundation

/// Parses what a source returned into normalised items, whatever the format.
///
/// Detection: JSON (`{`) is JSON Feed; XML with an `rss`, `rdf:RDF` or `feed`
/// root is RSS or Atom; `html-ticker` sources are read with their selectors.
/// Pure: no I/O, safe to call from any thread.
public struct FeedParser: Sendable {
    public enum Expectation: Sendable, Hashable {
        /// RSS, RDF, Atom or JSON Feed, detected.
        case feed
        /// An HTML page whose ticker lines the selectors pick.
        case htmlTicker(TickerSelectors)
    }

    public var limits: FeedParserLimits

    public init(limits: FeedParserLimits = FeedParserLimits()) {
        self.limits = limits
    }

    /// - Parameters:
    ///   - bytes: the response body.
    ///   - url: where it came from; the base for relative links.
    ///   - contentType: the HTTP Content-Type, whose charset wins over the document's own declaration.
    public func parse(_ bytes: [UInt8], url: String? = nil, contentType: String? = nil, expecting: Expectation = .feed) throws(FeedParseError) -> ParsedFeed {
        guard bytes.count <= limits.maximumBytes else {
            throw FeedParseError(code: .tooLarge, message: "\(bytes.count) bytes is more than the limit of \(limits.maximumBytes)")
        }
        guard !bytes.isEmpty else { throw FeedParseError(code: .malformed, message: "empty document") }
        let charset = contentType.flatMap(Self.charset(in:))
        if case .htmlTicker(let selectors) = expecting {
            return try HTMLTickerReader.read(bytes, documentURL: url, encoding: charset, selectors: selectors, limits: limits)
        }
        if Self.firstSignificantByte(bytes) == UInt8(ascii: "{") {
            return try JSONFeedReader.read(bytes, documentURL: url, limits: limits)
        }
        return try XMLFeedReader.read(bytes, documentURL: url, encoding: charset, limits: limits)
    }

    /// `charset=` of a Content-Type, e.g. `text/xml; charset="windows-1252"` -> `windows-1252`.
    static func charset(in contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let parts = parameter.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "charset" else { continue }
            let value = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// Skips a UTF-8 BOM and white space.
    private static func firstSignificantByte(_ bytes: [UInt8]) -> UInt8? {
        var index = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        return index < bytes.count ? bytes[index] : nil
    }
}
