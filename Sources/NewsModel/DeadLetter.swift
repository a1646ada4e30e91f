import Foundation

/// A message that could not be processed: `alerts.dead-letter` v1 on `alerts.dlq`,
/// keyed by the original message's key (or no key).
///
/// Schema: `Schemas/events/dead-letter.v1.schema.json`. Keeps the original bytes (as UTF-8
/// text, or base64 when they are not UTF-8) and where they were read, so an operator can
/// inspect and replay them. ``eventID`` is `<originalTopic>/<partition>/<offset>`: a message
/// is dead-lettered once, however often that is retried.
public struct DeadLetter: NewsEvent {
    public static let eventType = "alerts.dead-letter"
    public static let schemaVersion = 1
    public static let schemaName = "dead-letter.v1"

    /// Why the message was given up on.
    public enum Reason: String, Codable, Sendable, Hashable, CaseIterable {
        /// The message could not be decoded.
        case poison
        /// Every retry failed.
        case retriesExhausted = "retries-exhausted"
        /// The receiver refused it for good.
        case permanentFailure = "permanent-failure"
    }

    /// How ``key`` or ``payload`` holds the original bytes.
    public enum Encoding: String, Codable, Sendable, Hashable, CaseIterable {
        /// The bytes are valid UTF-8 and stand as text.
        case utf8
        /// The bytes are not UTF-8 and stand as standard base64.
        case base64
    }

    public var reason: Reason
    /// What went wrong, for a person.
    public var error: String
    /// Where the message was read.
    public var originalTopic: String
    public var partition: Int
    public var offset: Int64
    /// The original key, when it had one; see ``keyEncoding``.
    public var key: String?
    /// How ``key`` is written (`nil` means UTF-8).
    public var keyEncoding: Encoding?
    /// The original value; see ``payloadEncoding``.
    public var payload: String
    public var payloadEncoding: Encoding
    /// The delivery, when the payload decoded as one.
    public var delivery: DeliveryRequest?
    /// The attempt history, oldest first.
    public var attempts: [DeliveryAttempt]
    public var deadLetteredAt: Date

    public init(
        reason: Reason, error: String, originalTopic: String, partition: Int, offset: Int64, key: String?,
        keyEncoding: Encoding?, payload: String, payloadEncoding: Encoding,
        delivery: DeliveryRequest?, attempts: [DeliveryAttempt], deadLetteredAt: Date
    ) {
        self.reason = reason
        self.error = error
        self.originalTopic = originalTopic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.keyEncoding = keyEncoding
        self.payload = payload
        self.payloadEncoding = payloadEncoding
        self.delivery = delivery
        self.attempts = attempts
        self.deadLetteredAt = deadLetteredAt
    }

    /// A dead letter for a message's raw key and value, writing each as UTF-8 text when it is
    /// valid UTF-8 and as base64 otherwise.
    public init(
        reason: Reason, error: String, originalTopic: String, partition: Int, offset: Int64,
        rawKey: [UInt8]?, rawPayload: [UInt8], delivery: DeliveryRequest?, attempts: [DeliveryAttempt], deadLetteredAt: Date
    ) {
        let key = rawKey.map(DeadLetter.text)
        let payload = DeadLetter.text(rawPayload)
        self.init(
            reason: reason, error: error, originalTopic: originalTopic, partition: partition, offset: offset,
            key: key?.text, keyEncoding: key?.encoding, payload: payload.text, payloadEncoding: payload.encoding,
            delivery: delivery, attempts: attempts, deadLetteredAt: deadLetteredAt)
    }

    /// `<originalTopic>/<partition>/<offset>`.
    public var eventID: String { "\(originalTopic)/\(partition)/\(offset)" }

    /// The original key's bytes; `nil` without a key or when its base64 is broken.
    public var rawKey: [UInt8]? {
        key.flatMap { DeadLetter.bytes($0, keyEncoding ?? .utf8) }
    }

    /// The original payload's bytes, for a replay; `nil` when its base64 is broken.
    public var rawPayload: [UInt8]? {
        DeadLetter.bytes(payload, payloadEncoding)
    }

    private static func text(_ bytes: [UInt8]) -> (text: String, encoding: Encoding) {
        if let text = String(validating: bytes, as: UTF8.self) { return (text, .utf8) }
        return (Data(bytes).base64EncodedString(), .base64)
    }

    private static func bytes(_ text: String, _ encoding: Encoding) -> [UInt8]? {
        switch encoding {
        case .utf8: Array(text.utf8)
        case .base64: Data(base64Encoded: text).map(Array.init)
        }
    }
}
