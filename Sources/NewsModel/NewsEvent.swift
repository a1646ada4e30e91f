import Foundation

/// A payload that travels on a Kafka topic inside an ``EventEnvelope``.
///
/// Each conforming type has a JSON Schema in `Schemas/events/<schemaName>.schema.json`.
public protocol NewsEvent: Codable, Sendable, Equatable {
    /// The envelope's `eventType`, e.g. `news.item`.
    static var eventType: String { get }
    /// The envelope's `schemaVersion`.
    static var schemaVersion: Int { get }
    /// The schema's file stem and the `newsflash-schema` header, e.g. `news-item.v1`.
    static var schemaName: String { get }
    /// A stable id: the same event, published again (a retry, a replay), has the same id.
    var eventID: String { get }
}

/// What every event on every topic looks like:
/// `{"eventType", "schemaVersion", "eventId", "occurredAt", "data"}`.
public struct EventEnvelope<Payload: NewsEvent>: Codable, Sendable, Equatable {
    public var eventType: String
    public var schemaVersion: Int
    public var eventId: String
    /// When the event happened (was produced), RFC 3339 UTC.
    public var occurredAt: Date
    public var data: Payload

    public init(data: Payload, occurredAt: Date) {
        self.eventType = Payload.eventType
        self.schemaVersion = Payload.schemaVersion
        self.eventId = data.eventID
        self.occurredAt = occurredAt
        self.data = data
    }
}

/// Kafka header names every event carries.
public enum EventHeaders {
    public static let contentType = "content-type"
    public static let eventType = "newsflash-event-type"
    public static let schema = "newsflash-schema"
    /// W3C trace context, when the producer has one.
    public static let traceparent = "traceparent"

    /// The headers for an event of type `Payload`, as (name, value) pairs.
    public static func values<Payload: NewsEvent>(for type: Payload.Type, traceparent: String? = nil) -> [(String, String)] {
        var headers = [(contentType, "application/json"), (eventType, Payload.eventType), (schema, Payload.schemaName)]
        if let traceparent { headers.append((EventHeaders.traceparent, traceparent)) }
        return headers
    }
}

/// The pipeline's topic names.
public enum Topics {
    /// Ingested items (`news.item`), keyed by item id.
    public static let newsRaw = "news.raw"
    /// Tagged items (`news.classified`), keyed by item id.
    public static let newsClassified = "news.classified"
    /// One delivery request (`alerts.delivery`) per subscription and story, keyed by subscription id.
    public static let alertsDeliveries = "alerts.deliveries"
    /// One receipt (`alerts.receipt`) per delivery attempt.
    public static let alertsReceipts = "alerts.receipts"
    /// Deliveries that failed for good and undecodable messages (`alerts.dead-letter`).
    public static let alertsDLQ = "alerts.dlq"
    /// Subscription created, changed, paused or deleted.
    public static let subscriptionChanges = "subscriptions.changes"
    /// Delay topics of the retry schedule, in order.
    public static let retryTopics = [
        "alerts.retry.5s", "alerts.retry.5m", "alerts.retry.30m", "alerts.retry.2h", "alerts.retry.5h", "alerts.retry.10h",
    ]
    /// Every topic of the pipeline.
    public static var pipeline: [String] {
        [newsRaw, newsClassified, alertsDeliveries, alertsReceipts, alertsDLQ, subscriptionChanges] + retryTopics
    }
}
