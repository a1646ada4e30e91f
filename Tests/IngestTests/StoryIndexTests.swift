import Foundation
@testable import Ingest
import Testing

@Suite struct StoryIndexTests {
    struct Pair: Decodable {
        let a: String
        let b: String
        let same: Bool
    }

    static func pairs() throws -> [Pair] {
        let text = String(decoding: try Fixture.bytes("story-pairs.jsonl"), as: UTF8.self)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Pair.self, from: Data($0.utf8)) }
    }

    /// Precision and recall of "same story" at a threshold over the labelled pairs.
    static func score(_ pairs: [Pair], threshold: Double) -> (precision: Double, recall: Double) {
        var truePositives = 0, falsePositives = 0, falseNegatives = 0
        for pair in pairs {
            let predicted = StoryIndex(threshold: threshold).sameStory(pair.a, pair.b)
            switch (predicted, pair.same) {
            case (true, true): truePositives += 1
            case (true, false): falsePositives += 1
            case (false, true): falseNegatives += 1
            case (false, false): break
            }
        }
        let precision = truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives)
        return (precision, Double(truePositives) / Double(truePositives + falseNegatives))
    }

    @Test func thresholdSeparatesSameStoriesFromDifferentOnes() throws {
        let pairs = try Self.pairs()
        #expect(pairs.count >= 70)
        for threshold in stride(from: 0.15, through: 0.5, by: 0.05) {
            let (precision, recall) = Self.score(pairs, threshold: threshold)
            print(String(format: "story threshold %.2f: precision %.3f recall %.3f", threshold, precision, recall))
        }
        let (precision, recall) = Self.score(pairs, threshold: MinHashSketch.sameStoryThreshold)
        #expect(precision >= 0.95, "precision \(precision)")
        #expect(recall >= 0.85, "recall \(recall)")
    }

    @Test func similarHeadlinesShareAStoryAndOthersDoNot() {
        var index = StoryIndex()
        let first = index.story(for: "Israeli airstrike targets town of Arabsalim in South Lebanon", at: 0, newStoryID: "sty_a")
        #expect(first.storyID == "sty_a")
        #expect(first.similarity == nil)
        let ticker = index.story(for: "Al Mayadeen's correspondent in South Lebanon: An Israeli airstrike targeted the town of Arabsalim", at: 60, newStoryID: "sty_b")
        #expect(ticker.storyID == "sty_a")
        let other = index.story(for: "Central bank holds interest rates at 4.5%", at: 120, newStoryID: "sty_c")
        #expect(other.storyID == "sty_c")
        #expect(index.count == 2)
    }

    @Test func storiesExpireAfterTheWindow() {
        var index = StoryIndex(window: 3600)
        _ = index.story(for: "Floods force thousands to evacuate in northern Italy", at: 0, newStoryID: "sty_old")
        let later = index.story(for: "Thousands evacuated as floods hit northern Italy", at: 7200, newStoryID: "sty_new")
        #expect(later.storyID == "sty_new")
        index.expire(before: 3600)
        #expect(index.count == 1)
    }

    @Test func snapshotRestores() {
        var index = StoryIndex()
        _ = index.story(for: "Tesla recalls 200,000 vehicles over software fault", at: 0, newStoryID: "sty_t")
        var restored = StoryIndex(entries: index.snapshot)
        #expect(restored.story(for: "Tesla to recall 200,000 cars over software glitch", at: 10, newStoryID: "sty_x").storyID == "sty_t")
    }

    @Test func identityFallsBackFromGuidToLinkToTitle() {
        let withGuid = ItemIdentity(sourceID: "s", item: ParsedItem(guid: "g", title: "T", url: "https://a.example/1"))
        #expect(withGuid.key == "guid:g")
        let withLink = ItemIdentity(sourceID: "s", item: ParsedItem(title: "T", url: "https://a.example/1"))
        #expect(withLink.key == "url:https://a.example/1")
        let titleOnly = ItemIdentity(sourceID: "s", item: ParsedItem(title: "BREAKING: Quake Hits Chile!"))
        #expect(titleOnly.key == "title:quake hits chile")
        #expect(withGuid.itemID != ItemIdentity(sourceID: "other", item: ParsedItem(guid: "g", title: "T")).itemID)
    }

    @Test func editsChangeTheFingerprintButNotTheIdentity() {
        let original = ParsedItem(guid: "g", title: "Quake hits Chile", summary: "Magnitude 6.1")
        var edited = original
        edited.title = "Quake of magnitude 6.1 hits Chile"
        var reformatted = original
        reformatted.title = "  QUAKE hits   Chile "
        #expect(ItemIdentity(sourceID: "s", item: original) == ItemIdentity(sourceID: "s", item: edited))
        #expect(ItemIdentity.contentFingerprint(original) != ItemIdentity.contentFingerprint(edited))
        #expect(ItemIdentity.contentFingerprint(original) == ItemIdentity.contentFingerprint(reformatted))
    }
}

@Suite struct AmpersandRepairTests {
    func repaired(_ text: String) -> String? {
        AmpersandRepair.repair(Array(text.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func bareAmpersandsAndHTMLEntitiesAreRepaired() {
        #expect(repaired("<t>A & B</t>") == "<t>A &amp; B</t>")
        #expect(repaired("<t>x&nbsp;y &mdash;</t>") == "<t>x&#160;y &#8212;</t>")
        #expect(repaired("<t>AT&T</t>") == "<t>AT&amp;T</t>")
    }

    @Test func validXMLIsLeftAlone() {
        #expect(repaired("<t>A &amp; B &#8212; &#x2014; &lt;</t>") == nil)
        #expect(repaired("<t><![CDATA[A & B &nbsp;]]></t>") == nil)
    }
}
