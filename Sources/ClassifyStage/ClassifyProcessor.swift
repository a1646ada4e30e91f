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
        let input = ClassificationInput(
            title: item.title, summary: item.summary,
            sourceKind: ClassificationInput.SourceKind(rawValue: item.sourceKind.rawValue),
            hints: item.hints.map { ClassificationInput.Hints(region: $0.region, topic: $0.topic) },
            language: item.language)
        let result = classifier.classify(input)
        return ClassifiedItem(
            item: item,
            regions: result.regions.map { ScoredLabel(label: $0.label, score: $0.score) },
            topics: result.topics.map { ScoredLabel(label: $0.label, score: $0.score) },
            countries: result.countries,
            places: result.places.compactMap { place in
                // Places come from the text only; a place "from the source" has no text to point at.
                guard let field = PlaceMatch.Field(rawValue: place.field.rawValue) else { return nil }
                return PlaceMatch(name: place.name, countryCode: place.countryCode, matchedText: place.matchedText, field: field)
            },
            urgency: Urgency(rawValue: result.urgency.rawValue) ?? .routine,
            explanation: result.explanation.compactMap { evidence in
                guard let kind = ExplanationStep.Kind(rawValue: evidence.kind.rawValue),
                      let field = ExplanationStep.Field(rawValue: evidence.field.rawValue) else { return nil }
                return ExplanationStep(kind: kind, tag: evidence.tag, phrase: evidence.phrase, field: field, rule: evidence.rule)
            },
            classifierVersion: result.classifierVersion,
            classifiedAt: time)
    }
}
