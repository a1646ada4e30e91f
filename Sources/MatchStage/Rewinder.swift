import Foundation
import Logging
import NewsModel
import Pipeline
import RdKafka
import Subscriptions

/// Rewinds one subscriber: re-matches the retained `news.classified` items since a time against
/// that subscription alone and publishes what matches to `alerts.deliveries` marked as replays
/// (same delivery ids as the first time, so receivers that keep ids can drop what they already
/// have). A replay to one subscription (``ReplayRouter``, ``Replayer``): batches of 100 published
/// concurrently and acknowledged before the next, the slice's end fixed when it starts, at most
/// `maximumItems` read.
public struct Rewinder: Sendable {
    public let client: KafkaClientConfiguration
    public let producer: KafkaProducer
    public let parser: FilterParser
    public let maximumItems: Int
    public let inputTopic: String
    public let outputTopic: String
    public let logger: Logger

    public init(client: KafkaClientConfiguration, producer: KafkaProducer, parser: FilterParser, maximumItems: Int = 100_000,
                inputTopic: String = Topics.newsClassified, outputTopic: String = Topics.alertsDeliveries, logger: Logger) {
        self.client = client
        self.producer = producer
        self.parser = parser
        self.maximumItems = maximumItems
        self.inputTopic = inputTopic
        self.outputTopic = outputTopic
        self.logger = logger
    }

    /// How a rewind ended.
    public struct Outcome: Sendable, Hashable {
        public enum State: String, Sendable, Hashable {
            /// Every retained item since the time was read.
            case completed
            /// It stopped after `maximumItems` items; the rest of the window was not read.
            case truncated
            /// The broker sent nothing more before the end of the window.
            case incomplete
        }

        public var state: State
        /// Deliveries published.
        public var redelivered: Int
        /// Items read.
        public var scanned: Int
        /// Items in the window's offsets when the rewind started (an upper bound of `scanned`).
        public var total: Int64
    }

    /// - Parameter progress: called after each acknowledged batch with (items read, deliveries published).
    public func rewind(
        _ subscription: Subscription, since: Date, progress: @escaping @Sendable (_ scanned: Int, _ redelivered: Int) -> Void = { _, _ in }
    ) async throws -> Outcome {
        let reader = RetainedTopicReader(client: client, topic: inputTopic, maximumMessages: .max, logger: logger)
        let bounds = try await reader.bounds(at: since)
        let id = "rwd_\(UUID().uuidString.prefix(8).lowercased())"
        let plan = ReplayCheckpoint(
            replayID: id, topic: inputTopic, target: .subscription(subscription.id), since: since, until: nil, filter: nil,
            ratePerSecond: nil, next: bounds.mapValues { $0.atTime ?? $0.low }, end: bounds.mapValues(\.high))
        let router = try ReplayRouter(
            sourceTopic: inputTopic, target: .subscription(subscription.id), since: since, subscription: subscription, parser: parser,
            replayID: id, deliveriesTopic: outputTopic)
        let replayer = Replayer(reader: reader, router: router, batchSize: 100, maximumMessages: maximumItems)
        let (outcome, final) = try await replayer.run(
            plan, producer: producer, save: { _ in }, shouldStop: { false }, progress: { progress($0.read, $0.sent) })
        let state: Outcome.State = switch outcome {
        case .complete: .completed
        case .truncated: .truncated
        case .stopped, .incomplete: .incomplete
        }
        return Outcome(state: state, redelivered: final.sent, scanned: final.skipped.values.reduce(final.sent, +), total: plan.left)
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
