import Foundation
import GRDB
import SQLiteFile
import NewsModel
import Subscriptions

/// The subscription store in one SQLite file (GRDB); see ``SubscriptionStoring``.
public final class SQLiteSubscriptionStore: SubscriptionStoring {
    private let database: DatabaseQueue

    public init(path: String) throws {
        database = try SQLiteFile.open(path: path, migrations: Self.migrations)
    }

    /// The file's schema, one migration after another (never edit one that has shipped: add the next).
    private static let migrations: KeyValuePairs<String, String> = [
        "v1": """
            CREATE TABLE subscriptions (
                id TEXT PRIMARY KEY, body TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL);
            CREATE INDEX subscriptions_by_version ON subscriptions(version);
            CREATE TABLE sent (
                subscription_id TEXT NOT NULL, story_id TEXT NOT NULL, item_id TEXT NOT NULL, version INTEGER NOT NULL,
                sent_at REAL NOT NULL, PRIMARY KEY (subscription_id, story_id, item_id));
            """,
        "v2-api-keys": "CREATE TABLE api_keys (id TEXT PRIMARY KEY, secret_sha256 TEXT NOT NULL UNIQUE, role TEXT NOT NULL, created_at REAL NOT NULL)",
        "v3-receipts": """
            CREATE TABLE receipts (
                event_id TEXT PRIMARY KEY, subscription_id TEXT NOT NULL, attempted_at REAL NOT NULL, body TEXT NOT NULL);
            CREATE INDEX receipts_by_subscription ON receipts(subscription_id, attempted_at);
            CREATE TABLE endpoint_health (
                subscription_id TEXT PRIMARY KEY, failing_since REAL, last_success REAL, last_attempt REAL NOT NULL);
            """,
        "v4-digests": """
            CREATE TABLE held (
                delivery_id TEXT PRIMARY KEY, subscription_id TEXT NOT NULL, channel TEXT NOT NULL, due_at REAL NOT NULL, lease_until REAL,
                failed_attempts INTEGER NOT NULL DEFAULT 0, held_at REAL NOT NULL, body TEXT NOT NULL);
            CREATE INDEX held_by_due ON held(due_at);
            """,
        "v5-key-revocation": "ALTER TABLE api_keys ADD COLUMN revoked_at REAL",
        "v6-recipient-mails": """
            CREATE TABLE recipient_mails (recipient_sha256 TEXT NOT NULL, sent_at REAL NOT NULL);
            CREATE INDEX recipient_mails_by_recipient ON recipient_mails(recipient_sha256, sent_at);
            """,
    ]

    /// Creates a key; returns it with its secret, which is shown once and not stored.
    public func createKey(role: APIKey.Role) async throws -> (key: APIKey, secret: String) {
        let (id, secret) = APIKey.generate()
        try await database.write { db in
            try db.execute(sql: "INSERT INTO api_keys (id, secret_sha256, role, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [id, StableID.sha256Hex(secret), role.rawValue, Date().timeIntervalSince1970])
        }
        return (APIKey(id: id, role: role), secret)
    }

    /// The key a secret belongs to, if any.
    public func key(forSecret secret: String) async throws -> APIKey? {
        let digest = StableID.sha256Hex(secret)
        return try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT id, role FROM api_keys WHERE secret_sha256 = ? AND revoked_at IS NULL", arguments: [digest]).flatMap { row in
                APIKey.Role(rawValue: row["role"]).map { APIKey(id: row["id"], role: $0) }
            }
        }
    }

    public func keys() async throws -> [APIKeyRecord] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, role, created_at, revoked_at FROM api_keys ORDER BY created_at, id").compactMap { row in
                APIKey.Role(rawValue: row["role"]).map { role in
                    APIKeyRecord(
                        key: APIKey(id: row["id"], role: role), createdAt: Date(timeIntervalSince1970: row["created_at"]),
                        revokedAt: (row["revoked_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
                }
            }
        }
    }

    public func revokeKey(_ id: String, at: Date) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [at.timeIntervalSince1970, id])
            return db.changesCount > 0
        }
    }

    public func rotateKey(_ id: String) async throws -> String? {
        let secret = APIKey.generate().secret
        return try await database.write { db in
            try db.execute(sql: "UPDATE api_keys SET secret_sha256 = ? WHERE id = ? AND revoked_at IS NULL", arguments: [StableID.sha256Hex(secret), id])
            return db.changesCount > 0 ? secret : nil
        }
    }

    public func save(_ subscription: Subscription) async throws {
        let body = try StoredForm.encode(subscription)
        try await database.write { db in
            let version = (try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(version), 0) FROM subscriptions") ?? 0) + 1
            try db.execute(sql: """
                INSERT INTO subscriptions (id, body, deleted, version) VALUES (?, ?, 0, ?)
                ON CONFLICT(id) DO UPDATE SET body = excluded.body, version = excluded.version WHERE deleted = 0
                """, arguments: [subscription.id, body, version])
        }
    }

    public func create(_ subscription: Subscription, maximumOwned: Int) async throws -> Bool {
        let body = try StoredForm.encode(subscription)
        let owner = subscription.ownerKeyID
        // One write transaction: no other writer between the count and the insert.
        return try await database.write { db in
            if let owner {
                let owned = try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM subscriptions WHERE deleted = 0 AND json_extract(body, '$.ownerKeyID') = ?
                    """, arguments: [owner]) ?? 0
                guard owned < maximumOwned else { return false }
            }
            let version = (try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(version), 0) FROM subscriptions") ?? 0) + 1
            try db.execute(sql: "INSERT INTO subscriptions (id, body, deleted, version) VALUES (?, ?, 0, ?)",
                           arguments: [subscription.id, body, version])
            return true
        }
    }

    @discardableResult
    public func update(
        _ id: String, _ change: @escaping @Sendable (inout Subscription) throws -> Bool
    ) async throws -> (subscription: Subscription, changed: Bool)? {
        // One write transaction (IMMEDIATE in GRDB): no other writer, in this process or another, in between.
        try await database.write { db in
            guard let body = try String.fetchOne(db, sql: "SELECT body FROM subscriptions WHERE id = ? AND deleted = 0", arguments: [id]) else {
                return nil
            }
            var subscription = try StoredForm.decodeSubscription(body)
            guard try change(&subscription) else { return (subscription, false) }
            let version = (try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(version), 0) FROM subscriptions") ?? 0) + 1
            try db.execute(sql: "UPDATE subscriptions SET body = ?, version = ? WHERE id = ? AND deleted = 0",
                           arguments: [try StoredForm.encode(subscription), version, id])
            return (subscription, true)
        }
    }

    /// Marks a subscription deleted (kept as a tombstone so that match instances learn of it).
    @discardableResult
    public func delete(_ id: String) async throws -> Bool {
        try await database.write { db in
            let version = (try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(version), 0) FROM subscriptions") ?? 0) + 1
            try db.execute(sql: "UPDATE subscriptions SET deleted = 1, version = ? WHERE id = ? AND deleted = 0", arguments: [version, id])
            return db.changesCount > 0
        }
    }

    public func subscription(_ id: String) async throws -> Subscription? {
        try await database.read { db in
            try String.fetchOne(db, sql: "SELECT body FROM subscriptions WHERE id = ? AND deleted = 0", arguments: [id])
        }.map(StoredForm.decodeSubscription)
    }

    public func ping() async throws {
        _ = try await database.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func changes(after version: Int64) async throws -> [SubscriptionChange] {
        let rows = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT body, deleted, version FROM subscriptions WHERE version > ? ORDER BY version", arguments: [version])
                .map { (body: $0["body"] as String, deleted: ($0["deleted"] as Int) != 0, version: $0["version"] as Int64) }
        }
        return try rows.map { SubscriptionChange(subscription: try StoredForm.decodeSubscription($0.body), deleted: $0.deleted, version: $0.version) }
    }

    /// What was sent to a subscription for a story: item id -> highest version.
    public func sent(subscriptionID: String, storyID: String) async throws -> [String: Int] {
        try await database.read { db in try Self.sent(db, subscriptionID, storyID) }
    }

    public func claimSend(subscriptionID: String, storyID: String, itemID: String, version: Int) async throws -> SendClaim {
        // Read and insert in one IMMEDIATE transaction: a second claimer waits for this one's commit.
        try await database.write { db in
            let claim = SendClaim.decide(sent: try Self.sent(db, subscriptionID, storyID), itemID: itemID, version: version)
            guard claim != .skip else { return claim }
            try db.execute(sql: """
                INSERT INTO sent (subscription_id, story_id, item_id, version, sent_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(subscription_id, story_id, item_id) DO UPDATE SET version = MAX(version, excluded.version)
                """, arguments: [subscriptionID, storyID, itemID, version, Date().timeIntervalSince1970])
            return claim
        }
    }

    private static func sent(_ db: Database, _ subscriptionID: String, _ storyID: String) throws -> [String: Int] {
        let rows = try Row.fetchAll(db, sql: "SELECT item_id, version FROM sent WHERE subscription_id = ? AND story_id = ?",
                                    arguments: [subscriptionID, storyID])
        return Dictionary(rows.map { ($0["item_id"] as String, $0["version"] as Int) }) { max($0, $1) }
    }

    public func recordReceipt(_ receipt: DeliveryReceipt) async throws -> Bool {
        let body = try StoredForm.encode(receipt)
        return try await database.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO receipts (event_id, subscription_id, attempted_at, body) VALUES (?, ?, ?, ?)",
                           arguments: [receipt.eventID, receipt.subscriptionId, receipt.attemptedAt.timeIntervalSince1970, body])
            return db.changesCount > 0
        }
    }

    public func receipts(subscriptionID: String, limit: Int) async throws -> [DeliveryReceipt] {
        let bodies = try await database.read { db in
            try String.fetchAll(db, sql: "SELECT body FROM receipts WHERE subscription_id = ? ORDER BY attempted_at DESC, event_id DESC LIMIT ?",
                                arguments: [subscriptionID, limit])
        }
        return try bodies.map(StoredForm.decodeReceipt)
    }

    public func recordEndpointResult(subscriptionID: String, success: Bool, at: Date) async throws -> Date? {
        let time = at.timeIntervalSince1970
        return try await database.write { db in
            if success {
                try db.execute(sql: """
                    INSERT INTO endpoint_health (subscription_id, failing_since, last_success, last_attempt) VALUES (?, NULL, ?, ?)
                    ON CONFLICT(subscription_id) DO UPDATE SET failing_since = NULL, last_success = excluded.last_success, last_attempt = excluded.last_attempt
                    """, arguments: [subscriptionID, time, time])
                return nil
            }
            try db.execute(sql: """
                INSERT INTO endpoint_health (subscription_id, failing_since, last_success, last_attempt) VALUES (?, ?, NULL, ?)
                ON CONFLICT(subscription_id) DO UPDATE SET failing_since = COALESCE(failing_since, excluded.failing_since), last_attempt = excluded.last_attempt
                """, arguments: [subscriptionID, time, time])
            return try Double.fetchOne(db, sql: "SELECT failing_since FROM endpoint_health WHERE subscription_id = ?", arguments: [subscriptionID])
                .map(Date.init(timeIntervalSince1970:))
        }
    }

    public func claimRecipientMail(recipient: String, at: Date, window: TimeInterval, limit: Int) async throws -> Bool {
        let key = Self.recipientKey(recipient), time = at.timeIntervalSince1970
        // One write transaction: SQLite serialises writers, so the count and the insert are one step.
        return try await database.write { db in
            try db.execute(sql: "DELETE FROM recipient_mails WHERE recipient_sha256 = ? AND sent_at <= ?", arguments: [key, time - window])
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM recipient_mails WHERE recipient_sha256 = ?", arguments: [key]) ?? 0
            guard count < limit else { return false }
            try db.execute(sql: "INSERT INTO recipient_mails (recipient_sha256, sent_at) VALUES (?, ?)", arguments: [key, time])
            return true
        }
    }

    public func releaseRecipientMail(recipient: String, at: Date) async throws {
        let key = Self.recipientKey(recipient), time = at.timeIntervalSince1970
        try await database.write { db in
            try db.execute(sql: """
                DELETE FROM recipient_mails WHERE rowid IN (SELECT rowid FROM recipient_mails WHERE recipient_sha256 = ? AND sent_at = ? LIMIT 1)
                """, arguments: [key, time])
        }
    }

    public func failingEndpoints() async throws -> [EndpointFailure] {
        try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT subscription_id, failing_since, last_attempt FROM endpoint_health
                WHERE failing_since IS NOT NULL ORDER BY failing_since, subscription_id
                """).map { row in
                EndpointFailure(
                    subscriptionID: row[0], failingSince: Date(timeIntervalSince1970: row[1]), lastAttempt: Date(timeIntervalSince1970: row[2]))
            }
        }
    }

    public func hold(_ request: DeliveryRequest, until: Date) async throws {
        let body = try StoredForm.encode(request)
        try await database.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO held (delivery_id, subscription_id, channel, due_at, held_at, body) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [request.deliveryId, request.subscriptionId, request.channel.rawValue, until.timeIntervalSince1970, Date().timeIntervalSince1970, body])
        }
    }

    public func claimDueDigests(channel: DeliveryChannel, now: Date, lease: TimeInterval, limit: Int) async throws -> [HeldDigest] {
        let time = now.timeIntervalSince1970
        let rows = try await database.write { db in
            let subscriptions = try String.fetchAll(db, sql: """
                SELECT DISTINCT subscription_id FROM held WHERE channel = ? AND due_at <= ? AND (lease_until IS NULL OR lease_until < ?) LIMIT ?
                """, arguments: [channel.rawValue, time, time, limit])
            var rows: [(subscription: String, body: String, attempts: Int)] = []
            for subscription in subscriptions {
                // Everything held for it that is due goes in one digest.
                try db.execute(sql: "UPDATE held SET lease_until = ? WHERE subscription_id = ? AND due_at <= ? AND (lease_until IS NULL OR lease_until < ?)",
                               arguments: [time + lease, subscription, time, time])
                rows += try Row.fetchAll(db, sql: "SELECT body, failed_attempts FROM held WHERE subscription_id = ? AND lease_until = ? ORDER BY held_at, delivery_id",
                                         arguments: [subscription, time + lease]).map { (subscription, $0["body"], $0["failed_attempts"]) }
            }
            return rows
        }
        return try StoredForm.group(rows)
    }

    public func release(subscriptionID: String, deliveryIDs: [String]) async throws {
        try await database.write { db in
            for id in deliveryIDs {
                try db.execute(sql: "DELETE FROM held WHERE subscription_id = ? AND delivery_id = ?", arguments: [subscriptionID, id])
            }
        }
    }

    public func postpone(subscriptionID: String, deliveryIDs: [String], until at: Date) async throws {
        try await database.write { db in
            for id in deliveryIDs {
                try db.execute(sql: "UPDATE held SET due_at = ?, lease_until = NULL, failed_attempts = failed_attempts + 1 WHERE subscription_id = ? AND delivery_id = ?",
                               arguments: [at.timeIntervalSince1970, subscriptionID, id])
            }
        }
    }
}
