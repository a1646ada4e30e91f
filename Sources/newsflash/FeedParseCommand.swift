import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Ingest
import NewsModel

/// `newsflash feed parse`: what ingest would make of a source, for debugging it.
struct FeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feed",
        abstract: "Inspect feeds and ticker pages.",
        subcommands: [Parse.self])

    struct Parse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Parse a feed or ticker page (file or http(s) URL) and print its items.",
            discussion: """
                With --json, prints one JSON object per item with the field names of the news.item \
                event (Schemas/events/news-item.v1.schema.json), in document order; items of the same \
                story share a storyId. Warnings go to standard error.
                """)

        @Argument(help: "A file path, '-' for standard input, or an http(s) URL.")
        var source: String

        @Flag(help: "Print JSON lines (news.item fields) instead of a listing.")
        var json = false

        @Option(help: "The source id to give the items.")
        var sourceId = "cli"

        @Flag(help: "Read an HTML page's BREAKING ticker instead of a feed.")
        var ticker = false

        @Option(help: "XPath of the ticker lines (implies --ticker).")
        var line: String?

        @Option(help: "XPath of a line's link, relative to the line.")
        var link: String?

        @Option(help: "XPath of a line's time, relative to the line.")
        var time: String?

        @Option(help: "Base URL for relative links (default: the URL read, if any).")
        var baseUrl: String?

        @Option(help: "Content-Type to assume, e.g. 'text/xml; charset=windows-1252' (a URL's response header wins).")
        var contentType: String?

        func validate() throws {
            guard NewsItem.isValidSourceID(sourceId) else {
                throw ValidationError("--source-id must match ^[a-z0-9][a-z0-9._-]{0,63}$")
            }
        }

        func run() async throws {
            let (bytes, responseType, url) = try await load()
            let expectation: FeedParser.Expectation
            if ticker || line != nil {
                let defaults = TickerSelectors.breakingList
                expectation = .htmlTicker(TickerSelectors(line: line ?? defaults.line, link: link ?? defaults.link, time: time ?? defaults.time))
            } else {
                expectation = .feed
            }
            let feed: ParsedFeed
            do {
                feed = try FeedParser().parse(bytes, url: baseUrl ?? url, contentType: responseType ?? contentType, expecting: expectation)
            } catch {
                throw CLIError("cannot parse \(source): \(error.message) [\(error.code.rawValue)]")
            }
            for warning in feed.warnings {
                FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
            }
            let fetchedAt = Date()
            var stories = StoryIndex()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .custom { date, encoder in
                var container = encoder.singleValueContainer()
                try container.encode(RFC3339Time.format(date))
            }
            if !json {
                print("\(feed.format.rawValue) \"\(feed.title)\"\(feed.link.map { " <\($0)>" } ?? ""): \(feed.items.count) items")
            }
            for parsed in feed.items {
                let story = stories.story(
                    for: parsed.title, at: (parsed.publishedAt ?? fetchedAt).timeIntervalSince1970,
                    newStoryID: NewsItem.newStoryID(sourceID: sourceId, item: parsed))
                let item = NewsItem(parsed: parsed, sourceID: sourceId, kind: feed.format.sourceKind, fetchedAt: fetchedAt, storyID: story.storyID)
                if json {
                    print(String(decoding: try encoder.encode(item), as: UTF8.self))
                } else {
                    let when = item.publishedAt.map { RFC3339Time.format($0) } ?? "-"
                    print("- \(when) \(item.title)\n  \(item.url ?? "(no link)")  [\(item.itemId) \(item.storyId)]")
                }
            }
        }

        /// The bytes, the response's Content-Type (for URLs) and the URL to resolve links against.
        private func load() async throws -> ([UInt8], String?, String?) {
            if source.hasPrefix("http://") || source.hasPrefix("https://") {
                guard let url = URL(string: source) else { throw CLIError("not a URL: \(source)") }
                var request = URLRequest(url: url, timeoutInterval: 15)
                request.setValue("Newsflash/\(Newsflash.version) (+feed parse)", forHTTPHeaderField: "User-Agent")
                let (data, response) = try await URLSession.shared.data(for: request)
                let http = response as? HTTPURLResponse
                guard let status = http?.statusCode, (200..<300).contains(status) else {
                    throw CLIError("\(source) returned HTTP \(http?.statusCode ?? 0)")
                }
                return (Array(data), http?.value(forHTTPHeaderField: "Content-Type"), response.url?.absoluteString ?? source)
            }
            let data: Data
            if source == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let contents = FileManager.default.contents(atPath: source) else { throw CLIError("cannot read \(source)") }
                data = contents
            }
            return (Array(data), nil, nil)
        }
    }
}
