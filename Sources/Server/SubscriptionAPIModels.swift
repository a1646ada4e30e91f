import Foundation
import Hummingbird
import NewsModel
import SubscriptionStore
import Subscriptions

/// A subscription as the API shows it. `secret` is present only in the answer
/// that created it (or rotated it): it is shown once.
public struct SubscriptionView: ResponseEncodable, Codable, Sendable {
    public struct Channel: Codable, Sendable {
        public var webhook: String?
        public var email: String?

        public init(webhook: String?, email: String?) {
            self.webhook = webhook
            self.email = email
        }
    }

    public struct Quiet: Codable, Sendable {
        public var start, end: String
        public var allowFlash: Bool?

        public init(start: String, end: String, allowFlash: Bool?) {
            self.start = start
            self.end = end
            self.allowFlash = allowFlash
        }
    }

    public var id, name, filter: String
    public var channel: Channel
    public var minimumUrgency: String
    public var status: String
    public var disabledReason: String?
    /// Email: whether the address confirmed (double opt-in); nothing is sent before.
    public var confirmed: Bool?
    public var mode: String
    public var digestTime: String?
    public var timeZone: String
    public var quietHours: Quiet?
    public var maxAlertsPerHour: Int?
    public var contactEmail: String?
    /// With a contact address: whether it confirmed; it gets no notice before.
    public var contactConfirmed: Bool?
    public var secret: String?
    public var createdAt: String
    public var updatedAt: String

    public init(_ subscription: Subscription, secret: String? = nil) {
        id = subscription.id
        name = subscription.name
        filter = subscription.filter
        switch subscription.channel {
        case .webhook(let url):
            channel = Channel(webhook: url, email: nil)
        case .email(let address):
            channel = Channel(webhook: nil, email: address)
            confirmed = subscription.confirmedAt != nil
        }
        minimumUrgency = subscription.minimumUrgency.rawValue
        status = subscription.status.rawValue
        disabledReason = subscription.disabledReason
        switch subscription.mode {
        case .immediate: mode = "immediate"
        case .hourly(let minute): mode = "hourly"; digestTime = Clock.format(minute)
        case .daily(let hour, let minute): mode = "daily"; digestTime = Clock.format(hour * 60 + minute)
        }
        timeZone = subscription.location.identifier
        quietHours = subscription.quietHours.map { Quiet(start: Clock.format($0.startMinute), end: Clock.format($0.endMinute), allowFlash: $0.allowFlash) }
        maxAlertsPerHour = subscription.maxAlertsPerHour
        contactEmail = subscription.contactEmail
        contactConfirmed = subscription.contactEmail == nil ? nil : subscription.contactConfirmedAt != nil
        self.secret = secret
        createdAt = RFC3339Time.format(subscription.createdAt)
        updatedAt = RFC3339Time.format(subscription.updatedAt)
    }
}

/// `HH:MM` <-> minutes after midnight.
enum Clock {
    static func format(_ minutes: Int) -> String {
        let hours = minutes / 60, rest = minutes % 60
        return (hours < 10 ? "0" : "") + String(hours) + ":" + (rest < 10 ? "0" : "") + String(rest)
    }

    static func parse(_ text: String, field: String) throws -> Int {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts.allSatisfy({ $0.utf8.count == 2 && $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }),
              let hours = Int(parts[0]), let minutes = Int(parts[1]),
              (0..<24).contains(hours), (0..<60).contains(minutes)
        else { throw HTTPError(.badRequest, message: "\(field) must be a time of day as HH:MM (24-hour), not \(text)") }
        return hours * 60 + minutes
    }
}

struct SubscriptionList: ResponseEncodable {
    var subscriptions: [SubscriptionView]
}

struct FilterInput: Decodable {
    var filter: String
}

struct FilterCheck: ResponseEncodable {
    var valid: Bool
    var position: Int?
    var message: String?
}

/// The fields a subscription's owner may set, on create (`POST`) and change (`PATCH`).
public struct SubscriptionSettings: Decodable, Sendable {
    public var name: String?
    public var filter: String?
    public var channel: SubscriptionView.Channel?
    public var minimumUrgency: String?
    public var status: String?
    public var mode: String?
    public var digestTime: String?
    public var timeZone: String?
    public var quietHours: SubscriptionView.Quiet?
    /// `PATCH` with `"clearQuietHours": true` removes them.
    public var clearQuietHours: Bool?
    public var maxAlertsPerHour: Int?
    public var contactEmail: String?

    public init() {}

    public func makeSubscription(parser: FilterParser, owner: String?, now: Date = Date()) throws -> Subscription {
        guard let name else { throw HTTPError(.badRequest, message: "invalid JSON body: missing name") }
        guard let filter else { throw HTTPError(.badRequest, message: "invalid JSON body: missing filter") }
        guard let channel else { throw HTTPError(.badRequest, message: "invalid JSON body: missing channel") }
        guard status == nil || status == "active" || status == "paused" else { throw HTTPError(.badRequest, message: "status must be active or paused") }
        var subscription = Subscription(name: name, filter: filter, channel: try Self.channel(channel), ownerKeyID: owner, createdAt: now, updatedAt: now)
        try apply(to: &subscription, parser: parser, now: now)
        return subscription
    }

    /// Applies the fields given; the others stay as they are.
    public func apply(to subscription: inout Subscription, parser: FilterParser, now: Date = Date()) throws {
        if let name {
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            // Characters as JSON Schema counts them (code points), as the API's schema says.
            guard (1...200).contains(trimmed.unicodeScalars.count) else { throw HTTPError(.badRequest, message: "name must be 1 to 200 characters") }
            // A name goes into mail subjects and headers: no line breaks or other control characters.
            guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" }) else {
                throw HTTPError(.badRequest, message: "name must not contain line breaks or other control characters")
            }
            subscription.name = trimmed
        }
        if let filter {
            try checkFilter(filter, parser)
            subscription.filter = filter
        }
        if channel != nil, subscription.createdAt != now {
            throw HTTPError(.badRequest, message: "the channel cannot change; create a new subscription for another endpoint or address")
        }
        if let minimumUrgency { subscription.minimumUrgency = try Self.urgency(minimumUrgency) }
        if let status {
            guard let value = Subscription.Status(rawValue: status), value != .disabled else {
                throw HTTPError(.badRequest, message: "status must be active or paused")
            }
            subscription.status = value
            subscription.disabledReason = nil
        }
        if let timeZone {
            guard TimeZone(identifier: timeZone) != nil else {
                throw HTTPError(.badRequest, message: "timeZone must be an IANA time zone such as Europe/Paris, not \(timeZone)")
            }
            subscription.timeZone = timeZone
        }
        if mode != nil || digestTime != nil {
            subscription.mode = try Self.mode(mode ?? Self.modeName(subscription.mode), digestTime)
        }
        if clearQuietHours == true { subscription.quietHours = nil }
        if let quietHours {
            subscription.quietHours = Subscription.QuietHours(
                startMinute: try Clock.parse(quietHours.start, field: "quietHours.start"),
                endMinute: try Clock.parse(quietHours.end, field: "quietHours.end"), allowFlash: quietHours.allowFlash ?? true)
        }
        if let maxAlertsPerHour {
            guard (0...10_000).contains(maxAlertsPerHour) else { throw HTTPError(.badRequest, message: "maxAlertsPerHour must be 0 (no limit) to 10000") }
            subscription.maxAlertsPerHour = maxAlertsPerHour == 0 ? nil : maxAlertsPerHour
        }
        if let contactEmail {
            subscription.setContactEmail(contactEmail.isEmpty ? nil : try Self.emailAddress(contactEmail, field: "contactEmail"))
        }
        subscription.updatedAt = now
    }

    static func modeName(_ mode: Subscription.Mode) -> String {
        switch mode {
        case .immediate: "immediate"
        case .hourly: "hourly"
        case .daily: "daily"
        }
    }

    static func mode(_ name: String, _ time: String?) throws -> Subscription.Mode {
        // A digestTime is checked whatever the mode (an immediate subscription ignores it, but a bad one is still refused).
        if let time { _ = try Clock.parse(time, field: "digestTime") }
        switch name {
        case "immediate":
            return .immediate
        case "hourly":
            let minutes = try time.map { try Clock.parse($0, field: "digestTime") } ?? 0
            return .hourly(minute: minutes % 60)
        case "daily":
            guard let time else { throw HTTPError(.badRequest, message: "mode daily needs digestTime, the local time of day as HH:MM") }
            let minutes = try Clock.parse(time, field: "digestTime")
            return .daily(hour: minutes / 60, minute: minutes % 60)
        default:
            throw HTTPError(.badRequest, message: "mode must be immediate, hourly or daily")
        }
    }

    static func channel(_ input: SubscriptionView.Channel) throws -> Subscription.Channel {
        switch (input.webhook, input.email) {
        case (let url?, nil):
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil, url.count <= 2048 else {
                throw HTTPError(.badRequest, message: "channel.webhook must be an absolute http(s) URL")
            }
            return .webhook(url: url)
        case (nil, let address?):
            return .email(address: try emailAddress(address, field: "channel.email"))
        default:
            throw HTTPError(.badRequest, message: "channel needs exactly one of webhook and email")
        }
    }

    static func emailAddress(_ address: String, field: String) throws -> String {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), address.count <= 254,
              !address.contains(where: { $0.isWhitespace || $0.isNewline || $0 == "<" || $0 == ">" || $0 == "," || $0 == "\0" })
        else { throw HTTPError(.badRequest, message: "\(field) must be an email address") }
        return address
    }

    static func urgency(_ text: String) throws -> Urgency {
        guard let value = Urgency(rawValue: text) else { throw HTTPError(.badRequest, message: "minimumUrgency must be routine, urgent or flash") }
        return value
    }
}

/// The body of `POST /v1/subscriptions/{id}/secret/rotate`.
struct RotationInput: Decodable {
    /// How long the previous secret stays valid; default one day, at most seven.
    var graceSeconds: Int?
}

struct RotationResult: ResponseEncodable {
    var secret: String
    var previousSecretExpiresAt: String
}

/// The body of `POST /v1/filters/test`.
struct FilterTestInput: Decodable {
    var filter: String
    var limit: Int?
}

struct FilterTestResult: ResponseEncodable {
    struct Hit: Encodable {
        var itemId, storyId, title, source: String
        var regions, topics: [String]
        var urgency: String
        var matchedTerms: [String]
        var publishedAt: String?
    }

    /// How many recent items the filter ran against.
    var checked: Int
    var matches: [Hit]
}

/// The body of `POST /v1/subscriptions/{id}/rewind`.
struct RewindInput: Decodable {
    /// RFC 3339: re-match the retained items since then.
    var since: String
}

struct DeliveryLog: ResponseEncodable {
    struct Entry: Encodable {
        var deliveryId, storyId: String
        var version, attempt: Int
        var outcome: String
        var statusCode: Int?
        var error: String?
        var latencyMs: Double
        var attemptedAt: String
        var nextAttemptAt: String?
    }

    var deliveries: [Entry]
}

func checkFilter(_ filter: String, _ parser: FilterParser) throws {
    do {
        _ = try parser.parse(filter)
    } catch {
        throw HTTPError(.badRequest, message: "invalid filter at position \(error.position): \(error.message)")
    }
}

enum APIErrorText {
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing \((path(context).isEmpty ? "" : path(context) + ".") + key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(path(context)) has the wrong type"
        case .dataCorrupted(let context): return context.debugDescription
        @unknown default: return "\(error)"
        }
    }
}

/// An API key as `GET /v1/keys` shows it: never its secret.
struct KeyView: ResponseEncodable {
    var id: String
    var role: String
    var createdAt: String
    var revokedAt: String?

    init(_ record: APIKeyRecord) {
        id = record.key.id
        role = record.key.role.rawValue
        createdAt = RFC3339Time.format(record.createdAt)
        revokedAt = record.revokedAt.map(RFC3339Time.format)
    }
}

struct KeyList: ResponseEncodable {
    var keys: [KeyView]
}

/// The answer to `POST /v1/keys/{id}/rotate`: the new secret, shown this once.
struct KeyRotation: ResponseEncodable {
    var id: String
    var role: String
    var secret: String
}
