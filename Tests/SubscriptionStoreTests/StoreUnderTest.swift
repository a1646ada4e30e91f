import Foundation
import Logging
import PostgresNIO
@testable import SubscriptionStore
import Testing
import TestSupport

/// The store implementations the suite runs against.
enum StoreKind: String, CaseIterable, Sendable {
    case sqlite
    case postgres
}

/// A fresh, empty place for a store of one kind: a new SQLite file, or a new schema in the
/// PostgreSQL database of `NEWSFLASH_TEST_POSTGRES_URL` (set by `make test` and `.ci/run`,
/// which start a throwaway cluster with Deploy/postgres.sh). Without that variable the
/// PostgreSQL cases are cancelled (skipped) with the reason, except under `CI=true`, where
/// they fail.
struct StoreUnderTest: Sendable {
    static let postgresURL = Repository.environment["NEWSFLASH_TEST_POSTGRES_URL"]

    static let logger: Logger = {
        var logger = Logger(label: "newsflash.store-tests")
        logger.logLevel = Repository.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }()

    let kind: StoreKind
    /// The SQLite file, or the PostgreSQL URL.
    let location: String
    /// The PostgreSQL schema the store's tables go into.
    let schema: String?

    /// Runs `body` with a fresh place, and removes it afterwards.
    static func with(_ kind: StoreKind, _ body: (StoreUnderTest) async throws -> Void) async throws {
        let name = "nf_test_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        switch kind {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).sqlite").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            try await body(StoreUnderTest(kind: kind, location: path, schema: nil))
        case .postgres:
            guard let url = postgresURL else {
                if Repository.isCI {
                    Issue.record("NEWSFLASH_TEST_POSTGRES_URL must name the test PostgreSQL (CI=true); Deploy/test.sh starts one")
                    return
                }
                try Test.cancel("NEWSFLASH_TEST_POSTGRES_URL is not set: run `make test`, or `Deploy/postgres.sh start` and `eval \"$(Deploy/postgres.sh env)\"`")
            }
            let place = StoreUnderTest(kind: kind, location: url, schema: name)
            do {
                try await body(place)
            } catch {
                _ = try? await place.query("DROP SCHEMA IF EXISTS \(unescaped: name) CASCADE")
                throw error
            }
            try await place.query("DROP SCHEMA IF EXISTS \(unescaped: name) CASCADE")
        }
    }

    /// Runs `body` with a store in a fresh place, and shuts it down afterwards.
    static func withStore(_ kind: StoreKind, _ body: (any SubscriptionStoring) async throws -> Void) async throws {
        try await with(kind) { place in
            try await place.withStore(body)
        }
    }

    /// Opens a store here (migrating it); the caller shuts it down.
    func open() async throws -> any SubscriptionStoring {
        switch kind {
        case .sqlite: try SQLiteSubscriptionStore(path: location)
        case .postgres: try await PostgresSubscriptionStore.connect(url: location, schema: schema, logger: Self.logger)
        }
    }

    func withStore(_ body: (any SubscriptionStoring) async throws -> Void) async throws {
        let store = try await open()
        do {
            try await body(store)
        } catch {
            await store.shutdown()
            throw error
        }
        await store.shutdown()
    }

    /// Every text the store holds in its tables' rows for `table` (to check what is not stored).
    func storedText(_ table: String) async throws -> String {
        switch kind {
        case .sqlite:
            // The database and its write-ahead log, where recent commits live until a checkpoint.
            let files = [location, location + "-wal"].filter { FileManager.default.fileExists(atPath: $0) }
            return try files.map { String(decoding: try Data(contentsOf: URL(fileURLWithPath: $0)), as: UTF8.self) }.joined(separator: "\n")
        case .postgres:
            let rows = try await query("SELECT to_jsonb(t)::text FROM \(unescaped: table) t")
            return try rows.map { try $0.decode(String.self) }.joined(separator: "\n")
        }
    }

    /// Runs one query in this place's schema on a connection of its own.
    @discardableResult
    func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let configuration = try PostgresLocation(url: location, schema: schema).clientConfiguration()
        let client = PostgresClient(configuration: configuration, backgroundLogger: Self.logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            if #available(macOS 26, *) {
                group.addImmediateTask { await client.run() }
            } else {
                group.addTask { await client.run() }
            }
            defer { group.cancelAll() }
            return try await client.query(query, logger: Self.logger).collect()
        }
    }
}
