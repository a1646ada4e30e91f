import Foundation
import NewsModel
import Pipeline
import SubscriptionStore
import Subscriptions

/// Digest mode, quiet hours and the rate limit, for every channel: holds an
/// alert in the store for the subscriber's next digest when one of them says so.
public struct Holding: Sendable {
    let store: any HeldDigests
    let flow: DeliveryFlow
    let rates = SentInLastHour()

    /// The `held` receipt when the alert waits for a digest; nil when it goes now
    /// (then it counts against the rate limit).
    public func holdIfDue(_ request: DeliveryRequest, for subscription: Subscription, at now: Date) async throws -> [StageOutput]? {
        // Digest mode and quiet hours first; only an alert that would go now counts against the limit.
        var hold = subscription.holdUntil(urgency: request.item.urgency, now: now, sentInLastHour: 0)
        if hold == nil, let limit = subscription.maxAlertsPerHour, !(await rates.admit(subscription.id, limit: limit, at: now)) {
            hold = subscription.holdUntil(urgency: request.item.urgency, now: now, sentInLastHour: limit)
        }
        guard let until = hold else { return nil }
        var held = request
        held.attempts.append(DeliveryAttempt(attempt: request.attempts.count + 1, at: now, outcome: .held))
        held.notBefore = nil
        try await store.hold(held, until: until)
        return try flow.held(request, until: until, at: now)
    }
}
