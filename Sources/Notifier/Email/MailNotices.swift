import Foundation
import Logging
import Mailer
import NewsModel
import SubscriptionStore
import Subscriptions
import Synchronization

/// The mails that are not alerts, sent by the email notifier on a timer: the double opt-in
/// confirmation to every email subscription's address and to every contact address that has not
/// had one, and the notice to a disabled subscription's confirmed contact address.
///
/// Confirmations go to addresses that agreed to nothing, so they carry no subscriber-chosen text
/// and each recipient gets at most ``recipientLimit`` of them in ``recipientWindow``, counted in
/// the store across every instance (a subscriber who creates, deletes and creates again still
/// cannot mail an address over and over). A confirmation over the limit waits, and is tried again
/// after ``heldRetry``.
public final class MailNotices: Sendable {
    let mirror: SubscriptionMirror
    let store: any RecipientMailLog
    let transport: any MailTransport
    let templates: MailTemplates
    let settings: EmailChannel.Settings
    let logger: Logger
    public let recipientLimit: Int
    public let recipientWindow: TimeInterval
    public let heldRetry: TimeInterval
    /// Confirmations over the limit, by subscription and kind: not tried again before then.
    private let held = Mutex<[String: Date]>([:])

    public init(
        mirror: SubscriptionMirror, store: any RecipientMailLog, transport: any MailTransport, templates: MailTemplates,
        settings: EmailChannel.Settings, logger: Logger, recipientLimit: Int = 3, recipientWindow: TimeInterval = 86_400,
        heldRetry: TimeInterval = 600
    ) {
        self.recipientLimit = recipientLimit
        self.recipientWindow = recipientWindow
        self.heldRetry = heldRetry
        self.mirror = mirror
        self.store = store
        self.transport = transport
        self.templates = templates
        self.settings = settings
        self.logger = logger
    }

    /// Sends what is due; returns how many mails went out.
    @discardableResult
    public func runOnce(now: Date = Date()) async throws -> Int {
        var sent = 0
        for subscription in await mirror.all.sorted(by: { $0.createdAt < $1.createdAt }) {
            for confirmation in Subscription.Confirmation.all {
                if let address = confirmation.due(subscription), try await confirm(confirmation, subscription, address, now) { sent += 1 }
            }
            if subscription.status == .disabled, let contact = subscription.contactEmail, subscription.contactConfirmedAt != nil,
               subscription.disabledNoticeSentAt == nil {
                if try await noticeDisabled(subscription, contact, now) { sent += 1 }
            }
        }
        return sent
    }

    /// Takes a place in the recipient's allowance, then claims the confirmation in the store (one
    /// instance wins; a token mailed by another is never replaced), then mails it; a failed mail
    /// gives both back for the next round.
    private func confirm(_ kind: Subscription.Confirmation, _ subscription: Subscription, _ address: String, _ now: Date) async throws -> Bool {
        let heldKey = "\(subscription.id)/\(kind.kind.rawValue)"
        if let until = held.withLock({ $0[heldKey] }), until > now { return false }
        guard try await store.claimRecipientMail(recipient: address, at: now, window: recipientWindow, limit: recipientLimit) else {
            held.withLock { $0[heldKey] = now.addingTimeInterval(heldRetry) }
            logger.notice(
                "confirmation held: the address already got the most confirmation mails allowed",
                metadata: ["subscription.id": "\(subscription.id)", "confirmation": "\(kind.kind.rawValue)", "limit": "\(recipientLimit) a day"])
            return false
        }
        held.withLock { $0[heldKey] = nil }
        let token = Subscription.randomHex(16)
        let digest = StableID.sha256Hex(token)
        let claimed = try await mirror.update(subscription.id) { stored in
            guard kind.due(stored) == address else { return false }
            stored[keyPath: kind.tokenSHA256] = digest  // the link works once it is mailed
            stored[keyPath: kind.sentAt] = now
            return true
        }
        guard claimed?.changed == true else {
            try? await store.releaseRecipientMail(recipient: address, at: now)
            return false
        }
        let link = "\(settings.publicURL)/v1/\(kind.route)/\(subscription.id).\(token)"
        do {
            let rendered = try templates.confirmation(ConfirmationContent(purpose: kind.kind == .contact ? .notices : .alerts, confirmURL: link))
            let mail = try rendered.message(
                from: settings.from, to: [try EmailAddress(address)], messageID: "<\(kind.route).\(subscription.id).\(token.prefix(8))@newsflash>",
                date: now)
            _ = try await transport.send(mail, envelopeSender: nil)
            logger.info("confirmation mailed", metadata: ["subscription.id": "\(subscription.id)", "confirmation": "\(kind.kind.rawValue)"])
            return true
        } catch {
            // Try again on the next round (unless the address confirmed or a newer token went out meanwhile).
            _ = try? await mirror.update(subscription.id) { stored in
                guard stored[keyPath: kind.confirmedAt] == nil, stored[keyPath: kind.tokenSHA256] == digest else { return false }
                stored[keyPath: kind.sentAt] = nil
                return true
            }
            try? await store.releaseRecipientMail(recipient: address, at: now)
            logger.warning("confirmation not mailed", metadata: ["subscription.id": "\(subscription.id)", "error": "\(error)"])
            return false
        }
    }

    /// Claims the notice in the store first, so that one instance sends it; a failed mail gives the
    /// claim back. (A crash between the claim and the mail loses this one notice.)
    private func noticeDisabled(_ subscription: Subscription, _ contact: String, _ now: Date) async throws -> Bool {
        let claimed = try await mirror.update(subscription.id) { stored in
            guard stored.status == .disabled, stored.disabledNoticeSentAt == nil else { return false }
            stored.disabledNoticeSentAt = now
            return true
        }
        guard let claimed, claimed.changed else { return false }
        let disabled = claimed.subscription
        let endpoint: String
        switch disabled.channel {
        case .webhook(let url): endpoint = url
        case .email(let address): endpoint = address
        }
        do {
            let rendered = try templates.endpointDisabled(EndpointDisabledContent(
                subscriptionName: disabled.name, endpoint: endpoint, reason: disabled.disabledReason ?? "disabled",
                disabledAt: disabled.updatedAt, manageURL: "\(settings.publicURL)/v1/subscriptions/\(disabled.id)"))
            let mail = try rendered.message(
                from: settings.from, to: [try EmailAddress(contact)], messageID: "<disabled.\(disabled.id)@newsflash>", date: now)
            _ = try await transport.send(mail, envelopeSender: nil)
        } catch {
            _ = try? await mirror.update(subscription.id) { stored in
                guard stored.disabledNoticeSentAt == now else { return false }
                stored.disabledNoticeSentAt = nil
                return true
            }
            logger.warning("disabled notice not mailed", metadata: ["subscription.id": "\(subscription.id)", "error": "\(error)"])
            return false
        }
        return true
    }
}
