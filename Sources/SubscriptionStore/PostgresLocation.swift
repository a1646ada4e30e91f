import Foundation
import PostgresNIO

/// Where a PostgreSQL store is: parsed from `postgres://user:password@host:port/database?sslmode=…`
/// (`postgresql://` too). `sslmode` is `disable`, `prefer` (the default) or `require`.
struct PostgresLocation: Sendable, Equatable {
    enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    var host: String
    var port: Int
    var username: String
    var password: String?
    var database: String?
    var tls: TLSMode
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
        guard let tls = TLSMode(rawValue: query["sslmode"] ?? "prefer") else {
            throw SubscriptionStoreError(.invalidLocation, "\(shown): sslmode must be disable, prefer or require")
        }
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
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
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
        case .prefer: tls = .prefer(try .init(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try .init(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.additionalStartupParameters = startupParameters
        return configuration
    }

    private var startupParameters: [(String, String)] {
        schema.map { [("search_path", $0)] } ?? []
    }

    /// The URL with its password replaced, for messages and logs.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "postgres://…"
    }
}
