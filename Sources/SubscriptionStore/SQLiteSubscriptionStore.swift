import Foundation
import GRDB
import NewsModel
import Subscriptions

/// Subscriptions and what each was sent, in one SQLite file (GRDB).
///
/// Every change bumps a store-wide version; match instances poll
/// ``changes(after:)`` with the last version they saw, so a change reaches
/// every instance within their poll interval without a message bus.
public final class SQLiteSubscriptionStore: Sendable {
    private let database: DatabaseQueue

    public init(path: String) throws {
        if path != ":memory:" {
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        database = path == ":memory:" ? try DatabaseQueue(configuration: configuration) : try DatabaseQueue(path: path, configuration: configuration)
        try Self.migrator.migrate(database)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE subscriptions (
                    id TEXT PRIMARY KEY, body TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL);
                CREATE INDEX subscriptions_by_version ON subscriptions(version);
                CREATE TABLE sent (
                    subscription_id TEXT NOT NULL, story_id TEXT NOT NULL, item_id TEXT NOT NULL, version INTEGER NOT NULL,
                    sent_at REAL NOT NULL, PRIMARY KEY (subscription_id, story_id, item_id));
                """)
        }
        migrator.registerMigration("v2-api-keys") { db in
            try db.execute(sql: "CREATE TABLE api_keys (id TEXT PRIMARY KEY, secret_sha256 TEXT NOT NULL UNIQUE, role TEXT NOT NULL, created_at REAL NOT NULL)")
        }
        return migrator
    }

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
    }

    /// Creates a key; returns it with its secret, which is shown once and not stored.
    public func createKey(role: APIKey.Role) async throws -> (key: APIKey, secret: String) {
        let id = "key_" + Self.randomHex(10)
        let secret = "nfk_" + Self.randomHex(24)
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
            try Row.fetchOne(db, sql: "SELECT id, role FROM api_keys WHERE secret_sha256 = ?", arguments: [digest]).flatMap { row in
                APIKey.Role(rawValue: row["role"]).map { APIKey(id: row["id"], role: $0) }
            }
        }
    }

    private static func randomHex(_ bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// A subscription created, changed or deleted, with the store version of that change.
    public struct Change: Sendable, Hashable {
        public var subscription: Subscription
        public var deleted: Bool
        public var version: Int64
    }

    public func save(_ subscription: Subscription) async throws {
        let body = String(decoding: try JSONEncoder().encode(subscription), as: UTF8.self)
        try await database.write { db in
            let version = (try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(version), 0) FROM subscriptions") ?? 0) + 1
            try db.execute(sql: "INSERT OR REPLACE INTO subscriptions (id, body, deleted, version) VALUES (?, ?, 0, ?)",
                           arguments: [subscription.id, body, version])
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
        }.map { try JSONDecoder().decode(Subscription.self, from: Data($0.utf8)) }
    }

    public func all() async throws -> [Subscription] {
        try await changes(after: 0).filter { !$0.deleted }.map(\.subscription).sorted { $0.createdAt < $1.createdAt }
    }

    /// Changes with a version above `version`, oldest first.
    public func changes(after version: Int64) async throws -> [Change] {
        let rows = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT body, deleted, version FROM subscriptions WHERE version > ? ORDER BY version", arguments: [version])
                .map { (body: $0["body"] as String, deleted: ($0["deleted"] as Int) != 0, version: $0["version"] as Int64) }
        }
        return try rows.map { Change(subscription: try JSONDecoder().decode(Subscription.self, from: Data($0.body.utf8)), deleted: $0.deleted, version: $0.version) }
    }

    /// What was sent to a subscription for a story: item id -> highest version.
    public func sent(subscriptionID: String, storyID: String) async throws -> [String: Int] {
        try await database.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT item_id, version FROM sent WHERE subscription_id = ? AND story_id = ?",
                                        arguments: [subscriptionID, storyID])
            return Dictionary(rows.map { ($0["item_id"] as String, $0["version"] as Int) }) { max($0, $1) }
        }
    }

    public func recordSent(subscriptionID: String, storyID: String, itemID: String, version: Int) async throws {
        try await database.write { db in
            try db.execute(sql: """
                INSERT INTO sent (subscription_id, story_id, item_id, version, sent_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(subscription_id, story_id, item_id) DO UPDATE SET version = MAX(version, excluded.version)
                """, arguments: [subscriptionID, storyID, itemID, version, Date().timeIntervalSince1970])
        }
    }
}
