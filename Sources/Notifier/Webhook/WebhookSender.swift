import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Posts signed webhook bodies with AsyncHTTPClient: keep-alive pools per
/// endpoint, connect and total timeouts, no redirects, at most
/// `connectionsPerEndpoint` connections to one endpoint.
///
/// Each endpoint (scheme, host, port) gets a client whose DNS is pinned to the
/// address ``EndpointResolver`` vetted; the pin is re-checked every `revetAfter`.
public actor WebhookSender {
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

    public let configuration: Configuration
    private let resolver: EndpointResolver
    private let logger: Logger
    private var clients: [String: Pinned] = [:]
    private var retired: [HTTPClient] = []

    public init(configuration: Configuration = Configuration(), logger: Logger) {
        self.configuration = configuration
        self.resolver = EndpointResolver(policy: configuration.policy)
        self.logger = logger
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
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: configuration.userAgent)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let timeout = TimeAmount.nanoseconds(Int64(configuration.totalTimeout.components.seconds) * 1_000_000_000
                                             + configuration.totalTimeout.components.attoseconds / 1_000_000_000)
        let limit = configuration.totalTimeout
        let prepared = request
        do {
            // AsyncHTTPClient's deadline covers the head only; the race bounds the whole exchange.
            return try await withThrowingTaskGroup(of: Result?.self) { group in
                group.addTask {
                    let response = try await client.execute(prepared, timeout: timeout)
                    let status = Int(response.status.code)
                    let retryAfter = response.headers.first(name: "retry-after").flatMap(Self.retryAfterSeconds)
                    // Read (and drop) the body so the connection goes back to the pool. An
                    // answer counts only when it is complete within the total timeout.
                    for try await _ in response.body {}
                    return Result(statusCode: status, error: (200..<300).contains(status) ? nil : "HTTP \(status)", retryAfter: retryAfter, latencyMs: elapsed())
                }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first ?? Result(statusCode: nil, error: "timed out", retryAfter: nil, latencyMs: elapsed())
            }
        } catch {
            return Result(statusCode: nil, error: Self.describe(error), retryAfter: nil, latencyMs: elapsed())
        }
    }

    /// A client pinned to the vetted address of the URL's endpoint.
    private func client(for url: String) async throws -> HTTPClient {
        guard let components = URLComponents(string: url), let host = components.host else {
            throw EndpointRefusal(message: "\(url) is not an absolute http(s) URL")
        }
        let key = "\(components.scheme ?? "")://\(host):\(components.port ?? 0)"
        if let pinned = clients[key], ContinuousClock.now - pinned.vettedAt < configuration.revetAfter {
            return pinned.client
        }
        let endpoint = try await resolver.vet(url)
        if let pinned = clients[key], pinned.endpoint == endpoint {
            clients[key]?.vettedAt = .now
            return pinned.client
        }
        var settings = HTTPClient.Configuration()
        settings.redirectConfiguration = .disallow
        settings.timeout = .init(connect: .seconds(Int64(configuration.connectTimeout.components.seconds)), read: nil)
        settings.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.connectionsPerEndpoint)
        settings.httpVersion = .http1Only
        let unbracketed = endpoint.host
        settings.dnsOverride = [unbracketed: endpoint.address.description]
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
        if let old = clients[key] { retired.append(old.client) }
        clients[key] = Pinned(endpoint: endpoint, client: client, vettedAt: .now)
        return client
    }

    public func shutdown() async {
        let all = clients.values.map(\.client) + retired
        clients = [:]
        retired = []
        for client in all { try? await client.shutdown() }
    }

    static func retryAfterSeconds(_ value: String) -> Double? {
        if let seconds = Double(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: value).map { max(0, $0.timeIntervalSinceNow) }
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
