import Foundation
import NewsModel

/// A subscriber's standing order: which items (the filter), where to send
/// them (the channel), and when (mode, quiet hours, rate limit).
///
/// Fields added after v1 of the stored form are optional so that older rows
/// still decode; the accessors below give their defaults.
public struct Subscription: Codable, Sendable, Hashable {
    public enum Channel: Codable, Sendable, Hashable {
        case webhook(url: String)
        case email(address: String)

        public var kind: DeliveryChannel {
            switch self {
            case .webhook: .webhook
            case .email: .email
            }
        }
    }

    public enum Status: String, Codable, Sendable, Hashable {
        case active, paused
        /// Turned off by the notifier (HTTP 410, or failing for too long); see ``disabledReason``.
        case disabled
    }

    /// Immediate alerts, or one digest an hour or a day at a local time.
    public enum Mode: Codable, Sendable, Hashable {
        case immediate
        /// At `minute` past every hour (in ``timeZone``).
        case hourly(minute: Int)
        /// Every day at `hour`:`minute` (in ``timeZone``).
        case daily(hour: Int, minute: Int)
    }

    /// A daily window, in ``timeZone``, during which alerts wait for the next digest.
    public struct QuietHours: Codable, Sendable, Hashable {
        /// Minutes after local midnight; the window may wrap past midnight (22:00–07:00).
        public var startMinute: Int
        public var endMinute: Int
        /// Flash-urgency alerts are sent even during quiet hours.
        public var allowFlash: Bool

        public init(startMinute: Int, endMinute: Int, allowFlash: Bool = true) {
            self.startMinute = startMinute
            self.endMinute = endMinute
            self.allowFlash = allowFlash
        }

        /// Whether `minuteOfDay` (0..<1440) falls in the window.
        public func contains(minuteOfDay: Int) -> Bool {
            if startMinute == endMinute { return false }
            if startMinute < endMinute { return minuteOfDay >= startMinute && minuteOfDay < endMinute }
            return minuteOfDay >= startMinute || minuteOfDay < endMinute
        }
    }

    /// A webhook signing secret (`whsec_…`); the notifier signs with every one not yet expired.
    public struct SigningSecret: Codable, Sendable, Hashable {
        public var secret: String
        /// nil for the current secret; a rotated-out secret stays valid until then.
        public var expiresAt: Date?

        public init(secret: String, expiresAt: Date? = nil) {
            self.secret = secret
            self.expiresAt = expiresAt
        }
    }

    /// `sub_` and 20 hex digits.
    public var id: String
    public var name: String
    /// The filter as written (see ``FilterExpression``).
    public var filter: String
    public var channel: Channel
    /// Items below this urgency are not sent.
    public var minimumUrgency: Urgency
    public var status: Status
    /// The API key that owns it (nil when created from the command line).
    public var ownerKeyID: String?
    public var createdAt: Date
    public var updatedAt: Date

    /// Webhook signing secrets, the current one first.
    public var secrets: [SigningSecret]?
    /// Email: when the address confirmed the subscription (double opt-in); nothing is sent before.
    public var confirmedAt: Date?
    /// Email: SHA-256 of the confirmation token mailed to the address.
    public var confirmationTokenSHA256: String?
    /// Email: when the confirmation mail went out (the email notifier sends it once).
    public var confirmationSentAt: Date?
    /// The secret half of the one-click unsubscribe link (`<id>.<token>`).
    public var unsubscribeToken: String?
    public var modeValue: Mode?
    public var quietHours: QuietHours?
    /// IANA time zone of digests and quiet hours; UTC when nil.
    public var timeZone: String?
    /// At most this many immediate alerts an hour; the rest wait for the next digest.
    public var maxAlertsPerHour: Int?
    /// Why the notifier disabled it.
    public var disabledReason: String?
    /// Where to tell the owner that the endpoint was disabled.
    public var contactEmail: String?
    /// When the email notifier told ``contactEmail`` that the subscription was disabled.
    public var disabledNoticeSentAt: Date?

    public init(
        id: String = Subscription.newID(), name: String, filter: String, channel: Channel, minimumUrgency: Urgency = .routine,
        status: Status = .active, ownerKeyID: String? = nil, createdAt: Date = Date(), updatedAt: Date = Date()
    ) {
        self.id = id
        self.name = name
        self.filter = filter
        self.channel = channel
        self.minimumUrgency = minimumUrgency
        self.status = status
        self.ownerKeyID = ownerKeyID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.unsubscribeToken = Self.randomHex(16)
        if case .webhook = channel { secrets = [SigningSecret(secret: Self.newSecret())] }
    }

    public var mode: Mode {
        get { modeValue ?? .immediate }
        set { modeValue = newValue == .immediate ? nil : newValue }
    }

    /// Whether the match stage should produce alerts for it: active, and for email confirmed.
    public var isDeliverable: Bool {
        guard status == .active else { return false }
        if case .email = channel { return confirmedAt != nil }
        return true
    }

    /// The secrets to sign with at `now`: the current one, then rotated-out ones still in their grace period.
    public func signingSecrets(at now: Date) -> [String] {
        (secrets ?? []).filter { ($0.expiresAt ?? .distantFuture) > now }.map(\.secret)
    }

    /// Makes a new current secret; the previous one stays valid for `grace`. Returns the new secret.
    public mutating func rotateSecret(grace: TimeInterval, now: Date = Date()) -> String {
        let fresh = Self.newSecret()
        let kept = (secrets ?? []).filter { ($0.expiresAt ?? .distantFuture) > now }.map { old in
            SigningSecret(secret: old.secret, expiresAt: min(old.expiresAt ?? .distantFuture, now.addingTimeInterval(grace)))
        }
        secrets = [SigningSecret(secret: fresh)] + kept
        updatedAt = now
        return fresh
    }

    /// The path of the one-click unsubscribe endpoint for this subscription.
    public var unsubscribePath: String? {
        unsubscribeToken.map { "/v1/unsubscribe/\(id).\($0)" }
    }

    public var location: TimeZone { timeZone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")! }

    public static func newID() -> String {
        "sub_" + randomHex(10)
    }

    /// `whsec_` and the base64 of 24 random bytes (Standard Webhooks).
    public static func newSecret() -> String {
        "whsec_" + Data(Secrets.randomBytes(24)).base64EncodedString()
    }

    public static func randomHex(_ bytes: Int) -> String {
        StableID.hex(Secrets.randomBytes(bytes))
    }
}
