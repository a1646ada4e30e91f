import Foundation
@testable import FeedParsing
@testable import Ingest
import Testing

/// Small real-world feed quirks (Fixtures/quirks), judged by the manifest that
/// Tests/Benchmarks/feeds/compat.py also scores feedparser with; and the rules
/// that keep harmless DTD entities readable and dangerous ones refused.
@Suite struct QuirkTests {
    struct Case: Decodable, CustomTestStringConvertible, Sendable {
        var file: String
        var kind: String
        var title: String??
        var link: String??
        var id: String??
        var summary: String??
        var published: String??
        var testDescription: String { "\(file): \(kind)" }
    }

    /// The manifest's cases; a field absent from the JSON is `.none`, an explicit null `.some(nil)`.
    static let cases: [Case] = {
        struct Manifest: Decodable {
            var cases: [Case]
        }
        let url = Fixture.directory.appendingPathComponent("quirks/expected.json")
        guard let data = try? Data(contentsOf: url), let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else { return [] }
        return manifest.cases
    }()

    @Test func theManifestHasACaseForEveryQuirkFile() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixture.directory.appendingPathComponent("quirks").path)
            .filter { $0.hasSuffix(".xml") }
        #expect(Self.cases.count >= 20)
        #expect(Set(files) == Set(Self.cases.map(\.file)))
    }

    @Test(arguments: cases)
    func theFirstItemReadsAsTheManifestSays(_ quirk: Case) throws {
        let feed = try Fixture.parse("quirks/" + quirk.file)
        let item = try #require(feed.items.first)
        let folded = { (text: String) in text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        if case .some(let title) = quirk.title { #expect(item.title == title ?? "") }
        if case .some(let link) = quirk.link { #expect(item.url == link) }
        if case .some(let id) = quirk.id { #expect(item.guid == id ?? "") }
        if case .some(let summary) = quirk.summary { #expect(folded(item.summary) == summary.map(folded) ?? "") }
        if case .some(let published) = quirk.published {
            #expect(item.publishedAt == published.map(utc))
        }
    }

    @Test func cdfIsItsOwnFormatAndKeepsItsChannelLink() throws {
        let feed = try Fixture.parse("quirks/cdf.xml")
        #expect(feed.format == .cdf)
        #expect(feed.title == "Channel Definition Format")
        #expect(feed.link == "https://wire.example/")
    }

    @Test func coreFieldsWinOverFallbacksWhereverTheyStand() throws {
        let xml = """
            <rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
            <channel><title>t</title><item>
            <media:title>Fallback title</media:title><itunes:summary>Fallback summary</itunes:summary>
            <title>Core title</title><description>Core summary</description>
            </item></channel></rss>
            """
        let item = try #require(try FeedParser().parse(Array(xml.utf8)).items.first)
        #expect(item.title == "Core title")
        #expect(item.summary == "Core summary")
    }

    @Test func expandedEntitiesAreReportedInTheWarnings() throws {
        let feed = try Fixture.parse("quirks/rss-internal-entities.xml")
        #expect(feed.title == "Example Wire")
        #expect(feed.warnings.contains("expanded 4 references to 2 internal entities the DTD declares"))
    }

    /// A feed with this DTD subset and `&a;` in its title.
    static func withSubset(_ subset: String, references: Int = 1) -> [UInt8] {
        Array("""
            <?xml version="1.0"?>
            <!DOCTYPE rss [\(subset)]>
            <rss version="2.0"><channel><title>t</title><item><title>\(String(repeating: "&a;", count: references))</title></item></channel></rss>
            """.utf8)
    }

    @Test(arguments: [
        ("<!ENTITY % p \"x\">", "a parameter entity"),
        ("<!ENTITY a \"x\"> %p;", "a parameter entity reference"),
        ("<!ENTITY a SYSTEM \"file:///etc/passwd\">", "an external entity"),
        ("<!ENTITY a PUBLIC \"-//x//EN\" \"http://127.0.0.1:9/x\">", "an external entity"),
        ("<!ENTITY b \"x\"><!ENTITY a \"&b;&b;\">", "refers to other entities"),
        ("<!ENTITY a \"<b>bold</b>\">", "holds markup"),
        ("<!ENTITY a \"\(String(repeating: "x", count: 1_025))\">", "longer than 1024 bytes"),
        ((0...64).map { "<!ENTITY e\($0) \"x\">" }.joined(), "more than 64 entities"),
    ])
    func dangerousEntitiesAreRefusedWithTheReason(_ subset: String, _ reason: String) {
        let error = #expect(throws: FeedParseError.self) { try FeedParser().parse(Self.withSubset(subset)) }
        #expect(error?.code == .forbiddenDoctype)
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("XML bomb") == true)
    }

    @Test func anExpansionThatWouldAddTooMuchIsRefused() {
        let value = String(repeating: "x", count: 1_000)
        // 1,000 bytes x 262 references > 256 KiB; 200 references stay below it.
        let error = #expect(throws: FeedParseError.self) {
            try FeedParser().parse(Self.withSubset("<!ENTITY a \"\(value)\">", references: 263))
        }
        #expect(error?.message.contains("expansion bomb") == true)
        let fine = try? FeedParser().parse(Self.withSubset("<!ENTITY a \"\(value)\">", references: 200))
        #expect(fine?.items.first?.title.count == 160 || fine?.items.first?.title.hasPrefix("xxxx") == true)
    }

    @Test func entityReferencesInCDATAAndCommentsStayText() throws {
        let xml = """
            <!DOCTYPE rss [<!ENTITY a "Alpha">]>
            <rss version="2.0"><channel><title>t</title><!-- &a; --><item><title>&a; <![CDATA[&a;]]></title></item></channel></rss>
            """
        let item = try #require(try FeedParser().parse(Array(xml.utf8)).items.first)
        #expect(item.title == "Alpha &a;")
    }

    @Test func theFirstDeclarationBindsAndPredefinedEntitiesAreNotRedefined() throws {
        let xml = """
            <!DOCTYPE rss [<!ENTITY a "first"><!ENTITY a "second"><!ENTITY amp "&#38;#38;"><!ELEMENT rss ANY><!ATTLIST rss version CDATA #IMPLIED>]>
            <rss version="2.0"><channel><title>t</title><item><title>&a; &amp; co</title></item></channel></rss>
            """
        let item = try #require(try FeedParser().parse(Array(xml.utf8)).items.first)
        #expect(item.title == "first & co")
    }
}
