import ArgumentParser
import Foundation
import FeedParsing
import Ingest
import NewsModel

/// `newsflash feed`: tools for feeds and ticker pages.
struct FeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feed",
        abstract: "Inspect feeds and ticker pages.",
        subcommands: [FeedParseCommand.self])
}

/// `newsflash feed parse <file-or-URL>`: what ingest makes of a source, for debugging it.
///
/// With `--json`, one `news.item` JSON object per line (the fields of
/// Schemas/events/news-item.v1.schema.json, sorted keys, RFC 3339 UTC times),
/// in document order, items of the same story sharing a `storyId`; without it,
/// a listing. Warnings go to standard error. The output is a function of the
/// bytes and the options: `fetchedAt` is `--fetched-at`, else the file's
/// modification time, else (a URL, standard input) the time of the fetch.
struct FeedParseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse a feed or ticker page (file, '-' or http(s) URL) and print its items.",
        discussion: """
            Formats are detected: RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed 1.0/1.1, CDF; --ticker reads an HTML \
            page's BREAKING list instead (--line/--link/--time change the XPath selectors).

            Exit status 1 with a message naming the problem when the document cannot be read.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A file path, '-' for standard input, or an http(s) URL.") var source: String
    @Flag(help: "Print news.item JSON lines instead of a listing.") var json = false
    @Option(help: "The source id to give the items (^[a-z0-9][a-z0-9._-]{0,63}$).") var sourceId = "cli"
    @Option(help: "Base URL for relative links (default: the URL read, after redirects).") var baseUrl: String?
    @Option(help: "Content-Type to assume, e.g. 'text/xml; charset=windows-1252' (a URL's own header wins).") var contentType: String?
    @Option(help: "The fetchedAt of the items, RFC 3339 (default: the file's modification time, or now).") var fetchedAt: String?
    @OptionGroup var ticker: TickerOptions
    @Option(help: "Read at most this many items.") var maxItems: Int = FeedParserLimits().maximumItems

    func validate() throws {
        guard NewsItem.isValidSourceID(sourceId) else {
            throw ValidationError("--source-id must match ^[a-z0-9][a-z0-9._-]{0,63}$, e.g. wire.example")
        }
        if let fetchedAt, FeedDate.parse(fetchedAt) == nil {
            throw ValidationError("--fetched-at must be an RFC 3339 time such as 2026-11-29T08:00:00Z")
        }
        guard maxItems > 0 else { throw ValidationError("--max-items must be at least 1") }
    }

    func run() async throws {
        try global.startLogging("newsflash.feed")
        var limits = FeedParserLimits()
        limits.maximumItems = maxItems
        let document = try await FeedDocumentLoader(maximumBytes: limits.maximumBytes).load(source)
        let feed: ParsedFeed
        do {
            feed = try FeedParser(limits: limits).parse(
                document.bytes, url: baseUrl ?? document.url, contentType: document.contentType ?? contentType, expecting: ticker.expectation)
        } catch {
            throw FeedCommandError("cannot parse \(source): \(error.message) [\(error.code.rawValue)]")
        }
        for warning in feed.warnings {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        let fetched = fetchedAt.flatMap(FeedDate.parse) ?? document.fetchedAt
        let items = FeedItemEvents.make(feed, sourceID: sourceId, fetchedAt: fetched)
        let printer = FeedItemPrinter(json: json)
        if !json { print(printer.header(feed, count: items.count)) }
        for item in items { print(try printer.line(item)) }
    }
}

/// `feed parse`'s choice of a ticker page over a feed, and its selectors.
struct TickerOptions: ParsableArguments {
    @Flag(help: "Read an HTML page's BREAKING ticker instead of a feed.") var ticker = false
    @Option(help: "XPath of the ticker lines (implies --ticker).") var line: String?
    @Option(help: "XPath of a line's link, relative to the line.") var link: String?
    @Option(help: "XPath of a line's time, relative to the line.") var time: String?

    /// A feed, or a ticker page read with the given selectors (the BREAKING list's where not given).
    var expectation: FeedParser.Expectation {
        guard ticker || line != nil else { return .feed }
        let defaults = TickerSelectors.breakingList
        return .htmlTicker(TickerSelectors(line: line ?? defaults.line, link: link ?? defaults.link, time: time ?? defaults.time))
    }
}

/// A failure of `feed parse`, with a message naming the source and the problem.
struct FeedCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
