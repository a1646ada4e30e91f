import Foundation
@testable import FeedParsing
@testable import Ingest
import Testing

/// JSON Feed 1.1 and 1.0: normal, minimal, lenient and malformed.
@Suite struct JSONFeedTests {
    @Test func jsonFeed11() throws {
        let feed = try Fixture.parse("jsonfeed11.json")
        #expect(feed.format == .jsonFeed)
        #expect(feed.title == "JSON Wire")
        #expect(feed.link == "https://json.example.com/")
        #expect(feed.language == "en")
        #expect(feed.items.count == 2)
        let first = feed.items[0]
        #expect(first.guid == "j-1")
        #expect(first.url == "https://json.example.com/stories/1")
        #expect(first.summary == "Clinics open today.")
        #expect(first.authors == ["Health Desk"])
        #expect(first.categories == ["Health"])
        #expect(first.imageUrl == "https://json.example.com/v.jpg")
        #expect(first.publishedAt == utc("2026-11-29T07:00:00Z"))
        #expect(first.language == "en")
        #expect(feed.items[1].title == "A story with no title but content text that becomes the title.")
    }

    @Test func jsonFeed10WithANumericID() throws {
        let feed = try Fixture.parse("jsonfeed10.json")
        let item = try #require(feed.items.first)
        #expect(item.guid == "42")
        #expect(item.authors == ["Solo"])
        #expect(item.updatedAt == utc("2026-11-20T10:00:00Z"))
    }

    @Test func jsonFeedMinimal() throws {
        let feed = try Fixture.parse("jsonfeed-minimal.json")
        #expect(feed.items.map(\.title) == ["Just text."])
        #expect(feed.items.map(\.summary) == ["Just text."])
    }

    @Test func sloppyItemsAreSkippedOrReadLeniently() throws {
        let feed = try Fixture.parse("jsonfeed-lenient.json")
        #expect(feed.title == "Sloppy & Co")
        #expect(feed.warnings.contains("2 items were not JSON objects and were skipped"))
        #expect(feed.items.count == 2)
        let cafe = feed.items[0]
        #expect(cafe.guid == "7")
        #expect(cafe.title == "Café opens \u{2013} again")  // references in plain text are decoded
        #expect(cafe.url == "https://sloppy.example.com/blog/posts/7")
        #expect(cafe.categories.isEmpty)  // "tags" was not an array
        #expect(cafe.summary == "Open daily")
        #expect(cafe.publishedAt == utc("2026-11-29T07:00:00Z"))
        #expect(cafe.imageUrl == "https://sloppy.example.com/img/7.png")  // the image attachment, not the mp3
        #expect(cafe.authors == ["House Author"])  // inherited
        let text = feed.items[1]
        #expect(text.guid == "8.5")
        #expect(text.title == "3 < 5 stays")
        #expect(text.summary == "Plain <b> not a tag")
        #expect(text.language == "en-GB")
    }

    @Test func truncatedJSONIsAClearError() throws {
        let error = #expect(throws: FeedParseError.self) { try Fixture.parse("jsonfeed-malformed.json") }
        #expect(error?.code == .malformed)
        #expect(error?.message.hasPrefix("not valid JSON") == true)
    }

    @Test func jsonThatIsNotAFeed() {
        for input in [#"{"not": "a feed"}"#, #"{"version": "https://example.com/other", "items": []}"#, "[1, 2]"] {
            let error = #expect(throws: FeedParseError.self, "\(input)") { try FeedParser().parse(Array(input.utf8)) }
            #expect(error?.code == .unrecognisedFormat, "\(input)")
        }
    }
}
