import Foundation
import Logging
import Metrics
import NewsModel
import Pipeline
import RdKafka
import SubscriptionStore
import Subscriptions

/// What one notifier channel does its own way: how it reaches a subscription (``WebhookChannel``,
/// ``EmailChannel``). Everything around that is ``ChannelProcessor``'s, the same for every channel:
/// looking the subscription up, holding alerts for digests, endpoint health and disabling a
/// subscription that keeps failing, metrics, receipts, retries and dead letters.
public protocol NotificationChannel: Sendable {
    var kind: DeliveryChannel { get }
    /// Why an active subscription of this channel cannot be sent to yet (email: not confirmed); nil when it can.
    func notReady(_ subscription: Subscription) -> String?
    /// Runs `attempt` when the subscription's endpoint has room, or returns nil when it has none
    /// (the delivery is deferred without an attempt).
    func withSlot(for subscription: Subscription, _ attempt: () async -> ChannelAttempt) async -> ChannelAttempt?
    /// One attempt: one alert, or several held alerts as a digest.
    func send(_ subscription: Subscription, _ requests: [DeliveryRequest], asDigest: Bool, at now: Date) async -> ChannelAttempt
    /// Why a subscription whose endpoint has failed without a success since `since` is disabled.
    func disableReason(failingSince since: Date) -> String
}

extension NotificationChannel {
    public func withSlot(for subscription: Subscription, _ attempt: () async -> ChannelAttempt) async -> ChannelAttempt? { await attempt() }
}

/// One attempt's result, as a channel reports it.
public struct ChannelAttempt: Sendable {
    public var verdict: DeliveryFlow.Verdict
    public var statusCode: Int?
    public var error: String?
    public var latencyMs: Double
    /// What the attempt says of the endpoint: true a success, false a failure that counts
    /// towards disabling the subscription, nil neither (a transient SMTP reply, a mail that
    /// could not be built).
    public var endpointHealthy: Bool?

    public init(verdict: DeliveryFlow.Verdict, statusCode: Int?, error: String?, latencyMs: Double, endpointHealthy: Bool?) {
        self.verdict = verdict
        self.statusCode = statusCode
        self.error = error
        self.latencyMs = latencyMs
        self.endpointHealthy = endpointHealthy
    }
}

/// A notifier's work on one `alerts.delivery` (from `alerts.deliveries` or a delay topic), for
/// any channel: the subscription as the mirror has it (read again when it looks unusable: match
/// may have seen a newer version), held for a digest when digest mode, quiet hours or the rate
/// limit say so, deferred when the endpoint has no room, otherwise one attempt; then a receipt
/// and, on failure, the next step of the retry schedule or the dead-letter topic
/// (``DeliveryFlow``). An endpoint that has failed without a success for `disableAfter` gets its
/// subscription disabled. ``sendDigest(_:_:at:)`` makes the same attempt for ``DigestRunner``.
public struct ChannelProcessor<Channel: NotificationChannel>: StageProcessor {
    public let channel: Channel
    let mirror: SubscriptionMirror
    let holding: Holding
    let health: EndpointHealth
    let flow: DeliveryFlow
    /// Disable a subscription whose endpoint has failed without a success for this long.
    let disableAfter: TimeInterval
    let clock: @Sendable () -> Date
    let logger: Logger

    public init(
        channel: Channel, mirror: SubscriptionMirror, store: any EndpointHealthRecords & HeldDigests, flow: DeliveryFlow = DeliveryFlow(),
        disableAfter: TimeInterval = 5 * 86_400, clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.channel = channel
        self.mirror = mirror
        self.holding = Holding(store: store, flow: flow)
        self.health = EndpointHealth(store: store)
        self.flow = flow
        self.disableAfter = disableAfter
        self.clock = clock
        self.logger = logger
    }

    private var dimension: (String, String) { ("channel", channel.kind.rawValue) }

    public func process(_ message: KafkaConsumerMessage) async throws(StageError) -> [StageOutput] {
        try await flow.handle(message, channel: channel.kind) { try await deliver($0, message) }
    }

    private func deliver(_ request: DeliveryRequest, _ message: KafkaConsumerMessage) async throws -> [StageOutput] {
        let now = clock()
        guard let subscription = try await mirror.subscription(
            request.subscriptionId, rereadUnless: { $0.status == .active && channel.notReady($0) == nil })
        else {
            return try flow.notSent(request, reason: "subscription \(request.subscriptionId) was deleted; not sent", at: now)
        }
        guard subscription.channel.kind == channel.kind else {
            return try flow.notSent(request, reason: "subscription \(subscription.id) is not a \(channel.kind.rawValue) subscription", at: now)
        }
        guard subscription.status == .active else {
            return try flow.notSent(request, reason: "subscription \(subscription.id) is \(subscription.status.rawValue); not sent", at: now)
        }
        if let reason = channel.notReady(subscription) { return try flow.notSent(request, reason: reason, at: now) }
        if let held = try await holding.holdIfDue(request, for: subscription, at: now) { return held }
        guard let attempt = await channel.withSlot(for: subscription, { await self.attempt(subscription, [request], asDigest: false, at: now) }) else {
            Counter(label: "notify_deliveries_deferred_total", dimensions: [dimension]).increment()
            return try flow.deferred(request, at: now)
        }
        if attempt.verdict == .delivered {
            // From the item's first publish to its delivery.
            let endToEnd = now.timeIntervalSince(request.item.item.fetchedAt)
            if endToEnd >= 0 { Timer(label: "alert_end_to_end_seconds", dimensions: [dimension]).recordNanoseconds(Int64(endToEnd * 1e9)) }
        } else {
            logger.info("\(channel.kind.rawValue) attempt failed", metadata: [
                "subscription.id": "\(subscription.id)", "delivery.id": "\(request.deliveryId)", "story.id": "\(request.storyId)",
                "attempt": "\(request.attempts.count + 1)", "error": "\(attempt.error ?? "")",
            ])
        }
        // A Retry-After counts from the answer, not from when the attempt began.
        return try flow.conclude(
            request, from: message, verdict: attempt.verdict, statusCode: attempt.statusCode, error: attempt.error, latencyMs: attempt.latencyMs,
            at: now, answeredAt: clock())
    }

    /// Sends held alerts as one digest (for ``DigestRunner``).
    public func sendDigest(_ subscription: Subscription, _ requests: [DeliveryRequest], at now: Date) async -> ChannelAttempt {
        await attempt(subscription, requests, asDigest: true, at: now)
    }

    /// One attempt with its consequences for the subscription: endpoint health, disabling, metrics.
    private func attempt(_ subscription: Subscription, _ requests: [DeliveryRequest], asDigest: Bool, at now: Date) async -> ChannelAttempt {
        var attempt = await channel.send(subscription, requests, asDigest: asDigest, at: now)
        if let healthy = attempt.endpointHealthy {
            do {
                let failingSince = try await health.record(subscriptionID: subscription.id, success: healthy, at: now)
                if let failingSince, now.timeIntervalSince(failingSince) >= disableAfter {
                    switch attempt.verdict {
                    case .failed, .permanent: attempt.verdict = .disable(reason: channel.disableReason(failingSince: failingSince))
                    case .delivered, .disable: break
                    }
                }
            } catch {
                logger.warning("endpoint health not recorded", metadata: ["subscription.id": "\(subscription.id)", "error": "\(error)"])
            }
        }
        if case .disable(let reason) = attempt.verdict { await mirror.disable(subscription, reason: reason, at: now) }
        Counter(label: "notify_attempts_total", dimensions: [dimension, ("outcome", attempt.verdict.label)]).increment()
        Timer(label: "notify_attempt_seconds", dimensions: [dimension]).recordNanoseconds(Int64(attempt.latencyMs * 1_000_000))
        return attempt
    }
}

extension DeliveryFlow.Verdict {
    /// The `outcome` label of `notify_attempts_total`.
    var label: String {
        switch self {
        case .delivered: "delivered"
        case .failed: "failed"
        case .permanent: "permanent"
        case .disable: "disabled"
        }
    }
}
