import NewsModel

/// A subscription store that cannot be opened or used; `message` says what to fix.
public typealias SubscriptionStoreError = CodedError<SubscriptionStoreErrorCode>

public enum SubscriptionStoreErrorCode: String, Sendable, Hashable {
    /// The store's location (a file path or a `postgres://` URL) is not usable as given.
    case invalidLocation
    /// The database did not answer, refused the credentials or failed a migration.
    case unavailable
}
