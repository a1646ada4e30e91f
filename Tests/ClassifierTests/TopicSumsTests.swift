import Foundation
import NewsModel
import Testing
@testable import Classifier

/// `TopicFeatureIndex` adds a model of up to eight labels (one row of weights, one vector) in
/// registers, and a wider one row by row in memory. Labels are independent (one-vs-rest), so labels
/// the taxonomy does not have change nothing of the others: the bundled model with two such labels
/// more takes the memory path and must tag every headline exactly as the bundled one does.
struct TopicSumsTests {
    /// The bundled model with labels `extra` added after its own, their weights and biases made up.
    static func widened(_ model: TopicModel, extra: [String]) -> TopicModel {
        var random = SeededGenerator(seed: 7)
        let labelCount = model.labels.count
        var weights: [Double] = []
        for row in model.features.indices {
            weights += model.weights[(row * labelCount)..<((row + 1) * labelCount)]
            weights += extra.map { _ in Double.random(in: -3...3, using: &random) }
        }
        return TopicModel(
            version: model.version, labels: model.labels + extra, biases: model.biases + extra.map { _ in 0.25 },
            features: model.features, weights: weights, trainedOn: model.trainedOn)
    }

    @Test func aWiderModelTagsAsTheBundledOne() throws {
        let bundled = try Bundled.get()
        let model = try #require(bundled.topicModel)
        #expect(model.labels.count <= 8, "the bundled model takes the register path")
        let wide = bundled.replacingTopicModel(Self.widened(model, extra: ["Extra one", "Extra two"]))
        #expect(try #require(wide.topicIndex).labelCount > 8)
        var texts = try LabelledExample.parseLines(fixture("devset.jsonl")).map(\.text)
        texts += try LabelledExample.parseLines(fixture("holdout.jsonl")).map(\.text)
        #expect(texts.count > 500)
        var withTopics = 0
        for text in texts {
            let expected = bundled.classify(text: text)
            #expect(wide.classify(text: text) == expected, "\(text)")
            if expected.topics.contains(where: { $0.label != "Miscellaneous" }) { withTopics += 1 }
        }
        #expect(withTopics > texts.count / 2)
    }
}
