import Foundation
import Testing
import TestSupport

/// `newsflash feed parse`, run as an operator would (no broker needed).
@Suite struct FeedParseCommandTests {
    let fixtures = Repository.root.appendingPathComponent("Tests/IngestTests/Fixtures")

    @Test func jsonLinesAreValidNewsItems() async throws {
        var events: [String] = []
        for name in ["rss2-normal.xml", "atom1.xml", "rss1-rdf.xml", "jsonfeed11.json", "utf16le-bom.xml"] {
            let run = try await NewsflashCLI.run(["feed", "parse", fixtures.appendingPathComponent(name).path, "--json", "--source-id", "fixture"])
            #expect(run.status == 0, "\(name): \(run.stderr)")
            let lines = run.stdout.split(separator: "\n")
            #expect(!lines.isEmpty, "\(name) gave no items")
            // Wrap each line in an envelope so the reference validator checks it against news-item.v1.
            for line in lines {
                let item = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let eventID = "\(item["itemId"] as? String ?? "")#v\(item["version"] as? Int ?? 0)"
                events.append(#"{"eventType":"news.item","schemaVersion":1,"eventId":"\#(eventID)","occurredAt":"2026-11-29T08:00:00.000Z","data":\#(line)}"#)
            }
        }
        guard let python = Repository.python else {
            #expect(!Repository.isCI, "CI=true needs the project's Python tools")
            return
        }
        let result = try await Subprocess.run(python, [Repository.script("Tests/Support/validate_events.py"), Repository.schemas, "-"],
                                        stdin: events.joined(separator: "\n") + "\n")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    @Test func tickerPageGivesTheTenSeedLines() async throws {
        let run = try await NewsflashCLI.run(["feed", "parse", fixtures.appendingPathComponent("ticker-page.html").path, "--ticker", "--json",
                                        "--base-url", "https://english.almayadeen.net/"])
        #expect(run.status == 0, "\(run.stderr)")
        let titles = try run.stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])["title"] as? String
        }
        #expect(titles.count == 10)
        #expect(titles.contains("Trump: Will be seeing land action in Venezuela soon"))
        #expect(run.stdout.contains(#""sourceKind":"html-ticker""#))
    }

    @Test func refusalsAreClearErrors() async throws {
        let bomb = try await NewsflashCLI.run(["feed", "parse", fixtures.appendingPathComponent("xml-bomb.xml").path])
        #expect(bomb.status != 0)
        #expect(bomb.stderr.contains("forbiddenDoctype"))
        let missing = try await NewsflashCLI.run(["feed", "parse", "/nonexistent/feed.xml"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("cannot read"))
        let badID = try await NewsflashCLI.run(["feed", "parse", "x", "--source-id", "Bad ID"])
        #expect(badID.status != 0)
        #expect(badID.stderr.contains("--source-id"))
    }
}
