import Logging

/// Opens the subscription store at `location`: PostgreSQL for a `postgres://` or `postgresql://`
/// URL (``PostgresSubscriptionStore``), else the SQLite file at that path
/// (``SQLiteSubscriptionStore``). Call ``SubscriptionStoring/shutdown()`` when done with it.
public func openSubscriptionStore(at location: String, logger: Logger) async throws -> any SubscriptionStoring {
    if PostgresLocation.isPostgres(location) {
        return try await PostgresSubscriptionStore.connect(url: location, logger: logger)
    }
    do {
        return try SQLiteSubscriptionStore(path: location)
    } catch {
        throw SubscriptionStoreError(.unavailable, "cannot open the SQLite subscription store \(location): \(error)")
    }
}
