import Foundation
import Logging
import Mailer
import NewsModel
import Subscriptions

/// Email: a multipart (text and HTML) mail from the templates, with a Message-ID stable per
/// delivery (the same across retries and replays) and one-click `List-Unsubscribe` headers
/// (RFC 8058) pointing at the API's unsubscribe route; several held alerts go as one digest mail.
///
/// Nothing goes to an address that has not confirmed (double opt-in). SMTP 4xx replies, timeouts
/// and connection failures are retried on the schedule and say nothing of the address; a 5xx reply
/// sends the delivery to the dead-letter topic and counts towards disabling the subscription.
public struct EmailChannel: NotificationChannel {
    public struct Settings: Sendable {
        public var from: EmailAddress
        /// The API's public base URL, for the unsubscribe and confirmation links (no trailing slash).
        public var publicURL: String

        public init(from: EmailAddress, publicURL: String) {
            self.from = from
            self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        }
    }

    let transport: any MailTransport
    let templates: MailTemplates
    let settings: Settings
    /// Opens the subscriptions' sealed unsubscribe tokens.
    let keys: SecretKeySource
    let logger: Logger

    public init(transport: any MailTransport, templates: MailTemplates, settings: Settings, keys: SecretKeySource, logger: Logger) {
        self.transport = transport
        self.templates = templates
        self.settings = settings
        self.keys = keys
        self.logger = logger
    }

    public var kind: DeliveryChannel { .email }

    public func notReady(_ subscription: Subscription) -> String? {
        subscription.confirmedAt == nil ? "the address has not confirmed the subscription (double opt-in); not sent" : nil
    }

    /// One alert as an alert mail whose Message-ID derives from its delivery id; several as a digest.
    public func send(_ subscription: Subscription, _ requests: [DeliveryRequest], asDigest: Bool, at now: Date) async -> ChannelAttempt {
        let start = ContinuousClock.now
        func elapsed() -> Double { millisecondsSince(start) }
        guard case .email(let address) = subscription.channel, let first = requests.first else {
            return ChannelAttempt(verdict: .permanent, statusCode: nil, error: "not an email subscription", latencyMs: 0, endpointHealthy: nil)
        }
        let unsubscribe: String?
        do {
            unsubscribe = try subscription.unsubscribePath(keyring: keys).map { settings.publicURL + $0 }
        } catch {
            // Not sent without its unsubscribe link: retried until the operator gives the key.
            return ChannelAttempt(verdict: .failed(retryAfter: nil), statusCode: nil, error: "no unsubscribe link: \(error)", latencyMs: 0, endpointHealthy: nil)
        }
        let mail: EmailMessage
        do {
            let contents = requests.map(Self.content)
            let rendered = requests.count == 1
                ? try templates.alert(contents[0], unsubscribeURL: unsubscribe ?? "")
                : try templates.digest(contents, subscriptionName: subscription.name, unsubscribeURL: unsubscribe ?? "")
            let id = requests.count == 1 ? first.deliveryId : StableID.make(prefix: "dgs", [subscription.id] + requests.map(\.deliveryId))
            mail = try rendered.message(
                from: settings.from, to: [try EmailAddress(address)], messageID: EmailMessage.messageID(deliveryID: id), date: now,
                unsubscribeURL: unsubscribe)
        } catch {
            // A header value with CR/LF, an invalid address: never sendable.
            return ChannelAttempt(verdict: .permanent, statusCode: nil, error: "mail not built: \(error)", latencyMs: elapsed(), endpointHealthy: nil)
        }
        do {
            _ = try await transport.send(mail, envelopeSender: nil)
            return ChannelAttempt(verdict: .delivered, statusCode: 250, error: nil, latencyMs: elapsed(), endpointHealthy: true)
        } catch let error as SMTPError {
            if error.isTransient {
                return ChannelAttempt(
                    verdict: .failed(retryAfter: nil), statusCode: error.replyCode, error: error.message, latencyMs: elapsed(), endpointHealthy: nil)
            }
            logger.info("email refused", metadata: ["subscription.id": "\(subscription.id)", "smtp.code": "\(error.replyCode ?? 0)"])
            return ChannelAttempt(verdict: .permanent, statusCode: error.replyCode, error: error.message, latencyMs: elapsed(), endpointHealthy: false)
        } catch {
            return ChannelAttempt(verdict: .failed(retryAfter: nil), statusCode: nil, error: "\(error)", latencyMs: elapsed(), endpointHealthy: nil)
        }
    }

    public func disableReason(failingSince since: Date) -> String {
        "the address has been refused since \(RFC3339Time.format(since))"
    }

    static func content(_ request: DeliveryRequest) -> AlertContent {
        let item = request.item.item
        let why = "your filter \(request.match.filter)" + (request.match.matchedTerms.isEmpty ? "" : " matched " + request.match.matchedTerms.joined(separator: ", "))
        return AlertContent(
            title: item.title, summary: item.summary.isEmpty ? nil : item.summary, link: item.url ?? "", source: item.sourceId,
            regions: request.item.regions.map(\.label), topics: request.item.topics.map(\.label), urgency: request.item.urgency.rawValue,
            published: item.publishedAt ?? item.fetchedAt, whyMatched: why, isUpdate: request.isUpdate, isReplay: request.isReplay)
    }
}

/// The email notifier's stage processor.
public typealias EmailProcessor = ChannelProcessor<EmailChannel>
