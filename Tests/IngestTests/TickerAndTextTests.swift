import Foundation
@testable import Ingest
import Testing

@Suite struct TickerPageTests {
    static let seedLines = [
        "Al Mayadeen's EU delegate: Belgium categorically refused to touch Russian assets in its banks for fear of a Russian judicial backlash",
        "Al Mayadeen's EU delegate: The European Union has failed to reach an agreement on the use of Russian assets frozen in Belgium",
        "Trump: Will be seeing land action in Venezuela soon",
        "Trump: first question to Xi will be fentanyl",
        "Trump on reports of B1 bombers near Venezuela: Reports are not accurate",
        "Al Mayadeen's correspondent: The death toll from the airstrike that targeted the town of Arabsalim in South Lebanon has risen to two, in addition to four injuries",
        "Al Mayadeen's correspondent in South Lebanon: An Israeli airstrike targeted the town of Arabsalim",
        "Putin on new sanctions against Russia: Russia's energy sector remains confident, though some losses are expected",
        "Putin calls talk of supplying Tomahawk missiles to Kyiv an attempt at escalation",
        "Putin says he discussed with Trump the impact of the situation with Russian oil supplies on global prices, including in the United States",
    ]

    let parser = FeedParser()

    func parse(_ bytes: [UInt8]) throws -> ParsedFeed {
        try parser.parse(bytes, url: "https://english.almayadeen.net/", expecting: .htmlTicker(.breakingList))
    }

    @Test func everyBreakingLineIsOneItem() throws {
        let feed = try parse(try Fixture.bytes("ticker-page.html"))
        #expect(feed.format == .htmlTicker)
        #expect(feed.items.map(\.title) == Self.seedLines.map { $0 })
        #expect(feed.items[0].url == "https://english.almayadeen.net/news/eu-delegate-belgium")
        #expect(feed.items[2].url == nil)
        #expect(feed.items[0].publishedAt == utc("2026-11-29T08:01:00Z"))
        #expect(feed.language == "en")
        #expect(Set(feed.items.map(\.guid)).count == 10)
    }

    @Test func idsStayTheSameAcrossPolls() throws {
        let first = try parse(try Fixture.bytes("ticker-page.html"))
        // The next poll: a new line on top, the article changed, times re-rendered.
        var page = String(decoding: try Fixture.bytes("ticker-page.html"), as: UTF8.self)
        page = page.replacingOccurrences(of: "<ul>\n      <li><time datetime=\"2026-11-29T08:01:00Z\">",
                                         with: "<ul>\n      <li>New line on top</li>\n      <li><time datetime=\"2026-11-29T08:01:00Z\">")
        page = page.replacingOccurrences(of: "Japan, South Korea", with: "Another article")
        let second = try parse(Array(page.utf8))
        #expect(second.items.count == 11)
        #expect(Array(second.items.dropFirst().map(\.guid)) == first.items.map(\.guid))
    }

    @Test func customSelectors() throws {
        let html = "<html><body><div id='t'><p class='l'>One <a href='/1'>link</a></p><p class='l'>Two</p></div></body></html>"
        let feed = try parser.parse(Array(html.utf8), url: "https://x.example/", expecting: .htmlTicker(TickerSelectors(line: "//p[@class='l']", link: "./a/@href")))
        #expect(feed.items.map(\.title) == ["One link", "Two"])
        #expect(feed.items[0].url == "https://x.example/1")
    }

    @Test func anInvalidSelectorIsAClearError() {
        #expect(throws: FeedParseError.self) {
            try parser.parse(Array("<html></html>".utf8), expecting: .htmlTicker(TickerSelectors(line: "//[[")))
        }
    }
}

@Suite struct PlainTextTests {
    @Test func stripsTagsAndFoldsWhiteSpace() {
        #expect(PlainText.from("<p>Hello <b>world</b></p>\n\n<p>Again</p>") == "Hello world Again")
        #expect(PlainText.from("a<br>b") == "a b")
        #expect(PlainText.from("<script>alert(1)</script>Text<style>p{}</style>") == "Text")
        #expect(PlainText.from("<!-- comment -->Kept") == "Kept")
    }

    @Test func decodesReferences() {
        #expect(PlainText.from("Tom &amp; Jerry &#8212; &#x2014; &eacute;t&eacute; &hellip;") == "Tom & Jerry \u{2014} \u{2014} été \u{2026}")
        #expect(PlainText.from("&#150; cp1252") == "\u{2013} cp1252")
        #expect(PlainText.from("Fish &chips; &unknown; & more") == "Fish &chips; &unknown; & more")
        #expect(PlainText.from("a&nbsp;&nbsp;b") == "a b")
    }

    @Test func keepsStrayAngleBrackets() {
        #expect(PlainText.from("3 < 5 and 7 > 2") == "3 < 5 and 7 > 2")
        #expect(PlainText.from("unclosed <b tag") == "unclosed")
    }

    @Test func cutsAtAWordBoundary() {
        #expect(PlainText.from("one two three four", maximumCharacters: 10) == "one two…")
    }
}

@Suite struct FeedDateTests {
    @Test(arguments: [
        ("Sun, 29 Nov 2026 08:15:00 GMT", "2026-11-29T08:15:00Z"),
        ("Sun, 29 Nov 2026 08:15:00 +0000", "2026-11-29T08:15:00Z"),
        ("29 Nov 2026 03:15:00 EST", "2026-11-29T08:15:00Z"),
        ("Sun, 29 Nov 26 01:15 PDT", "2026-11-29T08:15:00Z"),
        ("Sun, 29 Nov 2026 10:15:00 +0200", "2026-11-29T08:15:00Z"),
        ("Sunday, 29 Nov 2026 08:15:00 UT", "2026-11-29T08:15:00Z"),
        ("Sun, 29 Nov 2026 09:15:00 A", "2026-11-29T10:15:00Z"),
        ("Nov 29 2026 08:15:00 GMT", "2026-11-29T08:15:00Z"),
        ("2026-11-29T08:15:00Z", "2026-11-29T08:15:00Z"),
        ("2026-11-29T10:15:00+02:00", "2026-11-29T08:15:00Z"),
        ("2026-11-29 08:15:00", "2026-11-29T08:15:00Z"),
        ("2026-11-29T08:15Z", "2026-11-29T08:15:00Z"),
        ("2026-11-29", "2026-11-29T00:00:00Z"),
        ("2024-02-29T12:00:00-0500", "2024-02-29T17:00:00Z"),
    ])
    func parses(_ input: String, _ expected: String) {
        #expect(FeedDate.parse(input) == utc(expected), "\(input)")
    }

    @Test(arguments: ["", "yesterday", "2026-13-01T00:00:00Z", "2025-02-29", "Sun, 32 Nov 2026 08:15:00 GMT", "29 Nov 2026 08:15:00 XYZ"])
    func refuses(_ input: String) {
        #expect(FeedDate.parse(input) == nil, "\(input)")
    }

    @Test func keepsFractions() {
        #expect(FeedDate.parse("2026-11-29T08:15:00.250Z")?.timeIntervalSince1970 == utc("2026-11-29T08:15:00Z").timeIntervalSince1970 + 0.25)
    }
}
