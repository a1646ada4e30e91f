import Foundation

/// The outcome of one delivery attempt: `alerts.receipt` v1 on `alerts.receipts`, keyed by subscription id.
///
/// Schema: `Schemas/events/delivery-receipt.v1.schema.json`. ``eventID`` is
/// `<deliveryId>#a<attempt>`: one receipt per attempt; a replay's attempts have
/// `<deliveryId>#r<replayedAt in ms>a<attempt>`, so they are kept beside the first
/// delivery's in the delivery log instead of being taken for them.
public struct DeliveryReceipt: NewsEvent {
    public static let eventType = "alerts.receipt"
    public static let schemaVersion = 1
    public static let schemaName = "delivery-receipt.v1"

    public var deliveryId: String
    public var subscriptionId: String
    public var storyId: String
    public var channel: DeliveryChannel
    /// The item version.
    public var version: Int
    /// 1 for the first attempt.
    public var attempt: Int
    public var outcome: DeliveryOutcome
    /// HTTP status or SMTP reply code, when there was a reply.
    public var statusCode: Int?
    /// What went wrong, for a person.
    public var error: String?
    public var latencyMs: Double
    public var attemptedAt: Date
    /// When the next attempt is due (outcome `retry`).
    public var nextAttemptAt: Date?
    /// For an attempt of a replay (a rewind, a replayed stream): when the replay was made.
    public var replayedAt: Date?

    /// The JSON members, sorted, one per stored property: the synthesized `Codable`, which
    /// `JSONWriter.encode` writes through too, goes by this list.
    enum CodingKeys: String, CodingKey {
        case attempt, attemptedAt, channel, deliveryId, error, latencyMs, nextAttemptAt, outcome, replayedAt, statusCode, storyId,
            subscriptionId, version
    }

    public init(
        deliveryId: String, subscriptionId: String, storyId: String, channel: DeliveryChannel, version: Int,
        attempt: Int, outcome: DeliveryOutcome, statusCode: Int? = nil, error: String? = nil, latencyMs: Double,
        attemptedAt: Date, nextAttemptAt: Date? = nil, replayedAt: Date? = nil
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
        self.replayedAt = replayedAt
    }

    /// `<deliveryId>#a<attempt>`, or `<deliveryId>#r<replayedAt in ms>a<attempt>` for a replay.
    public var eventID: String {
        guard let replayedAt else { return "\(deliveryId)#a\(attempt)" }
        return "\(deliveryId)#r\(Int64((replayedAt.timeIntervalSince1970 * 1000).rounded()))a\(attempt)"
    }
}
