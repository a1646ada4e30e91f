import Foundation
import NewsModel
import RdKafka
import Testing
import TestSupport

/// `newsflash classify hints` over a real topic: a source whose items name one region is suggested
/// it; a wire is not; a source with a hint keeps it, and its items are judged without it. The
/// command has no producer: it changes nothing.
@Suite(.serialized, TestBroker.available)
struct ClassifyHintsTests {
    @Test func suggestsTheRegionASourceNamesAndChangesNothing() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        let topic = try await TestBroker.makeTopic("hints", partitions: 2)
        let producer = try TestBroker.producer()
        let sources: [(String, NewsItem.Hints?, [String])] = [
            ("ng-daily", nil, [
                "Flooding in Lagos displaces thousands", "Abuja court adjourns trial of former governor", "Kano assembly passes new budget",
                "Nigeria's inflation rises again", "Port Harcourt refinery restarts", "Fuel queues return as prices climb",
                "Teachers begin indefinite strike",
            ]),
            ("wire", nil, ["Storm hits Manila", "Paris talks stall", "Quake shakes Chile", "Tokyo stocks rise", "Floods in Kenya", "Markets wait for data"]),
            ("uk-paper", NewsItem.Hints(region: "Europe"), [
                "Minister resigns over expenses claims", "Leeds council approves housing plan", "Rail fares to rise in January",
                "Train drivers vote to strike",
            ]),
        ]
        for (source, hints, titles) in sources {
            let items = titles.enumerated().map { index, title in
                NewsItem.headline(title, guid: "\(source)-\(index)", source: source, language: nil, hints: hints)
            }
            try await TestBroker.send(items, to: topic, with: producer)
        }
        await producer.shutdown()

        let hints = try await NewsflashCLI.run(
            ["classify", "hints", "--bootstrap", bootstrap, "--topic", topic, "--since", "beginning", "--all", "--json"], timeout: 90)
        #expect(hints.status == 0, "\(hints.stderr)")
        let lines = hints.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let bySource = Dictionary(uniqueKeysWithValues: lines.compactMap { line in (line["sourceId"] as? String).map { ($0, line) } })
        let nigeria = try #require(bySource["ng-daily"], "\(hints.stdout)")
        #expect(nigeria["items"] as? Int == 7)
        #expect(nigeria["placed"] as? Int == 5)
        #expect((nigeria["suggestedHint"] as? [String: Any])?["region"] as? String == "Africa")
        let wire = try #require(bySource["wire"])
        #expect(wire["suggestedHint"] == nil)
        #expect(wire["placed"] as? Int == 5)
        // Judged without its hint: one item names a place, three do not; its hint stays.
        let paper = try #require(bySource["uk-paper"])
        #expect(paper["placed"] as? Int == 1)
        #expect(paper["configuredHint"] as? String == "Europe")
        #expect(paper["suggestedHint"] == nil)
        let summary = try #require(lines.last?["summary"] as? [String: Any])
        #expect(summary["items"] as? Int == 17)
        #expect(summary["suggestions"] as? Int == 1)
        #expect(summary["wouldPlace"] as? Int == 2)

        // The readable form names the suggestion as the configuration writes it, and only suggestions.
        let text = try await NewsflashCLI.run(["classify", "hints", "--bootstrap", bootstrap, "--topic", topic, "--since", "beginning"], timeout: 90)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains(#"suggest: "hints": {"region": "Africa"}"#), "\(text.stdout)")
        #expect(!text.stdout.contains("wire:"))

        let bad = try await NewsflashCLI.run(["classify", "hints", "--since", "beginning", "--min-share", "2"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--min-share"))
    }
}
