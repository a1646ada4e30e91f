import Foundation
import Logging
import Subscriptions

/// Every subscription (active, paused, disabled, and the deleted as tombstones) as the store has
/// it, kept current by polling the store's change log with a version cursor. One mirror serves a
/// process: the match stage's directory reads its changes (``changes(after:)``), the notifiers
/// look subscriptions up and change them through it, and under `newsflash up` all of them share
/// one, so the store is polled once however many stages run.
///
/// A change made through any API instance reaches every mirror within its refresh interval, with
/// no extra topic to run.
public actor SubscriptionMirror {
    private let store: any SubscriptionRecords
    private let logger: Logger
    /// The latest change seen per subscription id (a deleted one stays as a tombstone).
    private var entries: [String: SubscriptionChange] = [:]
    private var cursor: Int64 = 0
    private var lastRefresh: ContinuousClock.Instant?

    public init(store: any SubscriptionRecords, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Applies the store's changes since the last refresh; returns how many. A refresh within
    /// `maximumAge` of the last one is skipped (several stages of one process refresh one mirror).
    @discardableResult
    public func refresh(maximumAge: Duration = .zero) async throws -> Int {
        if let lastRefresh, maximumAge > .zero, ContinuousClock.now - lastRefresh < maximumAge { return 0 }
        let started = ContinuousClock.now
        let changes = try await store.changes(after: cursor)
        for change in changes { apply(change) }
        lastRefresh = started
        return changes.count
    }

    /// Keeps `change` unless a newer one of the same subscription is known (two refreshes may
    /// interleave at their store query).
    private func apply(_ change: SubscriptionChange) {
        cursor = max(cursor, change.version)
        if let known = entries[change.subscription.id], known.version > change.version { return }
        entries[change.subscription.id] = change
    }

    /// Every change this mirror knows with a version above `version`, oldest first: one per
    /// subscription, its latest.
    public func changes(after version: Int64) -> [SubscriptionChange] {
        entries.values.filter { $0.version > version }.sorted { $0.version < $1.version }
    }

    /// The highest version seen.
    public var version: Int64 { cursor }

    /// The live subscriptions.
    public var all: [Subscription] { entries.values.filter { !$0.deleted }.map(\.subscription) }

    /// The subscription as last seen; asks the store when it is not known yet (created a moment ago).
    public func subscription(_ id: String) async throws -> Subscription? {
        if entries[id] == nil { try await refresh() }
        return entries[id].flatMap { $0.deleted ? nil : $0.subscription }
    }

    /// The subscription; when the mirrored copy is not `usable` (paused, unconfirmed), as the store
    /// has it now: match may have made the delivery from a newer view than this mirror has polled.
    public func subscription(_ id: String, rereadUnless usable: @Sendable (Subscription) -> Bool) async throws -> Subscription? {
        guard let mirrored = try await subscription(id) else { return nil }
        if usable(mirrored) { return mirrored }
        let stored = try await store.subscription(id)
        keep(stored ?? mirrored, deleted: stored == nil)
        return stored
    }

    /// Changes a subscription in the store in one atomic step (``SubscriptionRecords/update(_:_:)``:
    /// others' changes are kept, a deleted one stays deleted) and keeps the stored result.
    @discardableResult
    public func update(
        _ id: String, _ change: @escaping @Sendable (inout Subscription) throws -> Bool
    ) async throws -> (subscription: Subscription, changed: Bool)? {
        let result = try await store.update(id, change)
        if let result { keep(result.subscription, deleted: false) } else if let known = entries[id] { keep(known.subscription, deleted: true) }
        return result
    }

    /// A copy read or written outside the change log, kept at the version already known: the next
    /// refresh brings its change, with its version, to the readers of ``changes(after:)``.
    private func keep(_ subscription: Subscription, deleted: Bool) {
        let version = entries[subscription.id]?.version ?? 0
        entries[subscription.id] = SubscriptionChange(subscription: subscription, deleted: deleted, version: version)
    }

    /// Disables a subscription for `reason` (HTTP 410, an endpoint or address failing for too
    /// long) and keeps it; the email notifier later tells its `contactEmail`.
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
}
