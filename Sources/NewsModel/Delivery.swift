import Foundation

/// How an alert reaches a subscriber.
public enum DeliveryChannel: String, Codable, Sendable, Hashable, CaseIterable {
    case webhook, email
}

/// What one delivery attempt came to.
public enum DeliveryOutcome: String, Codable, Sendable, Hashable, CaseIterable {
    /// The receiver accepted it.
    case delivered
    /// It failed and will be tried again (see `nextAttemptAt`).
    case retry
    /// It failed for good (a permanent error).
    case failed
    /// Retries are exhausted; it went to `alerts.dlq`.
    case deadLettered = "dead-lettered"
    /// The endpoint or address was disabled (e.g. HTTP 410).
    case disabled
}

/// One attempt in a delivery's history.
public struct DeliveryAttempt: Codable, Sendable, Hashable {
    public var attempt: Int
    public var at: Date
    public var outcome: DeliveryOutcome
    public var statusCode: Int?
    public var error: String?
    public var latencyMs: Double?

    public init(attempt: Int, at: Date, outcome: DeliveryOutcome, statusCode: Int? = nil, error: String? = nil, latencyMs: Double? = nil) {
        self.attempt = attempt
        self.at = at
        self.outcome = outcome
        self.statusCode = statusCode
        self.error = error
        self.latencyMs = latencyMs
    }
}

/// Why a subscription got an item.
public struct MatchExplanation: Codable, Sendable, Hashable {
    /// The subscription's filter, as written.
    public var filter: String
    public var matchedTerms: [String]

    public init(filter: String, matchedTerms: [String]) {
        self.filter = filter
        self.matchedTerms = matchedTerms
    }
}

/// An alert to deliver to one subscription: `alerts.delivery` v1 on `alerts.deliveries`
/// and the `alerts.retry.*` topics, keyed by subscription id.
public struct DeliveryRequest: NewsEvent, Hashable {
    public static let eventType = "alerts.delivery"
    public static let schemaVersion = 1
    public static let schemaName = "delivery-request.v1"

    /// Stable across retries and replays: ``makeDeliveryID(subscriptionID:storyID:version:)``.
    public var deliveryId: String
    public var subscriptionId: String
    public var channel: DeliveryChannel
    public var storyId: String
    /// The item version this alert is about.
    public var version: Int
    /// A new version of a story this subscription already got.
    public var isUpdate: Bool
    public var isReplay: Bool
    public var item: ClassifiedItem
    public var match: MatchExplanation
    public var createdAt: Date
    /// Attempts so far; empty on the first publish.
    public var attempts: [DeliveryAttempt]
    /// When a retry is due (set on the `alerts.retry.*` topics).
    public var notBefore: Date?

    public init(
        deliveryId: String, subscriptionId: String, channel: DeliveryChannel, storyId: String, version: Int,
        isUpdate: Bool, isReplay: Bool, item: ClassifiedItem, match: MatchExplanation, createdAt: Date,
        attempts: [DeliveryAttempt] = [], notBefore: Date? = nil
    ) {
        self.deliveryId = deliveryId
        self.subscriptionId = subscriptionId
        self.channel = channel
        self.storyId = storyId
        self.version = version
        self.isUpdate = isUpdate
        self.isReplay = isReplay
        self.item = item
        self.match = match
        self.createdAt = createdAt
        self.attempts = attempts
        self.notBefore = notBefore
    }

    /// `<deliveryId>#<attempts so far>`: each republication is its own event.
    public var eventID: String { "\(deliveryId)#\(attempts.count)" }

    /// `dlv_` and 20 hex digits of SHA-256(subscriptionId U+001F storyId U+001F version).
    public static func makeDeliveryID(subscriptionID: String, storyID: String, version: Int) -> String {
        StableID.make(prefix: "dlv", [subscriptionID, storyID, String(version)])
    }
}

/// The outcome of one delivery attempt: `alerts.receipt` v1 on `alerts.receipts`, keyed by subscription id.
public struct DeliveryReceipt: NewsEvent, Hashable {
    public static let eventType = "alerts.receipt"
    public static let schemaVersion = 1
    public static let schemaName = "delivery-receipt.v1"

    public var deliveryId: String
    public var subscriptionId: String
    public var storyId: String
    public var channel: DeliveryChannel
    public var version: Int
    public var attempt: Int
    public var outcome: DeliveryOutcome
    public var statusCode: Int?
    public var error: String?
    public var latencyMs: Double
    public var attemptedAt: Date
    public var nextAttemptAt: Date?

    public init(
        deliveryId: String, subscriptionId: String, storyId: String, channel: DeliveryChannel, version: Int,
        attempt: Int, outcome: DeliveryOutcome, statusCode: Int? = nil, error: String? = nil, latencyMs: Double,
        attemptedAt: Date, nextAttemptAt: Date? = nil
    ) {
        self.deliveryId = deliveryId
        self.subscriptionId = subscriptionId
        self.storyId = storyId
        self.channel = channel
        self.version = version
        self.attempt = attempt
        self.outcome = outcome
        self.statusCode = statusCode
        self.error = error
        self.latencyMs = latencyMs
        self.attemptedAt = attemptedAt
        self.nextAttemptAt = nextAttemptAt
    }

    public var eventID: String { "\(deliveryId)#a\(attempt)" }
}
