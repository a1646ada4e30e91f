import Foundation
import NewsModel
import Subscriptions

/// Webhooks: one signed POST (Standard Webhooks) per alert, or one `digest` body for held alerts.
///
/// Outcomes: 2xx delivered; 410 disables the subscription; 429/503 with Retry-After wait that
/// long (bounded); 3xx (redirects are not followed), other 4xx, 5xx, timeouts and connection
/// errors are retried, and every failure counts towards disabling the subscription. A delivery
/// whose endpoint already has `EndpointGate.limit` deliveries in flight is deferred to the 5 s
/// delay topic without an attempt, so one slow endpoint never fills the stage's window.
public struct WebhookChannel: NotificationChannel {
    let sender: WebhookSender
    let gate: EndpointGate
    /// Opens the subscriptions' sealed signing secrets.
    let keys: SecretKeySource

    public init(sender: WebhookSender, gate: EndpointGate, keys: SecretKeySource) {
        self.sender = sender
        self.gate = gate
        self.keys = keys
    }

    public var kind: DeliveryChannel { .webhook }

    public func notReady(_ subscription: Subscription) -> String? { nil }

    public func withSlot(for subscription: Subscription, _ attempt: () async -> ChannelAttempt) async -> ChannelAttempt? {
        guard case .webhook(let url) = subscription.channel else { return await attempt() }
        let endpoint = sender.endpoint(of: url) ?? url
        guard await gate.enter(endpoint) else { return nil }
        let result = await attempt()
        await gate.leave(endpoint)
        return result
    }

    /// An alert's webhook-id is its delivery id; a digest's derives from the subscription and its alerts' delivery ids.
    public func send(_ subscription: Subscription, _ requests: [DeliveryRequest], asDigest: Bool, at now: Date) async -> ChannelAttempt {
        guard case .webhook(let url) = subscription.channel, let first = requests.first else {
            return ChannelAttempt(verdict: .permanent, statusCode: nil, error: "not a webhook subscription", latencyMs: 0, endpointHealthy: nil)
        }
        let payload = WebhookPayload(
            type: asDigest ? .digest : .alert, subscriptionId: subscription.id, sentAt: now, alerts: requests.map(WebhookPayload.Alert.init))
        guard let body = try? payload.encoded() else {
            return ChannelAttempt(verdict: .permanent, statusCode: nil, error: "payload not encodable", latencyMs: 0, endpointHealthy: nil)
        }
        let id = asDigest ? StableID.make(prefix: "dgs", [subscription.id] + requests.map(\.deliveryId)) : first.deliveryId
        let secrets: [WebhookSecret]
        do {
            secrets = try subscription.signingSecrets(at: now, keyring: keys).compactMap(WebhookSecret.init)
        } catch {
            // Never sent unsigned: retried (and dead-lettered in the end) until the operator gives the key.
            return ChannelAttempt(
                verdict: .failed(retryAfter: nil), statusCode: nil, error: "not signed: \(error)", latencyMs: 0, endpointHealthy: nil)
        }
        guard !secrets.isEmpty else {
            return ChannelAttempt(verdict: .permanent, statusCode: nil, error: "the subscription has no signing secret", latencyMs: 0, endpointHealthy: nil)
        }
        let headers = WebhookSigner.headers(id: id, timestamp: Int64(now.timeIntervalSince1970), body: body, secrets: secrets)
        let result = await sender.post(url, headers: headers, body: body)
        // A 2xx whose body did not arrive in time is not a delivery.
        let verdict = result.error != nil && result.statusCode.map({ (200..<300).contains($0) }) == true
            ? .failed(retryAfter: nil) : Self.verdict(statusCode: result.statusCode, retryAfter: result.retryAfter)
        return ChannelAttempt(
            verdict: verdict, statusCode: result.statusCode, error: result.error, latencyMs: result.latencyMs, endpointHealthy: verdict == .delivered)
    }

    public func disableReason(failingSince since: Date) -> String {
        "the endpoint has failed without a success since \(RFC3339Time.format(since))"
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
}

/// The webhook notifier's stage processor.
public typealias WebhookProcessor = ChannelProcessor<WebhookChannel>
