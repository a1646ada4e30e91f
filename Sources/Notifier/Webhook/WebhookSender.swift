import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NewsModel
import Synchronization

/// Posts signed webhook bodies with AsyncHTTPClient: keep-alive pools per
/// endpoint, connect and total timeouts, no redirects, at most
/// `connectionsPerEndpoint` connections to one endpoint.
///
/// Each endpoint (scheme, host, port) gets a client whose DNS is pinned to the
/// address ``EndpointResolver`` vetted; the pin is re-checked every `revetAfter`.
/// A post to a freshly vetted endpoint takes a lock and no actor hop: the sender
/// is on every delivery's path. One vetting at a time per endpoint: posts that find
/// it under way wait for its result.
public final class WebhookSender: Sendable {
    public struct Configuration: Sendable {
        public var connectTimeout: Duration = .seconds(5)
        public var totalTimeout: Duration = .seconds(15)
        public var connectionsPerEndpoint = 8
        public var revetAfter: Duration = .seconds(60)
        public var userAgent = "Newsflash-Webhooks/1"
        public var policy = AddressPolicy()
        public init() {}
    }

    /// One attempt's result.
    public struct Result: Sendable, Hashable {
        public var statusCode: Int?
        public var error: String?
        /// Seconds, from a Retry-After header (delta or HTTP date).
        public var retryAfter: Double?
        public var latencyMs: Double
    }

    private struct Pinned {
        var endpoint: EndpointResolver.Endpoint
        var client: HTTPClient
        var vettedAt: ContinuousClock.Instant
    }

    private struct State {
        /// URL -> its endpoint key, `scheme://host:port`, read with URLComponents (as AsyncHTTPClient
        /// reads the URL, so that the pin applies to the host it connects to) once per URL: one
        /// entry per webhook subscription, like the subscription cache.
        var endpoints: [String: String] = [:]
        var clients: [String: Pinned] = [:]
        var vetting: [String: Task<HTTPClient, any Error>] = [:]
        var retired: [HTTPClient] = []
    }

    public let configuration: Configuration
    private let resolver: EndpointResolver
    private let logger: Logger
    /// content-type and user-agent: the same on every post.
    private let fixedHeaders: HTTPHeaders
    private let state = Mutex(State())

    public init(configuration: Configuration = Configuration(), logger: Logger) {
        self.configuration = configuration
        self.resolver = EndpointResolver(policy: configuration.policy)
        self.logger = logger
        self.fixedHeaders = ["content-type": "application/json", "user-agent": configuration.userAgent]
    }

    /// The endpoint `url` goes to, `scheme://host:port`: the key of its connection pool
    /// (and of the processor's ``EndpointGate``); nil when it is not an absolute URL.
    public func endpoint(of url: String) -> String? {
        if let known = state.withLock({ $0.endpoints[url] }) { return known }
        guard let components = URLComponents(string: url), let host = components.host else { return nil }
        let key = "\(components.scheme ?? "")://\(host):\(components.port ?? 0)"
        state.withLock { $0.endpoints[url] = key }
        return key
    }

    /// POSTs `body` to `url` with `headers`; never throws: failures are in the result.
    public func post(_ url: String, headers: [(String, String)], body: [UInt8]) async -> Result {
        let start = ContinuousClock.now
        func elapsed() -> Double { millisecondsSince(start) }
        let client: HTTPClient
        do {
            client = try await self.client(for: url)
        } catch {
            return Result(statusCode: nil, error: "\(error)", retryAfter: nil, latencyMs: elapsed())
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers = fixedHeaders
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let limit = configuration.totalTimeout
        let deadline = NIODeadline.now() + .nanoseconds(Int64(limit.components.seconds) * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000)
        do {
            // AsyncHTTPClient's deadline covers the head only.
            let response = try await client.execute(request, deadline: deadline)
            let status = Int(response.status.code)
            let retryAfter = response.headers.first(name: "retry-after").flatMap { RetryAfter.seconds($0) }
            func result() -> Result {
                Result(statusCode: status, error: (200..<300).contains(status) ? nil : "HTTP \(status)", retryAfter: retryAfter, latencyMs: elapsed())
            }
            // Read (and drop) the body so the connection goes back to the pool. A 204 or an empty
            // body is complete with the head; another answer counts only when it is complete
            // within the total timeout.
            if response.status == .noContent || response.headers.first(name: "content-length") == "0" {
                for try await _ in response.body {}
                return result()
            }
            let remaining = Duration.nanoseconds(deadline.uptimeNanoseconds) - .nanoseconds(NIODeadline.now().uptimeNanoseconds)
            return try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    for try await _ in response.body {}
                    return true
                }
                group.addTask {
                    try await Task.sleep(for: remaining)
                    return false
                }
                let complete = try await group.next() ?? false
                group.cancelAll()
                return complete ? result() : Result(statusCode: nil, error: "timed out", retryAfter: nil, latencyMs: elapsed())
            }
        } catch {
            return Result(statusCode: nil, error: Self.describe(error), retryAfter: nil, latencyMs: elapsed())
        }
    }

    /// A client pinned to the vetted address of the URL's endpoint.
    private func client(for url: String) async throws -> HTTPClient {
        guard let key = endpoint(of: url) else { throw EndpointRefusal(message: "\(url) is not an absolute http(s) URL") }
        let revetAfter = configuration.revetAfter
        let (client, vetting) = state.withLock { state -> (HTTPClient?, Task<HTTPClient, any Error>?) in
            if let pinned = state.clients[key], ContinuousClock.now - pinned.vettedAt < revetAfter { return (pinned.client, nil) }
            if let vetting = state.vetting[key] { return (nil, vetting) }
            let vetting = Task { try await self.vet(url, key: key) }
            state.vetting[key] = vetting
            return (nil, vetting)
        }
        if let client { return client }
        return try await vetting!.value
    }

    /// Vets `url`'s endpoint again and pins its client to the address (a new client when the address changed).
    private func vet(_ url: String, key: String) async throws -> HTTPClient {
        let endpoint: EndpointResolver.Endpoint
        do {
            endpoint = try await resolver.vet(url)
        } catch {
            state.withLock { $0.vetting[key] = nil }
            throw error
        }
        return try state.withLock { state in
            state.vetting[key] = nil
            // Shut down while resolving: a new client would never be shut down.
            try Task.checkCancellation()
            if let pinned = state.clients[key], pinned.endpoint == endpoint {
                state.clients[key]?.vettedAt = .now
                return pinned.client
            }
            let client = makeClient(endpoint)
            if let old = state.clients[key] { state.retired.append(old.client) }
            state.clients[key] = Pinned(endpoint: endpoint, client: client, vettedAt: .now)
            return client
        }
    }

    private func makeClient(_ endpoint: EndpointResolver.Endpoint) -> HTTPClient {
        var settings = HTTPClient.Configuration()
        settings.redirectConfiguration = .disallow
        settings.timeout = .init(connect: .seconds(Int64(configuration.connectTimeout.components.seconds)), read: nil)
        settings.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.connectionsPerEndpoint)
        settings.httpVersion = .http1Only
        settings.dnsOverride = [endpoint.host: endpoint.address.description]
        // Newsflash bootstraps no tracer; with the default (the global no-op one) AsyncHTTPClient
        // still makes a span per request and parses the URL again for its attributes.
        settings.tracing.tracer = nil
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
    }

    public func shutdown() async {
        let all = state.withLock { state in
            let all = state.clients.values.map(\.client) + state.retired
            state.clients = [:]
            state.retired = []
            for vetting in state.vetting.values { vetting.cancel() }
            return all
        }
        for client in all { try? await client.shutdown() }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return "timed out"
            case .connectTimeout: return "connect timed out"
            case .remoteConnectionClosed: return "the endpoint closed the connection"
            default: return "\(error)"
            }
        }
        if let error = error as? EndpointRefusal { return error.message }
        return "\(error)"
    }
}
