import Foundation

/// One news item as a mail shows it; plain values, filled in by the notify stage.
public struct AlertContent: Sendable, Equatable {
    public var title: String
    public var summary: String?
    /// The story's web address; shown as a link in HTML only when it is http or https.
    public var link: String
    /// The source's name ("Reuters", "BBC News").
    public var source: String
    public var regions: [String]
    public var topics: [String]
    /// "flash", "urgent", "routine", …; empty or "routine" shows no label.
    public var urgency: String
    public var published: Date
    /// Why the subscription matched, for a person ("region Europe and topic Economy").
    public var whyMatched: String
    /// A new version of a story the recipient was already alerted about.
    public var isUpdate: Bool
    /// Sent again by a replay, not by the first match.
    public var isReplay: Bool

    public init(
        title: String, summary: String? = nil, link: String, source: String, regions: [String] = [], topics: [String] = [],
        urgency: String = "", published: Date, whyMatched: String, isUpdate: Bool = false, isReplay: Bool = false
    ) {
        self.title = title
        self.summary = summary
        self.link = link
        self.source = source
        self.regions = regions
        self.topics = topics
        self.urgency = urgency
        self.published = published
        self.whyMatched = whyMatched
        self.isUpdate = isUpdate
        self.isReplay = isReplay
    }
}

/// The double opt-in mail: the recipient confirms by opening `confirmURL`.
///
/// It goes to an address that has agreed to nothing yet, so it carries no text a subscriber chose
/// (no subscription name, no filter): nobody can use it to send their words to a stranger.
public struct ConfirmationContent: Sendable, Equatable {
    public enum Purpose: Sendable, Equatable {
        /// News alerts to this address (an email subscription).
        case alerts
        /// Notices about a subscription's delivery problems (its contact address).
        case notices
    }

    public var purpose: Purpose
    public var confirmURL: String
    public var expires: Date?

    public init(purpose: Purpose, confirmURL: String, expires: Date? = nil) {
        self.purpose = purpose
        self.confirmURL = confirmURL
        self.expires = expires
    }
}

/// The notice that deliveries to an endpoint failed too often and it was turned off.
public struct EndpointDisabledContent: Sendable, Equatable {
    public var subscriptionName: String
    /// The webhook URL or address that was disabled.
    public var endpoint: String
    /// The last failure, for a person ("HTTP 503 from https://…").
    public var reason: String
    public var disabledAt: Date
    /// Where the owner can fix and re-enable it.
    public var manageURL: String?

    public init(subscriptionName: String, endpoint: String, reason: String, disabledAt: Date, manageURL: String? = nil) {
        self.subscriptionName = subscriptionName
        self.endpoint = endpoint
        self.reason = reason
        self.disabledAt = disabledAt
        self.manageURL = manageURL
    }
}

/// A rendered mail: a one-line subject, the plain text, and the HTML alternative.
public struct RenderedMail: Sendable, Equatable {
    public var subject: String
    public var text: String
    public var html: String

    /// An ``EmailMessage`` with this content, and List-Unsubscribe headers (one-click, RFC 8058)
    /// when `unsubscribeURL` is given.
    public func message(
        from: EmailAddress, to: [EmailAddress], messageID: String, date: Date = Date(), unsubscribeURL: String? = nil
    ) throws -> EmailMessage {
        var message = EmailMessage(from: from, to: to, subject: subject, date: date, messageID: messageID, text: text, html: html)
        if let unsubscribeURL { try message.setListUnsubscribe(unsubscribeURL) }
        return message
    }
}
