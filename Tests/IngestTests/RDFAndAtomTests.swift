import Foundation
@testable import FeedParsing
@testable import Ingest
import Testing

/// RSS 1.0 (RDF), Atom 1.0 and Atom 0.3: normal, minimal, namespaced and malformed feeds.
@Suite struct RDFAndAtomTests {
    @Test func rss1Normal() throws {
        let feed = try Fixture.parse("rss1-rdf.xml")
        #expect(feed.format == .rss1)
        #expect(feed.title == "RDF News")
        #expect(feed.language == "fr")
        let item = try #require(feed.items.first)
        #expect(item.guid == "https://rdf.example.org/1")  // rdf:about
        #expect(item.title == "Grève nationale jeudi")
        #expect(item.summary == "Les syndicats appellent à la grève.")
        #expect(item.publishedAt == utc("2026-11-29T08:30:00Z"))
        #expect(item.categories == ["Social"])
        #expect(item.language == "fr")
    }

    @Test func rss1Minimal() throws {
        let feed = try Fixture.parse("rss1-minimal.xml")
        #expect(feed.format == .rss1)
        #expect(feed.items.map(\.title) == ["Only item"])
        #expect(feed.items.first?.guid == "http://min.example.org/only")
        #expect(feed.items.first?.url == nil)
    }

    @Test func rss1WithPrefixedElements() throws {
        let feed = try Fixture.parse("rss1-namespaced.xml")
        #expect(feed.format == .rss1)
        #expect(feed.title == "Prefixed RDF")
        #expect(feed.language == "es")
        let item = try #require(feed.items.first)
        #expect(item.title == "Elecciones anticipadas en octubre")
        #expect(item.url == "https://prefixed.example.org/a")
        #expect(item.summary == "El presidente convoca elecciones.")
        #expect(item.authors == ["Lucía Gómez"])
        #expect(item.publishedAt == utc("2026-11-29T15:00:00Z"))
        #expect(item.categories == ["Política"])
    }

    @Test func rss1Malformed() throws {
        let feed = try Fixture.parse("rss1-malformed.xml")
        #expect(feed.items.map(\.title) == ["Markets & banks", "Second item"])
        #expect(feed.items.map(\.guid) == ["https://broken.example.org/1", "https://broken.example.org/2"])
        #expect(!feed.warnings.isEmpty)
    }

    @Test func atom1Normal() throws {
        let feed = try Fixture.parse("atom1.xml", url: "https://atom.example.net/feed.atom")
        #expect(feed.format == .atom1)
        #expect(feed.title == "Atom Wire")  // type="html"
        #expect(feed.link == "https://atom.example.net/")
        #expect(feed.language == "en")  // xml:lang
        let floods = feed.items[0]
        #expect(floods.guid == "tag:atom.example.net,2026:floods")
        #expect(floods.url == "https://atom.example.net/news/2026/11/floods")  // against the feed's xml:base
        #expect(floods.imageUrl == "https://atom.example.net/img/floods.jpg")  // link rel=enclosure type=image/*
        #expect(floods.summary == "Thousands were evacuated. Rain continues.")  // xhtml content
        #expect(try #require(floods.publishedAt).isSameMillisecond(as: utc("2026-11-29T08:58:12.500Z")))
        #expect(floods.updatedAt == utc("2026-11-29T10:05:00Z"))
        #expect(floods.authors == ["Marco Rossi"])
        #expect(floods.categories == ["Environment"])  // label over term
        #expect(floods.language == "en")
        let chip = feed.items[1]
        #expect(chip.url == "https://other.example.org/base/chip")  // the entry's own xml:base
        #expect(chip.summary == "A new & faster chip.")
        #expect(chip.publishedAt == utc("2026-11-29T06:00:00Z"))  // falls back to updated
    }

    @Test func atom1Minimal() throws {
        let feed = try Fixture.parse("atom1-minimal.xml")
        #expect(feed.format == .atom1)
        #expect(feed.title == "m")
        #expect(feed.link == nil)
        let item = try #require(feed.items.first)
        #expect(item.title == "Only entry")
        #expect(item.guid == "urn:m:1")
        #expect(item.url == nil)
        #expect(item.summary == "")
        #expect(item.publishedAt == utc("2026-11-29T06:30:00Z"))
    }

    @Test func atom1PrefixedWithSourceAndTextConstructs() throws {
        let feed = try Fixture.parse("atom1-namespaced.xml")
        #expect(feed.format == .atom1)
        #expect(feed.title == "Prefixo & Cia")
        #expect(feed.link == "https://prefixo.example.br/")
        #expect(feed.language == "pt-BR")
        let rain = feed.items[0]
        #expect(rain.title == "Chuva forte em São Paulo")  // xhtml title
        #expect(rain.summary == "Alagamentos na zona sul.")
        #expect(rain.url == "https://prefixo.example.br/chuva")  // not the <source>'s link
        #expect(rain.guid == "urn:prefixo:chuva")  // not the <source>'s id
        #expect(rain.imageUrl == "https://prefixo.example.br/chuva.jpg")
        #expect(rain.authors == ["Redação"])  // inherited from the feed
        #expect(rain.language == "pt-BR")
        let text = feed.items[1]
        #expect(text.title == "Plain text with 3 < 5 and a <tag> kept")  // type="text": no tag stripping
        #expect(text.authors == ["Ana", "Bia"])
        #expect(text.language == "en")  // the entry's xml:lang
        #expect(text.summary == "Summary only.")
    }

    @Test func atom1Malformed() throws {
        let feed = try Fixture.parse("atom1-malformed.xml")
        #expect(feed.items.map(\.title) == ["Unclosed summary", "R&D budget cut"])
        #expect(feed.items.map(\.guid) == ["urn:b:1", "urn:b:2"])
        #expect(feed.items[0].summary == "Text")
        #expect(feed.warnings.contains { $0.hasPrefix("recovered from broken XML") })
    }

    @Test func atom03() throws {
        let feed = try Fixture.parse("atom03.xml")
        #expect(feed.format == .atom03)
        let item = try #require(feed.items.first)
        #expect(item.publishedAt == utc("2026-11-27T12:00:00Z"))  // issued
        #expect(item.updatedAt == utc("2026-11-27T13:00:00Z"))  // modified
        #expect(item.url == "http://legacy.example.com/museum")
        #expect(item.summary == "The national museum reopened.")
    }

    @Test func atom03Minimal() throws {
        let feed = try Fixture.parse("atom03-minimal.xml")
        #expect(feed.format == .atom03)
        #expect(feed.items.map(\.title) == ["Only 0.3 entry"])
        #expect(feed.items.first?.publishedAt == utc("2026-11-25T10:00:00Z"))  // modified, as Atom's updated
    }

    @Test func atom03Malformed() throws {
        let feed = try Fixture.parse("atom03-malformed.xml")
        #expect(feed.format == .atom03)
        #expect(feed.title == "Broken 0.3 © Legacy")
        #expect(feed.items.map(\.title) == ["Q&A with the mayor", "Second entry survives"])
        #expect(feed.items[0].summary == "Unclosed bold")
        #expect(feed.items[0].publishedAt == utc("2026-11-24T07:00:00Z"))
        #expect(feed.items[0].url == "http://legacy03.example.com/qa")
        #expect(feed.warnings.count >= 2)  // repaired, recovered
    }

    @Test func atom03EscapedContent() throws {
        let feed = try Fixture.parse("atom03-escaped.xml", url: "http://legacy03.example.com/atom.xml")
        #expect(feed.format == .atom03)
        let item = try #require(feed.items.first)
        #expect(item.summary == "Hello world")  // type text/html, mode escaped
        #expect(item.url == "http://legacy03.example.com/escaped")
        #expect(item.publishedAt == utc("2026-11-26T08:00:00Z"))  // created
        #expect(item.authors == ["Legacy Desk"])
        #expect(item.language == "en")
    }
}
