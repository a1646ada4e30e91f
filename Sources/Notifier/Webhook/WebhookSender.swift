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
/// it under way wait for its result. Bounded: at most `maximumClients` endpoints keep a client,
/// idle ones are closed, and a replaced client (its address changed) is closed once no post can
/// still be using it.
public final class WebhookSender: Sendable {
    public struct Configuration: Sendable {
        public var connectTimeout: Duration = .seconds(5)
        public var totalTimeout: Duration = .seconds(15)
        public var connectionsPerEndpoint = 8
        public var revetAfter: Duration = .seconds(60)
        public var userAgent = "Newsflash-Webhooks/1"
        public var policy = AddressPolicy()
        /// At most this many endpoints keep a client; past it, the least recently used one goes.
        public var maximumClients = 2_000
        /// A client unused this long is closed.
        public var idleClientTimeout: Duration = .seconds(600)
        /// How long a client taken out of use stays open for posts that may still use it; nil: the
        /// total timeout plus the connect timeout plus 5 s, longer than any post.
        public var retiredClientGrace: Duration?
        /// How many URLs' endpoint keys are remembered (a cache, emptied when full).
        public var maximumRememberedURLs = 100_000
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
        var usedAt: ContinuousClock.Instant
    }

    /// A client taken out of use: closed once no post can still be using it (a post ends within
    /// the total timeout).
    private struct Retired {
        var client: HTTPClient
        var at: ContinuousClock.Instant
    }

    private struct State {
        /// URL -> its endpoint key, `scheme://host:port`, read with URLComponents (as AsyncHTTPClient
        /// reads the URL, so that the pin applies to the host it connects to) once per URL: one
        /// entry per webhook subscription, like the subscription cache.
        var endpoints: [String: String] = [:]
        var clients: [String: Pinned] = [:]
        var vetting: [String: Task<HTTPClient, any Error>] = [:]
        var retired: [Retired] = []
        var prunedAt = ContinuousClock.now
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
        let limit = configuration.maximumRememberedURLs
        state.withLock { state in
            if state.endpoints.count >= limit { state.endpoints = [:] }
            state.endpoints[url] = key
        }
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
            let now = ContinuousClock.now
            if let pinned = state.clients[key], now - pinned.vettedAt < revetAfter {
                state.clients[key]?.usedAt = now
                return (pinned.client, nil)
            }
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
        let (client, closing) = try state.withLock { state -> (HTTPClient, [HTTPClient]) in
            state.vetting[key] = nil
            // Shut down while resolving: a new client would never be shut down.
            try Task.checkCancellation()
            let now = ContinuousClock.now
            if let pinned = state.clients[key], pinned.endpoint == endpoint {
                state.clients[key]?.vettedAt = now
                state.clients[key]?.usedAt = now
                return (pinned.client, [])
            }
            let client = makeClient(endpoint)
            if let old = state.clients[key] { state.retired.append(Retired(client: old.client, at: now)) }
            state.clients[key] = Pinned(endpoint: endpoint, client: client, vettedAt: now, usedAt: now)
            return (client, prune(&state, now: now))
        }
        for old in closing { Task { try? await old.shutdown() } }
        return client
    }

    /// Takes idle clients and those past ``Configuration/maximumClients`` out of use, and returns
    /// the retired ones that no post can still be using, to be closed.
    private func prune(_ state: inout State, now: ContinuousClock.Instant) -> [HTTPClient] {
        let idle = configuration.idleClientTimeout
        if state.clients.count > configuration.maximumClients || now - state.prunedAt > idle / 10 {
            state.prunedAt = now
            var evict = state.clients.filter { now - $0.value.usedAt > idle }.map(\.key)
            let over = state.clients.count - evict.count - configuration.maximumClients
            if over > 0 {
                let kept = state.clients.filter { now - $0.value.usedAt <= idle }.sorted { $0.value.usedAt < $1.value.usedAt }
                evict += kept.prefix(over).map(\.key)
            }
            for key in evict {
                if let pinned = state.clients.removeValue(forKey: key) { state.retired.append(Retired(client: pinned.client, at: now)) }
            }
        }
        // A post holds its client at most the total timeout (plus the connect timeout before it).
        let grace = configuration.retiredClientGrace ?? configuration.totalTimeout + configuration.connectTimeout + .seconds(5)
        let done = state.retired.filter { now - $0.at > grace }
        state.retired.removeAll { now - $0.at > grace }
        return done.map(\.client)
    }

    /// Clients in use and retired ones not closed yet (for tests and diagnostics).
    public var clientCounts: (open: Int, retired: Int) {
        state.withLock { ($0.clients.count, $0.retired.count) }
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
            let all = state.clients.values.map(\.client) + state.retired.map(\.client)
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
