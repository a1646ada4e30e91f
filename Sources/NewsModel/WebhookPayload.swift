import Foundation

/// The JSON body of an alert webhook (`Schemas/http/webhook-alert.v1.schema.json`).
///
/// `type` is `alert` (one item) or `digest` (several, at the subscriber's digest time).
/// Receivers drop duplicates by the `webhook-id` header, which is ``deliveryId``.
public struct WebhookPayload: Codable, Sendable, Hashable {
    public struct Alert: Codable, Sendable, Hashable {
        public var deliveryId: String
        public var storyId: String
        public var version: Int
        /// A new version of a story this subscription already got.
        public var isUpdate: Bool
        /// Sent again by a rewind or replay.
        public var isReplay: Bool
        public var item: NewsItem
        public var regions: [ScoredLabel]
        public var topics: [ScoredLabel]
        public var countries: [String]
        public var urgency: Urgency
        /// Why this subscriber got it.
        public var why: Why

        /// The JSON members, sorted: the synthesized `Codable` goes by this list.
        enum CodingKeys: String, CodingKey {
            case countries, deliveryId, isReplay, isUpdate, item, regions, storyId, topics, urgency, version, why
        }

        public init(_ request: DeliveryRequest) {
            deliveryId = request.deliveryId
            storyId = request.storyId
            version = request.version
            isUpdate = request.isUpdate
            isReplay = request.isReplay
            item = request.item.item
            regions = request.item.regions
            topics = request.item.topics
            countries = request.item.countries
            urgency = request.item.urgency
            why = Why(
                filter: request.match.filter, matchedTerms: request.match.matchedTerms,
                classifierVersion: request.item.classifierVersion, explanation: request.item.explanation)
        }
    }

    public struct Why: Codable, Sendable, Hashable {
        public var filter: String
        public var matchedTerms: [String]
        public var classifierVersion: String
        /// Which phrase in which field led to which tag.
        public var explanation: [ExplanationStep]

        /// The JSON members, sorted: the synthesized `Codable` goes by this list.
        enum CodingKeys: String, CodingKey {
            case classifierVersion, explanation, filter, matchedTerms
        }
    }

    public enum Kind: String, Codable, Sendable, Hashable {
        case alert, digest
    }

    public var type: Kind
    public var subscriptionId: String
    public var sentAt: Date
    public var alerts: [Alert]

    /// The JSON members, sorted: the synthesized `Codable` goes by this list.
    enum CodingKeys: String, CodingKey {
        case alerts, sentAt, subscriptionId, type
    }

    public init(type: Kind, subscriptionId: String, sentAt: Date, alerts: [Alert]) {
        self.type = type
        self.subscriptionId = subscriptionId
        self.sentAt = sentAt
        self.alerts = alerts
    }

    /// The body: sorted keys, RFC 3339 times (the event conventions). Written with
    /// ``JSONWriter/encode(_:capacity:)``, not `JSONEncoder`, as every attempt makes one: the same bytes
    /// as `EventCodec.encodeValue(self)` (which tests compare it with).
    /// - Throws: `EncodingError` when a score is not finite.
    public func encoded() throws -> [UInt8] {
        try JSONWriter.encode(self, capacity: 4096)
    }
}
