import Foundation
import NewsModel

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
    }

    public enum Kind: String, Codable, Sendable, Hashable {
        case alert, digest
    }

    public var type: Kind
    public var subscriptionId: String
    public var sentAt: Date
    public var alerts: [Alert]

    public init(type: Kind, subscriptionId: String, sentAt: Date, alerts: [Alert]) {
        self.type = type
        self.subscriptionId = subscriptionId
        self.sentAt = sentAt
        self.alerts = alerts
    }

    /// The body: sorted keys, RFC 3339 times (the event conventions). Written by hand,
    /// not with `JSONEncoder`, as every attempt makes one: the same bytes as
    /// `EventCodec.encodeValue(self)` (which tests compare it with).
    /// - Throws: `EncodingError` when a score is not finite.
    public func encoded() throws -> [UInt8] {
        var writer = JSONWriter(capacity: 4096)
        writer.beginObject()
        writer.key("alerts")
        try writer.array(alerts) { writer, alert in try alert.writeJSON(to: &writer) }
        writer.member("sentAt", sentAt)
        writer.member("subscriptionId", subscriptionId)
        writer.member("type", type.rawValue)
        writer.endObject()
        return writer.bytes
    }
}

extension WebhookPayload.Alert {
    func writeJSON(to writer: inout JSONWriter) throws {
        writer.beginObject()
        writer.member("countries", countries)
        writer.member("deliveryId", deliveryId)
        writer.member("isReplay", isReplay)
        writer.member("isUpdate", isUpdate)
        writer.key("item")
        item.writeJSON(to: &writer)
        writer.key("regions")
        try writer.array(regions) { writer, label in try label.writeJSON(to: &writer) }
        writer.member("storyId", storyId)
        writer.key("topics")
        try writer.array(topics) { writer, label in try label.writeJSON(to: &writer) }
        writer.member("urgency", urgency.rawValue)
        writer.member("version", version)
        writer.key("why")
        writer.beginObject()
        writer.member("classifierVersion", why.classifierVersion)
        writer.key("explanation")
        writer.array(why.explanation) { writer, step in step.writeJSON(to: &writer) }
        writer.member("filter", why.filter)
        writer.member("matchedTerms", why.matchedTerms)
        writer.endObject()
        writer.endObject()
    }
}
