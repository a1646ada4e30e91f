import Foundation
import Logging
import Mailer
import NewsModel
import SubscriptionStore
import Subscriptions

/// The mails that are not alerts, sent by the email notifier on a timer:
/// the double opt-in confirmation to every email subscription that has not had
/// one, and the notice to a disabled subscription's contact address.
public struct MailNotices: Sendable {
    let mirror: SubscriptionMirror
    let transport: any MailTransport
    let templates: MailTemplates
    let settings: EmailChannel.Settings
    let logger: Logger

    public init(mirror: SubscriptionMirror, transport: any MailTransport, templates: MailTemplates, settings: EmailChannel.Settings, logger: Logger) {
        self.mirror = mirror
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
            if case .email(let address) = subscription.channel, subscription.status == .active,
               subscription.confirmedAt == nil, subscription.confirmationSentAt == nil {
                if try await confirm(subscription, address, now) { sent += 1 }
            }
            if subscription.status == .disabled, let contact = subscription.contactEmail, subscription.disabledNoticeSentAt == nil {
                if try await noticeDisabled(subscription, contact, now) { sent += 1 }
            }
        }
        return sent
    }

    /// Claims the confirmation in the store first (one instance wins; a token mailed by another
    /// is never replaced), then mails it; a failed mail gives the claim back for the next round.
    private func confirm(_ subscription: Subscription, _ address: String, _ now: Date) async throws -> Bool {
        let token = Subscription.randomHex(16)
        let digest = StableID.sha256Hex(token)
        let claimed = try await mirror.update(subscription.id) { stored in
            guard stored.status == .active, stored.confirmedAt == nil, stored.confirmationSentAt == nil else { return false }
            stored.confirmationTokenSHA256 = digest  // the link works once it is mailed
            stored.confirmationSentAt = now
            return true
        }
        guard claimed?.changed == true else { return false }
        let link = "\(settings.publicURL)/v1/confirm/\(subscription.id).\(token)"
        do {
            let rendered = try templates.confirmation(ConfirmationContent(subscriptionName: subscription.name, confirmURL: link))
            let mail = try rendered.message(
                from: settings.from, to: [try EmailAddress(address)], messageID: "<confirm.\(subscription.id).\(token.prefix(8))@newsflash>", date: now)
            _ = try await transport.send(mail, envelopeSender: nil)
            logger.info("confirmation mailed", metadata: ["subscription.id": "\(subscription.id)"])
            return true
        } catch {
            // Try again on the next round (unless the address confirmed or a newer token went out meanwhile).
            _ = try? await mirror.update(subscription.id) { stored in
                guard stored.confirmedAt == nil, stored.confirmationTokenSHA256 == digest else { return false }
                stored.confirmationSentAt = nil
                return true
            }
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
