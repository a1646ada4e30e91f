import Foundation
import Logging

/// Opens the subscription store at `location`: PostgreSQL for a `postgres://` or `postgresql://`
/// URL (``PostgresSubscriptionStore``), else the SQLite file at that path
/// (``SQLiteSubscriptionStore``). Call ``SubscriptionStoring/shutdown()`` when done with it.
///
/// - Parameter creating: whether a SQLite file that does not exist yet is created. Commands that
///   only read or change what is there pass false: run with the wrong path, they would otherwise
///   make an empty store there and report that it holds nothing.
public func openSubscriptionStore(at location: String, creating: Bool = true, logger: Logger) async throws -> any SubscriptionStoring {
    if PostgresLocation.isPostgres(location) {
        return try await PostgresSubscriptionStore.connect(url: location, logger: logger)
    }
    if !creating, location != ":memory:", !FileManager.default.fileExists(atPath: location) {
        throw SubscriptionStoreError(
            .unavailable,
            "no SQLite subscription store at \(location): nothing has created it there. Give the store the stages use "
                + "(store.subscriptions, $NEWSFLASH_SUBSCRIPTIONS or --subscriptions)")
    }
    do {
        return try SQLiteSubscriptionStore(path: location)
    } catch {
        throw SubscriptionStoreError(.unavailable, "cannot open the SQLite subscription store \(location): \(error)")
    }
}
