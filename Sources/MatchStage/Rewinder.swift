import Foundation
import Logging
import NewsModel
import Pipeline
import RdKafka
import Subscriptions

/// Rewinds one subscriber: re-matches the retained `news.classified` items
/// since a time against that subscription alone and publishes what matches to
/// `alerts.deliveries` marked as replays (same delivery ids as the first time,
/// so receivers that keep ids can drop what they already have).
public struct Rewinder: Sendable {
    public let reader: RetainedTopicReader
    public let producer: KafkaProducer
    public let parser: FilterParser
    public let outputTopic: String

    public init(client: KafkaClientConfiguration, producer: KafkaProducer, parser: FilterParser, maximumItems: Int = 100_000,
                inputTopic: String = Topics.newsClassified, outputTopic: String = Topics.alertsDeliveries, logger: Logger) {
        reader = RetainedTopicReader(client: client, topic: inputTopic, maximumMessages: maximumItems, logger: logger)
        self.producer = producer
        self.parser = parser
        self.outputTopic = outputTopic
    }

    /// Returns how many deliveries it published.
    public func rewind(_ subscription: Subscription, since: Date) async throws -> Int {
        let filter = try parser.parse(subscription.filter)
        let published = Counter()
        let topic = outputTopic
        let producer = self.producer
        try await reader.read(from: .time(since)) { message in
            guard let envelope = try? EventCodec.decode(ClassifiedItem.self, from: message.value) else { return true }
            let item = envelope.data
            guard item.urgency >= subscription.minimumUrgency else { return true }
            var terms: [String] = []
            guard filter.matches(FilterSubject(item), matched: &terms) else { return true }
            let request = DeliveryRequest.replay(of: item, for: subscription, matchedTerms: terms)
            let output = try StageOutput(topic: topic, key: subscription.id, event: request)
            try await producer.send(KafkaProducerMessage(topic: output.topic, key: output.key, value: output.value, headers: output.headers))
            await published.add()
            return true
        }
        return await published.value
    }

    private actor Counter {
        var value = 0
        func add() { value += 1 }
    }
}

extension DeliveryRequest {
    /// A delivery for a subscription; `isUpdate` and `isReplay` as the caller decided.
    public static func make(_ item: ClassifiedItem, for subscription: Subscription, matchedTerms: [String], isUpdate: Bool, isReplay: Bool) -> DeliveryRequest {
        let story = item.item.storyId
        return DeliveryRequest(
            deliveryId: makeDeliveryID(subscriptionID: subscription.id, storyID: story, version: item.item.version),
            subscriptionId: subscription.id, channel: subscription.channel.kind, storyId: story, version: item.item.version,
            isUpdate: isUpdate, isReplay: isReplay, item: item,
            match: MatchExplanation(filter: subscription.filter, matchedTerms: matchedTerms), createdAt: Date())
    }

    static func replay(of item: ClassifiedItem, for subscription: Subscription, matchedTerms: [String]) -> DeliveryRequest {
        make(item, for: subscription, matchedTerms: matchedTerms, isUpdate: item.item.version > 1, isReplay: true)
    }
}
