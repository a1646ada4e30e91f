import Foundation
import PostgresNIO

/// Where a PostgreSQL store is: parsed from `postgres://user:password@host:port/database?sslmode=…`
/// (`postgresql://` too). `sslmode` is `disable`, `prefer`, `require` or `verify-full`; without one,
/// `prefer` on a loopback host and `require` elsewhere (prefer falls back to plain text, which an
/// active attacker on the path can force). `require` and `verify-full` check the server's
/// certificate and host name, against the system's trust store or `sslrootcert=/path/ca.pem`.
struct PostgresLocation: Sendable, Equatable {
    enum TLSMode: String, Sendable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }

    var host: String
    var port: Int
    var username: String
    var password, database: String?
    var tls: TLSMode
    /// `sslrootcert`: the CA certificates (PEM) that the server's certificate must chain to.
    var rootCertificates: String?
    /// The schema the store's tables live in (the connection's search_path), if not the default.
    var schema: String?

    /// Whether a store location names PostgreSQL rather than a SQLite file.
    static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    init(url: String, schema: String? = nil) throws {
        let shown = Self.redacted(url)
        guard Self.isPostgres(url), let components = URLComponents(string: url) else {
            throw SubscriptionStoreError(.invalidLocation, "\(shown) is not a postgres://user:password@host:port/database URL")
        }
        guard let host = components.host, !host.isEmpty else {
            throw SubscriptionStoreError(.invalidLocation, "\(shown) names no host")
        }
        guard let username = components.user, !username.isEmpty else {
            throw SubscriptionStoreError(.invalidLocation, "\(shown) names no user (postgres://user:password@host/database)")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }) { _, last in last }
        let loopback = ["127.0.0.1", "::1", "[::1]", "localhost"].contains(host.lowercased()) || host.hasPrefix("127.")
        guard let tls = TLSMode(rawValue: query["sslmode"] ?? (loopback ? "prefer" : "require")) else {
            throw SubscriptionStoreError(.invalidLocation, "\(shown): sslmode must be disable, prefer, require or verify-full")
        }
        if let root = query["sslrootcert"] {
            guard tls == .require || tls == .verifyFull else {
                throw SubscriptionStoreError(.invalidLocation, "\(shown): sslrootcert needs sslmode=require or verify-full")
            }
            guard FileManager.default.isReadableFile(atPath: root) else {
                throw SubscriptionStoreError(.invalidLocation, "\(shown): sslrootcert \(root) is not a readable file")
            }
        }
        rootCertificates = query["sslrootcert"]
        if let schema, schema.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) == nil {
            throw SubscriptionStoreError(.invalidLocation, "schema \(schema) must be lower-case letters, digits and _")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = username
        self.password = components.password
        let database = String(components.path.drop { $0 == "/" })
        self.database = database.isEmpty ? nil : database
        self.tls = tls
        self.schema = schema
    }

    /// The place for the store's connection pool.
    func clientConfiguration() -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch self.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(tlsConfiguration)
        case .require, .verifyFull: tls = .require(tlsConfiguration)
        }
        var configuration = PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.additionalStartupParameters = startupParameters
        return configuration
    }

    /// The same place for one connection of its own (migrations).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch self.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try .init(configuration: tlsConfiguration))
        case .require, .verifyFull: tls = .require(try .init(configuration: tlsConfiguration))
        }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.additionalStartupParameters = startupParameters
        return configuration
    }

    /// Certificate and host name checked; against `sslrootcert` when given, else the system's CAs.
    var tlsConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        if let rootCertificates { configuration.trustRoots = .file(rootCertificates) }
        return configuration
    }

    private var startupParameters: [(String, String)] {
        schema.map { [("search_path", $0)] } ?? []
    }

    /// The URL with its password replaced, for messages and logs.
    static func redacted(_ url: String) -> String {
        if var components = URLComponents(string: url) {
            guard components.password != nil else { return url }
            components.password = "***"
            return components.string ?? "postgres://…"
        }
        // Not a URL Foundation reads (a space, a bad escape): whatever sits between :// and the
        // last @ may hold a password; only the user before its first : is shown.
        guard let scheme = url.range(of: "://") else { return "(a location that is not a URL)" }
        let rest = url[scheme.upperBound...]
        guard let at = rest.lastIndex(of: "@") else { return String(url[..<scheme.upperBound]) + "…" }
        let user = rest[..<at].split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        return String(url[..<scheme.upperBound]) + user + ":***" + String(rest[at...])
    }
}
