import FeedParsing
import Foundation
import GRDB
import SQLiteFile

/// What ingest remembers between polls and restarts, in one SQLite file:
/// the seen-set (which items were published, at which content version), each
/// source's HTTP validators and health, and the recent stories for near-duplicate
/// matching. Written only after the broker acknowledged a publish.
public final class IngestStore: Sendable {
    private let database: DatabaseQueue

    /// An item already published.
    public struct SeenItem: Sendable, Hashable {
        public var itemID: String
        public var fingerprint: String
        public var version: Int
        public var storyID: String
    }

    /// A source's poll state and health.
    public struct SourceState: Sendable, Hashable, Codable {
        public var sourceID: String
        public var etag: String?
        public var lastModified: String?
        public var consecutiveFailures: Int
        public var lastSuccessAt: Date?
        public var lastError: String?
        public var lastErrorAt: Date?
        public var lastPollAt: Date?
        public var itemsPublished: Int

        public init(sourceID: String) {
            self.sourceID = sourceID
            consecutiveFailures = 0
            itemsPublished = 0
        }
    }

    /// Opens (creating and migrating) the store at `path`; ":memory:" for a private in-memory one.
    public init(path: String) throws {
        database = try SQLiteFile.open(path: path, migrations: Self.migrations)
    }

    /// The file's schema, one migration after another (never edit one that has shipped: add the next).
    private static let migrations: KeyValuePairs<String, String> = [
        "v1": """
            CREATE TABLE seen (
                source_id TEXT NOT NULL, identity_key TEXT NOT NULL, item_id TEXT NOT NULL,
                fingerprint TEXT NOT NULL, version INTEGER NOT NULL, story_id TEXT NOT NULL,
                seen_at REAL NOT NULL, PRIMARY KEY (source_id, identity_key));
            CREATE INDEX seen_by_time ON seen(seen_at);
            CREATE TABLE source_state (
                source_id TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, consecutive_failures INTEGER NOT NULL,
                last_success_at REAL, last_error TEXT, last_error_at REAL, last_poll_at REAL,
                items_published INTEGER NOT NULL);
            CREATE TABLE stories (
                story_id TEXT PRIMARY KEY, sketch BLOB NOT NULL, names TEXT NOT NULL, seen_at REAL NOT NULL);
            CREATE INDEX stories_by_time ON stories(seen_at);
            """,
    ]

    /// What is remembered of each of `identityKeys` (absent when never published), in one read.
    public func seenItems(sourceID: String, identityKeys: [String]) async throws -> [String: SeenItem] {
        try await database.read { db in
            let statement = try db.cachedStatement(sql: "SELECT item_id, fingerprint, version, story_id FROM seen WHERE source_id = ? AND identity_key = ?")
            var found: [String: SeenItem] = [:]
            for key in identityKeys {
                if let row = try Row.fetchOne(statement, arguments: [sourceID, key]) {
                    found[key] = SeenItem(itemID: row["item_id"], fingerprint: row["fingerprint"], version: row["version"], storyID: row["story_id"])
                }
            }
            return found
        }
    }

    /// Records published item versions in one transaction; call after the broker acknowledged them.
    public func markPublished(_ items: [(sourceID: String, identityKey: String, item: SeenItem)], at time: Date) async throws {
        guard !items.isEmpty else { return }
        try await database.write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO seen (source_id, identity_key, item_id, fingerprint, version, story_id, seen_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(source_id, identity_key) DO UPDATE SET
                    fingerprint = excluded.fingerprint, version = excluded.version, story_id = excluded.story_id, seen_at = excluded.seen_at
                """)
            for entry in items {
                try statement.execute(arguments: [
                    entry.sourceID, entry.identityKey, entry.item.itemID, entry.item.fingerprint, entry.item.version, entry.item.storyID,
                    time.timeIntervalSince1970,
                ])
            }
        }
    }

    /// Forgets items not seen since `cutoff`; returns how many.
    @discardableResult
    public func expireSeen(before cutoff: Date) async throws -> Int {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM seen WHERE seen_at < ?", arguments: [cutoff.timeIntervalSince1970])
            return db.changesCount
        }
    }

    public func seenCount(sourceID: String) async throws -> Int {
        try await database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM seen WHERE source_id = ?", arguments: [sourceID]) ?? 0
        }
    }

    public func state(of sourceID: String) async throws -> SourceState {
        try await states().first { $0.sourceID == sourceID } ?? SourceState(sourceID: sourceID)
    }

    public func states() async throws -> [SourceState] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM source_state ORDER BY source_id").map { row in
                var state = SourceState(sourceID: row["source_id"])
                state.etag = row["etag"]
                state.lastModified = row["last_modified"]
                state.consecutiveFailures = row["consecutive_failures"]
                state.lastSuccessAt = (row["last_success_at"] as Double?).map(Date.init(timeIntervalSince1970:))
                state.lastError = row["last_error"]
                state.lastErrorAt = (row["last_error_at"] as Double?).map(Date.init(timeIntervalSince1970:))
                state.lastPollAt = (row["last_poll_at"] as Double?).map(Date.init(timeIntervalSince1970:))
                state.itemsPublished = row["items_published"]
                return state
            }
        }
    }

    public func save(_ state: SourceState) async throws {
        try await database.write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO source_state
                (source_id, etag, last_modified, consecutive_failures, last_success_at, last_error, last_error_at, last_poll_at, items_published)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    state.sourceID, state.etag, state.lastModified, state.consecutiveFailures,
                    state.lastSuccessAt?.timeIntervalSince1970, state.lastError, state.lastErrorAt?.timeIntervalSince1970,
                    state.lastPollAt?.timeIntervalSince1970, state.itemsPublished,
                ])
        }
    }

    /// Saves stories in one transaction.
    public func saveStories(_ entries: [StoryIndex.Entry]) async throws {
        let rows = try entries.map { entry in
            (entry.storyID, entry.values.withUnsafeBufferPointer { Data(buffer: $0) },
             String(decoding: try JSONEncoder().encode(entry.names.sorted()), as: UTF8.self), entry.seenAt)
        }
        try await database.write { db in
            let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO stories (story_id, sketch, names, seen_at) VALUES (?, ?, ?, ?)")
            for row in rows { try statement.execute(arguments: [row.0, row.1, row.2, row.3]) }
        }
    }

    public func recentStories(since cutoff: Double) async throws -> [StoryIndex.Entry] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM stories WHERE seen_at >= ? ORDER BY seen_at", arguments: [cutoff]).map { row in
                let sketch: Data = row["sketch"]
                let values = sketch.withUnsafeBytes { Array($0.bindMemory(to: UInt64.self)) }
                let names = (try? JSONDecoder().decode([String].self, from: Data((row["names"] as String).utf8))) ?? []
                return StoryIndex.Entry(storyID: row["story_id"], values: values, names: Set(names), seenAt: row["seen_at"])
            }
        }
    }
}
