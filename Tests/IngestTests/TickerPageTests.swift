import Foundation
@testable import FeedParsing
@testable import Ingest
import Testing

/// The BREAKING ticker of a page shaped like Shared/reference/seed-news-page.txt.
@Suite struct TickerPageTests {
    /// The seed page's ten BREAKING lines, in page order.
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

    func parse(_ bytes: [UInt8], selectors: TickerSelectors = .breakingList) throws -> ParsedFeed {
        try parser.parse(bytes, url: "https://english.almayadeen.net/news/politics/japan-korea", expecting: .htmlTicker(selectors))
    }

    @Test func everyBreakingLineIsOneItem() throws {
        let feed = try parse(try Fixture.bytes("ticker-page.html"))
        #expect(feed.format == .htmlTicker)
        #expect(feed.title == "Japan, South Korea agree to resume defense exchanges | Al Mayadeen English")
        #expect(feed.language == "en")
        #expect(feed.items.map(\.title) == Self.seedLines)  // nothing from the menu, article, most read or footer
        #expect(feed.items[0].url == "https://english.almayadeen.net/news/eu-delegate-belgium")
        #expect(feed.items[2].url == nil)
        #expect(feed.items[0].publishedAt == utc("2026-11-29T08:01:00Z"))
        #expect(feed.items[6].publishedAt == utc("2026-11-29T07:30:00Z"))  // 09:30+02:00
        #expect(feed.items.allSatisfy { $0.language == "en" && $0.summary.isEmpty })
        #expect(Set(feed.items.map(\.guid)).count == 10)
        #expect(feed.items[2].guid == "ticker:trump will be seeing land action in venezuela soon")
        #expect(feed.items[0].guid.hasSuffix("|https://english.almayadeen.net/news/eu-delegate-belgium"))
        #expect(feed.warnings.isEmpty)
    }

    @Test func idsStayTheSameAcrossPolls() throws {
        let first = try parse(try Fixture.bytes("ticker-page.html"))
        // The next poll: a new line on top, the article and most-read list changed, times re-rendered,
        // white space and entity spelling different.
        var page = try Fixture.text("ticker-page.html")
        page = page.replacingOccurrences(of: "<ul class=\"ticker\">", with: "<ul class=\"ticker\">\n      <li><time datetime=\"2026-11-29T08:05:00Z\">08:05</time> New line on top</li>")
        page = page.replacingOccurrences(of: "Japan, South Korea", with: "Another article")
        page = page.replacingOccurrences(of: "Global brands in China", with: "Something else")
        page = page.replacingOccurrences(of: "08:01</time>", with: "8:01 AM</time>")
        page = page.replacingOccurrences(of: "Venezuela:&nbsp;Reports", with: "Venezuela:   Reports")
        page = page.replacingOccurrences(of: "Al Mayadeen&#39;s correspondent in", with: "Al Mayadeen's correspondent in")
        let second = try parse(Array(page.utf8))
        #expect(second.items.count == 11)
        #expect(second.items[0].title == "New line on top")
        #expect(Array(second.items.dropFirst().map(\.guid)) == first.items.map(\.guid))
    }

    @Test func customSelectors() throws {
        let html = """
            <html><body><div id="t">
              <p class="l"><span class="when">Sun, 29 Nov 2026 10:00:00 +0200</span>One <a href="/1">link</a></p>
              <p class="l">Two</p><p class="l">   </p><p class="l">Two</p>
            </div></body></html>
            """
        let selectors = TickerSelectors(line: "//p[@class='l']", link: "./a/@href", time: "./span[@class='when']")
        let feed = try parse(Array(html.utf8), selectors: selectors)
        #expect(feed.items.map(\.title) == ["Sun, 29 Nov 2026 10:00:00 +0200One link", "Two"])  // the empty and the repeated line are skipped
        #expect(feed.items[0].url == "https://english.almayadeen.net/1")
        #expect(feed.items[0].publishedAt == utc("2026-11-29T08:00:00Z"))
        #expect(feed.language == nil)
    }

    @Test func aPageWithoutATickerGivesNoItemsAndAWarning() throws {
        let feed = try parse(Array("<html><body><h2>News</h2><ul><li>Not breaking</li></ul></body></html>".utf8))
        #expect(feed.items.isEmpty)
        #expect(feed.warnings.first?.hasPrefix("no ticker line matched") == true)
    }

    @Test func anInvalidSelectorIsAClearError() {
        let error = #expect(throws: FeedParseError.self) {
            try parse(Array("<html></html>".utf8), selectors: TickerSelectors(line: "//[["))
        }
        #expect(error?.code == .invalidSelector)
        #expect(error?.message.contains("//[[") == true)
    }

    @Test func selectorsDecodeFromConfiguration() throws {
        let json = #"{"line": "//ul[@id='ticker']/li", "link": "./a/@href"}"#
        let selectors = try JSONDecoder().decode(TickerSelectors.self, from: Data(json.utf8))
        #expect(selectors == TickerSelectors(line: "//ul[@id='ticker']/li", link: "./a/@href"))
    }
}
