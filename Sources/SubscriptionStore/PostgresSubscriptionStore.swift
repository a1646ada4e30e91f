import Foundation
import Logging
import NewsModel
import PostgresNIO
import Subscriptions

/// The subscription store in PostgreSQL (postgres-nio); see ``SubscriptionStoring``.
///
/// Lifetime: the store owns its `PostgresClient` (not a ServiceLifecycle service).
/// ``connect(url:schema:logger:)`` applies the migrations over one connection of its own (so a
/// wrong password or an unreachable server fails at once with the server's reason), then starts
/// the client's `run()` in a task the store keeps; ``shutdown()`` cancels that task and waits
/// until the connections are closed. Call it on every path once the store is no longer used.
///
/// Versions come from the `subscription_versions` sequence. A save or delete takes a
/// transaction-level advisory lock before it draws its version, so versions are committed in
/// the order they were drawn, even with writers in several processes: a poller that has
/// seen version n never later finds a version below n appear.
public final class PostgresSubscriptionStore: SubscriptionStoring {
    private let client: PostgresClient
    private let running: Task<Void, Never>
    private let logger: Logger

    /// `pg_advisory_xact_lock` keys: one for migrations, one for drawing and committing versions.
    static let migrationLock: Int64 = 0x6e66_6d69_6772_6174
    static let versionLock: Int64 = 0x6e66_7665_7273_696f
    /// The seed of the hashed advisory-lock keys that serialize claims on one (subscription, story) pair.
    static let sentLockSeed: Int64 = 0x6e66_7365_6e74
    static let recipientLockSeed: Int64 = 0x6e66_7263_7074

    private init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
        // Immediate: run() marks the client running before init returns, so the first lease
        // does not log that it is not running yet.
        if #available(macOS 26, *) {
            running = Task.immediate { await client.run() }
        } else {
            running = Task { await client.run() }
        }
    }

    /// Connects to `url` (`postgres://user:password@host:port/database?sslmode=disable`), applies
    /// the migrations and returns the store. With `schema`, the store's tables live in that schema
    /// (created when missing) instead of the connection's default search path.
    public static func connect(url: String, schema: String? = nil, logger: Logger) async throws -> PostgresSubscriptionStore {
        let location = try PostgresLocation(url: url, schema: schema)
        do {
            let connection = try await PostgresConnection.connect(configuration: try location.connectionConfiguration(), id: 0, logger: logger)
            do {
                try await migrate(connection, schema: schema, logger: logger)
            } catch {
                try? await connection.close()
                throw error
            }
            try await connection.close()
        } catch {
            throw SubscriptionStoreError(
                .unavailable, "cannot open the PostgreSQL subscription store at \(PostgresLocation.redacted(url)): \(Self.describe(error))")
        }
        return PostgresSubscriptionStore(client: PostgresClient(configuration: location.clientConfiguration(), backgroundLogger: logger), logger: logger)
    }

    /// The server's message for a PostgreSQL error (its description alone says nothing, to keep secrets out of logs).
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] {
            return message + (error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
        }
        return error.underlying.map { "\(error.code): \($0)" } ?? "\(error.code)"
    }

    /// Stops the client's run task and waits until its connections are closed.
    public func shutdown() async {
        running.cancel()
        await running.value
    }

    // MARK: Migrations

    /// Numbered migrations; each statement is idempotent on its own, and a migration's number is
    /// recorded in `schema_migrations` in the same transaction as its statements.
    static let migrations: [(number: Int, statements: [PostgresQuery])] = [
        (1, [
            "CREATE SEQUENCE IF NOT EXISTS subscription_versions",
            """
            CREATE TABLE IF NOT EXISTS subscriptions (
                id TEXT PRIMARY KEY, body TEXT NOT NULL, deleted BOOLEAN NOT NULL DEFAULT false, version BIGINT NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS subscriptions_by_version ON subscriptions (version)",
            """
            CREATE TABLE IF NOT EXISTS sent (
                subscription_id TEXT NOT NULL, story_id TEXT NOT NULL, item_id TEXT NOT NULL, version BIGINT NOT NULL,
                sent_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (subscription_id, story_id, item_id))
            """,
        ]),
        (2, [
            """
            CREATE TABLE IF NOT EXISTS api_keys (
                id TEXT PRIMARY KEY, secret_sha256 TEXT NOT NULL UNIQUE, role TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL)
            """,
        ]),
        (3, [
            """
            CREATE TABLE IF NOT EXISTS receipts (
                event_id TEXT PRIMARY KEY, subscription_id TEXT NOT NULL, attempted_at TIMESTAMPTZ NOT NULL, body TEXT NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS receipts_by_subscription ON receipts (subscription_id, attempted_at)",
            """
            CREATE TABLE IF NOT EXISTS endpoint_health (
                subscription_id TEXT PRIMARY KEY, failing_since TIMESTAMPTZ, last_success TIMESTAMPTZ, last_attempt TIMESTAMPTZ NOT NULL)
            """,
        ]),
        (4, [
            """
            CREATE TABLE IF NOT EXISTS held (
                delivery_id TEXT PRIMARY KEY, subscription_id TEXT NOT NULL, channel TEXT NOT NULL, due_at TIMESTAMPTZ NOT NULL,
                lease_until TIMESTAMPTZ, failed_attempts INTEGER NOT NULL DEFAULT 0, held_at TIMESTAMPTZ NOT NULL, body TEXT NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS held_by_due ON held (channel, due_at)",
        ]),
        (5, ["ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS revoked_at TIMESTAMPTZ"]),
        (6, [
            "CREATE TABLE IF NOT EXISTS recipient_mails (id BIGSERIAL PRIMARY KEY, recipient_sha256 TEXT NOT NULL, sent_at TIMESTAMPTZ NOT NULL)",
            "CREATE INDEX IF NOT EXISTS recipient_mails_by_recipient ON recipient_mails (recipient_sha256, sent_at)",
        ]),
    ]

    /// Applies the migrations not yet recorded, in one transaction under an advisory lock, so
    /// that processes starting together apply each migration once.
    private static func migrate(_ connection: PostgresConnection, schema: String?, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
            if let schema {
                // An identifier cannot be bound; PostgresLocation admits only [a-z_][a-z0-9_]* here.
                try await connection.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: schema)", logger: logger)
            }
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS schema_migrations (number INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """, logger: logger)
            var applied: Set<Int> = []
            for try await number in try await connection.query("SELECT number FROM schema_migrations", logger: logger).decode(Int.self) {
                applied.insert(number)
            }
            for migration in Self.migrations where !applied.contains(migration.number) {
                for statement in migration.statements {
                    try await connection.query(statement, logger: logger)
                }
                try await connection.query("INSERT INTO schema_migrations (number) VALUES (\(migration.number))", logger: logger)
                logger.info("subscription store migrated", metadata: ["store.migration": "\(migration.number)"])
            }
        }
    }

    /// The migration numbers recorded, ascending (for tests and diagnostics).
    public func appliedMigrations() async throws -> [Int] {
        try await rows("SELECT number FROM schema_migrations ORDER BY number").map { try $0.decode(Int.self) }
    }

    // MARK: API keys

    public func createKey(role: APIKey.Role) async throws -> (key: APIKey, secret: String) {
        let (id, secret) = APIKey.generate()
        try await client.query("""
            INSERT INTO api_keys (id, secret_sha256, role, created_at) VALUES (\(id), \(StableID.sha256Hex(secret)), \(role.rawValue), \(Date()))
            """, logger: logger)
        return (APIKey(id: id, role: role), secret)
    }

    public func key(forSecret secret: String) async throws -> APIKey? {
        let found = try await rows("SELECT id, role FROM api_keys WHERE secret_sha256 = \(StableID.sha256Hex(secret)) AND revoked_at IS NULL")
        return try found.first.map { try $0.decode((String, String).self) }.flatMap { id, role in
            APIKey.Role(rawValue: role).map { APIKey(id: id, role: $0) }
        }
    }

    public func keys() async throws -> [APIKeyRecord] {
        try await rows("SELECT id, role, created_at, revoked_at FROM api_keys ORDER BY created_at, id").compactMap { row in
            let (id, role, created, revoked) = try row.decode((String, String, Date, Date?).self)
            return APIKey.Role(rawValue: role).map { APIKeyRecord(key: APIKey(id: id, role: $0), createdAt: created, revokedAt: revoked) }
        }
    }

    public func revokeKey(_ id: String, at: Date) async throws -> Bool {
        try await !rows("UPDATE api_keys SET revoked_at = \(at) WHERE id = \(id) AND revoked_at IS NULL RETURNING id").isEmpty
    }

    public func rotateKey(_ id: String) async throws -> String? {
        let secret = APIKey.generate().secret
        let updated = try await rows("""
            UPDATE api_keys SET secret_sha256 = \(StableID.sha256Hex(secret)) WHERE id = \(id) AND revoked_at IS NULL RETURNING id
            """)
        return updated.isEmpty ? nil : secret
    }

    // MARK: Subscriptions

    public func save(_ subscription: Subscription) async throws {
        let body = try StoredForm.encode(subscription)
        try await withVersionLock { connection in
            _ = try await connection.query("""
                INSERT INTO subscriptions (id, body, deleted, version) VALUES (\(subscription.id), \(body), false, nextval('subscription_versions'))
                ON CONFLICT (id) DO UPDATE SET body = excluded.body, version = excluded.version WHERE NOT subscriptions.deleted
                """, logger: logger)
        }
    }

    public func create(_ subscription: Subscription, maximumOwned: Int) async throws -> Bool {
        let body = try StoredForm.encode(subscription)
        let owner = subscription.ownerKeyID
        // Under the version lock, which every writer of subscriptions takes: count, then insert.
        return try await withVersionLock { connection in
            if let owner {
                let rows = try await connection.query("""
                    SELECT COUNT(*) FROM subscriptions WHERE NOT deleted AND (body::jsonb ->> 'ownerKeyID') = \(owner)
                    """, logger: logger).collect()
                let owned = try rows.first?.decode(Int.self) ?? 0
                guard owned < maximumOwned else { return false }
            }
            _ = try await connection.query("""
                INSERT INTO subscriptions (id, body, deleted, version) VALUES (\(subscription.id), \(body), false, nextval('subscription_versions'))
                """, logger: logger)
            return true
        }
    }

    @discardableResult
    public func update(
        _ id: String, _ change: @escaping @Sendable (inout Subscription) throws -> Bool
    ) async throws -> (subscription: Subscription, changed: Bool)? {
        // Under the version lock, which every writer of subscriptions takes: read, change, write.
        try await withVersionLock { connection in
            let rows = try await connection.query("SELECT body FROM subscriptions WHERE id = \(id) AND NOT deleted FOR UPDATE", logger: logger).collect()
            guard let body = try rows.first?.decode(String.self) else { return nil }
            var subscription = try StoredForm.decodeSubscription(body)
            guard try change(&subscription) else { return (subscription, false) }
            let encoded = try StoredForm.encode(subscription)
            _ = try await connection.query("""
                UPDATE subscriptions SET body = \(encoded), version = nextval('subscription_versions') WHERE id = \(id) AND NOT deleted
                """, logger: logger)
            return (subscription, true)
        }
    }

    @discardableResult
    public func delete(_ id: String) async throws -> Bool {
        try await withVersionLock { connection in
            let rows = try await connection.query("""
                UPDATE subscriptions SET deleted = true, version = nextval('subscription_versions') WHERE id = \(id) AND NOT deleted RETURNING id
                """, logger: logger)
            return try await !rows.collect().isEmpty
        }
    }

    public func subscription(_ id: String) async throws -> Subscription? {
        try await rows("SELECT body FROM subscriptions WHERE id = \(id) AND NOT deleted").first.map { try StoredForm.decodeSubscription($0.decode(String.self)) }
    }

    public func ping() async throws {
        _ = try await rows("SELECT 1")
    }

    public func changes(after version: Int64) async throws -> [SubscriptionChange] {
        try await rows("SELECT body, deleted, version FROM subscriptions WHERE version > \(version) ORDER BY version").map { row in
            let (body, deleted, version) = try row.decode((String, Bool, Int64).self)
            return SubscriptionChange(subscription: try StoredForm.decodeSubscription(body), deleted: deleted, version: version)
        }
    }

    // MARK: What was sent

    public func sent(subscriptionID: String, storyID: String) async throws -> [String: Int] {
        let found = try await rows("SELECT item_id, version FROM sent WHERE subscription_id = \(subscriptionID) AND story_id = \(storyID)")
        return Dictionary(try found.map { try $0.decode((String, Int).self) }) { max($0, $1) }
    }

    public func claimSend(subscriptionID: String, storyID: String, itemID: String, version: Int) async throws -> SendClaim {
        // A transaction-level lock on the (subscription, story) pair: a second claimer of the
        // same pair, in any process, reads only after this one committed.
        try await client.withTransaction(logger: logger) { connection in
            _ = try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtextextended(\(subscriptionID + "\u{1F}" + storyID), \(Self.sentLockSeed)))", logger: logger)
            let found = try await connection.query(
                "SELECT item_id, version FROM sent WHERE subscription_id = \(subscriptionID) AND story_id = \(storyID)", logger: logger).collect()
            let sent = Dictionary(try found.map { try $0.decode((String, Int).self) }) { max($0, $1) }
            let claim = SendClaim.decide(sent: sent, itemID: itemID, version: version)
            guard claim != .skip else { return claim }
            _ = try await connection.query("""
                INSERT INTO sent (subscription_id, story_id, item_id, version, sent_at) VALUES (\(subscriptionID), \(storyID), \(itemID), \(version), \(Date()))
                ON CONFLICT (subscription_id, story_id, item_id) DO UPDATE SET version = GREATEST(sent.version, excluded.version)
                """, logger: logger)
            return claim
        }
    }

    // MARK: Receipts and endpoint health

    @discardableResult
    public func recordReceipt(_ receipt: DeliveryReceipt) async throws -> Bool {
        let body = try StoredForm.encode(receipt)
        return try await !rows("""
            INSERT INTO receipts (event_id, subscription_id, attempted_at, body) VALUES (\(receipt.eventID), \(receipt.subscriptionId), \(receipt.attemptedAt), \(body))
            ON CONFLICT (event_id) DO NOTHING RETURNING event_id
            """).isEmpty
    }

    public func receipts(subscriptionID: String, limit: Int) async throws -> [DeliveryReceipt] {
        try await rows("""
            SELECT body FROM receipts WHERE subscription_id = \(subscriptionID) ORDER BY attempted_at DESC, event_id DESC LIMIT \(limit)
            """).map { try StoredForm.decodeReceipt($0.decode(String.self)) }
    }

    public func recordEndpointResult(subscriptionID: String, success: Bool, at: Date) async throws -> Date? {
        let query: PostgresQuery = success
            ? """
                INSERT INTO endpoint_health (subscription_id, failing_since, last_success, last_attempt) VALUES (\(subscriptionID), NULL, \(at), \(at))
                ON CONFLICT (subscription_id) DO UPDATE SET failing_since = NULL, last_success = excluded.last_success, last_attempt = excluded.last_attempt
                RETURNING failing_since
                """
            : """
                INSERT INTO endpoint_health (subscription_id, failing_since, last_success, last_attempt) VALUES (\(subscriptionID), \(at), NULL, \(at))
                ON CONFLICT (subscription_id) DO UPDATE SET
                    failing_since = COALESCE(endpoint_health.failing_since, excluded.failing_since), last_attempt = excluded.last_attempt
                RETURNING failing_since
                """
        return try await rows(query).first?.decode(Date?.self) ?? nil
    }

    public func claimRecipientMail(recipient: String, at: Date, window: TimeInterval, limit: Int) async throws -> Bool {
        let key = Self.recipientKey(recipient), since = at.addingTimeInterval(-window)
        // A transaction-level lock on the recipient: a second claimer, in any process, counts only
        // after this one committed.
        return try await client.withTransaction(logger: logger) { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(key), \(Self.recipientLockSeed)))", logger: logger)
            _ = try await connection.query("DELETE FROM recipient_mails WHERE recipient_sha256 = \(key) AND sent_at <= \(since)", logger: logger)
            let rows = try await connection.query("SELECT count(*) FROM recipient_mails WHERE recipient_sha256 = \(key)", logger: logger).collect()
            guard try (rows.first?.decode(Int.self) ?? 0) < limit else { return false }
            _ = try await connection.query("INSERT INTO recipient_mails (recipient_sha256, sent_at) VALUES (\(key), \(at))", logger: logger)
            return true
        }
    }

    public func releaseRecipientMail(recipient: String, at: Date) async throws {
        // TIMESTAMPTZ keeps microseconds: the claim's row is the one within a millisecond of `at`.
        let key = Self.recipientKey(recipient), from = at.addingTimeInterval(-0.001), to = at.addingTimeInterval(0.001)
        _ = try await rows("""
            DELETE FROM recipient_mails WHERE id IN (
                SELECT id FROM recipient_mails WHERE recipient_sha256 = \(key) AND sent_at BETWEEN \(from) AND \(to) LIMIT 1)
            """)
    }

    public func failingEndpoints() async throws -> [EndpointFailure] {
        try await rows("""
            SELECT subscription_id, failing_since, last_attempt FROM endpoint_health
            WHERE failing_since IS NOT NULL ORDER BY failing_since, subscription_id
            """).map { row in
            let (id, since, last) = try row.decode((String, Date, Date).self)
            return EndpointFailure(subscriptionID: id, failingSince: since, lastAttempt: last)
        }
    }

    // MARK: Held digests

    public func hold(_ request: DeliveryRequest, until: Date) async throws {
        let body = try StoredForm.encode(request)
        _ = try await rows("""
            INSERT INTO held (delivery_id, subscription_id, channel, due_at, held_at, body)
            VALUES (\(request.deliveryId), \(request.subscriptionId), \(request.channel.rawValue), \(until), \(Date()), \(body))
            ON CONFLICT (delivery_id) DO NOTHING
            """)
    }

    public func claimDueDigests(channel: DeliveryChannel, now: Date, lease: TimeInterval, limit: Int) async throws -> [HeldDigest] {
        // One statement: rows of up to `limit` subscriptions with something due and not leased are
        // leased and returned; SKIP LOCKED keeps concurrent claimers off each other's rows.
        let leaseUntil = now.addingTimeInterval(lease)
        let found = try await rows("""
            WITH due AS (
                SELECT DISTINCT subscription_id FROM held
                WHERE channel = \(channel.rawValue) AND due_at <= \(now) AND (lease_until IS NULL OR lease_until < \(now))
                LIMIT \(limit)),
            claimed AS (
                UPDATE held SET lease_until = \(leaseUntil)
                WHERE delivery_id IN (
                    SELECT h.delivery_id FROM held h JOIN due USING (subscription_id)
                    WHERE h.channel = \(channel.rawValue) AND h.due_at <= \(now) AND (h.lease_until IS NULL OR h.lease_until < \(now))
                    FOR UPDATE SKIP LOCKED)
                RETURNING subscription_id, body, failed_attempts, held_at, delivery_id)
            SELECT subscription_id, body, failed_attempts FROM claimed ORDER BY subscription_id, held_at, delivery_id
            """)
        return try StoredForm.group(try found.map { row in
            let (subscription, body, attempts) = try row.decode((String, String, Int).self)
            return (subscription, body, attempts)
        })
    }

    public func release(subscriptionID: String, deliveryIDs: [String]) async throws {
        _ = try await rows("DELETE FROM held WHERE subscription_id = \(subscriptionID) AND delivery_id = ANY(\(deliveryIDs))")
    }

    public func postpone(subscriptionID: String, deliveryIDs: [String], until at: Date) async throws {
        _ = try await rows("""
            UPDATE held SET due_at = \(at), lease_until = NULL, failed_attempts = failed_attempts + 1
            WHERE subscription_id = \(subscriptionID) AND delivery_id = ANY(\(deliveryIDs))
            """)
    }

    // MARK: Plumbing

    /// Runs `body` in a transaction holding the version lock (released at commit or rollback).
    private func withVersionLock<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.versionLock))", logger: logger)
            return try await body(connection)
        }
    }

    /// Runs a query outside a transaction and reads all its rows.
    private func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await client.query(query, logger: logger).collect()
    }
}
