/// A subscription store that cannot be opened or used; `message` says what to fix.
public struct SubscriptionStoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The store's location (a file path or a `postgres://` URL) is not usable as given.
        case invalidLocation
        /// The database did not answer, refused the credentials or failed a migration.
        case unavailable
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
