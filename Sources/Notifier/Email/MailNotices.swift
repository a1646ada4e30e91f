import Foundation
import Logging
import Mailer
import NewsModel
import Subscriptions

/// The mails that are not alerts, sent by the email notifier on a timer:
/// the double opt-in confirmation to every email subscription that has not had
/// one, and the notice to a disabled subscription's contact address.
public struct MailNotices: Sendable {
    let cache: SubscriptionCache
    let transport: any MailTransport
    let templates: MailTemplates
    let settings: EmailProcessor.Settings
    let logger: Logger

    public init(cache: SubscriptionCache, transport: any MailTransport, templates: MailTemplates, settings: EmailProcessor.Settings, logger: Logger) {
        self.cache = cache
        self.transport = transport
        self.templates = templates
        self.settings = settings
        self.logger = logger
    }

    /// Sends what is due; returns how many mails went out.
    @discardableResult
    public func runOnce(now: Date = Date()) async throws -> Int {
        var sent = 0
        for subscription in await cache.all.sorted(by: { $0.createdAt < $1.createdAt }) {
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

    private func confirm(_ subscription: Subscription, _ address: String, _ now: Date) async throws -> Bool {
        let token = Subscription.randomHex(16)
        var updated = subscription
        updated.confirmationTokenSHA256 = StableID.sha256Hex(token)
        updated.confirmationSentAt = now
        try await cache.save(updated)  // the link works once it is mailed
        let link = "\(settings.publicURL)/v1/confirm/\(subscription.id).\(token)"
        do {
            let rendered = try templates.confirmation(ConfirmationContent(subscriptionName: subscription.name, confirmURL: link))
            let mail = try rendered.message(
                from: settings.from, to: [try EmailAddress(address)], messageID: "<confirm.\(subscription.id).\(token.prefix(8))@newsflash>", date: now)
            _ = try await transport.send(mail, envelopeSender: nil)
            logger.info("confirmation mailed", metadata: ["subscription.id": "\(subscription.id)"])
            return true
        } catch {
            // Try again on the next round.
            var retry = updated
            retry.confirmationSentAt = nil
            try? await cache.save(retry)
            logger.warning("confirmation not mailed", metadata: ["subscription.id": "\(subscription.id)", "error": "\(error)"])
            return false
        }
    }

    private func noticeDisabled(_ subscription: Subscription, _ contact: String, _ now: Date) async throws -> Bool {
        let endpoint: String
        switch subscription.channel {
        case .webhook(let url): endpoint = url
        case .email(let address): endpoint = address
        }
        do {
            let rendered = try templates.endpointDisabled(EndpointDisabledContent(
                subscriptionName: subscription.name, endpoint: endpoint, reason: subscription.disabledReason ?? "disabled",
                disabledAt: subscription.updatedAt, manageURL: "\(settings.publicURL)/v1/subscriptions/\(subscription.id)"))
            let mail = try rendered.message(
                from: settings.from, to: [try EmailAddress(contact)], messageID: "<disabled.\(subscription.id)@newsflash>", date: now)
            _ = try await transport.send(mail, envelopeSender: nil)
        } catch {
            logger.warning("disabled notice not mailed", metadata: ["subscription.id": "\(subscription.id)", "error": "\(error)"])
            return false
        }
        var updated = subscription
        updated.disabledNoticeSentAt = now
        try await cache.save(updated)
        return true
    }
}
