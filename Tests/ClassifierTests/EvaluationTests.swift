import Foundation
import Testing
@testable import Classifier

@Suite struct EvaluationTests {
    /// Three examples, checked by hand:
    ///   1. gold {A, B}  predicted {A}      -> A: TP; B: FN (missed, nothing wrong predicted -> (none))
    ///   2. gold {A}     predicted {A, C}   -> A: TP; C: FP
    ///   3. gold {B}     predicted {C}      -> B: FN (went to C); C: FP
    /// A: P 2/2, R 2/2, F1 1.  B: P 0/0 -> 0, R 0/2 -> 0, F1 0.  C: P 0/2 -> 0, R 0/0 -> 0, F1 0.
    /// micro: TP 2, FP 2, FN 2 -> P 0.5, R 0.5, F1 0.5.  macro over A, B, C: P 1/3, R 1/3, F1 1/3.
    @Test func tinyHandCheckedExample() {
        let report = EvaluationReport.compute(
            gold: [["A", "B"], ["A"], ["B"]], predicted: [["A"], ["A", "C"], ["C"]], labels: ["A", "B", "C"])
        let byLabel = Dictionary(uniqueKeysWithValues: report.labels.map { ($0.label, $0) })
        #expect(byLabel["A"]?.precision == 1)
        #expect(byLabel["A"]?.recall == 1)
        #expect(byLabel["A"]?.support == 2)
        #expect(byLabel["B"]?.recall == 0)
        #expect(byLabel["B"]?.f1 == 0)
        #expect(byLabel["C"]?.precision == 0)
        #expect(byLabel["C"]?.falsePositives == 2)
        #expect(report.microPrecision == 0.5)
        #expect(report.microRecall == 0.5)
        #expect(report.microF1 == 0.5)
        #expect(abs(report.macroF1 - 1.0 / 3) < 1e-12)
        #expect(abs(report.macroPrecision - 1.0 / 3) < 1e-12)
        #expect(report.exactMatches == 0)
        #expect(report.confusion["A"]?["A"] == 2)
        #expect(report.confusion["B"]?[EvaluationReport.none] == 1)
        #expect(report.confusion["B"]?["C"] == 1)
        #expect(report.confusion["C"] == nil)
    }

    @Test func perfectPredictionsAndExampleWithoutLabels() {
        let report = EvaluationReport.compute(gold: [["A"], []], predicted: [["A"], ["B"]], labels: ["A", "B"])
        #expect(report.exactMatches == 1)
        #expect(report.exactMatchRate == 0.5)
        #expect(report.confusion[EvaluationReport.none]?["B"] == 1)
        #expect(report.microPrecision == 0.5)
        #expect(report.microRecall == 1)
    }

    @Test func tableListsLabelsAveragesAndConfusion() {
        let report = EvaluationReport.compute(gold: [["A"], ["B"]], predicted: [["A"], ["A"]], labels: ["A", "B"])
        let table = EvaluationTable.render(report, title: "TOPICS")
        #expect(table.hasPrefix("TOPICS (2 examples)"))
        #expect(table.contains("micro avg"))
        #expect(table.contains("macro avg"))
        #expect(table.contains("confusion (rows: gold, columns: predicted)"))
        let rowB = table.split(separator: "\n").last { $0.hasPrefix("B ") }
        #expect(rowB.map { $0.split(separator: " ").map(String.init) } == ["B", "1", "0", "0"])
    }

    @Test func labelledLinesAreParsedAndBadLinesNamed() throws {
        let good = try LabelledExample.parseLines(Data("{\"text\": \"a\", \"regions\": [\"MENA\"], \"topics\": []}\n\n".utf8))
        #expect(good == [LabelledExample(text: "a", regions: ["MENA"], topics: [])])
        #expect(throws: ClassifierError.self) { try LabelledExample.parseLines(Data("{\"text\": \"a\"}\n".utf8), source: "x.jsonl") }
        do {
            _ = try LabelledExample.parseLines(Data("{\"text\": \"a\", \"regions\": [], \"topics\": []}\nnope\n".utf8), source: "x.jsonl")
        } catch {
            #expect(error.code == .malformedLabelledData)
            #expect(error.message.hasPrefix("x.jsonl line 2:"))
        }
    }

    @Test func aNullLabelListIsNotJudgedAndAnExampleNeedsOne() throws {
        let lines = Data("""
            {"text": "a", "regions": ["Europe"], "topics": null}
            {"text": "b", "topics": ["Sports"]}
            """.utf8)
        let examples = try LabelledExample.parseLines(lines)
        #expect(examples.map(\.judgesRegions) == [true, false])
        #expect(examples.map(\.judgesTopics) == [false, true])
        #expect(throws: ClassifierError.self) { try LabelledExample.parseLines(Data("{\"text\": \"a\", \"regions\": null}".utf8)) }
        let taxonomy = try Bundled.get().taxonomy
        let (regions, topics) = NewsClassifier.score(
            examples, predicted: [(["Europe"], ["Politics"]), (["Asia"], ["Sports"])], taxonomy: taxonomy)
        #expect(regions.examples == 1)
        #expect(regions.microF1 == 1)
        #expect(topics.examples == 1)
        #expect(topics.topOneAccuracy == 1)
    }

    @Test func primaryScoringAcceptsTheMainRegionOrItsOverlapAndIgnoresExtras() {
        #expect(EvaluationReport.primary(["Europe", "MENA"], gold: ["Europe"]) == ["Europe"])
        #expect(EvaluationReport.primary(["Asia-Pacific"], gold: ["Asia"]) == ["Asia"])
        #expect(EvaluationReport.primary(["Africa"], gold: ["MENA"]) == ["MENA"])
        #expect(EvaluationReport.primary(["Europe"], gold: ["Asia"]) == ["Europe"])
        #expect(EvaluationReport.primary([], gold: ["Asia"]) == [])
        // A second country's region is not wrong; it does not make a missed item right either.
        #expect(EvaluationReport.primary(["Europe", "MENA"], gold: ["Asia"], secondary: ["Europe"]) == ["MENA"])
        #expect(EvaluationReport.primary(["Europe"], gold: ["Asia"], secondary: ["Europe"]) == [])
    }

    @Test func secondaryRegionsAreReadAndNotCountedWrongNorAsNoPrediction() throws {
        let line = #"{"text": "t", "regions": ["Asia"], "secondaryRegions": ["Europe"], "topics": null}"#
        let examples = try LabelledExample.parseLines(Data(line.utf8))
        #expect(examples.first?.secondaryRegions == ["Europe"])
        let taxonomy = try Bundled.get().taxonomy
        let (regions, _) = NewsClassifier.score(examples, predicted: [(["Europe"], [])], taxonomy: taxonomy, primaryRegions: true)
        #expect(regions.microPrecision == 0 && regions.microRecall == 0)  // missed, but Europe is no false positive
        #expect(regions.labels.first { $0.label == "Europe" }?.falsePositives == 0)
        #expect(regions.unlabelledPredictions == 0)  // the classifier did predict a region
    }

    @Test func topOneAndNoPredictionAreCounted() {
        let report = EvaluationReport.compute(gold: [["A"], ["B"], ["A"], []], predicted: [["A", "B"], ["A", "B"], [], ["A"]], labels: ["A", "B"])
        #expect(report.topOneExamples == 3)
        #expect(report.topOneHits == 1)
        #expect(report.unlabelledPredictions == 1)
        let table = EvaluationTable.render(report, title: "T")
        #expect(table.contains("top-1"))
        #expect(table.contains("1 examples with nothing predicted"))
    }

    @Test func splitIsDeterministicByIndex() {
        let examples = (0..<10).map { LabelledExample(text: "\($0)", regions: [], topics: []) }
        let (train, heldOut) = LabelledExample.split(examples, fold: 1, of: 4)
        #expect(heldOut.map(\.text) == ["1", "5", "9"])
        #expect(train.count == 7)
    }
}

/// The committed development set and the bundled model trained from it.
@Suite struct DevelopmentSetTests {
    func examples(_ name: String) throws -> [LabelledExample] {
        try LabelledExample.parseLines(try fixture(name), source: name)
    }

    @Test func devsetIsLargeCoversEveryLabelAndUsesOnlyTaxonomyLabels() throws {
        let devset = try examples("devset.jsonl")
        let taxonomy = try Bundled.get().taxonomy
        #expect(devset.count >= 400)
        #expect(Set(devset.map(\.text)).count == devset.count, "no duplicate texts")
        let regions = Set(devset.flatMap(\.regions))
        let topics = Set(devset.flatMap(\.topics))
        #expect(regions == Set(taxonomy.regions.map(\.label)))
        #expect(topics == Set(taxonomy.topics.map(\.label)))
        #expect(devset.allSatisfy { !$0.topics.isEmpty })
    }

    @Test func devsetHoldsTheSeedTickerLines() throws {
        let texts = Set(try examples("devset.jsonl").map(\.text))
        for line in SeedTickerTests.cases { #expect(texts.contains(line.text)) }
    }

    @Test func heldOutFoldScoresAboveAFloor() throws {
        // Train without fold 0 of 5, score fold 0: guards against regressions, not a benchmark.
        let devset = try examples("devset.jsonl")
        let base = try Bundled.get().replacingTopicModel(nil)
        let (train, heldOut) = LabelledExample.split(devset, fold: 0, of: 5)
        let model = try base.trainTopicModel(on: train, description: "devset without fold 0/5")
        let (regions, topics) = base.replacingTopicModel(model).evaluate(heldOut)
        #expect(regions.microF1 > 0.9)
        #expect(topics.microF1 > 0.75)
    }

    @Test func trainingIsDeterministicAndTheModelRoundTrips() throws {
        let devset = Array(try examples("devset.jsonl").prefix(120))
        let base = try Bundled.get().replacingTopicModel(nil)
        let first = try base.trainTopicModel(on: devset, trainer: TopicModelTrainer(epochs: 5), description: "first 120")
        let second = try base.trainTopicModel(on: devset, trainer: TopicModelTrainer(epochs: 5), description: "first 120")
        #expect(first.version == second.version)
        let reseeded = try base.trainTopicModel(on: devset, trainer: TopicModelTrainer(epochs: 5, seed: 7), description: "first 120")
        #expect(reseeded.version != first.version)
        #expect(reseeded.trainedOn.hasSuffix(", seed 7"))
        let reloaded = try TopicModel.load(try first.jsonData())
        #expect(reloaded.version == first.version)
        #expect(reloaded.features == first.features)
        #expect(reloaded.labels == base.taxonomy.topics.map(\.label))
    }

    /// `runs` trains once per seed (`seed`, `seed + 1`, ...) and keeps the mean: each bias and weight
    /// is the average of the runs' own, and the model says how it was made.
    @Test func runsAverageTheWeightsOfOneRunPerSeed() throws {
        let devset = Array(try examples("devset.jsonl").prefix(120))
        let base = try Bundled.get().replacingTopicModel(nil)
        let seven = try base.trainTopicModel(on: devset, trainer: TopicModelTrainer(epochs: 5, seed: 7), description: "first 120")
        let eight = try base.trainTopicModel(on: devset, trainer: TopicModelTrainer(epochs: 5, seed: 8), description: "first 120")
        let both = try base.trainTopicModel(on: devset, trainer: TopicModelTrainer(epochs: 5, seed: 7, runs: 2), description: "first 120")
        #expect(both.trainedOn.hasSuffix(", seed 7, weights averaged over 2 runs (seeds 7 to 8)"))
        #expect(both.version != seven.version && both.version != eight.version)
        for label in both.labels.indices {
            #expect(abs(both.biases[label] - (seven.biases[label] + eight.biases[label]) / 2) < 1e-9)
        }
        var compared = 0
        for (row, feature) in both.features.enumerated() {
            guard let inSeven = seven.index(of: feature), let inEight = eight.index(of: feature) else { continue }
            for label in both.labels.indices {
                let mean = (seven.weight(row: inSeven, label: label) + eight.weight(row: inEight, label: label)) / 2
                #expect(abs(both.weight(row: row, label: label) - mean) < 1e-9)
            }
            compared += 1
        }
        #expect(compared > 100)
        let again = try base.trainTopicModel(on: devset, trainer: TopicModelTrainer(epochs: 5, seed: 7, runs: 2), description: "first 120")
        #expect(again.version == both.version)
    }

    @Test func trainingRejectsUnknownTopics() throws {
        let base = try Bundled.get()
        #expect(throws: ClassifierError.self) {
            try base.trainTopicModel(on: [LabelledExample(text: "x", regions: [], topics: ["Weather"])], description: "bad")
        }
        #expect(throws: ClassifierError.self) { try base.trainTopicModel(on: [], description: "empty") }
    }

    /// `make topic-model`'s recipe, run again, gives the bundled model byte for byte (same version):
    /// the shipped model is the one its committed data and trainer make, not a stale or hand-edited one.
    @Test func theBundledModelIsWhatItsRecipeTrains() async throws {
        let bundled = try Bundled.get()
        let model = try #require(bundled.topicModel)
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/Classifier/Generator/corpus").standardizedFileURL
        let devset = try examples("devset.jsonl")
        var training = devset + devset
        for name in ["huffpost.jsonl", "uci-news.jsonl", "desk-style.jsonl", "current-events-sports.jsonl", "masakhanews-eng.jsonl", "desk-briefs.jsonl", "wikinews.jsonl"] {
            training += try LabelledExample.parseLines(try Data(contentsOf: corpus.appendingPathComponent(name)), source: name)
        }
        #expect(training.count == 34_298)
        let examples = training
        let retrained = try await onOwnThread {
            try bundled.replacingTopicModel(nil).trainTopicModel(
                on: examples, trainer: TopicModelTrainer(minimumFeatureCount: 3, balanceLabels: true, naiveBayesScale: 0.15, runs: 5), description: "recipe",
                lexiconExamples: true)
        }
        #expect(retrained.version == model.version, "run `make topic-model` and commit Sources/Classifier/Resources/topic-model.json")
        #expect(retrained.features == model.features)
        let keywords = bundled.taxonomy.topics.map(\.keywords.count).reduce(0, +)
        #expect(model.trainedOn.hasPrefix(
            "devset.jsonl + devset.jsonl + huffpost.jsonl + uci-news.jsonl + desk-style.jsonl + current-events-sports.jsonl + masakhanews-eng.jsonl + desk-briefs.jsonl + wikinews.jsonl + taxonomy keywords: \(34_298 + keywords) examples"))
    }

    /// Each feature's naive Bayes scale for a label is `(1 - s) + s × r`, with `r` the log of how
    /// much more often (counts plus 1, over each side's total) it occurs in the label's examples.
    @Test func naiveBayesScalesAreTheSmoothedLogCountRatios() {
        // Feature 0 in two examples of A, feature 1 in one of A and one of B; weights 1, 1 and 2.
        let vectors: [[(Int, Double)]] = [[(0, 1)], [(0, 1), (1, 1)], [(1, 1)]]
        let targets: [[Double]] = [[1, 0], [1, 0], [0, 1]]
        let scales = TopicModelTrainer.naiveBayesScales(vectors, targets: targets, weights: [1, 1, 2], featureCount: 2, scale: 0.5)
        // A: in [3, 2] of 5, elsewhere [1, 3] of 4. B: in [1, 3] of 4, elsewhere [3, 2] of 5.
        let expected = [log((3.0 / 5) / (1.0 / 4)), log((1.0 / 4) / (3.0 / 5)), log((2.0 / 5) / (3.0 / 4)), log((3.0 / 4) / (2.0 / 5))]
            .map { 0.5 + 0.5 * $0 }
        #expect(scales.count == 4)
        for (scale, want) in zip(scales, expected) { #expect(abs(scale - want) < 1e-12) }
        // Feature 0, seen more with A, is scaled for A above and for B below what a feature seen
        // alike in both gets (r = 0: 1 - s).
        #expect(scales[0] > 0.5 && scales[1] < 0.5)
    }

    /// Trained with the scales, the model is another one, says so, and still classifies through its
    /// plain weights (the scales are folded in): a word seen only in one topic's headlines pushes
    /// that topic harder than without them.
    @Test func naiveBayesScalesAreFoldedIntoTheWeights() throws {
        let devset = Array(try examples("devset.jsonl").prefix(200))
        let base = try Bundled.get().replacingTopicModel(nil)
        let plain = try base.trainTopicModel(on: devset, trainer: TopicModelTrainer(epochs: 5), description: "first 200")
        let scaled = try base.trainTopicModel(on: devset, trainer: TopicModelTrainer(epochs: 5, naiveBayesScale: 0.5), description: "first 200")
        #expect(scaled.version != plain.version)
        #expect(scaled.trainedOn.hasSuffix(", naive Bayes scale 0.5"))
        #expect(!plain.trainedOn.contains("naive Bayes"))
        let reloaded = try TopicModel.load(try scaled.jsonData())
        #expect(reloaded.features == scaled.features)
        // The lexicon's own topic feature is used by its topic far more than by any other: its
        // weight there grows with the scale.
        let sports = try #require(scaled.labels.firstIndex(of: "Sports"))
        let plainRow = try #require(plain.index(of: "lex:Sports"))
        let scaledRow = try #require(scaled.index(of: "lex:Sports"))
        #expect(scaled.weight(row: scaledRow, label: sports) > plain.weight(row: plainRow, label: sports))
    }

    @Test func balancedLabelsWeighRareTopicsUp() {
        let examples = (0..<8).map { TopicModelTrainer.Example(features: ["w:\($0)": 1], labels: ["Politics"]) }
            + [TopicModelTrainer.Example(features: ["w:x": 1], labels: ["Sports"]), TopicModelTrainer.Example(features: [:], labels: [])]
        let weights = TopicModelTrainer.balancedWeights(examples, labels: ["Politics", "Sports"])
        // 10 examples, 2 labels present: Politics 10 / (2 x 8) = 0.625, Sports 10 / (2 x 1) = 5, none 1.
        #expect(weights == Array(repeating: 0.625, count: 8) + [5, 1])
    }

    /// Examples of a fixed weight (the taxonomy's keywords) keep it and are not counted in the
    /// balance: adding keywords to a topic leaves the corpora's headlines weighing what they did.
    @Test func examplesOfAFixedWeightKeepItAndDoNotMoveTheBalance() {
        let corpus = (0..<8).map { TopicModelTrainer.Example(features: ["w:\($0)": 1], labels: ["Politics"]) }
            + [TopicModelTrainer.Example(features: ["w:x": 1], labels: ["Sports"]), TopicModelTrainer.Example(features: [:], labels: [])]
        let keywords = (0..<20).map { _ in TopicModelTrainer.Example(features: ["lex:Sports": 1], labels: ["Sports"], fixedWeight: 0.5) }
        let weights = TopicModelTrainer.balancedWeights(corpus + keywords, labels: ["Politics", "Sports"])
        #expect(weights == Array(repeating: 0.625, count: 8) + [5, 1] + Array(repeating: 0.5, count: 20))
    }
}

/// Reading the resources.
@Suite struct ResourceTests {
    @Test func gazetteerLinesAreChecked() {
        #expect(throws: ClassifierError.self) { try GazetteerParser.parse("E\tcity\tX\tLB\t1\n") }
        #expect(throws: ClassifierError.self) { try GazetteerParser.parse("#newsflash-gazetteer\t1\nA\t0\tX\t\n") }
        #expect(throws: ClassifierError.self) { try GazetteerParser.parse("#newsflash-gazetteer\t1\nE\tcity\tX\tlb\t1\n") }
        #expect(throws: ClassifierError.self) { try GazetteerParser.parse("#newsflash-gazetteer\t2\n") }
        let small = try? GazetteerParser.parse("#newsflash-gazetteer\t1\n#version\tgaz-test\nE\tcity\tTyre\tLB\t135204\nA\t0\tTyre\t\nA\t0\tSour\tA\nA\t0\tTYR\tUW\n")
        #expect(small?.entities.first?.name == "Tyre")
        #expect(small?.aliases.map(\.isAlternate) == [false, true, false])
        #expect(small?.aliases.map(\.isWeak) == [false, false, true])
        #expect(small?.aliases.map(\.requiresCapitals) == [false, false, true])
        #expect(small?.version == "gaz-test")
    }

    @Test func bundledGazetteerHasTheCuratedAndGeneratedParts() throws {
        let gazetteer = try Bundled.get().gazetteer
        #expect(gazetteer.entities.count > 5000)
        let names = Set(gazetteer.entities.map(\.name))
        for name in ["Hezbollah", "Hamas", "Kremlin", "Pentagon", "Washington", "Moscow", "Tel Aviv", "South Lebanon", "Houthis", "Israeli army"] {
            #expect(names.contains(name), "\(name)")
        }
        #expect(gazetteer.entities.contains { $0.kind == .leader && $0.name == "Vladimir Putin" && $0.countries == ["RU"] })
        #expect(gazetteer.entities.contains { $0.kind == .subdivision && $0.countries == ["US"] })
        #expect(gazetteer.entities.contains { $0.kind == .demonym && $0.countries == ["LB"] })
    }

    @Test func malformedModelAndUrgencyFilesAreRejected() {
        #expect(throws: ClassifierError.self) { try TopicModel.load(Data("{}".utf8)) }
        #expect(throws: ClassifierError.self) { try UrgencyRules.load(Data(#"{"format": "x"}"#.utf8)) }
    }
}
