/// Multi-label evaluation of one tag dimension (regions or topics): per-label precision, recall
/// and F1, micro and macro averages, exact-match rate and a confusion table.
public struct EvaluationReport: Sendable, Hashable {
    public struct LabelScores: Sendable, Hashable {
        public var label: String
        public var truePositives: Int
        public var falsePositives: Int
        public var falseNegatives: Int
        /// Examples whose gold labels include this one.
        public var support: Int { truePositives + falseNegatives }
        public var precision: Double { Self.ratio(truePositives, truePositives + falsePositives) }
        public var recall: Double { Self.ratio(truePositives, truePositives + falseNegatives) }
        public var f1: Double { Self.f1(precision, recall) }

        static func ratio(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : Double(part) / Double(whole) }
        static func f1(_ precision: Double, _ recall: Double) -> Double {
            precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
        }
    }

    /// The name of the "no label" row and column of the confusion table.
    public static let none = "(none)"

    public var labels: [LabelScores]
    public var examples: Int
    /// Examples whose predicted set equals the gold set.
    public var exactMatches: Int
    /// `confusion[gold][predicted]`: for each gold label, where it went. A gold label that was
    /// predicted counts on the diagonal; one that was missed counts once against each wrongly
    /// predicted label, or against `(none)` when nothing wrong was predicted. Wrong predictions on
    /// examples without gold labels count in the `(none)` row.
    public var confusion: [String: [String: Int]]
    /// Examples for which nothing was predicted.
    public var unlabelledPredictions = 0
    /// Examples with gold labels whose first (highest-scored) prediction is one of them, and how
    /// many examples have gold labels: top-1 accuracy.
    public var topOneHits = 0
    public var topOneExamples = 0
    public var topOneAccuracy: Double { LabelScores.ratio(topOneHits, topOneExamples) }
    public var unlabelledRate: Double { LabelScores.ratio(unlabelledPredictions, examples) }

    /// The taxonomy's regions that overlap (a story in one is often labelled with the other by
    /// people): Asia / Asia-Pacific, MENA / Africa, MENA / Palestine.
    public static let overlappingRegions: [Set<String>] = [["Asia", "Asia-Pacific"], ["MENA", "Africa"], ["MENA", "Palestine"]]

    /// "Primary" scoring of one example: when a gold label, or one overlapping it, was predicted,
    /// the prediction counts as exactly the gold set; otherwise it stays as it was, less the
    /// `secondary` regions (those of other countries the item names), which are not counted wrong.
    public static func primary(_ predicted: [String], gold: [String], secondary: [String] = []) -> [String] {
        var accepted = Set(gold)
        for pair in overlappingRegions where !pair.isDisjoint(with: gold) { accepted.formUnion(pair) }
        return predicted.contains(where: accepted.contains) ? gold : predicted.filter { !secondary.contains($0) }
    }

    public var microPrecision: Double {
        LabelScores.ratio(labels.map(\.truePositives).reduce(0, +), labels.map { $0.truePositives + $0.falsePositives }.reduce(0, +))
    }
    public var microRecall: Double {
        LabelScores.ratio(labels.map(\.truePositives).reduce(0, +), labels.map { $0.truePositives + $0.falseNegatives }.reduce(0, +))
    }
    public var microF1: Double { LabelScores.f1(microPrecision, microRecall) }
    /// Means over labels that occur in the gold data or the predictions.
    public var macroPrecision: Double { mean(scored.map(\.precision)) }
    public var macroRecall: Double { mean(scored.map(\.recall)) }
    public var macroF1: Double { mean(scored.map(\.f1)) }
    public var exactMatchRate: Double { LabelScores.ratio(exactMatches, examples) }

    private var scored: [LabelScores] { labels.filter { $0.support + $0.falsePositives > 0 } }
    private func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }

    /// Compares predicted with gold label sets, example by example. `labels` fixes the order of the
    /// rows; labels seen in the data but not listed are added after them.
    public static func compute(gold: [[String]], predicted: [[String]], labels: [String]) -> EvaluationReport {
        precondition(gold.count == predicted.count, "gold and predicted must have one entry per example")
        var order = labels
        for set in gold + predicted { for label in set where !order.contains(label) { order.append(label) } }
        var scores = Dictionary(uniqueKeysWithValues: order.map { ($0, LabelScores(label: $0, truePositives: 0, falsePositives: 0, falseNegatives: 0)) })
        var confusion: [String: [String: Int]] = [:]
        var exact = 0
        for (goldList, predictedList) in zip(gold, predicted) {
            let goldSet = Set(goldList)
            let predictedSet = Set(predictedList)
            if goldSet == predictedSet { exact += 1 }
            let wrong = predictedSet.subtracting(goldSet).sorted()
            for label in goldSet {
                if predictedSet.contains(label) {
                    scores[label]!.truePositives += 1
                    confusion[label, default: [:]][label, default: 0] += 1
                } else {
                    scores[label]!.falseNegatives += 1
                    for other in wrong.isEmpty ? [Self.none] : wrong { confusion[label, default: [:]][other, default: 0] += 1 }
                }
            }
            for label in wrong {
                scores[label]!.falsePositives += 1
                if goldSet.isEmpty { confusion[Self.none, default: [:]][label, default: 0] += 1 }
            }
        }
        var report = EvaluationReport(labels: order.map { scores[$0]! }, examples: gold.count, exactMatches: exact, confusion: confusion)
        report.unlabelledPredictions = predicted.filter(\.isEmpty).count
        for (goldList, predictedList) in zip(gold, predicted) where !goldList.isEmpty {
            report.topOneExamples += 1
            if let first = predictedList.first, goldList.contains(first) { report.topOneHits += 1 }
        }
        return report
    }
}
