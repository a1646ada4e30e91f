internal import CLibXML2

/// Reads RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom 1.0/0.3 with libxml2's SAX2
/// parser, building no tree.
///
/// Before parsing: the encoding is decided (``DocumentEncoding``; UTF-16 is
/// transcoded to UTF-8) and the bytes are repaired (``XMLInputRepair``).
/// While parsing: no network (`XML_PARSE_NONET`), an external entity loader
/// that loads nothing, no DTD loading, no entity substitution, only XML's five
/// predefined entities; the first entity declaration stops the parse. The
/// document is then read again with its internal entities expanded if all are
/// harmless short texts, and refused otherwise (billion laughs, quadratic
/// blow-up, parameter and external entities, at any position and in any
/// encoding; see ``XMLInternalEntities``). Broken markup is recovered where libxml2 can (unclosed
/// tags, mismatched end tags, junk after the root) and reported in the
/// warnings with the first error's line.
enum XMLFeedReader {
    private static let hardened: Void = newsflash_xml_harden()

    static func read(_ input: UnsafeBufferPointer<UInt8>, documentURL: String?, charset: String?, limits: FeedParserLimits) throws(FeedParseError) -> ParsedFeed {
        _ = hardened
        var warnings: [String] = []
        let encoding = DocumentEncoding.detect(input, charset: charset)
        if let warning = encoding.warning { warnings.append(warning) }
        let body = UnsafeBufferPointer(rebasing: input[encoding.byteOrderMarkLength...])
        switch encoding.kind {
        case .utf16(let littleEndian):
            let utf8 = DocumentEncoding.transcodeUTF16(body, littleEndian: littleEndian)
            return try utf8.withUnsafeBufferPointer { bytes throws(FeedParseError) in
                try parse(bytes, encodingName: "UTF-8", isUTF8: true, documentURL: documentURL, limits: limits, warnings: warnings)
            }
        case .utf8:
            return try parse(body, encodingName: "UTF-8", isUTF8: true, documentURL: documentURL, limits: limits, warnings: warnings)
        case .other(let name):
            return try parse(body, encodingName: name, isUTF8: false, documentURL: documentURL, limits: limits, warnings: warnings)
        }
    }

    private static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, encodingName: String, isUTF8: Bool, documentURL: String?, limits: FeedParserLimits, warnings: [String],
        entitiesExpanded: Bool = false
    ) throws(FeedParseError) -> ParsedFeed {
        var warnings = warnings
        var assembler = XMLFeedAssembler(limits: limits, documentURL: documentURL)
        var session = run(&assembler, on: bytes, encodingName: encodingName)
        if session.entity_declared != 0, !entitiesExpanded {
            // A DTD that declares entities: expanded here if every one is harmless, else refused.
            switch XMLInternalEntities.expand(bytes) {
            case .success(let expansion):
                warnings.append("expanded \(expansion.references) references to \(expansion.entities) internal entities the DTD declares")
                return try expansion.bytes.withUnsafeBufferPointer { expanded throws(FeedParseError) in
                    try parse(expanded, encodingName: encodingName, isUTF8: isUTF8, documentURL: documentURL, limits: limits, warnings: warnings, entitiesExpanded: true)
                }
            case .failure(let refusal):
                throw FeedParseError(
                    code: .forbiddenDoctype,
                    message: "the document's DTD declares \(refusal.reason); refused as a possible XML bomb or external entity attack")
            }
        }
        if session.error_count > 0, session.entity_declared == 0 {
            // Broken: repair what libxml2 would drop (bare '&', HTML entities, control characters,
            // stray non-UTF-8 bytes) and read it again. Clean feeds never pay for this.
            let (repaired, report) = XMLInputRepair.repair(bytes, utf8: isUTF8)
            if let repaired {
                warnings.append(report.summary)
                assembler = XMLFeedAssembler(limits: limits, documentURL: documentURL)
                session = repaired.withUnsafeBufferPointer { run(&assembler, on: $0, encodingName: encodingName) }
            }
        }
        if session.entity_declared != 0 {
            throw FeedParseError(
                code: .forbiddenDoctype,
                message: "the document's DTD declares entities; refused as a possible XML bomb or external entity attack (feeds need no DTD)")
        }
        let firstError = Self.firstError(session)
        guard let (feed, untitled) = assembler.finish() else {
            if let root = assembler.unrecognisedRoot {
                throw FeedParseError(code: .unrecognisedFormat, message: "the root element <\(root)> is not rss, rdf:RDF or feed; not a feed (for a web page, use an html-ticker source)")
            }
            throw FeedParseError(code: .malformed, message: firstError.map { "not XML: \($0)" } ?? "not XML: no root element")
        }
        if session.well_formed == 0 || session.error_count > 0, let firstError {
            let more = session.error_count > 1 ? " and \(session.error_count - 1) more" : ""
            warnings.append("recovered from broken XML: \(firstError)\(more)")
        }
        if assembler.itemLimitReached {
            warnings.append("only the first \(limits.maximumItems) items were read; the document has more (limit)")
        }
        if untitled > 0 { warnings.append("\(untitled) items without title or summary were skipped") }
        var result = feed
        result.warnings = warnings
        return result
    }

    /// Runs libxml2's SAX2 parser over the bytes, feeding the assembler.
    private static func run(_ state: inout XMLFeedAssembler, on bytes: UnsafeBufferPointer<UInt8>, encodingName: String) -> newsflash_sax_session {
        var session = newsflash_sax_session()
        guard let base = bytes.baseAddress, bytes.count > 0, bytes.count < Int(Int32.max) else { return session }
        // The callbacks reach the assembler through the session's `owner` pointer, valid for exactly
        // this call (the inout access to `state` lasts until it returns).
        withUnsafeMutablePointer(to: &state) { assembler in
            session.owner = UnsafeMutableRawPointer(assembler)
            withUnsafeMutablePointer(to: &session) { pointer in
                assembler.pointee.session = pointer
                defer { assembler.pointee.session = nil }
                _ = base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { buffer in
                    newsflash_sax_parse(
                        buffer, Int32(bytes.count), encodingName,
                        { context, localName, _, uri, _, _, attributeCount, _, attributes in
                            guard let localName, let assembler = XMLFeedReader.assembler(context) else { return }
                            assembler.pointee.start(localName, uri, XMLAttributes(entries: attributes, count: Int(attributeCount)))
                        },
                        { context, _, _, _ in
                            XMLFeedReader.assembler(context)?.pointee.end()
                        },
                        { context, characters, length in
                            guard let characters, let assembler = XMLFeedReader.assembler(context) else { return }
                            assembler.pointee.characters(characters, Int(length))
                        },
                        pointer)
                }
            }
        }
        return session
    }

    /// The assembler behind a callback's context (the session).
    @inline(__always)
    private static func assembler(_ context: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<XMLFeedAssembler>? {
        context?.assumingMemoryBound(to: newsflash_sax_session.self).pointee.owner?.assumingMemoryBound(to: XMLFeedAssembler.self)
    }

    /// "line 3: Opening and ending tag mismatch: b line 3 and description", or nil when libxml2 reported nothing.
    private static func firstError(_ session: newsflash_sax_session) -> String? {
        guard session.error_count > 0 else { return nil }
        var copy = session
        let message = withUnsafeBytes(of: &copy.first_error) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return "line \(session.first_error_line): \(message)"
    }
}
