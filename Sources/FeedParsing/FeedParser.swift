import Foundation

/// Parses what a source returned into normalised items, whatever the format.
///
/// Detection: a document starting with `{` (or `[`) is JSON (Feed); otherwise XML whose
/// root is `rss` (RSS 0.9x/2.0), `rdf:RDF` (RSS 1.0, or 0.90) or `feed`
/// (Atom 1.0 or 0.3); `html-ticker` sources are read as HTML with their
/// selectors. Pure: no I/O, no shared state; safe to call from any thread.
/// Never traps on input: what cannot be read is a ``FeedParseError``, what
/// was recovered is listed in ``ParsedFeed/warnings``.
public struct FeedParser: Sendable {
    /// What the caller expects the document to be.
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
    ///   - url: where it came from: the base for relative links (after xml:base; see ``URLResolver``).
    ///   - contentType: the HTTP Content-Type; its charset wins over the document's own declaration
    ///     (a byte order mark wins over both).
    public func parse(_ bytes: [UInt8], url: String? = nil, contentType: String? = nil, expecting: Expectation = .feed) throws(FeedParseError) -> ParsedFeed {
        guard bytes.count <= limits.maximumBytes, bytes.count < Int(Int32.max) else {
            throw FeedParseError(code: .tooLarge, message: "the document has \(bytes.count) bytes, more than the limit of \(limits.maximumBytes)")
        }
        let charset = contentType.flatMap(Self.charset(in:))
        return try bytes.withUnsafeBufferPointer { buffer throws(FeedParseError) -> ParsedFeed in
            guard Self.firstSignificantByte(buffer) != nil else { throw FeedParseError(code: .malformed, message: "the document is empty") }
            if case .htmlTicker(let selectors) = expecting {
                return try HTMLTickerReader.read(buffer, documentURL: url, charset: charset, selectors: selectors, limits: limits)
            }
            if let first = Self.firstSignificantByte(buffer), first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
                return try JSONFeedReader.read(buffer, documentURL: url, limits: limits)
            }
            if let json = Self.utf16JSON(buffer) {
                return try json.withUnsafeBufferPointer { utf8 throws(FeedParseError) in try JSONFeedReader.read(utf8, documentURL: url, limits: limits) }
            }
            return try XMLFeedReader.read(buffer, documentURL: url, charset: charset, limits: limits)
        }
    }

    /// `charset=` of a Content-Type, e.g. `text/xml; charset="windows-1252"` → `windows-1252`.
    static func charset(in contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let parts = parameter.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "charset" else { continue }
            let value = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'"))
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// The first byte after a UTF-8 byte order mark and white space.
    private static func firstSignificantByte(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt8? {
        var index = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D { index += 1 }
        return index < bytes.count ? bytes[index] : nil
    }

    /// A UTF-16 document with a byte order mark whose first character is `{`, as UTF-8.
    private static func utf16JSON(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard bytes.count >= 4 else { return nil }
        let littleEndian: Bool
        if bytes[0] == 0xFF, bytes[1] == 0xFE { littleEndian = true } else if bytes[0] == 0xFE, bytes[1] == 0xFF { littleEndian = false } else { return nil }
        let utf8 = DocumentEncoding.transcodeUTF16(UnsafeBufferPointer(rebasing: bytes[2...]), littleEndian: littleEndian)
        return utf8.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 } == UInt8(ascii: "{") ? utf8 : nil
    }
}
