import Foundation
import Hummingbird
import NewsModel
import Subscriptions

/// A subscription as the API shows it.
struct SubscriptionView: ResponseEncodable, Codable {
    struct Channel: Codable {
        var webhook: String?
        var email: String?
    }

    var id: String
    var name: String
    var filter: String
    var channel: Channel
    var minimumUrgency: String
    var status: String
    var createdAt: String
    var updatedAt: String

    init(_ subscription: Subscription) {
        id = subscription.id
        name = subscription.name
        filter = subscription.filter
        switch subscription.channel {
        case .webhook(let url): channel = Channel(webhook: url, email: nil)
        case .email(let address): channel = Channel(webhook: nil, email: address)
        }
        minimumUrgency = subscription.minimumUrgency.rawValue
        status = subscription.status.rawValue
        createdAt = RFC3339Time.format(subscription.createdAt)
        updatedAt = RFC3339Time.format(subscription.updatedAt)
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

/// The body of `POST /v1/subscriptions`.
struct SubscriptionInput: Decodable {
    var name: String
    var filter: String
    var channel: SubscriptionView.Channel
    var minimumUrgency: String?

    func makeSubscription(parser: FilterParser, owner: String) throws -> Subscription {
        let name = self.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(name.count) else { throw HTTPError(.badRequest, message: "name must be 1 to 200 characters") }
        try checkFilter(filter, parser)
        return Subscription(
            name: name, filter: filter, channel: try Self.channel(channel), minimumUrgency: try Self.urgency(minimumUrgency ?? "routine"),
            ownerKeyID: owner)
    }

    static func channel(_ input: SubscriptionView.Channel) throws -> Subscription.Channel {
        switch (input.webhook, input.email) {
        case (let url?, nil):
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil, url.count <= 2048 else {
                throw HTTPError(.badRequest, message: "channel.webhook must be an absolute http(s) URL")
            }
            return .webhook(url: url)
        case (nil, let address?):
            let parts = address.split(separator: "@")
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), address.count <= 254,
                  !address.contains(where: { $0.isWhitespace || $0 == "\r" || $0 == "\n" || $0 == "<" || $0 == ">" })
            else { throw HTTPError(.badRequest, message: "channel.email must be an email address") }
            return .email(address: address)
        default:
            throw HTTPError(.badRequest, message: "channel needs exactly one of webhook and email")
        }
    }

    static func urgency(_ text: String) throws -> Urgency {
        guard let value = Urgency(rawValue: text) else { throw HTTPError(.badRequest, message: "minimumUrgency must be routine, urgent or flash") }
        return value
    }
}

/// The body of `PATCH /v1/subscriptions/{id}`: only the fields given change.
struct SubscriptionPatch: Decodable {
    var name: String?
    var filter: String?
    var minimumUrgency: String?
    var status: String?

    func apply(to subscription: inout Subscription, parser: FilterParser) throws {
        if let name {
            guard (1...200).contains(name.count) else { throw HTTPError(.badRequest, message: "name must be 1 to 200 characters") }
            subscription.name = name
        }
        if let filter {
            try checkFilter(filter, parser)
            subscription.filter = filter
        }
        if let minimumUrgency { subscription.minimumUrgency = try SubscriptionInput.urgency(minimumUrgency) }
        if let status {
            guard let value = Subscription.Status(rawValue: status) else { throw HTTPError(.badRequest, message: "status must be active or paused") }
            subscription.status = value
        }
        subscription.updatedAt = Date()
    }
}

func checkFilter(_ filter: String, _ parser: FilterParser) throws {
    do {
        _ = try parser.parse(filter)
    } catch let error as FilterSyntaxError {
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
