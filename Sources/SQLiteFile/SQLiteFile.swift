import Foundation
import GRDB

/// How Newsflash opens its SQLite files (the ingest state, the subscription store): the
/// directory made if missing, a 5 s busy timeout, and for a file (not `:memory:`) the write-ahead
/// log with `synchronous = FULL`, then the file's migrations.
public enum SQLiteFile {
    /// Opens the file at `path` (`:memory:` for a private in-memory database) and applies, in
    /// order, each of `migrations` (a name, and the SQL it runs once) that it has not had yet.
    public static func open(path: String, migrations: KeyValuePairs<String, String>) throws -> DatabaseQueue {
        var migrator = DatabaseMigrator()
        for (name, sql) in migrations {
            migrator.registerMigration(name) { db in try db.execute(sql: sql) }
        }
        return try open(path: path, migrator: migrator)
    }

    private static func open(path: String, migrator: DatabaseMigrator) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        guard path != ":memory:" else {
            let database = try DatabaseQueue(configuration: configuration)
            try migrator.migrate(database)
            return database
        }
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        // Write-ahead log: readers (other processes on the file) never block the writer, and a
        // commit costs one fsync of the log instead of the rollback journal's three. Still
        // synchronous = FULL: a commit that returned survives a power cut.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let database = try DatabaseQueue(path: path, configuration: configuration)
        try migrator.migrate(database)
        return database
    }
}
