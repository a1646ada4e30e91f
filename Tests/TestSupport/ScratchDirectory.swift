import Foundation

/// A directory of a test's own under the temporary directory, removed with everything in it by
/// `remove()` or, at the latest, when the last reference to it goes.
///
/// A suite that keeps one as a stored property gets a fresh one for each test (Swift Testing makes
/// an instance of the suite per test) and leaves nothing behind. In a function, call `remove()` in
/// a `defer`: Swift may release an object after its last use, before the end of its scope, so
/// `deinit` alone could take the directory while a path into it is still in use.
public final class ScratchDirectory: Sendable {
    public let url: URL

    /// Creates `<temporary directory>/<prefix>-<UUID>`. Should that fail, the first file a test
    /// opens there fails with its own error, which names the path.
    public init(_ prefix: String) {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` in the directory.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    public func remove() {
        try? FileManager.default.removeItem(at: url)
    }

    deinit { remove() }
}
