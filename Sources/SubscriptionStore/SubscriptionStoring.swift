import Foundation
import NewsModel
import Subscriptions

/// An API key's identity and role; its secret is stored only as SHA-256.
public struct APIKey: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable {
        /// Everything.
        case admin
        /// Only its own subscriptions.
        case subscriber
    }

    public var id: String
    public var role: Role

    /// A new key id and its secret (`nfk_…`, shown once).
    public static func generate() -> (id: String, secret: String) {
        ("key_" + Subscription.randomHex(10), "nfk_" + Subscription.randomHex(24))
    }
}

/// A subscription created, changed or deleted, with the store version of that change.
public struct SubscriptionChange: Sendable, Hashable {
    public var subscription: Subscription
    public var deleted: Bool
    public var version: Int64
}

/// Where subscriptions, API keys, what was sent, delivery receipts, endpoint health and held
/// digests live: SQLite (``SQLiteSubscriptionStore``, the default) or PostgreSQL
/// (``PostgresSubscriptionStore``). Both implement every role below and pass the same store test
/// suite; each part of the pipeline is given only the roles it uses (match: ``SubscriptionRecords``
/// and ``SentLog``; the receipts recorder: ``DeliveryLog``; the notifiers: ``SubscriptionRecords``,
/// ``EndpointHealthRecords`` and ``HeldDigests``; the API: all of them).
public typealias SubscriptionStoring = APIKeyStore & SubscriptionRecords & SentLog & DeliveryLog & EndpointHealthRecords & HeldDigests
    & RecipientMailLog & StoreConnection

/// The connection every role shares: readiness and release.
public protocol StoreConnection: Sendable {
    /// Answers when the store can serve a query (`SELECT 1`): the readiness check, which must stay
    /// cheap however many subscriptions there are.
    func ping() async throws

    /// Releases the store's connections; call it on every path once the store is no longer used.
    func shutdown() async
}

/// API keys: their secrets are stored only as SHA-256.
public protocol APIKeyStore: StoreConnection {
    /// Creates a key; returns it with its secret, which is shown once and not stored.
    func createKey(role: APIKey.Role) async throws -> (key: APIKey, secret: String)
    /// The key a secret belongs to, if any; a revoked key's secret belongs to none.
    func key(forSecret secret: String) async throws -> APIKey?
    /// Every key, revoked ones too, oldest first.
    func keys() async throws -> [APIKeyRecord]
    /// Revokes a key: its secret stops working at once. False when there is no such key, or it
    /// was revoked already. The subscriptions it owns stay (an admin key manages them).
    @discardableResult func revokeKey(_ id: String, at: Date) async throws -> Bool
    /// Gives a key a new secret, shown once; the old secret stops working at once. Nil when there
    /// is no such key, or it is revoked.
    func rotateKey(_ id: String) async throws -> String?
}

/// A key as `keys list` and `GET /v1/keys` show it: never its secret.
public struct APIKeyRecord: Sendable, Hashable {
    public var key: APIKey
    public var createdAt: Date
    public var revokedAt: Date?
}

/// Subscriptions and their change log.
///
/// Every change to a subscription bumps a store-wide version; match and notify instances poll
/// ``changes(after:)`` with the last version they saw, so a change reaches every instance within
/// their poll interval without a message bus.
public protocol SubscriptionRecords: StoreConnection {
    /// Stores a new subscription, or replaces a live one as a whole; never brings a deleted
    /// one back. To change a stored subscription, use ``update(_:_:)``, which keeps what
    /// others changed meanwhile.
    func save(_ subscription: Subscription) async throws
    /// Stores a new subscription unless its owner already has `maximumOwned` live ones: the count
    /// and the insert are one atomic step, so concurrent creates cannot pass the cap. Returns
    /// whether it was stored.
    func create(_ subscription: Subscription, maximumOwned: Int) async throws -> Bool
    /// Changes a live subscription in one atomic step: reads the stored copy, applies `change`
    /// and writes it with a new version, so that concurrent changes of other fields are kept
    /// and a subscription deleted meanwhile is never brought back. `change` returns false to
    /// write nothing. Returns the stored subscription afterwards and whether it changed; nil
    /// when there is no live subscription `id`.
    @discardableResult
    func update(_ id: String, _ change: @escaping @Sendable (inout Subscription) throws -> Bool) async throws -> (subscription: Subscription, changed: Bool)?
    /// Marks a subscription deleted (kept as a tombstone so that instances learn of it); false when there was none.
    @discardableResult func delete(_ id: String) async throws -> Bool
    func subscription(_ id: String) async throws -> Subscription?
    /// Live subscriptions, oldest first.
    func all() async throws -> [Subscription]
    /// How many live subscriptions a key owns.
    func count(ownedBy keyID: String) async throws -> Int
    /// Changes with a version above `version`, oldest first.
    func changes(after version: Int64) async throws -> [SubscriptionChange]
}

/// What the match stage sent each subscription, per story.
public protocol SentLog: StoreConnection {
    /// What was sent to a subscription for a story: item id -> highest version.
    func sent(subscriptionID: String, storyID: String) async throws -> [String: Int]
    /// Decides what to send a subscription for version `version` of item `itemID` of story
    /// `storyID` (``SendClaim/decide(sent:itemID:version:)``) and records it, in one atomic
    /// step: two items of one story (two outlets) alert once, on one match instance or several.
    func claimSend(subscriptionID: String, storyID: String, itemID: String, version: Int) async throws -> SendClaim
}

/// Delivery receipts: the delivery log the API shows.
public protocol DeliveryLog: StoreConnection {
    /// Stores a receipt once (by its event id); true when it was new.
    @discardableResult func recordReceipt(_ receipt: DeliveryReceipt) async throws -> Bool
    /// A subscription's receipts, newest first.
    func receipts(subscriptionID: String, limit: Int) async throws -> [DeliveryReceipt]
}

/// Since when each subscription's endpoint has failed without a success.
public protocol EndpointHealthRecords: StoreConnection {
    /// Notes an attempt's result for a subscription's endpoint; returns since when it has
    /// failed without a success (nil after a success).
    func recordEndpointResult(subscriptionID: String, success: Bool, at: Date) async throws -> Date?
    /// The endpoints failing now (no success since their first failure), longest failing first.
    func failingEndpoints() async throws -> [EndpointFailure]
}

/// Mails to addresses that have not confirmed anything (confirmation requests), counted per
/// recipient across every notifier instance, so that no subscriber can make Newsflash mail an
/// address over and over (create, delete, create again). Recipients are kept as the SHA-256 of
/// the lower-cased address, not as addresses.
public protocol RecipientMailLog: StoreConnection {
    /// Records a mail to `recipient` at `at` when fewer than `limit` went to it in the `window`
    /// before `at`, in one atomic step; returns whether it may go.
    func claimRecipientMail(recipient: String, at: Date, window: TimeInterval, limit: Int) async throws -> Bool
    /// Gives a claim back: the mail did not go out.
    func releaseRecipientMail(recipient: String, at: Date) async throws
}

extension RecipientMailLog {
    /// The stored form of a recipient.
    static func recipientKey(_ address: String) -> String { StableID.sha256Hex(address.lowercased()) }
}

/// An endpoint that has failed without a success since ``failingSince``.
public struct EndpointFailure: Sendable, Hashable {
    public var subscriptionID: String
    public var failingSince: Date
    public var lastAttempt: Date
}

/// Alerts held for a digest (digest mode, quiet hours, rate limit).
public protocol HeldDigests: StoreConnection {
    /// Holds a delivery until `until` (once per delivery id; a second hold keeps the first).
    func hold(_ request: DeliveryRequest, until: Date) async throws
    /// Claims every subscription's held deliveries that are due at `now`, for `lease`
    /// seconds (another notifier instance does not get them meanwhile), oldest first.
    func claimDueDigests(channel: DeliveryChannel, now: Date, lease: TimeInterval, limit: Int) async throws -> [HeldDigest]
    /// Removes delivered (or dead-lettered) held deliveries.
    func release(subscriptionID: String, deliveryIDs: [String]) async throws
    /// Puts a failed digest back, due again at `at`, with one more attempt counted.
    func postpone(subscriptionID: String, deliveryIDs: [String], until at: Date) async throws
}

/// What the match stage may send a subscription for one item of a story.
public enum SendClaim: Sendable, Hashable {
    /// The story's first item for this subscription: an alert (again, with the same delivery
    /// id, when the same item and version is matched again after a restart).
    case alert
    /// A newer version of the item that was sent (or that update matched again).
    case update
    /// Nothing: the story came through another item (another outlet), or this version is
    /// older than the one sent.
    case skip

    /// The decision, from what was sent for the story before (item id -> highest version).
    public static func decide(sent: [String: Int], itemID: String, version: Int) -> SendClaim {
        guard !sent.isEmpty else { return .alert }
        guard let previous = sent[itemID] else { return .skip }
        if version > previous { return .update }
        if version == previous { return sent.count == 1 && previous == 1 ? .alert : .update }
        return .skip
    }
}

/// A subscription's held deliveries, due together as one digest.
public struct HeldDigest: Sendable, Hashable {
    public var subscriptionID: String
    public var requests: [DeliveryRequest]
    /// Digest attempts that failed so far.
    public var failedAttempts: Int
}

extension SubscriptionRecords {
    /// Live subscriptions, oldest first (from the change log).
    public func all() async throws -> [Subscription] {
        try await changes(after: 0).filter { !$0.deleted }.map(\.subscription).sorted { $0.createdAt < $1.createdAt }
    }

    public func count(ownedBy keyID: String) async throws -> Int {
        try await all().filter { $0.ownerKeyID == keyID }.count
    }
}

extension StoreConnection {
    /// Nothing to release (a SQLite file closes with its last reference).
    public func shutdown() async {}
}

/// How both stores encode what they keep.
enum StoredForm {

    /// The stored JSON form of a subscription.
    static func encode(_ subscription: Subscription) throws -> String {
        String(decoding: try JSONEncoder().encode(subscription), as: UTF8.self)
    }

    static func decodeSubscription(_ body: String) throws -> Subscription {
        try JSONDecoder().decode(Subscription.self, from: Data(body.utf8))
    }

    /// A receipt as stored: its event envelope (``EventCodec/encodeReceipt(_:occurredAt:)``, as the
    /// notifiers write it, once per attempt, without `JSONEncoder`: the same bytes).
    static func encode(_ receipt: DeliveryReceipt) throws -> String {
        String(decoding: try EventCodec.encodeReceipt(receipt, occurredAt: receipt.attemptedAt), as: UTF8.self)
    }

    static func decodeReceipt(_ body: String) throws -> DeliveryReceipt {
        try EventCodec.decode(DeliveryReceipt.self, from: Array(body.utf8)).data
    }

    /// A held delivery as stored: its event envelope.
    static func encode(_ request: DeliveryRequest) throws -> String {
        String(decoding: try EventCodec.encode(request, occurredAt: request.createdAt), as: UTF8.self)
    }

    static func decodeRequest(_ body: String) throws -> DeliveryRequest {
        try EventCodec.decode(DeliveryRequest.self, from: Array(body.utf8)).data
    }

    /// Rows (subscription id, body, failed attempts) grouped into digests, in row order.
    static func group(_ rows: [(subscription: String, body: String, attempts: Int)]) throws -> [HeldDigest] {
        var order: [String] = []
        var digests: [String: HeldDigest] = [:]
        for row in rows {
            if digests[row.subscription] == nil {
                order.append(row.subscription)
                digests[row.subscription] = HeldDigest(subscriptionID: row.subscription, requests: [], failedAttempts: row.attempts)
            }
            let request = try decodeRequest(row.body)
            let attempts = max(digests[row.subscription]?.failedAttempts ?? 0, row.attempts)
            digests[row.subscription]?.requests.append(request)
            digests[row.subscription]?.failedAttempts = attempts
        }
        return order.compactMap { digests[$0] }
    }
}
