import Foundation
@testable import FeedParsing
@testable import Ingest
import Testing

/// XML bombs, external entities, limits, and input that must never crash the parser.
@Suite(.timeLimit(.minutes(1))) struct SafetyTests {
    let parser = FeedParser()

    /// Parses, returning the result or the error. An expanded entity bomb would take minutes and
    /// gigabytes: the suite's time limit catches that, without a wall-clock bound on a debug build.
    func parsed(_ bytes: [UInt8], parser: FeedParser = FeedParser()) -> Result<ParsedFeed, FeedParseError> {
        Result { () throws(FeedParseError) -> ParsedFeed in try parser.parse(bytes) }
    }

    /// Broken input either parses into items that keep the parser's promises (a title, plain text
    /// without control characters) or fails with a message saying why; anything else is a failure.
    func outcome(_ what: String, _ parse: () throws(FeedParseError) -> ParsedFeed) {
        do {
            let feed = try parse()
            for item in feed.items {
                #expect(!item.title.isEmpty, "\(what): an item without a title")
                #expect(!item.title.unicodeScalars.contains { $0.value < 0x20 || ($0.value >= 0x7F && $0.value < 0xA0) }, "\(what): control characters in \(item.title)")
            }
        } catch {
            #expect(!error.message.isEmpty, "\(what): \(error.code) without a message")
        }
    }

    @Test(arguments: ["xml-bomb.xml", "xml-bomb-quadratic.xml", "xml-bomb-parameter.xml", "xxe.xml", "xxe-parameter.xml"])
    func entityDeclarationsAreRefusedQuickly(_ name: String) throws {
        let result = parsed(try Fixture.bytes(name))
        #expect(throws: FeedParseError.self) { try result.get() }
        guard case .failure(let error) = result else { return }
        #expect(error.code == .forbiddenDoctype)
        #expect(error.message.contains("XML bomb"))
    }

    @Test func theBillionLaughsIsRefusedInUTF16AndAfterPadding() throws {
        let bomb = try Fixture.text("xml-bomb.xml")
        // UTF-16 with a byte order mark: the bytes '<!ENTITY' never appear as ASCII.
        let declared = bomb.replacingOccurrences(of: "<?xml version=\"1.0\"?>", with: "<?xml version=\"1.0\" encoding=\"UTF-16\"?>")
        let utf16: [UInt8] = [0xFF, 0xFE] + declared.utf16.flatMap { unit -> [UInt8] in [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        // The declarations 100 KiB into the document, behind a comment.
        let padded = Array(bomb.replacingOccurrences(of: "<!DOCTYPE", with: "<!--" + String(repeating: "x", count: 100_000) + "-->\n<!DOCTYPE").utf8)
        for bytes in [utf16, padded] {
            guard case .failure(let error) = parsed(bytes) else {
                Issue.record("a bomb was accepted")
                continue
            }
            #expect(error.code == .forbiddenDoctype)
        }
    }

    @Test func theExternalEntityNeverReachesTheOutput() throws {
        // Whatever happens, /etc/passwd's content must not appear.
        let result = parsed(try Fixture.bytes("xxe.xml"))
        if case .success(let feed) = result {
            #expect(!feed.items.contains { $0.title.contains("root:") || $0.summary.contains("root:") })
        }
    }

    @Test func anExternalDTDIsNotLoaded() throws {
        // The DTD's URL is a closed loopback port; loading it would fail or hang, and is never tried.
        guard case .success(let feed) = parsed(try Fixture.bytes("xxe-dtd.xml")) else {
            Issue.record("a feed with an external DTD reference was refused")
            return
        }
        #expect(feed.items.first?.title == "Only the item & nothing loaded")
    }

    @Test func xincludeIsNotProcessed() throws {
        guard case .success(let feed) = parsed(try Fixture.bytes("xinclude.xml")) else {
            Issue.record("refused")
            return
        }
        #expect(feed.items.first?.title == "Before after")
    }

    @Test func limitsAreEnforced() throws {
        let bytes = try Fixture.bytes("rss2-normal.xml")
        let small = FeedParser(limits: FeedParserLimits(maximumBytes: 100, maximumItems: 1_000))
        let tooLarge = #expect(throws: FeedParseError.self) { try small.parse(bytes) }
        #expect(tooLarge?.code == .tooLarge)
        let oneItem = try FeedParser(limits: FeedParserLimits(maximumBytes: 1_000_000, maximumItems: 1)).parse(bytes)
        #expect(oneItem.items.count == 1)
        #expect(oneItem.warnings.contains { $0.contains("only the first 1 items") })
        var limits = FeedParserLimits()
        limits.maximumSummaryCharacters = 20
        limits.maximumTitleCharacters = 12
        let cut = try FeedParser(limits: limits).parse(bytes)
        #expect(cut.items[0].summary == "A strong earthquake…")
        #expect(cut.items[0].title == "Earthquake…")
        // The item limit stops the parse: a huge feed costs no more than its first items. Shown
        // without a clock: past its 200,000 items the document breaks off mid-tag, which a parser
        // that reads on repairs and reports (as one with a higher limit does); this one never gets there.
        let many = Array(("<rss version=\"2.0\"><channel><title>t</title>" + String(repeating: "<item><title>x</title></item>", count: 200_000)
            + "<item><title>cut here <<<& \u{01}").utf8)
        let first = try FeedParser().parse(many)
        #expect(first.items.count == 1_000)
        #expect(!first.warnings.contains { $0.contains("recovered") || $0.contains("repaired") }, "\(first.warnings)")
        let readOn = try FeedParser(limits: FeedParserLimits(maximumBytes: 100_000_000, maximumItems: 1_000_000)).parse(many)
        #expect(readOn.items.count == 200_001)
        #expect(readOn.warnings.contains { $0.contains("recovered from broken XML") }, "\(readOn.warnings)")
    }

    @Test func garbageIsAClearError() {
        let cases: [(String, FeedParseError.Code)] = [
            ("", .malformed), ("   \n", .malformed), ("hello world", .malformed), ("<<<>>>", .malformed),
            ("<html><body>no feed</body></html>", .unrecognisedFormat), ("<?xml version=\"1.0\"?><svg/>", .unrecognisedFormat),
            ("{\"not\": \"a feed\"}", .unrecognisedFormat),
        ]
        for (input, code) in cases {
            let error = #expect(throws: FeedParseError.self, "\(input)") { try parser.parse(Array(input.utf8)) }
            #expect(error?.code == code, "\(input): \(String(describing: error))")
            #expect(error?.message.isEmpty == false)
        }
    }

    @Test func truncatedDocumentsNeverCrash() throws {
        // Every prefix of real feeds: each either parses or is a clear error.
        for name in ["rss2-normal.xml", "atom1.xml", "rss1-rdf.xml", "jsonfeed11.json", "utf16le-bom.xml"] {
            let bytes = try Fixture.bytes(name)
            for length in stride(from: 0, through: bytes.count, by: 7) {
                outcome("\(name) cut at \(length)") { () throws(FeedParseError) in try parser.parse(Array(bytes.prefix(length))) }
            }
        }
    }

    @Test func deepNestingNeverCrashes() {
        let depth = 200_000
        let inputs: [[UInt8]] = [
            Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8),
            Array(("{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":[" + String(repeating: "{\"a\":", count: depth / 4)).utf8),
            Array(("<rss><channel><item><title>" + String(repeating: "<b>", count: depth) + "deep").utf8),
        ]
        for input in inputs {
            outcome("deep feed") { () throws(FeedParseError) in try parser.parse(input) }
            outcome("deep page") { () throws(FeedParseError) in try parser.parse(input, expecting: .htmlTicker(.breakingList)) }
        }
    }

    @Test func randomBytesNeverCrash() {
        var generator = SplitMix64(seed: 20261129)
        let alphabet = Array("<>/&;#x=\"' rsitemchanneltitlefeedentry![CDATA[]]>\u{0}\u{1}\u{FF}".utf8)
        for round in 0..<400 {
            let count = Int(generator.next() % 600)
            var bytes = (0..<count).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            if round % 3 == 0 { bytes = Array("<rss><channel><item><title>".utf8) + bytes }
            if round % 5 == 0 { bytes = Array("{\"version\":\"https://jsonfeed.org/version/1\",\"items\":[".utf8) + bytes }
            outcome("random round \(round)") { () throws(FeedParseError) in try parser.parse(bytes) }
            outcome("random page round \(round)") { () throws(FeedParseError) in try parser.parse(bytes, expecting: .htmlTicker(.breakingList)) }
        }
    }
}

/// A small deterministic generator for the fuzz-style tests.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
