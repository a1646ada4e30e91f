import Foundation
@testable import FeedParsing
@testable import Ingest
import Testing

/// Item identity, headline features and the story sketch, with the threshold measured on labelled pairs.
@Suite struct StoryIndexTests {
    struct Pair: Decodable {
        let a: String
        let b: String
        let same: Bool
    }

    static func pairs(_ name: String) throws -> [Pair] {
        let text = try Fixture.text(name)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Pair.self, from: Data($0.utf8)) }
    }

    /// True positives, false positives, false negatives of "same story" at a threshold.
    static func counts(_ pairs: [Pair], threshold: Double) -> (truePositives: Int, falsePositives: Int, falseNegatives: Int) {
        let index = StoryIndex(threshold: threshold)
        var counts = (truePositives: 0, falsePositives: 0, falseNegatives: 0)
        for pair in pairs {
            switch (index.sameStory(pair.a, pair.b), pair.same) {
            case (true, true): counts.truePositives += 1
            case (true, false): counts.falsePositives += 1
            case (false, true): counts.falseNegatives += 1
            case (false, false): break
            }
        }
        return counts
    }

    static func precisionAndRecall(_ pairs: [Pair], threshold: Double) -> (precision: Double, recall: Double) {
        let (tp, fp, fn) = counts(pairs, threshold: threshold)
        return (tp + fp == 0 ? 1 : Double(tp) / Double(tp + fp), Double(tp) / Double(tp + fn))
    }

    @Test(arguments: [("story-pairs.jsonl", 0.95, 0.88), ("story-pairs-holdout.jsonl", 0.9, 0.8)])
    func theThresholdSeparatesSameStoriesFromDifferentOnes(_ name: String, _ minimumPrecision: Double, _ minimumRecall: Double) throws {
        let pairs = try Self.pairs(name)
        #expect(pairs.filter(\.same).count * 2 == pairs.count, "balanced")
        var table: [String] = []
        for threshold in stride(from: 0.10, through: 0.50, by: 0.05) {
            let (precision, recall) = Self.precisionAndRecall(pairs, threshold: threshold)
            table.append(String(format: "%.2f: P %.3f R %.3f", threshold, precision, recall))
        }
        print("\(name) (\(pairs.count) pairs): " + table.joined(separator: " | "))
        let threshold = MinHashSketch.sameStoryThreshold
        let (precision, recall) = Self.precisionAndRecall(pairs, threshold: threshold)
        print(String(format: "\(name) at %.2f: precision %.3f recall %.3f", threshold, precision, recall))
        #expect(precision >= minimumPrecision, "precision \(precision)")
        #expect(recall >= minimumRecall, "recall \(recall)")
    }

    @Test func conflictsSeparateSameTemplateStories() {
        func conflict(_ a: String, _ b: String) -> Bool { HeadlineFeatures(title: a).conflicts(with: HeadlineFeatures(title: b)) }
        #expect(conflict("Philippines evacuates 100,000 as typhoon approaches", "Vietnam evacuates 100,000 as typhoon approaches"))
        #expect(conflict("Earthquake of magnitude 7.2 hits southern Mexico", "Earthquake of magnitude 5.8 hits southern Mexico"))
        #expect(!conflict("Spain's Sánchez calls snap election for July", "Sanchez calls early general election in Spain for July"))
        #expect(!conflict("France's Macron names new prime minister", "Macron appoints new French prime minister"))  // an alias
        #expect(!conflict("Death toll from strike in Lebanon rises", "Lebanese toll from strike rises"))  // a shared prefix
        #expect(!conflict("Twelve dead as cyclone hits Mozambique", "Cyclone kills 12 in Mozambique"))  // number words
        // An attribution prefix neither adds shingles nor conflicts.
        let attributed = HeadlineFeatures(title: "Al Mayadeen's correspondent: Israeli drone strikes car near Tyre")
        #expect(attributed.attributedNames == ["al", "mayadeen"])
        #expect(!attributed.shingles.contains("correspondent"))
        #expect(!attributed.conflicts(with: HeadlineFeatures(title: "Israeli drone targets vehicle near Lebanon's Tyre")))
    }

    @Test func featuresSurviveStorage() {
        let features = HeadlineFeatures(title: "Al Mayadeen's correspondent: 2 killed as Israeli drone strikes car near Tyre")
        #expect(HeadlineFeatures(tagged: features.tagged) == features)
        #expect(HeadlineFeatures(tagged: ["tyre", "n:israeli"]).names == ["tyre", "israeli"])  // untagged: a name
    }

    @Test func similarHeadlinesShareAStoryAndOthersDoNot() {
        var index = StoryIndex()
        let first = index.story(for: "Israeli airstrike targets town of Arabsalim in South Lebanon", at: 0, newStoryID: "sty_a")
        #expect(first.storyID == "sty_a")
        #expect(first.similarity == nil)
        #expect(first.created?.storyID == "sty_a")
        let ticker = index.story(for: "Al Mayadeen's correspondent in South Lebanon: An Israeli airstrike targeted the town of Arabsalim", at: 60, newStoryID: "sty_b")
        #expect(ticker.storyID == "sty_a")
        #expect(ticker.created == nil)
        let other = index.story(for: "Central bank holds interest rates at 4.5%", at: 120, newStoryID: "sty_c")
        #expect(other.storyID == "sty_c")
        let sameTemplate = index.story(for: "Israeli airstrike targets town of Kfarchouba in South Lebanon", at: 180, newStoryID: "sty_d")
        #expect(sameTemplate.storyID == "sty_d")
        #expect(index.count == 3)
    }

    @Test func aLowSimilarityMatchIsFoundAmongManyStories() {
        // Candidates come from the shingle index, not from sketch bands: a pair at similarity ~0.3 is found among 5,000 stories.
        var index = StoryIndex()
        for number in 0..<5_000 { _ = index.story(for: "Routine item number \(number) about topic \(number % 97)", at: Double(number), newStoryID: "sty_\(number)") }
        _ = index.story(for: "Floods force thousands to evacuate in northern Italy", at: 5_000, newStoryID: "sty_floods")
        let later = index.story(for: "Thousands evacuated as floods hit northern Italy", at: 5_100, newStoryID: "sty_new")
        #expect(later.storyID == "sty_floods")
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
        #expect(restored.story(for: "Tesla to recall 300,000 cars over software glitch", at: 10, newStoryID: "sty_y").storyID == "sty_y")
    }

    @Test func normalisedTitles() {
        #expect(TitleNormaliser.normalise("BREAKING: Quake Hits  Chile!") == "quake hits chile")
        #expect(TitleNormaliser.normalise("Café-Société: ‘Déjà’ VU") == "cafe societe deja vu")
        #expect(TitleNormaliser.normalise("Russia's energy sector") == "russias energy sector")  // identity keeps its old form
        #expect(TitleNormaliser.normalise("ＦＵＬＬ width") == "full width")
        #expect(TitleNormaliser.normalise("") == "")
    }

    @Test func identityFallsBackFromGuidToLinkToTitle() {
        let withGuid = ItemIdentity(sourceID: "s", item: ParsedItem(guid: "g", title: "T", url: "https://a.example/1"))
        #expect(withGuid.key == "guid:g")
        let withLink = ItemIdentity(sourceID: "s", item: ParsedItem(title: "T", url: "https://a.example/1"))
        #expect(withLink.key == "url:https://a.example/1")
        let titleOnly = ItemIdentity(sourceID: "s", item: ParsedItem(title: "BREAKING: Quake Hits Chile!"))
        #expect(titleOnly.key == "title:quake hits chile")
        #expect(withGuid.itemID != ItemIdentity(sourceID: "other", item: ParsedItem(guid: "g", title: "T")).itemID)
        #expect(withGuid.itemID.hasPrefix("itm_") && withGuid.itemID.count == 24)
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
