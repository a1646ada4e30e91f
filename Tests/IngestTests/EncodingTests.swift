import Foundation
@testable import FeedParsing
@testable import Ingest
import Testing

/// UTF-8 and UTF-16 with and without byte order mark, ISO-8859-1 and
/// Windows-1252 from the XML declaration or the HTTP Content-Type.
@Suite struct EncodingTests {
    static let title = "Café société: “quotes” — déjà vu €5"

    @Test(arguments: ["utf8-bom.xml", "utf16le-bom.xml", "utf16be-bom.xml", "utf16le-nobom.xml", "utf16be-nobom.xml", "windows-1252-prolog.xml"])
    func decodedFromTheDocumentAlone(_ name: String) throws {
        let feed = try Fixture.parse(name)
        #expect(feed.items.first?.title == Self.title, "\(name)")
        #expect(feed.items.first?.guid == "enc-1", "\(name)")
        #expect(feed.warnings.isEmpty, "\(name): \(feed.warnings)")
    }

    @Test func latin1DeclaredInTheProlog() throws {
        let feed = try Fixture.parse("iso-8859-1.xml")
        #expect(feed.items.first?.title == "Café société: \"quotes\" - déjà vu EUR5")
    }

    @Test func latin1DeclaredButWindows1252Used() throws {
        // 0x93/0x94/0x97/0x80 are C1 controls in ISO-8859-1 but quotes, dash and euro in Windows-1252 (WHATWG).
        let feed = try Fixture.parse("latin1-smart-quotes.xml")
        #expect(feed.items.first?.title == Self.title)
    }

    @Test func windows1252FromTheContentType() throws {
        let feed = try Fixture.parse("windows-1252.xml", contentType: "application/rss+xml; charset=\"windows-1252\"")
        #expect(feed.items.first?.title == Self.title)
    }

    @Test func theContentTypeWinsOverTheProlog() throws {
        // Declared ISO-8859-1, really UTF-8, served as UTF-8.
        let feed = try Fixture.parse("prolog-wrong-utf8.xml", contentType: "text/xml; charset=UTF-8")
        #expect(feed.items.first?.title == Self.title)
        // Without the header the declaration is believed (and the text is mojibake, as it would be anywhere).
        let believed = try Fixture.parse("prolog-wrong-utf8.xml")
        #expect(believed.items.first?.title != Self.title)
    }

    @Test func aByteOrderMarkWinsOverTheContentType() throws {
        let feed = try Fixture.parse("utf16le-bom.xml", contentType: "text/xml; charset=iso-8859-1")
        #expect(feed.items.first?.title == Self.title)
    }

    @Test func aContentTypeContradictingTheBytesIsIgnored() throws {
        let feed = try Fixture.parse("utf8-bom.xml", contentType: "text/xml; charset=utf-16")
        #expect(feed.items.first?.title == Self.title)
        let unknown = try Fixture.parse("windows-1252-prolog.xml", contentType: "text/xml; charset=x-no-such-charset")
        #expect(unknown.items.first?.title == Self.title)
        #expect(unknown.warnings.contains { $0.contains("x-no-such-charset") && $0.contains("not supported") })
    }

    @Test func strayWindows1252BytesInUTF8AreKept() throws {
        let feed = try Fixture.parse("utf8-with-cp1252-bytes.xml")
        #expect(feed.items.map(\.title) == ["Café “quoted” and real UTF-8: déjà", "Second survives"])
        #expect(feed.warnings.contains { $0.contains("bytes that were not UTF-8") })
    }

    /// Base64 content may decode to anything: what is not UTF-8 is replaced, in a title as in a summary.
    @Test func base64ThatIsNotUTF8IsRepaired() throws {
        let xml = """
            <feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Wire</title>
            <entry><title mode="base64">Q2Fm6SBvcGVucw==</title><id>tag:wire.example,2026:cafe</id>
            <content type="text/html" mode="base64">PHA+Y2Fm6SD/IGJhcjwvcD4=</content></entry></feed>
            """
        let item = try #require(try FeedParser().parse(Array(xml.utf8)).items.first)
        #expect(item.title == "Caf\u{FFFD} opens")
        #expect(item.summary == "caf\u{FFFD} \u{FFFD} bar")
    }

    @Test func charsetParameter() {
        #expect(FeedParser.charset(in: "text/xml; charset=ISO-8859-1") == "ISO-8859-1")
        #expect(FeedParser.charset(in: "application/rss+xml;charset=\"utf-8\"") == "utf-8")
        #expect(FeedParser.charset(in: "text/xml; format=flowed; Charset='koi8-r'") == "koi8-r")
        #expect(FeedParser.charset(in: "text/xml") == nil)
        #expect(FeedParser.charset(in: "text/xml; charset=") == nil)
    }

    @Test func labels() {
        #expect(DocumentEncoding.resolve(label: "latin1") == .other("WINDOWS-1252"))
        #expect(DocumentEncoding.resolve(label: " UTF8 ") == .utf8)
        #expect(DocumentEncoding.resolve(label: "us-ascii") == .utf8)
        #expect(DocumentEncoding.resolve(label: "ISO-8859-15") == .other("ISO-8859-15"))
        #expect(DocumentEncoding.resolve(label: "no-such-thing") == nil)
    }

    @Test func aKOI8RFeedFromTheContentType() throws {
        let feed = try Fixture.parse("koi8-r.xml", contentType: "text/xml; charset=KOI8-R")
        #expect(feed.title == "Новости")
        #expect(feed.items.first?.title == "Москва: снег")
    }
}
