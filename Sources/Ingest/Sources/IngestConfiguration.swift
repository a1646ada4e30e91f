import FeedParsing
import Foundation
import NewsModel

/// One news source, as configured (see README, "Sources").
public struct SourceConfiguration: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable {
        case rss, atom, jsonfeed, auto
        case htmlTicker = "html-ticker"
        case push
    }

    /// `^[a-z0-9][a-z0-9._-]{0,63}$`; part of every item id, so never rename a source.
    public var id: String
    public var kind: Kind
    /// The feed or page; absent for `push` sources.
    public var url: String?
    /// Seconds between polls (before jitter and backoff). Default 300, at least 10.
    public var pollIntervalSeconds: Double
    /// The items' language when the source does not say.
    public var language: String?
    /// Default region and topic for its items.
    public var hints: NewsItem.Hints?
    /// Extra request headers (e.g. an API key).
    public var headers: [String: String]
    /// For `html-ticker`: where the ticker lines, links and times are (default: a list after a BREAKING heading).
    public var ticker: TickerSelectors?
    /// For `push`: the SHA-256 (hex) of the bearer token publishers send; the token itself is never stored.
    public var pushTokenSHA256: String?
    public var enabled: Bool

    public init(
        id: String, kind: Kind, url: String?, pollIntervalSeconds: Double = 300, language: String? = nil,
        hints: NewsItem.Hints? = nil, headers: [String: String] = [:], ticker: TickerSelectors? = nil,
        pushTokenSHA256: String? = nil, enabled: Bool = true
    ) {
        self.id = id
        self.kind = kind
        self.url = url
        self.pollIntervalSeconds = pollIntervalSeconds
        self.language = language
        self.hints = hints
        self.headers = headers
        self.ticker = ticker
        self.pushTokenSHA256 = pushTokenSHA256
        self.enabled = enabled
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        kind = try container.decode(Kind.self, forKey: .kind)
        url = try container.decodeIfPresent(String.self, forKey: .url)
        pollIntervalSeconds = try container.decodeIfPresent(Double.self, forKey: .pollIntervalSeconds) ?? 300
        language = try container.decodeIfPresent(String.self, forKey: .language)
        hints = try container.decodeIfPresent(NewsItem.Hints.self, forKey: .hints)
        headers = try container.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        ticker = try container.decodeIfPresent(TickerSelectors.self, forKey: .ticker)
        pushTokenSHA256 = try container.decodeIfPresent(String.self, forKey: .pushTokenSHA256)
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
    }

    /// What the parser should expect from this source.
    public var expectation: FeedParser.Expectation {
        kind == .htmlTicker ? .htmlTicker(ticker ?? .breakingList) : .feed
    }
}

/// The ingest part of the configuration file.
public struct IngestConfiguration: Codable, Sendable, Hashable {
    public var sources: [SourceConfiguration]
    /// How long an item id is remembered (an item seen again after that is published again). Default 30 days.
    public var seenExpiryDays: Double
    /// At most this many requests to one host at a time. Default 2.
    public var maxConcurrentRequestsPerHost: Int
    /// Failures in a row after which a source is reported as failing. Default 5.
    public var failureAlertThreshold: Int
    public var connectTimeoutSeconds: Double
    public var requestTimeoutSeconds: Double
    /// Larger responses are refused. Default 10 MiB.
    public var maxResponseBytes: Int

    public init(sources: [SourceConfiguration]) {
        self.sources = sources
        seenExpiryDays = 30
        maxConcurrentRequestsPerHost = 2
        failureAlertThreshold = 5
        connectTimeoutSeconds = 5
        requestTimeoutSeconds = 15
        maxResponseBytes = 10 * 1024 * 1024
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(sources: try container.decode([SourceConfiguration].self, forKey: .sources))
        seenExpiryDays = try container.decodeIfPresent(Double.self, forKey: .seenExpiryDays) ?? seenExpiryDays
        maxConcurrentRequestsPerHost = try container.decodeIfPresent(Int.self, forKey: .maxConcurrentRequestsPerHost) ?? maxConcurrentRequestsPerHost
        failureAlertThreshold = try container.decodeIfPresent(Int.self, forKey: .failureAlertThreshold) ?? failureAlertThreshold
        connectTimeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .connectTimeoutSeconds) ?? connectTimeoutSeconds
        requestTimeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .requestTimeoutSeconds) ?? requestTimeoutSeconds
        maxResponseBytes = try container.decodeIfPresent(Int.self, forKey: .maxResponseBytes) ?? maxResponseBytes
    }

    /// Reads and checks `{"ingest": {...}}` or a bare ingest object from a JSON file.
    public static func load(contentsOf path: String) throws(ConfigurationError) -> IngestConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("cannot read configuration file \(path)")
        }
        return try parse(Array(data), origin: path)
    }

    public static func parse(_ bytes: [UInt8], origin: String = "configuration") throws(ConfigurationError) -> IngestConfiguration {
        struct Wrapped: Decodable { let ingest: IngestConfiguration }
        let decoder = JSONDecoder()
        let configuration: IngestConfiguration
        guard (try? JSONSerialization.jsonObject(with: Data(bytes))) != nil else {
            throw ConfigurationError("\(origin): not JSON")
        }
        do {
            if let wrapped = try? decoder.decode(Wrapped.self, from: Data(bytes)) {
                configuration = wrapped.ingest
            } else {
                configuration = try decoder.decode(IngestConfiguration.self, from: Data(bytes))
            }
        } catch let error as DecodingError {
            throw ConfigurationError("\(origin): \(ConfigurationError.describe(error))")
        } catch {
            throw ConfigurationError("\(origin): not JSON: \(error)")
        }
        try configuration.validate(origin: origin)
        return configuration
    }

    /// Every problem at once, each naming the source.
    public func validate(origin: String = "configuration") throws(ConfigurationError) {
        var problems: [String] = []
        var seen = Set<String>()
        for (index, source) in sources.enumerated() {
            let name = "sources[\(index)] (\(source.id))"
            if !NewsItem.isValidSourceID(source.id) { problems.append("\(name): id must match ^[a-z0-9][a-z0-9._-]{0,63}$") }
            if !seen.insert(source.id).inserted { problems.append("\(name): id is used twice") }
            if source.kind == .push {
                if source.url != nil { problems.append("\(name): a push source has no url") }
                let digest = source.pushTokenSHA256 ?? ""
                if digest.count != 64 || !digest.allSatisfy(\.isHexDigit) {
                    problems.append("\(name): a push source needs pushTokenSHA256, the SHA-256 (64 hex digits) of its bearer token (newsflash sources hash-token prints it)")
                }
            } else if let url = source.url.flatMap(URL.init(string:)), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil {
                // fine
            } else {
                problems.append("\(name): url must be an absolute http(s) URL")
            }
            if source.pollIntervalSeconds < 10 { problems.append("\(name): pollIntervalSeconds must be at least 10") }
            if source.ticker != nil, source.kind != .htmlTicker { problems.append("\(name): ticker selectors only apply to kind html-ticker") }
        }
        if seenExpiryDays <= 0 { problems.append("seenExpiryDays must be positive") }
        if maxConcurrentRequestsPerHost < 1 { problems.append("maxConcurrentRequestsPerHost must be at least 1") }
        if failureAlertThreshold < 1 { problems.append("failureAlertThreshold must be at least 1") }
        if maxResponseBytes < 1024 { problems.append("maxResponseBytes must be at least 1024") }
        if !problems.isEmpty { throw ConfigurationError("\(origin): " + problems.joined(separator: "; ")) }
    }
}

/// A configuration that cannot be used, with every reason.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing \(path(context)).\(key.stringValue)".replacingOccurrences(of: "missing .", with: "missing ")
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
