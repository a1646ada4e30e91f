import Logging
import ServiceLifecycle

/// Runs `body` every `interval` until graceful shutdown, logging (not
/// stopping on) failures: the subscription pollers of the match and notify stages.
public struct PeriodicTask: Service {
    public let name: String
    public let interval: Duration
    public let logger: Logger
    public let body: @Sendable () async throws -> Void

    public init(name: String, every interval: Duration = .seconds(2), logger: Logger, _ body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.interval = interval
        self.logger = logger
        self.body = body
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await body()
                } catch {
                    logger.warning("\(name) failed; trying again", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
