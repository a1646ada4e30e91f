import Foundation
import Logging
import NewsModel
import Pipeline
import RdKafka
import ServiceLifecycle
import SubscriptionStore
import Subscriptions

/// Sends the held alerts of one channel as digests when they are due: every
/// `interval` it claims due digests from the store one at a time (a lease of
/// `lease` keeps other instances off the one being sent, so a long round never
/// outlives the leases of digests it has not reached), sends each subscription's
/// alerts as one message, and publishes a receipt per alert. A failed digest is postponed on the retry
/// schedule; after the last attempt its alerts go to the dead-letter topic.
public struct DigestRunner: Service {
    /// One digest attempt: ``ChannelProcessor/sendDigest(_:_:at:)``.
    public typealias Send = @Sendable (_ subscription: Subscription, _ requests: [DeliveryRequest], _ now: Date) async -> ChannelAttempt

    // What it sends, and when.
    let channel: DeliveryChannel
    let interval: Duration
    let lease: TimeInterval
    let clock: @Sendable () -> Date
    // What it works with.
    let store: any HeldDigests
    let mirror: SubscriptionMirror
    let producer: KafkaProducer
    let flow: DeliveryFlow
    let send: Send
    let logger: Logger

    public init(
        channel: DeliveryChannel, store: any HeldDigests, mirror: SubscriptionMirror, producer: KafkaProducer, flow: DeliveryFlow,
        interval: Duration = .seconds(10), lease: TimeInterval = 300, clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger,
        send: @escaping Send
    ) {
        self.channel = channel
        self.store = store
        self.mirror = mirror
        self.producer = producer
        self.flow = flow
        self.interval = interval
        self.lease = lease
        self.clock = clock
        self.logger = logger
        self.send = send
    }

    public func run() async throws {
        try await PeriodicTask(name: "\(channel.rawValue) digests", every: interval, logger: logger) { try await runOnce() }.run()
    }

    /// Sends every digest due now; returns how many digests it handled.
    @discardableResult
    public func runOnce(limit: Int = 100) async throws -> Int {
        let now = clock()
        var handled = 0
        // One claim per digest: its lease runs while that digest is sent, not while those before it are.
        while handled < limit, let digest = try await store.claimDueDigests(channel: channel, now: now, lease: lease, limit: 1).first {
            try await handle(digest, now: now)
            handled += 1
        }
        return handled
    }

    private func handle(_ digest: HeldDigest, now: Date) async throws {
        let ids = digest.requests.map(\.deliveryId)
        guard let subscription = try await mirror.subscription(digest.subscriptionID), subscription.status == .active else {
            try await publish(digest.requests.flatMap { try flow.notSent($0, reason: "subscription \(digest.subscriptionID) is gone or not active; digest not sent", at: now) })
            try await store.release(subscriptionID: digest.subscriptionID, deliveryIDs: ids)
            return
        }
        // The claim follows `clock`; the message carries the real time (receivers check signature timestamps).
        let attempt = await send(subscription, digest.requests, Date())
        let number = digest.failedAttempts + 1
        var verdict = attempt.verdict
        var postponeUntil: Date?
        if case .failed(let retryAfter) = verdict {
            switch flow.schedule.decide(afterFailedAttempt: number, retryAfter: retryAfter, now: now) {
            case .retry(let at, _): postponeUntil = at
            case .deadLetter: verdict = .permanent
            }
        }
        var outputs: [StageOutput] = []
        for (index, request) in digest.requests.enumerated() {
            let origin = DeliveryFlow.Origin(
                topic: "digest:\(digest.subscriptionID)", partition: 0, offset: Int64(now.timeIntervalSince1970 * 1000) * 1000 + Int64(index),
                key: Array(digest.subscriptionID.utf8), value: Array(try EventCodec.encode(request, occurredAt: now)))
            outputs += try flow.conclude(
                request, from: origin, verdict: verdict, statusCode: attempt.statusCode, error: attempt.error, latencyMs: attempt.latencyMs, at: now,
                retries: false)
        }
        try await publish(outputs)
        if let postponeUntil {
            try await store.postpone(subscriptionID: digest.subscriptionID, deliveryIDs: ids, until: postponeUntil)
        } else {
            try await store.release(subscriptionID: digest.subscriptionID, deliveryIDs: ids)
        }
        logger.info("digest", metadata: [
            "subscription.id": "\(digest.subscriptionID)", "alerts": "\(ids.count)", "attempt": "\(number)", "error": "\(attempt.error ?? "")",
        ])
    }

    private func publish(_ outputs: [StageOutput]) async throws {
        for output in outputs {
            try await producer.send(output.producerMessage)
        }
    }
}

/// How many alerts each rate-limited subscription was sent immediately in the trailing hour (per notifier instance).
public actor SentInLastHour {
    private var sent: [String: [Date]] = [:]

    public init() {}

    /// Counts an alert against the limit when there is room; false when the hour is full.
    /// (Checked and counted at once, so concurrent deliveries cannot all slip under it.)
    public func admit(_ subscriptionID: String, limit: Int, at now: Date) -> Bool {
        var times = sent[subscriptionID] ?? []
        times.removeAll { now.timeIntervalSince($0) >= 3600 }
        guard times.count < limit else {
            sent[subscriptionID] = times
            return false
        }
        times.append(now)
        sent[subscriptionID] = times
        return true
    }
}
