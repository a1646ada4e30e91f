import Foundation

/// A message that could not be processed: `alerts.dead-letter` v1 on `alerts.dlq`.
///
/// Keeps the original bytes (as UTF-8 text, or base64 when they are not UTF-8)
/// and where they came from, so an operator can inspect and replay them.
public struct DeadLetter: NewsEvent, Hashable {
    public static let eventType = "alerts.dead-letter"
    public static let schemaVersion = 1
    public static let schemaName = "dead-letter.v1"

    public enum Reason: String, Codable, Sendable, Hashable, CaseIterable {
        /// The message could not be decoded.
        case poison
        /// Every retry failed.
        case retriesExhausted = "retries-exhausted"
        /// The receiver refused it for good.
        case permanentFailure = "permanent-failure"
    }

    public enum Encoding: String, Codable, Sendable, Hashable {
        case utf8
        case base64
    }

    public var reason: Reason
    /// What went wrong, for a person.
    public var error: String
    public var originalTopic: String
    public var partition: Int
    public var offset: Int64
    public var key: String?
    public var keyEncoding: Encoding?
    public var payload: String
    public var payloadEncoding: Encoding
    /// The delivery, when the payload decoded as one.
    public var delivery: DeliveryRequest?
    public var attempts: [DeliveryAttempt]
    public var deadLetteredAt: Date

    public init(
        reason: Reason, error: String, originalTopic: String, partition: Int, offset: Int64, key: String?,
        keyEncoding: Encoding?, payload: String, payloadEncoding: Encoding, delivery: DeliveryRequest?,
        attempts: [DeliveryAttempt], deadLetteredAt: Date
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

    /// A dead letter for raw message bytes, choosing UTF-8 or base64 for key and payload.
    public init(
        reason: Reason, error: String, originalTopic: String, partition: Int, offset: Int64,
        rawKey: [UInt8]?, rawPayload: [UInt8], delivery: DeliveryRequest?, attempts: [DeliveryAttempt], deadLetteredAt: Date
    ) {
        let key = rawKey.map(DeadLetter.encode)
        let payload = DeadLetter.encode(rawPayload)
        self.init(
            reason: reason, error: error, originalTopic: originalTopic, partition: partition, offset: offset,
            key: key?.text, keyEncoding: key?.encoding, payload: payload.text, payloadEncoding: payload.encoding,
            delivery: delivery, attempts: attempts, deadLetteredAt: deadLetteredAt)
    }

    /// `<originalTopic>/<partition>/<offset>`: a message is dead-lettered once.
    public var eventID: String { "\(originalTopic)/\(partition)/\(offset)" }

    /// The original payload bytes.
    public var rawPayload: [UInt8]? {
        switch payloadEncoding {
        case .utf8: Array(payload.utf8)
        case .base64: Data(base64Encoded: payload).map(Array.init)
        }
    }

    private static func encode(_ bytes: [UInt8]) -> (text: String, encoding: Encoding) {
        if let text = String(validating: bytes, as: UTF8.self) { return (text, .utf8) }
        return (Data(bytes).base64EncodedString(), .base64)
    }
}
