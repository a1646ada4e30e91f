import Foundation
import GRDB

/// How Newsflash opens its SQLite files (the ingest state, the subscription store): the
/// directory made if missing, a 5 s busy timeout, and for a file (not `:memory:`) the write-ahead
/// log with `synchronous = FULL`, then the file's migrations.
public enum SQLiteFile {
    /// Opens the file at `path` (`:memory:` for a private in-memory database) and applies, in
    /// order, each of `migrations` (a name, and the SQL it runs once) that it has not had yet.
    ///
    /// All of it in one IMMEDIATE transaction: the check of what is applied and the migrations run
    /// under SQLite's write lock, so processes that open a new file at once (the API, a notifier
    /// and `subscriptions add` on a fresh store) apply each migration once; the others wait (busy
    /// timeout) and then find it applied. GRDB's `DatabaseMigrator` read the applied list outside
    /// the transaction of each migration, and a second opener failed on "table already exists".
    /// The applied names are kept in the table GRDB's migrator used (`grdb_migrations`), so files
    /// it migrated open unchanged.
    public static func open(path: String, migrations: KeyValuePairs<String, String>) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        let database: DatabaseQueue
        if path == ":memory:" {
            database = try DatabaseQueue(configuration: configuration)
        } else {
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            // Write-ahead log: readers (other processes on the file) never block the writer, and a
            // commit costs one fsync of the log instead of the rollback journal's three. Still
            // synchronous = FULL: a commit that returned survives a power cut.
            configuration.prepareDatabase { db in
                try setWriteAheadLog(db)
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            database = try DatabaseQueue(path: path, configuration: configuration)
        }
        try database.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
                let applied = try String.fetchSet(db, sql: "SELECT identifier FROM grdb_migrations")
                for (name, sql) in migrations where !applied.contains(name) {
                    try db.execute(sql: sql)
                    try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [name])
                }
                return .commit
            }
        }
        return database
    }

    /// Puts the file in write-ahead-log mode. The mode is kept in the file, so the first opener
    /// sets it for all; setting it needs the file to itself, and while another connection holds a
    /// lock SQLite answers "database is locked" at once, without the busy timeout (seen with six
    /// processes opening a new store together). So it is tried again for up to 10 s.
    private static func setWriteAheadLog(_ db: Database) throws {
        let deadline = Date().addingTimeInterval(10)
        while true {
            do {
                if try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")?.lowercased() == "wal" { return }
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                guard Date() < deadline else { throw error }
            }
            guard Date() < deadline else {
                throw DatabaseError(resultCode: .SQLITE_BUSY, message: "could not put the file in write-ahead-log mode within 10 s")
            }
            usleep(20_000)
        }
    }
}
