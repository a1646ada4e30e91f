import Foundation
@testable import Ingest
import Testing

@Suite struct FeedParserTests {
    let parser = FeedParser()

    @Test func rss2WithNamespaces() throws {
        let feed = try parser.parse(try Fixture.bytes("rss2-normal.xml"), url: "https://wire.example.com/rss")
        #expect(feed.format == .rss2)
        #expect(feed.title == "World Wire & Co")
        #expect(feed.language == "en-gb")
        #expect(feed.items.count == 2)
        let quake = feed.items[0]
        #expect(quake.guid == "wire-2026-0001")
        #expect(quake.title == "Earthquake of magnitude 6.1 strikes off Chile\u{2019}s coast")
        #expect(quake.url == "https://wire.example.com/world/chile-quake")  // relative link resolved against the feed
        #expect(quake.summary == "A strong earthquake struck off the coast of Chile on Sunday,\u{2014} officials said.")
        #expect(quake.publishedAt == utc("2026-11-29T08:15:00Z"))
        #expect(quake.authors == ["Ana Pérez"])
        #expect(quake.categories == ["World", "Latin America"])
        #expect(quake.imageUrl == "https://cdn.example.com/quake.jpg")
        #expect(quake.language == "en-gb")
        let bank = feed.items[1]
        #expect(bank.publishedAt == utc("2026-11-29T08:00:00Z"))  // 03:00 EST
        #expect(bank.summary == "The bank kept rates at 4.5% as expected.")
        #expect(bank.imageUrl == "https://cdn.example.com/bank.png")
        #expect(feed.warnings.isEmpty)
    }

    @Test func minimalRSSUsesTheDescriptionAsTitle() throws {
        let feed = try parser.parse(try Fixture.bytes("rss2-minimal.xml"))
        #expect(feed.items.map(\.title) == ["Only a description here", "Second"])
        #expect(feed.items[1].url == nil)
    }

    @Test func rss091() throws {
        let feed = try parser.parse(try Fixture.bytes("rss091.xml"))
        #expect(feed.format == .rss090)
        #expect(feed.items.first?.url == "http://old.example.com/a.html")
        #expect(feed.items.first?.language == "en-us")
    }

    @Test func rss1RDF() throws {
        let feed = try parser.parse(try Fixture.bytes("rss1-rdf.xml"))
        #expect(feed.format == .rss1)
        let item = try #require(feed.items.first)
        #expect(item.guid == "https://rdf.example.org/1")
        #expect(item.title == "Grève nationale jeudi")
        #expect(item.publishedAt == utc("2026-11-29T08:30:00Z"))
        #expect(item.categories == ["Social"])
        #expect(item.language == "fr")
    }

    @Test func atom1WithXMLBaseAndXHTMLContent() throws {
        let feed = try parser.parse(try Fixture.bytes("atom1.xml"), url: "https://atom.example.net/feed.atom")
        #expect(feed.format == .atom1)
        #expect(feed.title == "Atom Wire")
        #expect(feed.language == "en")
        let floods = feed.items[0]
        #expect(floods.guid == "tag:atom.example.net,2026:floods")
        #expect(floods.url == "https://atom.example.net/news/2026/11/floods")
        #expect(floods.imageUrl == "https://atom.example.net/img/floods.jpg")
        #expect(floods.summary == "Thousands were evacuated. Rain continues.")
        #expect(floods.publishedAt == Date(timeIntervalSince1970: utc("2026-11-29T08:58:12Z").timeIntervalSince1970 + 0.5))
        #expect(floods.updatedAt == utc("2026-11-29T10:05:00Z"))
        #expect(floods.authors == ["Marco Rossi"])
        #expect(floods.categories == ["Environment"])
        let chip = feed.items[1]
        #expect(chip.url == "https://other.example.org/base/chip")
        #expect(chip.summary == "A new & faster chip.")
        #expect(chip.publishedAt == utc("2026-11-29T06:00:00Z"))  // falls back to updated
    }

    @Test func atom03() throws {
        let feed = try parser.parse(try Fixture.bytes("atom03.xml"))
        #expect(feed.format == .atom03)
        let item = try #require(feed.items.first)
        #expect(item.publishedAt == utc("2026-11-27T12:00:00Z"))
        #expect(item.updatedAt == utc("2026-11-27T13:00:00Z"))
        #expect(item.url == "http://legacy.example.com/museum")
    }

    @Test func jsonFeed11And10() throws {
        let feed = try parser.parse(try Fixture.bytes("jsonfeed11.json"))
        #expect(feed.format == .jsonFeed)
        #expect(feed.items.count == 2)
        #expect(feed.items[0].url == "https://json.example.com/stories/1")
        #expect(feed.items[0].summary == "Clinics open today.")
        #expect(feed.items[0].authors == ["Health Desk"])
        #expect(feed.items[1].title.hasPrefix("A story with no title"))
        let old = try parser.parse(try Fixture.bytes("jsonfeed10.json"))
        #expect(old.items.first?.guid == "42.0" || old.items.first?.guid == "42")
        #expect(old.items.first?.authors == ["Solo"])
        #expect(old.items.first?.updatedAt == utc("2026-11-20T10:00:00Z"))
    }

    @Test func brokenXMLIsRecoveredAndReported() throws {
        let feed = try parser.parse(try Fixture.bytes("malformed.xml"))
        #expect(feed.items.first?.title == "Markets rally & bonds slip")
        #expect(feed.items.count >= 1)
        #expect(feed.warnings.contains { $0.contains("repaired unescaped '&'") })
        #expect(feed.warnings.contains { $0.contains("recovered from broken XML") })
    }

    @Test(arguments: ["utf16le-bom.xml", "utf16be-bom.xml"])
    func utf16(_ name: String) throws {
        let feed = try parser.parse(try Fixture.bytes(name))
        #expect(feed.items.first?.title == "Café société: “quotes” — déjà vu €5")
    }

    @Test func latin1DeclaredInProlog() throws {
        let feed = try parser.parse(try Fixture.bytes("iso-8859-1.xml"))
        #expect(feed.items.first?.title == "Café société: \"quotes\" - déjà vu EUR5")
    }

    @Test func windows1252FromContentType() throws {
        let feed = try parser.parse(try Fixture.bytes("windows-1252.xml"), contentType: "application/rss+xml; charset=\"windows-1252\"")
        #expect(feed.items.first?.title == "Café société: “quotes” — déjà vu €5")
    }

    @Test func xmlBombIsRefusedQuickly() throws {
        let clock = ContinuousClock()
        let start = clock.now
        #expect(throws: FeedParseError.self) { try parser.parse(try Fixture.bytes("xml-bomb.xml")) }
        #expect(clock.now - start < .milliseconds(200))
        let bomb = try Fixture.bytes("xml-bomb.xml")
        do {
            _ = try parser.parse(bomb)
        } catch {
            #expect(error.code == .forbiddenDoctype)
        }
    }

    @Test func externalEntityIsRefused() throws {
        let xxe = try Fixture.bytes("xxe.xml")
        do {
            _ = try parser.parse(xxe)
            Issue.record("an external entity was accepted")
        } catch {
            #expect(error.code == .forbiddenDoctype)
        }
    }

    @Test func externalDTDIsNotLoaded() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let feed = try parser.parse(try Fixture.bytes("xxe-dtd.xml"))
        #expect(feed.items.first?.title == "Only the item & nothing loaded")
        #expect(clock.now - start < .milliseconds(200))
    }

    @Test func limitsAreEnforced() throws {
        var limits = FeedParserLimits()
        limits.maximumBytes = 100
        #expect(throws: FeedParseError.self) { try FeedParser(limits: limits).parse(try Fixture.bytes("rss2-normal.xml")) }
        limits = FeedParserLimits()
        limits.maximumItems = 1
        let feed = try FeedParser(limits: limits).parse(try Fixture.bytes("rss2-normal.xml"))
        #expect(feed.items.count == 1)
        #expect(feed.warnings.contains { $0.contains("only the first 1") })
    }

    @Test func garbageIsAClearError() {
        for input in ["", "hello world", "{\"not\": \"a feed\"}", "<html><body>no feed</body></html>"] {
            do {
                _ = try parser.parse(Array(input.utf8))
                Issue.record("\(input) was accepted")
            } catch {
                #expect([.malformed, .unrecognisedFormat].contains(error.code))
            }
        }
    }

    @Test func charsetIsReadFromContentType() {
        #expect(FeedParser.charset(in: "text/xml; charset=ISO-8859-1") == "ISO-8859-1")
        #expect(FeedParser.charset(in: "application/rss+xml;charset=\"utf-8\"") == "utf-8")
        #expect(FeedParser.charset(in: "text/xml") == nil)
    }
}
