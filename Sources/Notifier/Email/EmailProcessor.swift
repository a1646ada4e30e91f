import Foundation
import Logging
import Mailer
import Metrics
import NewsModel
import Pipeline
import RdKafka
import SubscriptionStore
import Subscriptions

/// The email notifier's work on one `alerts.delivery`: a multipart (text and
/// HTML) mail from the templates, with a Message-ID stable per delivery (the
/// same across retries and replays) and one-click `List-Unsubscribe` headers
/// (RFC 8058) pointing at the API's unsubscribe route.
///
/// Nothing goes to an address that has not confirmed (double opt-in). SMTP 4xx
/// replies, timeouts and connection failures are retried on the schedule; a
/// 5xx reply sends the delivery to the dead-letter topic and marks the address
/// as failing (after `disableAfter` of failures the subscription is disabled).
public struct EmailProcessor: StageProcessor {
    public struct Settings: Sendable {
        public var from: EmailAddress
        /// The API's public base URL, for the unsubscribe and confirmation links (no trailing slash).
        public var publicURL: String
        public var disableAfter: TimeInterval = 5 * 86_400

        public init(from: EmailAddress, publicURL: String) {
            self.from = from
            self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        }
    }

    let mirror: SubscriptionMirror
    let transport: any MailTransport
    let templates: MailTemplates
    let flow: DeliveryFlow
    let holding: Holding
    let health: EndpointHealth
    let settings: Settings
    let clock: @Sendable () -> Date
    let logger: Logger

    public init(
        mirror: SubscriptionMirror, store: any EndpointHealthRecords & HeldDigests, transport: any MailTransport, templates: MailTemplates,
        flow: DeliveryFlow = DeliveryFlow(), settings: Settings, clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.mirror = mirror
        self.transport = transport
        self.templates = templates
        self.flow = flow
        self.holding = Holding(store: store, flow: flow)
        self.health = EndpointHealth(store: store)
        self.settings = settings
        self.clock = clock
        self.logger = logger
    }

    public func process(_ message: KafkaConsumerMessage) async throws(StageError) -> [StageOutput] {
        try await flow.handle(message, channel: .email) { try await deliver($0, message) }
    }

    private func deliver(_ request: DeliveryRequest, _ message: KafkaConsumerMessage) async throws -> [StageOutput] {
        let now = clock()
        guard let subscription = try await mirror.subscription(
            request.subscriptionId, rereadUnless: { $0.status == .active && $0.confirmedAt != nil }
        ) else {
            return try flow.notSent(request, reason: "subscription \(request.subscriptionId) was deleted; not sent", at: now)
        }
        guard case .email = subscription.channel, subscription.status == .active else {
            return try flow.notSent(request, reason: "subscription \(subscription.id) is \(subscription.status.rawValue); not sent", at: now)
        }
        guard subscription.confirmedAt != nil else {
            return try flow.notSent(request, reason: "the address has not confirmed the subscription (double opt-in); not sent", at: now)
        }
        if let held = try await holding.holdIfDue(request, for: subscription, at: now) { return held }
        let attempt = await send(subscription, [request], at: now)
        Counter(label: "notify_attempts_total", dimensions: [("channel", "email"), ("outcome", WebhookProcessor.label(attempt.verdict))]).increment()
        Timer(label: "notify_attempt_seconds", dimensions: [("channel", "email")]).recordNanoseconds(Int64(attempt.latencyMs * 1_000_000))
        if attempt.verdict == .delivered {
            let endToEnd = now.timeIntervalSince(request.item.item.fetchedAt)
            if endToEnd >= 0 { Timer(label: "alert_end_to_end_seconds", dimensions: [("channel", "email")]).recordNanoseconds(Int64(endToEnd * 1e9)) }
        }
        return try flow.conclude(
            request, from: message, verdict: attempt.verdict, statusCode: attempt.statusCode, error: attempt.error, latencyMs: attempt.latencyMs, at: now)
    }

    /// Sends one alert, or several as a digest (for ``DigestRunner``).
    public func send(_ subscription: Subscription, _ requests: [DeliveryRequest], at now: Date) async -> DigestRunner.Attempt {
        let start = ContinuousClock.now
        func elapsed() -> Double { millisecondsSince(start) }
        guard case .email(let address) = subscription.channel, let first = requests.first else {
            return DigestRunner.Attempt(verdict: .permanent, statusCode: nil, error: "not an email subscription", latencyMs: 0)
        }
        let unsubscribe = subscription.unsubscribePath.map { settings.publicURL + $0 }
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
            return DigestRunner.Attempt(verdict: .permanent, statusCode: nil, error: "mail not built: \(error)", latencyMs: elapsed())
        }
        do {
            _ = try await transport.send(mail, envelopeSender: nil)
            _ = try? await health.record(subscriptionID: subscription.id, success: true, at: now)
            return DigestRunner.Attempt(verdict: .delivered, statusCode: 250, error: nil, latencyMs: elapsed())
        } catch let error as SMTPError {
            if error.isTransient {
                return DigestRunner.Attempt(verdict: .failed(retryAfter: nil), statusCode: error.replyCode, error: error.message, latencyMs: elapsed())
            }
            // A permanent refusal: the address is failing; for long enough, the subscription is disabled.
            var verdict = DeliveryFlow.Verdict.permanent
            if let since = try? await health.record(subscriptionID: subscription.id, success: false, at: now),
               now.timeIntervalSince(since) >= settings.disableAfter {
                verdict = .disable(reason: "the address has been refused since \(RFC3339Time.format(since)): \(error.message)")
                await mirror.disable(subscription, reason: "the address has been refused since \(RFC3339Time.format(since))", at: now)
            }
            logger.info("email refused", metadata: ["subscription.id": "\(subscription.id)", "smtp.code": "\(error.replyCode ?? 0)"])
            return DigestRunner.Attempt(verdict: verdict, statusCode: error.replyCode, error: error.message, latencyMs: elapsed())
        } catch {
            return DigestRunner.Attempt(verdict: .failed(retryAfter: nil), statusCode: nil, error: "\(error)", latencyMs: elapsed())
        }
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
