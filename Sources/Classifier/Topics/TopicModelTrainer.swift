import Dispatch
import Foundation
import Synchronization

/// Trains a `TopicModel` from feature vectors with their gold topics: one-vs-rest logistic
/// regression, L2-regularised, by stochastic gradient descent in a fixed (seeded) order, so the
/// same data gives the same model byte for byte. With `runs` above 1 it descends once per seed and
/// averages the weights.
public struct TopicModelTrainer: Sendable {
    public var epochs: Int
    public var learningRate: Double
    /// L2 penalty per example and step.
    public var l2: Double
    /// Features seen in fewer training examples than this are left out.
    public var minimumFeatureCount: Int
    /// Weigh each example by how rare its labels are (`count / (labels × examples of the label)`,
    /// averaged over its labels, within 0.25...8), so that a corpus with ten times more politics
    /// than health does not teach the model that most news is politics.
    public var balanceLabels: Bool
    /// How far each feature is scaled, topic by topic, by its naive Bayes log-count ratio before
    /// training (NB-LR, after Wang and Manning 2012, "Baselines and bigrams"): a feature's value
    /// for a topic is multiplied by `(1 - s) + s × r`, where `r` is the log of how much more often the
    /// feature occurs in that topic's examples than in the others' (Laplace-smoothed, weighed as the
    /// examples are). 0 leaves features as they are. A word the corpora use for one topic then moves
    /// that topic with less weight, and hardly pushes against topics it is seldom seen with. The
    /// scales are folded into the weights after training, so the model and classifying are as
    /// without them.
    public var naiveBayesScale: Double
    /// The seed of the order examples are visited in, epoch by epoch. Another seed gives another
    /// model from the same data: how far held-out figures move between seeds is the noise a change
    /// to the data or the lexicon must beat.
    public var seed: UInt64
    /// How many times to train, with the seeds `seed`, `seed + 1`, ..., averaging the weights and
    /// biases of the runs (on all cores). One run's model is one draw: on the held-out sets two seeds
    /// differ by up to 0.02 top-1 (ten seeds gave the sport set 0.802 to 0.824), and the average
    /// of five lies near their mean with a spread of a few thousandths, so the bundled model is no
    /// lucky or unlucky order and a change to the data is measured against less noise.
    public var runs: Int

    /// The seed the bundled model is trained with ("newsflas" in ASCII).
    public static let defaultSeed: UInt64 = 0x6E65_7773_666C_6173

    public init(
        epochs: Int = 40, learningRate: Double = 0.3, l2: Double = 0.0005, minimumFeatureCount: Int = 1, balanceLabels: Bool = false,
        naiveBayesScale: Double = 0, seed: UInt64 = TopicModelTrainer.defaultSeed, runs: Int = 1
    ) {
        self.epochs = epochs
        self.learningRate = learningRate
        self.l2 = l2
        self.minimumFeatureCount = minimumFeatureCount
        self.balanceLabels = balanceLabels
        self.naiveBayesScale = naiveBayesScale
        self.seed = seed
        self.runs = runs
    }

    /// One training example: named features with values, and its gold labels.
    public struct Example: Sendable {
        public var features: [String: Double]
        public var labels: Set<String>
        /// A weight of its own that balancing leaves alone (a taxonomy keyword as an example), or nil.
        public var fixedWeight: Double?

        public init(features: [String: Double], labels: Set<String>, fixedWeight: Double? = nil) {
            self.features = features
            self.labels = labels
            self.fixedWeight = fixedWeight
        }
    }

    public func train(_ examples: [Example], labels: [String], description: String) throws(ClassifierError) -> TopicModel {
        guard !examples.isEmpty else {
            throw ClassifierError(.noTrainingData, "no training examples; give a JSON-lines file of {\"text\", \"regions\", \"topics\"}")
        }
        var counts: [String: Int] = [:]
        for example in examples {
            for feature in example.features.keys { counts[feature, default: 0] += 1 }
        }
        let features = counts.filter { $0.value >= minimumFeatureCount || $0.key.hasPrefix("lex:") || $0.key.hasPrefix("name:") || $0.key.hasPrefix("kind:") }
            .keys.sorted()
        var rowOf: [String: Int] = [:]
        for (row, feature) in features.enumerated() { rowOf[feature] = row }
        let vectors: [[(Int, Double)]] = examples.map { example in
            example.features.compactMap { name, value in rowOf[name].map { ($0, value) } }.sorted { $0.0 < $1.0 }
        }
        let targets: [[Double]] = examples.map { example in labels.map { example.labels.contains($0) ? 1 : 0 } }

        let labelCount = labels.count
        let exampleWeights = balanceLabels ? Self.balancedWeights(examples, labels: labels) : examples.map { $0.fixedWeight ?? 1 }
        let priors = labels.map { label -> Double in
            let positive = Double(examples.filter { $0.labels.contains(label) }.count)
            let rate = (positive + 0.5) / (Double(examples.count) + 1)
            return log(rate / (1 - rate))
        }
        let scales = naiveBayesScale == 0
            ? nil
            : Self.naiveBayesScales(vectors, targets: targets, weights: exampleWeights, featureCount: features.count, scale: naiveBayesScale)
        let runCount = max(1, runs)
        let results = Mutex<[(weights: [Double], biases: [Double])]>(Array(repeating: ([], []), count: runCount))
        DispatchQueue.concurrentPerform(iterations: runCount) { run in
            let result = descend(
                vectors: vectors, targets: targets, exampleWeights: exampleWeights, scales: scales, biases: priors,
                featureCount: features.count, seed: seed &+ UInt64(run))
            results.withLock { $0[run] = result }
        }
        // The runs' mean, summed in run order so the model is the same whatever the scheduling.
        var weights = [Double](repeating: 0, count: features.count * labelCount)
        var biases = [Double](repeating: 0, count: labelCount)
        for result in results.withLock({ $0 }) {
            for slot in weights.indices { weights[slot] += result.weights[slot] / Double(runCount) }
            for label in biases.indices { biases[label] += result.biases[label] / Double(runCount) }
        }
        if let scales {
            for slot in weights.indices { weights[slot] *= scales[slot] }
        }
        // Drop rows that ended up weighing nothing for any label (keeps the resource small).
        var keptFeatures: [String] = []
        var keptWeights: [Double] = []
        for (row, feature) in features.enumerated() {
            let slice = weights[(row * labelCount)..<((row + 1) * labelCount)]
            if slice.contains(where: { abs($0) >= 0.005 }) {
                keptFeatures.append(feature)
                keptWeights.append(contentsOf: slice)
            }
        }
        let version = "lr-" + Self.fingerprint(keptFeatures, keptWeights, biases)
        var settings = "\(epochs) epochs, learning rate \(learningRate), L2 \(l2)"
        if minimumFeatureCount > 1 { settings += ", features seen at least \(minimumFeatureCount) times" }
        if balanceLabels { settings += ", labels balanced" }
        if naiveBayesScale != 0 { settings += ", naive Bayes scale \(naiveBayesScale)" }
        let fixedWeights = examples.compactMap(\.fixedWeight)
        if let fixed = fixedWeights.first { settings += ", \(fixedWeights.count) examples weighing \(fixed)" }
        if seed != Self.defaultSeed { settings += ", seed \(seed)" }
        if runCount > 1 { settings += ", weights averaged over \(runCount) runs (seeds \(seed) to \(seed &+ UInt64(runCount - 1)))" }
        return TopicModel(
            version: version, labels: labels, biases: biases, features: keptFeatures, weights: keptWeights,
            trainedOn: "\(description): \(examples.count) examples, \(settings)")
    }

    /// One run of stochastic gradient descent from `biases` and zero weights, visiting the examples
    /// in the order `seed` shuffles them to, epoch by epoch. Returns weights as they are trained on
    /// the scaled features (`scales` not yet folded in).
    private func descend(
        vectors: [[(Int, Double)]], targets: [[Double]], exampleWeights: [Double], scales: [Double]?, biases initialBiases: [Double],
        featureCount: Int, seed: UInt64
    ) -> (weights: [Double], biases: [Double]) {
        let labelCount = initialBiases.count
        var weights = [Double](repeating: 0, count: featureCount * labelCount)
        var biases = initialBiases
        var order = Array(vectors.indices)
        var random = SeededGenerator(seed: seed)
        for epoch in 0..<epochs {
            order.shuffle(using: &random)
            let rate = learningRate / (1 + Double(epoch) * 0.1)
            for index in order {
                let vector = vectors[index]
                for label in 0..<labelCount {
                    var sum = biases[label]
                    for (row, value) in vector {
                        let slot = row * labelCount + label
                        sum += weights[slot] * value * (scales?[slot] ?? 1)
                    }
                    let error = (1 / (1 + exp(-sum)) - targets[index][label]) * exampleWeights[index]
                    biases[label] -= rate * error
                    for (row, value) in vector {
                        let slot = row * labelCount + label
                        weights[slot] -= rate * (error * value * (scales?[slot] ?? 1) + l2 * weights[slot])
                    }
                }
            }
        }
        return (weights, biases)
    }

    /// Each example's weight when labels are balanced: the mean over its labels of
    /// `examples / (labels × examples with the label)`, within 0.25...8 (1 for an example with none),
    /// counting only the examples without a fixed weight; those keep theirs.
    static func balancedWeights(_ examples: [Example], labels: [String]) -> [Double] {
        var counts: [String: Int] = [:]
        var total = 0.0
        for example in examples where example.fixedWeight == nil {
            for label in example.labels { counts[label, default: 0] += 1 }
            total += 1
        }
        let present = Double(max(1, counts.count))
        return examples.map { example in
            if let fixed = example.fixedWeight { return fixed }
            guard !example.labels.isEmpty else { return 1 }
            let sum = example.labels.reduce(0.0) { $0 + total / (present * Double(counts[$1] ?? 1)) }
            return min(8, max(0.25, sum / Double(example.labels.count)))
        }
    }

    /// The scale of each feature for each label (`scales[row * labels + label]`) for
    /// `naiveBayesScale`: `(1 - scale) + scale × r`, with `r = log((p / |p|) / (q / |q|))`, where `p` and
    /// `q` are 1 plus the feature's weighed values in the label's examples and in the others', and
    /// `|p|`, `|q|` their sums over every feature.
    static func naiveBayesScales(
        _ vectors: [[(Int, Double)]], targets: [[Double]], weights: [Double], featureCount: Int, scale: Double
    ) -> [Double] {
        let labelCount = targets.first?.count ?? 0
        var scales = [Double](repeating: 1, count: featureCount * labelCount)
        for label in 0..<labelCount {
            var inLabel = [Double](repeating: 1, count: featureCount)
            var elsewhere = [Double](repeating: 1, count: featureCount)
            for (index, vector) in vectors.enumerated() {
                let weight = weights[index]
                if targets[index][label] == 1 {
                    for (row, value) in vector { inLabel[row] += abs(value) * weight }
                } else {
                    for (row, value) in vector { elsewhere[row] += abs(value) * weight }
                }
            }
            let inTotal = inLabel.reduce(0, +)
            let elsewhereTotal = elsewhere.reduce(0, +)
            for row in 0..<featureCount {
                let ratio = log((inLabel[row] / inTotal) / (elsewhere[row] / elsewhereTotal))
                scales[row * labelCount + label] = (1 - scale) + scale * ratio
            }
        }
        return scales
    }

    private static func fingerprint(_ features: [String], _ weights: [Double], _ biases: [Double]) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ bytes: some Sequence<UInt8>) {
            for byte in bytes {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01B3
            }
        }
        for feature in features { mix(feature.utf8) }
        for value in weights + biases { mix(String(Int((value * 10_000).rounded())).utf8) }
        return String(hash, radix: 16, uppercase: false).padding(toLength: 16, withPad: "0", startingAt: 0).prefix(12).description
    }
}

/// A small deterministic random number generator (SplitMix64) for reproducible training.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
