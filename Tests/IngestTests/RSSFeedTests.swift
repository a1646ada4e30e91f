import Foundation
@testable import FeedParsing
@testable import Ingest
import Testing

/// RSS 2.0 and 0.9x: normal, minimal, namespaced and malformed feeds.
@Suite struct RSSFeedTests {
    @Test func rss2Normal() throws {
        let feed = try Fixture.parse("rss2-normal.xml", url: "https://wire.example.com/rss")
        #expect(feed.format == .rss2)
        #expect(feed.title == "World Wire & Co")
        #expect(feed.link == "https://wire.example.com/")
        #expect(feed.language == "en-gb")
        #expect(feed.items.count == 2)
        #expect(feed.warnings.isEmpty)
        let quake = feed.items[0]
        #expect(quake.guid == "wire-2026-0001")
        #expect(quake.title == "Earthquake of magnitude 6.1 strikes off Chile\u{2019}s coast")
        #expect(quake.url == "https://wire.example.com/world/chile-quake")  // relative link, resolved against the channel link
        #expect(quake.summary == "A strong earthquake struck off the coast of Chile on Sunday,\u{2014} officials said.")  // description wins, script dropped
        #expect(quake.publishedAt == utc("2026-11-29T08:15:00Z"))
        #expect(quake.updatedAt == nil)
        #expect(quake.authors == ["Ana Pérez"])
        #expect(quake.categories == ["World", "Latin America"])
        #expect(quake.imageUrl == "https://cdn.example.com/quake.jpg")
        #expect(quake.language == "en-gb")  // the channel's
        let bank = feed.items[1]
        #expect(bank.guid == "https://wire.example.com/economy/rates")
        #expect(bank.publishedAt == utc("2026-11-29T08:00:00Z"))  // 03:00 EST
        #expect(bank.summary == "The bank kept rates at 4.5% as expected.")
        #expect(bank.authors == ["Economy Desk"])  // "desk@wire.example.com (Economy Desk)"
        #expect(bank.imageUrl == "https://cdn.example.com/bank.png")  // enclosure of type image/png
    }

    @Test func rss2MinimalUsesTheDescriptionAsTitle() throws {
        let feed = try Fixture.parse("rss2-minimal.xml")
        #expect(feed.format == .rss2)
        #expect(feed.title == "Min")
        #expect(feed.link == nil)
        #expect(feed.items.map(\.title) == ["Only a description here", "Second"])
        #expect(feed.items.map(\.guid) == ["", ""])
        #expect(feed.items[1].url == nil)
        #expect(feed.items[1].summary == "")
        #expect(feed.items[1].publishedAt == nil)
        #expect(feed.items[1].authors.isEmpty && feed.items[1].categories.isEmpty)
    }

    @Test func rss2Namespaced() throws {
        let feed = try Fixture.parse("rss2-namespaced.xml")
        #expect(feed.title == "Namespace Soup")  // not the <image>'s title
        #expect(feed.link == "https://soup.example.com/")  // not the atom:link rel=self
        #expect(feed.language == "de-DE")  // dc:language on the channel
        let budget = feed.items[0]
        #expect(budget.title == "Parlament beschließt Haushalt")  // not x:title
        #expect(budget.url == "https://soup.example.com/politik/haushalt")  // atom:link rel=alternate, not x:link
        #expect(budget.authors == ["Jana Schmidt", "Ole Berg"])  // dc:creator, de-duplicated
        #expect(budget.publishedAt == utc("2026-11-29T09:15:00Z"))  // dc:date
        #expect(budget.updatedAt == utc("2026-11-29T10:00:00Z"))  // dcterms:modified
        #expect(budget.categories == ["Politik"])  // dc:subject
        #expect(budget.language == "de")  // dc:language on the item
        #expect(budget.summary == "Der Bundestag hat den Haushalt beschlossen.")  // content:encoded when there is no description
        #expect(budget.imageUrl == "https://cdn.soup.example.com/haushalt.jpg")  // the image of the media:group, not the video
        let podcast = feed.items[1]
        #expect(podcast.url == "https://soup.example.com/podcast/woche")  // a permalink guid
        #expect(podcast.publishedAt == utc("2026-11-27T17:00:00Z"))
        #expect(podcast.imageUrl == "https://soup.example.com/woche-thumb.jpg")  // media:thumbnail beats itunes:image; the mp3 is no image
        #expect(podcast.language == "de-DE")
    }

    @Test func rss2MalformedIsRecoveredAndReported() throws {
        let feed = try Fixture.parse("malformed.xml")
        #expect(feed.format == .rss2)
        #expect(feed.title == "Broken & Wire")
        #expect(feed.items.map(\.title) == ["Markets rally & bonds slip", "Second item survives"])  // unescaped '&', unclosed <item>
        #expect(feed.items[0].summary == "Unclosed bold")  // unclosed <b>
        #expect(feed.items[1].url == "https://broken.example.com/2")
        #expect(feed.warnings.contains { $0.hasPrefix("repaired") && $0.contains("unescaped '&'") })
        #expect(feed.warnings.contains { $0.hasPrefix("recovered from broken XML: line ") })  // with the first error's line
    }

    @Test func rss091() throws {
        let feed = try Fixture.parse("rss091.xml")
        #expect(feed.format == .rss090)
        #expect(feed.items.first?.url == "http://old.example.com/a.html")
        #expect(feed.items.first?.summary == "Elections in 60 days.")
        #expect(feed.items.first?.language == "en-us")
    }

    @Test func rss092Minimal() throws {
        let feed = try Fixture.parse("rss092-minimal.xml")
        #expect(feed.format == .rss090)
        #expect(feed.items.map(\.title) == ["Storm warning for the coast"])  // escaped markup stripped
    }

    @Test func rss091NetscapeWithDoctypeAndHTMLEntities() throws {
        // An external DTD reference (never fetched), ISO-8859-1, and HTML entities XML does not define.
        let feed = try Fixture.parse("rss091-netscape.xml")
        #expect(feed.format == .rss090)
        #expect(feed.language == "fr")
        #expect(feed.items.first?.title == "Café & crème \u{2014} l\u{2019}été")
        #expect(feed.items.first?.summary == "Prix € 5 © 1999")  // &nbsp; is white space
        #expect(feed.warnings.contains { $0.contains("HTML or invalid character references") })
    }

    @Test func rss090RDF() throws {
        let feed = try Fixture.parse("rss090-rdf.xml")
        #expect(feed.format == .rss090)
        #expect(feed.title == "Mozilla Dot Org")
        #expect(feed.link == "http://www.mozilla.org")
        #expect(feed.items.map(\.title) == ["New Status Updates", "Bugzilla Reorganized"])  // not the <image>
        #expect(feed.items.map(\.url) == ["http://www.mozilla.org/status/", "http://www.mozilla.org/bugs/"])
    }
}
