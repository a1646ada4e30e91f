import Foundation
import NewsModel
import Pipeline
import RdKafka
import Subscriptions

/// Which event type each pipeline topic carries, for checking what may be copied where.
public enum TopicEvents {
    /// The `eventType` of the events on `topic`, or `nil` for a topic outside the pipeline.
    public static func eventType(of topic: String) -> String? {
        switch topic {
        case Topics.newsRaw: NewsItem.eventType
        case Topics.newsClassified: ClassifiedItem.eventType
        case Topics.alertsDeliveries: DeliveryRequest.eventType
        case Topics.alertsReceipts: DeliveryReceipt.eventType
        case Topics.alertsDLQ: DeadLetter.eventType
        case _ where Topics.retryTopics.contains(topic): DeliveryRequest.eventType
        default: nil
        }
    }

    /// The classified item a message carries: a classified item's, a delivery's, a dead letter's
    /// delivery's; nil for other events (they have no tags) and for what does not decode.
    public static func classifiedItem(in message: KafkaConsumerMessage) -> ClassifiedItem? {
        switch eventType(of: message) {
        case ClassifiedItem.eventType: try? EventCodec.decode(ClassifiedItem.self, from: message.value).data
        case DeliveryRequest.eventType: (try? EventCodec.decode(DeliveryRequest.self, from: message.value).data)?.item
        case DeadLetter.eventType: (try? EventCodec.decode(DeadLetter.self, from: message.value).data)?.delivery?.item
        default: nil
        }
    }

    /// A message's event type: its `newsflash-event-type` header, else its envelope's `eventType`.
    public static func eventType(of message: KafkaConsumerMessage) -> String? {
        message.headers.first { $0.key == EventHeaders.eventType }?.value.map { String(decoding: $0, as: UTF8.self) }
            ?? EventCodec.peekType(message.value)?.eventType
    }
}

/// Where a replay sends what it selects.
public enum ReplayTarget: Sendable, Hashable, Codable {
    /// Copied to a topic: a stage's input again (news.raw is classified again, news.classified
    /// matched again, alerts.deliveries notified again) or any other topic.
    case topic(String)
    /// Straight to one subscription, as deliveries on alerts.deliveries.
    case subscription(String)
}

/// Why a replay could not start.
public struct ReplayError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Decides, message by message, what a replay sends: pure, so the rules are tested without a broker.
///
/// Replayed messages keep their bytes, and so their event ids (a classified item keeps its item
/// id, a delivery its delivery id and so its `webhook-id`): the stages' dedupe and the receivers'
/// holds. Each carries a `newsflash-replay` header with the replay's id. Two cases make new
/// events: a classified item sent to one subscription becomes that subscription's delivery (the
/// delivery id it had the first time, marked as a replay), and a dead letter sent back for
/// delivery becomes its delivery again with a fresh attempt history.
public struct ReplayRouter: Sendable {
    /// The `newsflash-replay` header; its value is the replay's id.
    public static let header = "newsflash-replay"

    public let sourceTopic: String
    public let target: ReplayTarget
    public let since: Date?
    public let until: Date?
    public let filter: FilterExpression?
    /// The subscription of a ``ReplayTarget/subscription(_:)`` target, and its filter.
    public let subscription: Subscription?
    private let subscriptionFilter: FilterExpression?
    public let replayID: String
    /// Where deliveries for one subscription go.
    public let deliveriesTopic: String

    /// What to do with one message.
    public enum Decision: Sendable, Equatable {
        case send(KafkaProducerMessage)
        case skip(SkipReason)
    }

    /// Why a message of the slice is not sent.
    public enum SkipReason: String, Sendable, CaseIterable, Codable {
        case outsideWindow = "outside-window"
        case filteredOut = "filtered-out"
        case otherSubscription = "other-subscription"
        case belowUrgency = "below-urgency"
        case wrongType = "wrong-type"
        case undecodable
        case noDelivery = "no-delivery"
    }

    /// - Throws: ``ReplayError`` when the source's events cannot go to the target, or a filter is
    ///   given for events that carry no tags.
    public init(
        sourceTopic: String, target: ReplayTarget, since: Date? = nil, until: Date? = nil, filter: FilterExpression? = nil,
        subscription: Subscription? = nil, parser: FilterParser, replayID: String, deliveriesTopic: String = Topics.alertsDeliveries
    ) throws(ReplayError) {
        let source = TopicEvents.eventType(of: sourceTopic)
        switch target {
        case .topic(let topic):
            if let wanted = TopicEvents.eventType(of: topic), let source, source != wanted,
               !(source == DeadLetter.eventType && wanted == DeliveryRequest.eventType) {
                throw ReplayError("\(sourceTopic) carries \(source) events and \(topic) takes \(wanted) events: they cannot be replayed there")
            }
        case .subscription(let id):
            guard let subscription, subscription.id == id else { throw ReplayError("no subscription \(id)") }
            if let source, ![ClassifiedItem.eventType, DeliveryRequest.eventType, DeadLetter.eventType].contains(source) {
                throw ReplayError(
                    "--to-subscription takes news.classified items, deliveries or dead letters; \(sourceTopic) carries \(source) events")
            }
        }
        if filter != nil, source == NewsItem.eventType || source == DeliveryReceipt.eventType {
            throw ReplayError("--filter applies to classified items; \(sourceTopic) carries \(source ?? "untagged") events, which have no tags yet")
        }
        self.sourceTopic = sourceTopic
        self.target = target
        self.since = since
        self.until = until
        self.filter = filter
        self.subscription = subscription
        do {
            subscriptionFilter = try subscription.map { try parser.parse($0.filter) }
        } catch {
            throw ReplayError("subscription \(subscription?.id ?? "?") has a filter this build cannot read: \(error)")
        }
        self.replayID = replayID
        self.deliveriesTopic = deliveriesTopic
    }

    public func decide(_ message: KafkaConsumerMessage) -> Decision {
        if since != nil || until != nil {
            guard let milliseconds = message.timestampMilliseconds else { return .skip(.outsideWindow) }
            let time = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            if let since, time < since { return .skip(.outsideWindow) }
            if let until, time >= until { return .skip(.outsideWindow) }
        }
        guard let type = TopicEvents.eventType(of: message) else { return .skip(.undecodable) }
        switch type {
        case ClassifiedItem.eventType: return classified(message)
        case DeliveryRequest.eventType: return delivery(message)
        case DeadLetter.eventType: return deadLetter(message)
        default:
            if filter != nil || subscription != nil { return .skip(.wrongType) }
            return copy(message, as: type)
        }
    }

    private func matches(_ item: ClassifiedItem, _ expression: FilterExpression?, terms: inout [String]) -> Bool {
        guard let expression else { return true }
        return expression.matches(FilterSubject(item), matched: &terms)
    }

    private func classified(_ message: KafkaConsumerMessage) -> Decision {
        guard filter != nil || subscription != nil else { return copy(message, as: ClassifiedItem.eventType) }
        guard let item = try? EventCodec.decode(ClassifiedItem.self, from: message.value).data else { return .skip(.undecodable) }
        var ignored: [String] = []
        guard matches(item, filter, terms: &ignored) else { return .skip(.filteredOut) }
        guard let subscription else { return copy(message, as: ClassifiedItem.eventType) }
        // Matched against this subscription alone, as the match stage would have.
        guard item.urgency >= subscription.minimumUrgency else { return .skip(.belowUrgency) }
        var terms: [String] = []
        guard let expression = subscriptionFilter, expression.matches(FilterSubject(item), matched: &terms) else { return .skip(.otherSubscription) }
        return make(DeliveryRequest.replay(of: item, for: subscription, matchedTerms: terms), key: subscription.id)
    }

    private func delivery(_ message: KafkaConsumerMessage) -> Decision {
        guard filter != nil || subscription != nil else { return copy(message, as: DeliveryRequest.eventType) }
        guard let request = try? EventCodec.decode(DeliveryRequest.self, from: message.value).data else { return .skip(.undecodable) }
        var ignored: [String] = []
        guard matches(request.item, filter, terms: &ignored) else { return .skip(.filteredOut) }
        if let subscription, request.subscriptionId != subscription.id { return .skip(.otherSubscription) }
        return copy(message, as: DeliveryRequest.eventType)
    }

    private func deadLetter(_ message: KafkaConsumerMessage) -> Decision {
        let unwrap: Bool
        switch target {
        case .subscription: unwrap = true
        case .topic(let topic): unwrap = TopicEvents.eventType(of: topic) == DeliveryRequest.eventType
        }
        guard unwrap || filter != nil else { return copy(message, as: DeadLetter.eventType) }
        guard let letter = try? EventCodec.decode(DeadLetter.self, from: message.value).data else { return .skip(.undecodable) }
        guard let request = letter.delivery else { return .skip(.noDelivery) }
        var ignored: [String] = []
        guard matches(request.item, filter, terms: &ignored) else { return .skip(.filteredOut) }
        if let subscription, request.subscriptionId != subscription.id { return .skip(.otherSubscription) }
        guard unwrap else { return copy(message, as: DeadLetter.eventType) }
        return make(Self.retry(request), key: request.subscriptionId)
    }

    /// A dead letter's delivery, sent again: the same delivery id (so the same `webhook-id`), a
    /// fresh attempt history and no wait.
    public static func retry(_ request: DeliveryRequest) -> DeliveryRequest {
        var retried = request
        retried.attempts = []
        retried.notBefore = nil
        return retried
    }

    private var targetTopic: String {
        switch target {
        case .topic(let topic): topic
        case .subscription: deliveriesTopic
        }
    }

    /// The message as it was, with the replay header, checked against the target's event type.
    private func copy(_ message: KafkaConsumerMessage, as type: String) -> Decision {
        if let wanted = TopicEvents.eventType(of: targetTopic), wanted != type { return .skip(.wrongType) }
        var headers = message.headers.filter { $0.key != Self.header }
        headers.append(KafkaHeader(key: Self.header, value: replayID))
        return .send(KafkaProducerMessage(topic: targetTopic, key: message.key, value: message.value, headers: headers))
    }

    private func make(_ request: DeliveryRequest, key: String) -> Decision {
        guard var output = try? StageOutput(topic: targetTopic, key: key, event: request) else { return .skip(.undecodable) }
        output.headers.append(KafkaHeader(key: Self.header, value: replayID))
        return .send(output.producerMessage)
    }
}
