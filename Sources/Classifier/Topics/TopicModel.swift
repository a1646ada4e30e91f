import Foundation

/// A linear topic model: one-vs-rest logistic regression over words, bigrams, lexicon hits and the
/// kinds of names found. Trained by `TopicModelTrainer` (`newsflash classify train`) and stored as
/// versioned JSON (`Resources/topic-model.json`). Immutable; safe to share between tasks.
public struct TopicModel: Sendable, Hashable {
    public static let format = "newsflash-topic-model"
    public static let formatVersion = 1

    public var version: String
    public var labels: [String]
    public var biases: [Double]
    /// Feature names: `w:word`, `b:word word`, `lex:Topic`, `name:Topic`, `kind:leader`.
    public var features: [String]
    /// `weights[feature * labels.count + label]`.
    public var weights: [Double]
    /// Free text: what it was trained on, and how.
    public var trainedOn: String

    private var featureIndex: [String: Int]

    public init(version: String, labels: [String], biases: [Double], features: [String], weights: [Double], trainedOn: String) {
        self.version = version
        self.labels = labels
        self.biases = biases
        self.features = features
        self.weights = weights
        self.trainedOn = trainedOn
        var index: [String: Int] = [:]
        index.reserveCapacity(features.count)
        for (position, feature) in features.enumerated() { index[feature] = position }
        self.featureIndex = index
    }

    /// The row of a feature, if the model knows it.
    public func index(of feature: String) -> Int? { featureIndex[feature] }

    /// Probability of each label (same order as `labels`) for a sparse feature vector of (row, value).
    public func probabilities(_ vector: [(Int, Double)]) -> [Double] {
        let count = labels.count
        var sums = biases
        for (row, value) in vector {
            let base = row * count
            for label in 0..<count { sums[label] += weights[base + label] * value }
        }
        return sums.map { 1 / (1 + exp(-$0)) }
    }

    /// The weight of one feature row for one label.
    public func weight(row: Int, label: Int) -> Double { weights[row * labels.count + label] }

    // MARK: - JSON

    private struct File: Codable {
        var format: String
        var formatVersion: Int
        var version, algorithm, trainedOn: String
        var labels: [String]
        var biases: [Double]
        var features: [String]
        var weights: [[Double]]
    }

    public static func load(_ data: Data, source: String = "topic model") throws(ClassifierError) -> TopicModel {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw ClassifierError(.malformedTopicModel, "\(source) cannot be read as a topic model: \(error)")
        }
        guard file.format == format, file.formatVersion == formatVersion else {
            throw ClassifierError(.malformedTopicModel, "\(source): format '\(file.format)' version \(file.formatVersion); expected '\(format)' version \(formatVersion); retrain with `newsflash classify train`")
        }
        guard file.biases.count == file.labels.count, file.weights.count == file.features.count,
            file.weights.allSatisfy({ $0.count == file.labels.count })
        else {
            throw ClassifierError(.malformedTopicModel, "\(source): \(file.labels.count) labels, \(file.biases.count) biases, \(file.features.count) features and \(file.weights.count) weight rows do not fit together; retrain with `newsflash classify train`")
        }
        return TopicModel(
            version: file.version, labels: file.labels, biases: file.biases, features: file.features,
            weights: file.weights.flatMap { $0 }, trainedOn: file.trainedOn)
    }

    /// JSON with sorted keys and weights rounded to 4 decimals (stable bytes, small diffs).
    public func jsonData() throws -> Data {
        let rounded = { (value: Double) in (value * 10_000).rounded() / 10_000 }
        let count = labels.count
        let rows = (0..<features.count).map { row in (0..<count).map { rounded(weights[row * count + $0]) } }
        let file = File(
            format: Self.format, formatVersion: Self.formatVersion, version: version,
            algorithm: "one-vs-rest logistic regression (L2) over words, bigrams, lexicon hits and name kinds",
            trainedOn: trainedOn, labels: labels, biases: biases.map(rounded), features: features, weights: rows)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(file)
    }

    public static func == (lhs: TopicModel, rhs: TopicModel) -> Bool {
        lhs.version == rhs.version && lhs.labels == rhs.labels && lhs.biases == rhs.biases && lhs.features == rhs.features
            && lhs.weights == rhs.weights
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(version)
        hasher.combine(labels)
    }
}
