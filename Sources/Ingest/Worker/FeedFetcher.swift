import AsyncHTTPClient
import FeedParsing
import Foundation
import NewsModel
import NIOCore
import NIOHTTP1

/// What a fetch came to.
public enum FetchOutcome: Sendable, Hashable {
    /// 304: nothing changed since the validators we sent; costs no parsing.
    case notModified
    case content(FetchedDocument)
}

public struct FetchedDocument: Sendable, Hashable {
    public var body: [UInt8]
    public var contentType: String?
    public var etag: String?
    public var lastModified: String?
    /// After redirects.
    public var finalURL: String
}

/// Why a fetch failed, with what the schedule needs (Retry-After).
public struct FetchError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case httpStatus, timeout, tooLarge, network, tooManyRedirects, invalidURL
    }

    public var code: Code
    public var message: String
    public var statusCode: Int?
    /// Seconds the server asked us to wait (429/503 Retry-After).
    public var retryAfter: Double?

    public var description: String { message }
}

/// Fetches feeds politely: conditional GET (ETag, Last-Modified), compressed
/// responses, at most 5 redirects (a source's own headers only to its origin), connect and
/// total timeouts, a size cap,
/// and an identifying User-Agent. Shut it down when done.
public final class FeedFetcher: Sendable {
    private let client: HTTPClient
    private let requestTimeout: TimeAmount
    private let maxBytes: Int
    public static let userAgent = "Newsflash/0.1 (+https://github.com/newsflash; breaking-news alerts)"

    public init(configuration: IngestConfiguration) {
        var clientConfiguration = HTTPClient.Configuration(
            // Redirects are followed here, not by the client: custom headers (an API key) must not
            // travel to another origin.
            redirectConfiguration: .disallow,
            timeout: .init(connect: .milliseconds(Int64(configuration.connectTimeoutSeconds * 1000)),
                           read: .milliseconds(Int64(configuration.requestTimeoutSeconds * 1000))),
            decompression: .enabled(limit: .ratio(50)))
        clientConfiguration.connectionPool = .init(idleTimeout: .seconds(60))
        clientConfiguration.httpVersion = .automatic
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        requestTimeout = .milliseconds(Int64(configuration.requestTimeoutSeconds * 1000))
        maxBytes = configuration.maxResponseBytes
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    public func fetch(_ url: String, headers extra: [String: String] = [:], etag: String?, lastModified: String?) async throws(FetchError) -> FetchOutcome {
        var current = url
        var visited: Set<String> = [url]
        // A source's own headers go to its origin only: once a redirect leaves it, they are dropped.
        var sendsOwnHeaders = true
        var response: HTTPClientResponse
        while true {
            var request = HTTPClientRequest(url: current)
            request.method = .GET
            request.headers.add(name: "User-Agent", value: Self.userAgent)
            request.headers.add(name: "Accept", value: "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5")
            request.headers.add(name: "Accept-Encoding", value: "gzip, deflate")
            if let etag { request.headers.add(name: "If-None-Match", value: etag) }
            if let lastModified { request.headers.add(name: "If-Modified-Since", value: lastModified) }
            if sendsOwnHeaders {
                for (name, value) in extra.sorted(by: { $0.key < $1.key }) { request.headers.replaceOrAdd(name: name, value: value) }
            }
            do {
                response = try await client.execute(request, timeout: requestTimeout)
            } catch {
                throw Self.describe(error, url: url)
            }
            guard [301, 302, 303, 307, 308].contains(response.status.code), let location = response.headers.first(name: "Location") else { break }
            _ = try? await response.body.collect(upTo: 64 * 1024)
            guard let next = URL(string: location, relativeTo: URL(string: current))?.absoluteURL,
                  let scheme = next.scheme?.lowercased(), ["http", "https"].contains(scheme)
            else { throw FetchError(code: .invalidURL, message: "\(url) redirected to \(location), which is not an http(s) URL") }
            guard visited.count <= 5, visited.insert(next.absoluteString).inserted else {
                throw FetchError(code: .tooManyRedirects, message: "\(url) redirected more than 5 times, or in a cycle")
            }
            if Self.origin(next) != URL(string: url).map(Self.origin) { sendsOwnHeaders = false }
            current = next.absoluteString
        }
        let status = Int(response.status.code)
        if status == 304 { return .notModified }
        guard (200..<300).contains(status) else {
            let retryAfter = response.headers.first(name: "Retry-After").flatMap { RetryAfter.seconds($0) }
            let wait = retryAfter.map { "; retrying after \(Int($0)) s as asked" } ?? ""
            throw FetchError(code: .httpStatus, message: "\(url) returned HTTP \(status)\(wait)", statusCode: status, retryAfter: retryAfter)
        }
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > maxBytes {
            throw FetchError(code: .tooLarge, message: "\(url) is \(length) bytes, more than the limit of \(maxBytes)")
        }
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: maxBytes)
        } catch {
            if error is NIOTooManyBytesError {
                throw FetchError(code: .tooLarge, message: "\(url) sent more than the limit of \(maxBytes) bytes")
            }
            throw Self.describe(error, url: url)
        }
        return .content(FetchedDocument(
            body: Array(buffer: body), contentType: response.headers.first(name: "Content-Type"),
            etag: response.headers.first(name: "ETag"), lastModified: response.headers.first(name: "Last-Modified"),
            finalURL: current))
    }

    /// Scheme, host and port: what a redirect must keep for a source's own headers to follow it.
    static func origin(_ url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? ""
        return "\(scheme)://\((url.host ?? "").lowercased()):\(url.port ?? (scheme == "https" ? 443 : 80))"
    }

    private static func describe(_ error: any Error, url: String) -> FetchError {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout:
                return FetchError(code: .timeout, message: "\(url) timed out (\(error))")
            case .redirectLimitReached, .redirectCycleDetected:
                return FetchError(code: .tooManyRedirects, message: "\(url) redirected more than 5 times")
            case .invalidURL, .emptyHost, .emptyScheme:
                return FetchError(code: .invalidURL, message: "\(url) is not a URL that can be fetched (\(error))")
            default:
                return FetchError(code: .network, message: "\(url): \(error)")
            }
        }
        return FetchError(code: .network, message: "\(url): \(error)")
    }
}
