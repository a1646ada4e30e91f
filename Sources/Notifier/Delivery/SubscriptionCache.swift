import Foundation
import Logging
import SubscriptionStore
import Subscriptions

/// Every subscription a notifier may need (active, paused, disabled), kept
/// current by polling the store with a version cursor like the match stage.
public actor SubscriptionCache {
    private let store: any SubscriptionRecords
    private let logger: Logger
    private var subscriptions: [String: Subscription] = [:]
    private var cursor: Int64 = 0

    public init(store: any SubscriptionRecords, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    @discardableResult
    public func refresh() async throws -> Int {
        let changes = try await store.changes(after: cursor)
        for change in changes {
            cursor = max(cursor, change.version)
            subscriptions[change.subscription.id] = change.deleted ? nil : change.subscription
        }
        return changes.count
    }

    /// The subscription as last seen; asks the store when it is not known yet (created a moment ago).
    public func subscription(_ id: String) async throws -> Subscription? {
        if let known = subscriptions[id] { return known }
        try await refresh()
        return subscriptions[id]
    }

    /// The subscription; when the cached copy is not `usable` (paused, unconfirmed), as the store
    /// has it now: match may have made the delivery from a newer view than this cache has polled.
    public func subscription(_ id: String, rereadUnless usable: @Sendable (Subscription) -> Bool) async throws -> Subscription? {
        guard let cached = try await subscription(id) else { return nil }
        if usable(cached) { return cached }
        let stored = try await store.subscription(id)
        subscriptions[id] = stored
        return stored
    }

    /// Changes a subscription in the store in one atomic step (``SubscriptionRecords/update(_:_:)``:
    /// others' changes are kept, a deleted one stays deleted) and keeps the stored result.
    @discardableResult
    public func update(
        _ id: String, _ change: @escaping @Sendable (inout Subscription) throws -> Bool
    ) async throws -> (subscription: Subscription, changed: Bool)? {
        let result = try await store.update(id, change)
        subscriptions[id] = result?.subscription
        return result
    }

    /// Disables a subscription for `reason` (HTTP 410, an endpoint or address failing for too
    /// long) and keeps it; the email notifier later tells its `contactEmail` (``MailNotices``).
    public func disable(_ subscription: Subscription, reason: String, at now: Date) async {
        do {
            let result = try await update(subscription.id) { stored in
                guard stored.status != .disabled else { return false }
                stored.status = .disabled
                stored.disabledReason = reason
                stored.updatedAt = now
                return true
            }
            if result?.changed == true {
                logger.warning("subscription disabled", metadata: ["subscription.id": "\(subscription.id)", "reason": "\(reason)"])
            }
        } catch {
            logger.error("subscription not disabled", metadata: ["subscription.id": "\(subscription.id)", "error": "\(error)"])
        }
    }

    public var all: [Subscription] { Array(subscriptions.values) }
}

/// Bounds the deliveries in flight to one endpoint, so that a slow endpoint
/// holds at most `limit` of the stage's window; the rest are deferred.
public actor EndpointGate {
    public let limit: Int
    private var inFlight: [String: Int] = [:]

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    public func enter(_ endpoint: String) -> Bool {
        let count = inFlight[endpoint, default: 0]
        guard count < limit else { return false }
        inFlight[endpoint] = count + 1
        return true
    }

    public func leave(_ endpoint: String) {
        let count = inFlight[endpoint, default: 1] - 1
        inFlight[endpoint] = count > 0 ? count : nil
    }
}

/// Endpoint health as the store keeps it (since when an endpoint has failed
/// without a success), written only when it changes: the first failure after a
/// success, the first success after failures. Deliveries in between cost no
/// store write.
public actor EndpointHealth {
    private let store: any EndpointHealthRecords
    /// Subscription id -> failing since (nil: healthy), as last written or read.
    private var known: [String: Date?] = [:]

    public init(store: any EndpointHealthRecords) {
        self.store = store
    }

    /// Records a result; returns since when the endpoint has failed (nil when healthy).
    public func record(subscriptionID: String, success: Bool, at now: Date) async throws -> Date? {
        if let state = known[subscriptionID] {
            if success && state == nil { return nil }
            if !success, let since = state { return since }
        }
        let since = try await store.recordEndpointResult(subscriptionID: subscriptionID, success: success, at: now)
        known[subscriptionID] = .some(since)
        return since
    }
}
