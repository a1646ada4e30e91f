/// A wait that took longer than it may.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public let what: String
    public var description: String { "timed out: \(what)" }

    public init(what: String) {
        self.what = what
    }
}

/// Runs `body`, cancelling it and throwing after `timeout`.
public func withDeadline<T: Sendable>(_ timeout: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw DeadlineExceeded(what: what) }
        return value
    }
}
