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
    /// Stored sealed (``SecretKeyring``); ``secret`` is only read from rows written before secrets
    /// were sealed, until `newsflash secrets rotate-key` seals them.
    public struct SigningSecret: Codable, Sendable, Hashable {
        /// The secret as `nfs1:<key id>:…` ciphertext.
        public var sealed: String?
        /// A legacy plain-text secret.
        public var secret: String?
        /// nil for the current secret; a rotated-out secret stays valid until then.
        public var expiresAt: Date?

        public init(sealed: String, expiresAt: Date? = nil) {
            self.sealed = sealed
            self.expiresAt = expiresAt
        }

        /// A plain-text secret, as rows written before sealing hold them.
        public init(legacySecret: String, expiresAt: Date? = nil) {
            self.secret = legacySecret
            self.expiresAt = expiresAt
        }
    }

    /// The secrets a subscriber sees once, when they are made.
    public struct IssuedCredentials: Sendable, Hashable {
        /// The webhook signing secret (`whsec_…`); nil for email.
        public var signingSecret: String?
        public var unsubscribeToken: String
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
    /// The secret half of the one-click unsubscribe link (`<id>.<token>`), as rows written before
    /// tokens were hashed and sealed hold it; new rows have the next two instead.
    public var unsubscribeToken: String?
    /// SHA-256 of the unsubscribe token: what the API checks a link against.
    public var unsubscribeTokenSHA256: String?
    /// The unsubscribe token sealed (``SecretKeyring``): what the email notifier puts in links.
    public var unsubscribeTokenSealed: String?
    public var modeValue: Mode?
    public var quietHours: QuietHours?
    /// IANA time zone of digests and quiet hours; UTC when nil.
    public var timeZone: String?
    /// At most this many immediate alerts an hour; the rest wait for the next digest.
    public var maxAlertsPerHour: Int?
    /// Why the notifier disabled it.
    public var disabledReason: String?
    /// Where to tell the owner that the endpoint was disabled, once that address confirmed.
    public var contactEmail: String?
    /// When ``contactEmail`` confirmed it wants the notices; nothing is mailed to it before.
    public var contactConfirmedAt: Date?
    /// SHA-256 of the confirmation token mailed to ``contactEmail``.
    public var contactConfirmationTokenSHA256: String?
    /// When that confirmation mail went out (the email notifier sends it once per address).
    public var contactConfirmationSentAt: Date?
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

    /// Makes the subscription's secrets (a webhook's signing secret, the unsubscribe token), stores
    /// them sealed with `keyring` and the token's hash, and returns them in plain text: the one
    /// moment they are shown.
    @discardableResult
    public mutating func issueCredentials(_ keyring: SecretKeyring) -> IssuedCredentials {
        let token = Self.randomHex(16)
        unsubscribeToken = nil
        unsubscribeTokenSHA256 = StableID.sha256Hex(token)
        unsubscribeTokenSealed = keyring.seal(token, for: .unsubscribeToken(id))
        var signing: String?
        if case .webhook = channel {
            let secret = Self.newSecret()
            secrets = [SigningSecret(sealed: keyring.seal(secret, for: .signingSecret(id)))]
            signing = secret
        }
        return IssuedCredentials(signingSecret: signing, unsubscribeToken: token)
    }

    /// The secrets to sign with at `now`, opened with `keyring`: the current one, then rotated-out
    /// ones still in their grace period.
    public func signingSecrets(at now: Date, keyring: some SecretOpening) throws(SecretKeyringError) -> [String] {
        var result: [String] = []
        for secret in secrets ?? [] where (secret.expiresAt ?? .distantFuture) > now {
            if let sealed = secret.sealed {
                result.append(try keyring.open(sealed, for: .signingSecret(id)))
            } else if let legacy = secret.secret {
                result.append(legacy)
            }
        }
        return result
    }

    /// Makes `fresh` the current secret, sealed with `keyring`; the previous ones stay valid for at
    /// most `grace`. Returns the new secret.
    @discardableResult
    public mutating func rotateSecret(to fresh: String = Subscription.newSecret(), grace: TimeInterval, now: Date = Date(), keyring: SecretKeyring) -> String {
        let kept = (secrets ?? []).filter { ($0.expiresAt ?? .distantFuture) > now }.map { old in
            var kept = old
            kept.expiresAt = min(old.expiresAt ?? .distantFuture, now.addingTimeInterval(grace))
            return kept
        }
        secrets = [SigningSecret(sealed: keyring.seal(fresh, for: .signingSecret(id)))] + kept
        updatedAt = now
        return fresh
    }

    /// Whether `token` is this subscription's unsubscribe token (compared by hash, in constant time).
    public func unsubscribeTokenMatches(_ token: String) -> Bool {
        if let digest = unsubscribeTokenSHA256 { return Secrets.constantTimeEqual(StableID.sha256Hex(token), digest) }
        if let legacy = unsubscribeToken { return Secrets.constantTimeEqual(token, legacy) }
        return false
    }

    /// Sets the contact address; a new address must confirm again before it gets a notice.
    public mutating func setContactEmail(_ address: String?) {
        guard address != contactEmail else { return }
        contactEmail = address
        contactConfirmedAt = nil
        contactConfirmationTokenSHA256 = nil
        contactConfirmationSentAt = nil
    }

    /// The path of the one-click unsubscribe endpoint for this subscription (its token opened with `keyring`).
    public func unsubscribePath(keyring: some SecretOpening) throws(SecretKeyringError) -> String? {
        let token: String
        if let sealed = unsubscribeTokenSealed {
            token = try keyring.open(sealed, for: .unsubscribeToken(id))
        } else if let legacy = unsubscribeToken {
            token = legacy
        } else {
            return nil
        }
        return "/v1/unsubscribe/\(id).\(token)"
    }

    /// Seals every secret with the keyring's current key: legacy plain-text secrets and tokens, and
    /// values sealed with an older key. Returns whether anything changed.
    public mutating func reseal(_ keyring: SecretKeyring) throws(SecretKeyringError) -> Bool {
        var changed = false
        if var list = secrets {
            for index in list.indices {
                let plain: String
                if let sealed = list[index].sealed {
                    guard SecretKeyring.keyID(of: sealed) != keyring.current.id else { continue }
                    plain = try keyring.open(sealed, for: .signingSecret(id))
                } else if let legacy = list[index].secret {
                    plain = legacy
                } else {
                    continue
                }
                list[index].sealed = keyring.seal(plain, for: .signingSecret(id))
                list[index].secret = nil
                changed = true
            }
            secrets = list
        }
        if let legacy = unsubscribeToken {
            unsubscribeTokenSHA256 = StableID.sha256Hex(legacy)
            unsubscribeTokenSealed = keyring.seal(legacy, for: .unsubscribeToken(id))
            unsubscribeToken = nil
            changed = true
        } else if let sealed = unsubscribeTokenSealed, SecretKeyring.keyID(of: sealed) != keyring.current.id {
            unsubscribeTokenSealed = keyring.seal(try keyring.open(sealed, for: .unsubscribeToken(id)), for: .unsubscribeToken(id))
            changed = true
        }
        return changed
    }

    /// The keys that sealed this subscription's secrets (empty when nothing is sealed).
    public var sealingKeyIDs: Set<String> {
        var ids = Set((secrets ?? []).compactMap { $0.sealed.flatMap(SecretKeyring.keyID(of:)) })
        if let sealed = unsubscribeTokenSealed, let id = SecretKeyring.keyID(of: sealed) { ids.insert(id) }
        return ids
    }

    /// Whether any secret is still stored in plain text (written before secrets were sealed).
    public var hasPlainTextSecrets: Bool {
        unsubscribeToken != nil || (secrets ?? []).contains { $0.secret != nil }
    }

    /// This subscription without its secrets, sealed or not, or its confirmation token's hash: what a
    /// process that only matches keeps.
    public var withoutCredentials: Subscription {
        var copy = self
        copy.secrets = nil
        copy.unsubscribeToken = nil
        copy.unsubscribeTokenSHA256 = nil
        copy.unsubscribeTokenSealed = nil
        copy.confirmationTokenSHA256 = nil
        copy.contactConfirmationTokenSHA256 = nil
        return copy
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

extension Subscription {
    /// A double opt-in confirmation: of an email subscription's address (before any alert) or of a
    /// subscription's contact address (before any notice). The email notifier mails its link, the
    /// API's `/v1/<route>/<id>.<token>` page confirms it; both go by these fields.
    public struct Confirmation: Sendable {
        public enum Kind: String, Sendable {
            case subscription, contact
        }

        public let kind: Kind
        /// The API route of its link.
        public let route: String
        /// SHA-256 of the token mailed last.
        public let tokenSHA256: WritableKeyPath<Subscription, String?> & Sendable
        /// When that mail went out.
        public let sentAt: WritableKeyPath<Subscription, Date?> & Sendable
        public let confirmedAt: WritableKeyPath<Subscription, Date?> & Sendable
        private let address: @Sendable (Subscription) -> String?

        public static let subscription = Confirmation(
            kind: .subscription, route: "confirm", tokenSHA256: \.confirmationTokenSHA256, sentAt: \.confirmationSentAt,
            confirmedAt: \.confirmedAt, address: { subscription in
                guard case .email(let address) = subscription.channel, subscription.status == .active else { return nil }
                return address
            })
        public static let contact = Confirmation(
            kind: .contact, route: "confirm-contact", tokenSHA256: \.contactConfirmationTokenSHA256, sentAt: \.contactConfirmationSentAt,
            confirmedAt: \.contactConfirmedAt, address: { $0.contactEmail })
        public static let all = [subscription, contact]

        /// The address a confirmation mail is due to: one that has neither confirmed nor been mailed.
        public func due(_ subscription: Subscription) -> String? {
            guard subscription[keyPath: confirmedAt] == nil, subscription[keyPath: sentAt] == nil else { return nil }
            return address(subscription)
        }
    }
}
