import Foundation

/// An alert to deliver to one subscription: `alerts.delivery` v1 on `alerts.deliveries`
/// and the `alerts.retry.*` topics, keyed by subscription id.
///
/// Schema: `Schemas/events/delivery-request.v1.schema.json`. ``deliveryId`` stays the same
/// across retries and replays (the webhook id and email Message-ID derive from it);
/// ``eventID`` also counts the attempts, so each re-publication is its own event.
public struct DeliveryRequest: NewsEvent {
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
    /// Published again by a rewind or replay, not by the first match.
    public var isReplay: Bool
    public var item: ClassifiedItem
    public var match: MatchExplanation
    /// When the match stage created it.
    public var createdAt: Date

    /// For a replay, when it was made (its ``createdAt``, the same on every retry): part of its receipts' ids.
    public var replayedAt: Date? { isReplay ? createdAt : nil }
    /// Attempts so far, oldest first; empty on the first publish.
    public var attempts: [DeliveryAttempt]
    /// When a retry is due (set when re-published to an `alerts.retry.*` topic).
    public var notBefore: Date?

    /// The JSON members, sorted, one per stored property: the synthesized `Codable` (which
    /// `JSONWriter.encode` writes through too) and the hand-written reader (`JSON/`) go by this list.
    enum CodingKeys: String, JSONMemberKey {
        static let members = JSONMemberTable(Self.self)
        case attempts, channel, createdAt, deliveryId, isReplay, isUpdate, item, match, notBefore, storyId, subscriptionId, version
    }

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

    /// `<deliveryId>#<number of attempts so far>`.
    public var eventID: String { "\(deliveryId)#\(attempts.count)" }

    /// `dlv_` and the first 20 hex digits of SHA-256(subscriptionId U+001F storyId U+001F version).
    public static func makeDeliveryID(subscriptionID: String, storyID: String, version: Int) -> String {
        StableID.make(prefix: "dlv", [subscriptionID, storyID, String(version)])
    }
}

/// How an alert reaches a subscriber.
public enum DeliveryChannel: String, Codable, Sendable, Hashable, CaseIterable {
    case webhook, email
}

/// What one delivery attempt came to; shared by ``DeliveryAttempt`` and ``DeliveryReceipt``.
public enum DeliveryOutcome: String, Codable, Sendable, Hashable, CaseIterable {
    /// The receiver accepted it.
    case delivered
    /// It failed and will be tried again (see ``DeliveryReceipt/nextAttemptAt``).
    case retry
    /// It failed for good (a permanent error such as HTTP 400).
    case failed
    /// Retries are exhausted; it went to `alerts.dlq`.
    case deadLettered = "dead-lettered"
    /// The endpoint or address is disabled (e.g. HTTP 410 Gone); nothing more is sent to it.
    case disabled
    /// It waits for the subscriber's digest (digest mode, quiet hours or rate limit).
    case held
}

/// One attempt in a delivery's history.
public struct DeliveryAttempt: Codable, Sendable, Hashable {
    /// 1 for the first attempt.
    public var attempt: Int
    public var at: Date
    public var outcome: DeliveryOutcome
    /// HTTP status or SMTP reply code, when there was a reply.
    public var statusCode: Int?
    /// What went wrong, for a person.
    public var error: String?
    public var latencyMs: Double?

    /// The JSON members, sorted, one per stored property: the synthesized `Codable` (which
    /// `JSONWriter.encode` writes through too) and the hand-written reader (`JSON/`) go by this list.
    enum CodingKeys: String, JSONMemberKey {
        static let members = JSONMemberTable(Self.self)
        case at, attempt, error, latencyMs, outcome, statusCode
    }

    public init(
        attempt: Int, at: Date, outcome: DeliveryOutcome, statusCode: Int? = nil, error: String? = nil, latencyMs: Double? = nil
    ) {
        self.attempt = attempt
        self.at = at
        self.outcome = outcome
        self.statusCode = statusCode
        self.error = error
        self.latencyMs = latencyMs
    }
}

/// Why a subscription got an item: its filter and the terms that matched.
public struct MatchExplanation: Codable, Sendable, Hashable {
    /// The subscription's filter, as written.
    public var filter: String
    public var matchedTerms: [String]

    /// The JSON members, sorted, one per stored property: the synthesized `Codable` (which
    /// `JSONWriter.encode` writes through too) and the hand-written reader (`JSON/`) go by this list.
    enum CodingKeys: String, JSONMemberKey {
        static let members = JSONMemberTable(Self.self)
        case filter, matchedTerms
    }

    public init(filter: String, matchedTerms: [String]) {
        self.filter = filter
        self.matchedTerms = matchedTerms
    }
}
