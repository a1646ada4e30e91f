import Synchronization

/// A reference to a value behind a `Mutex`, for state that C callbacks and
/// async callers share (a `Mutex` itself cannot be captured by escaping closures).
final class LockedBox<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }

    func withLock<Result>(_ body: (inout sending Value) throws -> sending Result) rethrows -> sending Result {
        try mutex.withLock(body)
    }
}
