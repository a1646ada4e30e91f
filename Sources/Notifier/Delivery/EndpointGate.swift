import Foundation
import Logging
import SubscriptionStore
import Subscriptions

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
