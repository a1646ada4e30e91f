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

    // The classifier's own types, mapped case by case: a case added on one side without the other
    // does not compile, instead of being dropped or turned into `routine` at run time.

    static func urgency(_ level: UrgencyLevel) -> Urgency {
        switch level {
        case .routine: .routine
        case .urgent: .urgent
        case .flash: .flash
        }
    }

    static func kind(_ kind: Evidence.Kind) -> ExplanationStep.Kind {
        switch kind {
        case .region: .region
        case .topic: .topic
        case .urgency: .urgency
        case .country: .country
        }
    }

    static func field(_ field: ItemField) -> ExplanationStep.Field {
        switch field {
        case .title: .title
        case .summary: .summary
        case .source: .source
        }
    }

    static func placeField(_ field: ItemField) -> PlaceMatch.Field? {
        switch field {
        case .title: .title
        case .summary: .summary
        case .source: nil
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
            // Places come from the text only; a place "from the source" has no text to point at.
            places: result.places.compactMap { place in
                Self.placeField(place.field).map {
                    PlaceMatch(name: place.name, countryCode: place.countryCode, matchedText: place.matchedText, field: $0)
                }
            },
            urgency: Self.urgency(result.urgency),
            explanation: result.explanation.map { evidence in
                ExplanationStep(kind: Self.kind(evidence.kind), tag: evidence.tag, phrase: evidence.phrase, field: Self.field(evidence.field), rule: evidence.rule)
            },
            classifierVersion: result.classifierVersion,
            classifiedAt: time)
    }
}
