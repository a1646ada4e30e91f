import Foundation
import NewsModel

/// A subscriber's standing order: which items (the filter) and where to send them.
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

    public static func newID() -> String {
        "sub_" + (0..<20).map { _ in String("0123456789abcdef".randomElement()!) }.joined()
    }
}
