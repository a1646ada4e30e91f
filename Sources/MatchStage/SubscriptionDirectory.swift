import Foundation
import Logging
import SubscriptionStore
import Subscriptions

/// The active subscriptions of one match instance, kept current by polling the
/// store with a version cursor (every `interval`, default 2 s): a change made
/// through any API instance reaches every match instance within that time,
/// with no extra topic to run. A filter that no longer parses is skipped and logged.
public actor SubscriptionDirectory {
    private let store: any SubscriptionRecords
    private let parser: FilterParser
    private let logger: Logger
    private var index = MatchIndex()
    private var subscriptions: [String: Subscription] = [:]
    private var cursor: Int64 = 0

    public init(store: any SubscriptionRecords, parser: FilterParser = FilterParser(regions: [], topics: []), logger: Logger) {
        self.store = store
        self.parser = parser
        self.logger = logger
    }

    /// Applies every change since the last refresh; returns how many.
    @discardableResult
    public func refresh() async throws -> Int {
        let changes = try await store.changes(after: cursor)
        for change in changes {
            cursor = max(cursor, change.version)
            let subscription = change.subscription
            guard !change.deleted, subscription.isDeliverable else {
                index.remove(subscription.id)
                subscriptions[subscription.id] = nil
                continue
            }
            do {
                index.upsert(subscription.id, filter: try parser.parse(subscription.filter))
                subscriptions[subscription.id] = subscription
            } catch {
                index.remove(subscription.id)
                subscriptions[subscription.id] = nil
                logger.error("subscription filter does not parse; skipped", metadata: ["subscription.id": "\(subscription.id)", "error": "\(error)"])
            }
        }
        return changes.count
    }

    public var count: Int { subscriptions.count }

    /// The active subscriptions an item matches, with the matched terms.
    public func matches(_ subject: FilterSubject) -> [(Subscription, [String])] {
        let set = index.match(subject)
        var result: [(Subscription, [String])] = []
        result.reserveCapacity(index.subscriptionCount(in: set))
        index.forEachSubscription(in: set) { id, terms in
            if let subscription = subscriptions[id] { result.append((subscription, terms)) }
        }
        return result
    }
}
