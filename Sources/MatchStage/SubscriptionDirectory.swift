import Foundation
import Logging
import SubscriptionStore
import Subscriptions

/// The active subscriptions of one match instance and their filters' index, kept current from
/// the process's ``SubscriptionMirror`` (which polls the store): a change made through any API
/// instance reaches every match instance within the refresh interval (2 s), with no extra topic
/// to run. A filter that no longer parses is skipped and logged.
public actor SubscriptionDirectory {
    private let mirror: SubscriptionMirror
    private let parser: FilterParser
    private let logger: Logger
    private var index = MatchIndex()
    private var subscriptions: [String: Subscription] = [:]
    private var cursor: Int64 = 0

    public init(mirror: SubscriptionMirror, parser: FilterParser = FilterParser(regions: [], topics: []), logger: Logger) {
        self.mirror = mirror
        self.parser = parser
        self.logger = logger
    }

    /// Refreshes the mirror (unless another stage did within the last second) and applies every
    /// change since the last refresh; returns how many.
    @discardableResult
    public func refresh() async throws -> Int {
        try await mirror.refresh(maximumAge: .seconds(1))
        let changes = await mirror.changes(after: cursor)
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
                // Matching needs no secrets: the directory keeps none, not even sealed ones.
                subscriptions[subscription.id] = subscription.withoutCredentials
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
