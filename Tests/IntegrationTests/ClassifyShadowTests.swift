import Foundation
import NewsModel
import RdKafka
import Testing
import TestSupport

/// `newsflash classify shadow` over a real topic: compares, publishes nothing.
@Suite(.serialized, TestBroker.available)
struct ClassifyShadowTests {
    @Test func comparesACandidateOverTheRetainedItems() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        let topic = try await TestBroker.makeTopic("shadow", partitions: 2)
        let producer = try TestBroker.producer()
        let titles = ["Trump: first question to Xi will be fentanyl", "Vaccine rollout expands to all adults in Kenya",
                      "Real Madrid beat Barcelona 3-1 in El Clasico"]
        let items = titles.enumerated().map { NewsItem.headline($1, guid: "g\($0)", source: "t", language: nil) }
        try await TestBroker.send(items, to: topic, with: producer)
        await producer.shutdown()
        let scratch = ScratchDirectory("candidate")
        defer { scratch.remove() }
        let model = scratch.path("candidate.json")
        let train = try await NewsflashCLI.run(["classify", "train", Repository.script("Tests/ClassifierTests/Fixtures/holdout.jsonl"), "--output", model])
        #expect(train.status == 0, "\(train.stderr)")
        let shadow = try await NewsflashCLI.run([
            "classify", "shadow", "--bootstrap", bootstrap, "--topic", topic, "--since", "beginning", "--candidate", model, "--json",
        ], timeout: 90)
        #expect(shadow.status == 0, "\(shadow.stderr)")
        let summary = try #require(shadow.stdout.split(separator: "\n").last)
        #expect(summary.contains(#""compared":3"#), "\(shadow.stdout)")
        let missing = try await NewsflashCLI.run(["classify", "shadow", "--since", "beginning"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("--candidate"))
    }
}
