import Foundation
@testable import FeedParsing
@testable import Ingest
import Testing

/// Tricky dates (RFC 822 with obsolete zones, RFC 3339, variants) and relative links.
@Suite struct DateAndLinkTests {
    /// Each item's title is the instant its date must become (dates-rss.xml, dates-atom.xml).
    @Test(arguments: ["dates-rss.xml", "dates-atom.xml"])
    func datesInFeeds(_ name: String) throws {
        let feed = try Fixture.parse(name)
        #expect(feed.items.count >= 4)
        for item in feed.items {
            let date = name.contains("atom") ? item.updatedAt : item.publishedAt
            if item.title == "invalid" {
                #expect(date == nil, "\(item.guid) should be unreadable, was \(String(describing: date))")
            } else {
                let expected = utc(item.title)
                #expect(date.map { $0.isSameMillisecond(as: expected) } == true, "\(item.guid): \(String(describing: date)) is not \(item.title)")
            }
        }
    }

    @Test(arguments: [
        ("Sun, 29 Nov 2026 08:15:00 GMT", "2026-11-29T08:15:00Z"),
        ("Sun, 29 Nov 2026 03:15:00 EST", "2026-11-29T08:15:00Z"),
        ("Sun, 29 Nov 2026 04:15:00 EDT", "2026-11-29T08:15:00Z"),
        ("Sun, 29 Nov 2026 02:15:00 CST", "2026-11-29T08:15:00Z"),
        ("Sun, 29 Nov 2026 03:15:00 CDT", "2026-11-29T08:15:00Z"),
        ("Sun, 29 Nov 2026 01:15:00 MST", "2026-11-29T08:15:00Z"),
        ("Sun, 29 Nov 2026 02:15:00 MDT", "2026-11-29T08:15:00Z"),
        ("Sun, 29 Nov 2026 00:15:00 PST", "2026-11-29T08:15:00Z"),
        ("Sun, 29 Nov 2026 01:15:00 PDT", "2026-11-29T08:15:00Z"),
        ("Sun, 29 Nov 2026 08:15:00 UT", "2026-11-29T08:15:00Z"),
        ("Sun, 29 Nov 2026 08:15:00 Z", "2026-11-29T08:15:00Z"),
        ("Sun, 29 Nov 2026 08:15:00 M", "2026-11-29T08:15:00Z"),  // military: -0000 (RFC 5322 §4.3)
        ("Sun, 29 Nov 2026 08:15:00 Y", "2026-11-29T08:15:00Z"),
        ("Sun, 29 Nov 2026 17:15:00 JST", "2026-11-29T08:15:00Z"),
        ("Sun, 29 Nov 2026 19:15:00 AEDT", "2026-11-29T08:15:00Z"),
        ("Sun, 29 Nov 2026 04:45:00 NST", "2026-11-29T08:15:00Z"),
        ("Sun, 29 Nov 99 08:15:00 GMT", "1999-11-29T08:15:00Z"),
        ("Mon, 29 Nov 49 08:15:00 GMT", "2049-11-29T08:15:00Z"),
        ("Sun, 29 Sept 2026 08:15:00 GMT", "2026-09-29T08:15:00Z"),
        ("2026-11-29T08:15:00.5+00:00", "2026-11-29T08:15:00.500Z"),
        ("2026-11-29T08:15:00,25Z", "2026-11-29T08:15:00.250Z"),
    ])
    func rfc822AndRFC3339(_ input: String, _ expected: String) throws {
        let date = try #require(FeedDate.parse(input), "\(input)")
        #expect(date.isSameMillisecond(as: utc(expected)), "\(input) → \(date)")
    }

    @Test(arguments: ["", " ", "today", "2026-13-01T00:00:00Z", "2025-02-29", "Sun, 32 Nov 2026 08:15:00 GMT", "29 Nov 2026 08:15:00 XYZ",
                      "2026-11-29T08:15:00+25:00", "Sun, 29 Nov 2026 08:61:00 GMT", "29 2026", "Nov 2026", "0001-01-01T00:00:00Z",
                      "2026-11-29T08:15:00Zjunk", String(repeating: "9", count: 500)])
    func unreadableDatesAreNil(_ input: String) {
        #expect(FeedDate.parse(input) == nil, "\(input)")
    }

    /// An item with several dates: a better kind wins over a worse one whatever their order, and of
    /// one kind the last that parses wins, as feedparser overwrites (its tests entry_*_multiple_values,
    /// entry_published_parsed_date_overwriting).
    @Test(arguments: [
        ("<pubDate>Sun, 01 Nov 2026 08:00:00 GMT</pubDate><pubDate>Mon, 02 Nov 2026 08:00:00 GMT</pubDate>", "2026-11-02T08:00:00Z", nil),
        ("<pubDate>Sun, 01 Nov 2026 08:00:00 GMT</pubDate><pubDate>soon</pubDate>", "2026-11-01T08:00:00Z", nil),
        ("<dc:date>2026-11-03T08:00:00Z</dc:date><pubDate>Sun, 01 Nov 2026 08:00:00 GMT</pubDate>", "2026-11-01T08:00:00Z", nil),
        ("<pubDate>Sun, 01 Nov 2026 08:00:00 GMT</pubDate><dc:date>2026-11-03T08:00:00Z</dc:date>", "2026-11-01T08:00:00Z", nil),
        ("<dcterms:created>2026-11-04T08:00:00Z</dcterms:created><dc:date>2026-11-03T08:00:00Z</dc:date>", "2026-11-04T08:00:00Z", nil),
        ("<dc:date>2026-11-03T08:00:00Z</dc:date><dc:date>2026-11-05T08:00:00Z</dc:date>", "2026-11-05T08:00:00Z", nil),
        ("<dcterms:modified>2026-11-06T08:00:00Z</dcterms:modified><dcterms:modified>2026-11-07T08:00:00Z</dcterms:modified>", nil,
         "2026-11-07T08:00:00Z"),
    ] as [(String, String?, String?)])
    func anRSSItemsDatesOfOneKindTheLastWins(_ dates: String, _ published: String?, _ updated: String?) throws {
        let xml = """
            <rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"><channel>
            <title>Wire</title><item><title>Port reopens</title>\(dates)</item></channel></rss>
            """
        let item = try #require(try FeedParser().parse(Array(xml.utf8)).items.first)
        #expect(item.publishedAt == published.map(utc), "\(dates): published \(String(describing: item.publishedAt))")
        #expect(item.updatedAt == updated.map(utc), "\(dates): updated \(String(describing: item.updatedAt))")
    }

    @Test(arguments: [
        ("<issued>2026-11-01T08:00:00Z</issued><published>2026-11-02T08:00:00Z</published>", "2026-11-02T08:00:00Z", nil),
        ("<published>2026-11-02T08:00:00Z</published><created>2026-11-04T08:00:00Z</created>", "2026-11-02T08:00:00Z", nil),
        ("<created>2026-11-04T08:00:00Z</created><created>2026-11-01T08:00:00Z</created>", "2026-11-01T08:00:00Z", nil),
        ("<updated>2026-11-06T08:00:00Z</updated><updated>2026-11-05T08:00:00Z</updated>", "2026-11-05T08:00:00Z", "2026-11-05T08:00:00Z"),
    ] as [(String, String?, String?)])
    func anAtomEntrysDatesOfOneKindTheLastWins(_ dates: String, _ published: String?, _ updated: String?) throws {
        let xml = """
            <feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>
            <entry><title>Port reopens</title><id>tag:wire.example,2026:port</id>\(dates)</entry></feed>
            """
        let item = try #require(try FeedParser().parse(Array(xml.utf8)).items.first)
        #expect(item.publishedAt == published.map(utc), "\(dates): published \(String(describing: item.publishedAt))")
        #expect(item.updatedAt == updated.map(utc), "\(dates): updated \(String(describing: item.updatedAt))")
    }

    @Test func anAtomEntrysDublinCoreDateIsRead() throws {
        let xml = """
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/"><title>Wire</title>
            <entry><title>Port reopens</title><id>tag:wire.example,2026:port</id><dc:date>2026-11-03T08:00:00Z</dc:date></entry></feed>
            """
        let item = try #require(try FeedParser().parse(Array(xml.utf8)).items.first)
        #expect(item.publishedAt == utc("2026-11-03T08:00:00Z"))
    }

    /// An item's link as feedparser picks it: the last RSS `<link>` or alternate link of an HTML type
    /// (text/html when none is given); an alternate of another type only when there is no such one.
    @Test(arguments: [
        ("<link>https://wire.example/a</link><link>https://wire.example/b</link>", "https://wire.example/b"),
        ("<atom:link rel=\"alternate\" href=\"https://wire.example/a\"/><link>https://wire.example/b</link>", "https://wire.example/b"),
        ("<link>https://wire.example/a</link><atom:link href=\"https://wire.example/b\"/>", "https://wire.example/b"),
        ("<link>https://wire.example/a</link><atom:link rel=\"self\" href=\"https://wire.example/b\"/>", "https://wire.example/a"),
        ("<atom:link rel=\"alternate\" type=\"application/pdf\" href=\"https://wire.example/a.pdf\"/>"
            + "<atom:link rel=\"alternate\" type=\"text/html\" href=\"https://wire.example/a\"/>", "https://wire.example/a"),
        ("<atom:link rel=\"alternate\" type=\"application/xhtml+xml\" href=\"https://wire.example/a\"/>"
            + "<atom:link rel=\"alternate\" type=\"application/pdf\" href=\"https://wire.example/a.pdf\"/>", "https://wire.example/a"),
        ("<atom:link rel=\"alternate\" type=\"application/pdf\" href=\"https://wire.example/a.pdf\"/>"
            + "<atom:link rel=\"alternate\" type=\"audio/mpeg\" href=\"https://wire.example/a.mp3\"/>", "https://wire.example/a.pdf"),
    ])
    func anItemsLinkIsTheLastOfAWebPage(_ links: String, _ expected: String) throws {
        let xml = """
            <rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Wire</title>
            <item><title>Port reopens</title>\(links)</item></channel></rss>
            """
        let item = try #require(try FeedParser().parse(Array(xml.utf8)).items.first)
        #expect(item.url == expected, "\(links)")
    }

    @Test func rssLinksResolveAgainstTheChannelLink() throws {
        let feed = try Fixture.parse("relative-links-rss.xml", url: "https://docs.example.com/feeds/rss.xml")
        #expect(feed.items.count == 13)
        for item in feed.items {
            #expect(item.url == (item.title == "none" ? nil : item.title), "\(item.title)")
        }
        #expect(feed.items.last?.imageUrl == "https://site.example.com/img/12.jpg")
    }

    @Test func atomLinksResolveAgainstXMLBase() throws {
        let feed = try Fixture.parse("relative-links-atom.xml", url: "https://docs.example.com/feeds/atom.xml")
        #expect(feed.link == "https://atom.example.com/")
        #expect(feed.items.count == 5)
        for item in feed.items { #expect(item.url == item.title) }
        let nobase = try Fixture.parse("relative-links-atom-nobase.xml", url: "https://docs.example.com/feeds/atom.xml")
        for item in nobase.items { #expect(item.url == item.title) }
    }

    @Test func resolver() {
        #expect(URLResolver.absolute("https://a.example/x", base: nil) == "https://a.example/x")
        #expect(URLResolver.absolute("HTTP://A.example/x", base: nil) == "HTTP://A.example/x")
        #expect(URLResolver.absolute("/x", base: "https://a.example/dir/page?q=1#f") == "https://a.example/x")
        #expect(URLResolver.absolute("y", base: "https://a.example/dir/page?q=1#f") == "https://a.example/dir/y")
        #expect(URLResolver.absolute("y", base: "https://a.example") == "https://a.example/y")
        #expect(URLResolver.absolute("./y", base: "https://a.example/dir/") == "https://a.example/dir/y")
        #expect(URLResolver.absolute("#frag", base: "https://a.example/p") == "https://a.example/p#frag")
        #expect(URLResolver.absolute("/x", base: nil) == nil)
        #expect(URLResolver.absolute("mailto:desk@a.example", base: "https://a.example/") == nil)
        #expect(URLResolver.absolute("ftp://a.example/file", base: nil) == nil)
        #expect(URLResolver.absolute("data:image/png;base64,AAAA", base: "https://a.example/") == nil)
        #expect(URLResolver.absolute("https:///nohost", base: nil) == nil)
        #expect(URLResolver.absolute("/x", base: "javascript:void(0)") == nil)
        #expect(URLResolver.absolute("https://a.example/ünï code", base: nil) == "https://a.example/%C3%BCn%C3%AF%20code")
    }
}
