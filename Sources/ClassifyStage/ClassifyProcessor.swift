import Classifier
import Foundation
import NewsModel
import Pipeline
import RdKafka

/// The classify stage's work: a `news.item` from `news.raw` becomes a
/// `news.classified` event keyed by item id. Undecodable messages are poison
/// (dead-lettered by the stage runner); classification itself cannot fail.
public struct ClassifyProcessor: StageProcessor {
    public let classifier: NewsClassifier
    public let outputTopic: String

    public init(classifier: NewsClassifier, outputTopic: String = Topics.newsClassified) {
        self.classifier = classifier
        self.outputTopic = outputTopic
    }

    public func process(_ message: KafkaConsumerMessage) async throws(StageError) -> [StageOutput] {
        let item: NewsItem
        do {
            item = try EventCodec.decode(NewsItem.self, from: message.value).data
        } catch {
            throw StageError(.poison, "not a news.item v1 event: \(error.message)")
        }
        let classified = classify(item, at: Date())
        do {
            return [try StageOutput(topic: outputTopic, key: item.itemId, event: classified)]
        } catch {
            throw StageError(.poison, "cannot encode the classified item: \(error)")
        }
    }

    /// The classified event for an item.
    public func classify(_ item: NewsItem, at time: Date) -> ClassifiedItem {
        let result = classifier.classify(
            ClassificationInput(
                title: item.title, summary: item.summary, sourceKind: item.sourceKind, hints: item.hints, language: item.language,
                categories: item.categories, url: item.url))
        return ClassifiedItem(item: item, classification: result, classifiedAt: time)
    }
}
