import Foundation
import Logging
import Metrics
import NewsModel
import Pipeline
import RdKafka
import SubscriptionStore
import Subscriptions

/// The webhook notifier's work on one `alerts.delivery` (from `alerts.deliveries`
/// or a delay topic): one signed POST, then a receipt and, on failure, the next
/// step of the retry schedule or the dead-letter topic (``DeliveryFlow``).
///
/// Outcomes: 2xx delivered; 410 disables the subscription; 429/503 with
/// Retry-After wait that long (bounded); 3xx (redirects are not followed),
/// other 4xx, 5xx, timeouts and connection errors are retried. An endpoint
/// that has failed without a success for `disableAfter` is disabled. A
/// delivery whose endpoint already has `EndpointGate.limit` deliveries in
/// flight is deferred to the 5 s delay topic without an attempt, so one slow
/// endpoint never fills the stage's window.
public struct WebhookProcessor: StageProcessor {
    public struct Settings: Sendable {
        /// Disable an endpoint that has failed without a success for this long (default 5 days).
        public var disableAfter: TimeInterval = 5 * 86_400
        public init() {}
    }

    let mirror: SubscriptionMirror
    let holding: Holding
    let health: EndpointHealth
    let sender: WebhookSender
    let gate: EndpointGate
    let flow: DeliveryFlow
    let settings: Settings
    let clock: @Sendable () -> Date
    let logger: Logger

    public init(
        mirror: SubscriptionMirror, store: any EndpointHealthRecords & HeldDigests, sender: WebhookSender, gate: EndpointGate, flow: DeliveryFlow = DeliveryFlow(),
        settings: Settings = Settings(), clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.mirror = mirror
        self.holding = Holding(store: store, flow: flow)
        self.health = EndpointHealth(store: store)
        self.sender = sender
        self.gate = gate
        self.flow = flow
        self.settings = settings
        self.clock = clock
        self.logger = logger
    }

    public func process(_ message: KafkaConsumerMessage) async throws(StageError) -> [StageOutput] {
        try await flow.handle(message, channel: .webhook) { try await deliver($0, message) }
    }

    private func deliver(_ request: DeliveryRequest, _ message: KafkaConsumerMessage) async throws -> [StageOutput] {
        let now = clock()
        guard let subscription = try await mirror.subscription(request.subscriptionId, rereadUnless: { $0.status == .active }) else {
            return try flow.notSent(request, reason: "subscription \(request.subscriptionId) was deleted; not sent", at: now)
        }
        guard case .webhook(let url) = subscription.channel else {
            return try flow.notSent(request, reason: "subscription \(subscription.id) has no webhook", at: now)
        }
        guard subscription.status == .active else {
            return try flow.notSent(request, reason: "subscription \(subscription.id) is \(subscription.status.rawValue); not sent", at: now)
        }
        // Digest mode, quiet hours and the rate limit hold an alert for a digest.
        if let held = try await holding.holdIfDue(request, for: subscription, at: now) { return held }
        let endpoint = sender.endpoint(of: url) ?? url
        guard await gate.enter(endpoint) else {
            Counter(label: "notify_deliveries_deferred_total", dimensions: [("channel", "webhook")]).increment()
            return try flow.deferred(request, at: now)
        }
        let payload = WebhookPayload(type: .alert, subscriptionId: subscription.id, sentAt: now, alerts: [WebhookPayload.Alert(request)])
        let body = try payload.encoded()
        let secrets = subscription.signingSecrets(at: now).compactMap(WebhookSecret.init)
        let headers = WebhookSigner.headers(id: request.deliveryId, timestamp: Int64(now.timeIntervalSince1970), body: body, secrets: secrets)
        let result = await sender.post(url, headers: headers, body: body)
        await gate.leave(endpoint)
        return try await conclude(request, message, result, subscription, now)
    }

    /// Sends held alerts as one `digest` body (for ``DigestRunner``); the webhook-id
    /// derives from the subscription and the alerts' delivery ids.
    public func sendDigest(_ subscription: Subscription, _ requests: [DeliveryRequest], at now: Date) async -> DigestRunner.Attempt {
        guard case .webhook(let url) = subscription.channel else {
            return DigestRunner.Attempt(verdict: .permanent, statusCode: nil, error: "not a webhook subscription", latencyMs: 0)
        }
        let payload = WebhookPayload(type: .digest, subscriptionId: subscription.id, sentAt: now, alerts: requests.map(WebhookPayload.Alert.init))
        guard let body = try? payload.encoded() else {
            return DigestRunner.Attempt(verdict: .permanent, statusCode: nil, error: "digest not encodable", latencyMs: 0)
        }
        let id = StableID.make(prefix: "dgs", [subscription.id] + requests.map(\.deliveryId))
        let secrets = subscription.signingSecrets(at: now).compactMap(WebhookSecret.init)
        let result = await sender.post(url, headers: WebhookSigner.headers(id: id, timestamp: Int64(now.timeIntervalSince1970), body: body, secrets: secrets), body: body)
        var verdict = Self.verdict(statusCode: result.statusCode, retryAfter: result.retryAfter)
        if result.error != nil, verdict == .delivered { verdict = .failed(retryAfter: nil) }
        if case .disable(let reason) = verdict { await mirror.disable(subscription, reason: reason, at: now) }
        return DigestRunner.Attempt(verdict: verdict, statusCode: result.statusCode, error: result.error, latencyMs: result.latencyMs)
    }

    private func conclude(
        _ request: DeliveryRequest, _ message: KafkaConsumerMessage, _ result: WebhookSender.Result, _ subscription: Subscription, _ now: Date
    ) async throws -> [StageOutput] {
        var verdict = result.error != nil && result.statusCode.map({ (200..<300).contains($0) }) == true
            ? .failed(retryAfter: nil) : Self.verdict(statusCode: result.statusCode, retryAfter: result.retryAfter)
        let success = verdict == .delivered
        do {
            let failingSince = try await health.record(subscriptionID: subscription.id, success: success, at: now)
            if case .failed = verdict, let failingSince, now.timeIntervalSince(failingSince) >= settings.disableAfter {
                verdict = .disable(reason: "the endpoint has failed without a success since \(RFC3339Time.format(failingSince))")
            }
        } catch {
            logger.warning("endpoint health not recorded", metadata: ["subscription.id": "\(subscription.id)", "error": "\(error)"])
        }
        if case .disable(let reason) = verdict { await mirror.disable(subscription, reason: reason, at: now) }
        Counter(label: "notify_attempts_total", dimensions: [("channel", "webhook"), ("outcome", Self.label(verdict))]).increment()
        Timer(label: "notify_attempt_seconds", dimensions: [("channel", "webhook")]).recordNanoseconds(Int64(result.latencyMs * 1_000_000))
        if success {
            // From the item's first publish to its delivery.
            let endToEnd = now.timeIntervalSince(request.item.item.fetchedAt)
            if endToEnd >= 0 { Timer(label: "alert_end_to_end_seconds", dimensions: [("channel", "webhook")]).recordNanoseconds(Int64(endToEnd * 1e9)) }
        } else {
            logger.info("webhook attempt failed", metadata: [
                "subscription.id": "\(subscription.id)", "delivery.id": "\(request.deliveryId)", "story.id": "\(request.storyId)",
                "attempt": "\(request.attempts.count + 1)", "error": "\(result.error ?? "")",
            ])
        }
        // A Retry-After counts from the answer, not from when the attempt began.
        return try flow.conclude(
            request, from: message, verdict: verdict, statusCode: result.statusCode, error: result.error, latencyMs: result.latencyMs, at: now,
            answeredAt: clock())
    }

    /// An HTTP status (nil: no answer) as a verdict.
    public static func verdict(statusCode: Int?, retryAfter: Double?) -> DeliveryFlow.Verdict {
        guard let statusCode else { return .failed(retryAfter: nil) }
        switch statusCode {
        case 200..<300: return .delivered
        case 410: return .disable(reason: "the endpoint answered 410 Gone")
        case 429, 503: return .failed(retryAfter: retryAfter)
        default: return .failed(retryAfter: nil)
        }
    }

    static func label(_ verdict: DeliveryFlow.Verdict) -> String {
        switch verdict {
        case .delivered: "delivered"
        case .failed: "failed"
        case .permanent: "permanent"
        case .disable: "disabled"
        }
    }
}
