/// Where and how ``SMTPClient`` connects: server, transport security, credentials,
/// timeouts and the connection limit, in one value.
public struct SMTPConfiguration: Sendable {
    /// How the connection is protected.
    public enum Security: Sendable, Equatable {
        /// Plain TCP. No password is ever sent over it.
        case none
        /// Plain TCP upgraded with STARTTLS before anything else is sent; when the server does not
        /// offer STARTTLS, the client refuses to authenticate or send mail.
        case startTLS
        /// TLS from the first byte (SMTPS, usually port 465).
        case implicitTLS
    }

    /// Certificates the client trusts when it checks the server's.
    public enum Trust: Sendable, Equatable {
        /// The operating system's root certificates.
        case systemRoots
        /// Only the certificates in this PEM file (a private CA, or a test server's).
        case caFile(String)
    }

    public struct Timeouts: Sendable, Equatable {
        /// TCP connect, and the TLS handshake of implicit TLS.
        public var connect: Duration
        /// Waiting for one reply; after DATA, for the reply to the whole message.
        public var command: Duration

        public init(connect: Duration = .seconds(10), command: Duration = .seconds(60)) {
            self.connect = connect
            self.command = command
        }
    }

    public var host: String
    public var port: Int
    public var security: Security
    /// The account to authenticate as; no AUTH when nil.
    public var username: String?
    /// Never logged, never part of an error.
    public var password: String?
    /// The name the client gives in EHLO.
    public var heloName: String
    public var timeouts: Timeouts
    public var trust: Trust
    /// Connections kept open at most; callers beyond it wait for a free one.
    public var maxConnections: Int

    public init(
        host: String, port: Int, security: Security = .startTLS, username: String? = nil,
        password: String? = nil, heloName: String = "localhost", timeouts: Timeouts = Timeouts(),
        trust: Trust = .systemRoots, maxConnections: Int = 1
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.heloName = heloName
        self.timeouts = timeouts
        self.trust = trust
        self.maxConnections = max(1, maxConnections)
    }

    /// The same with a CA file instead of the system roots (for example a test server's).
    public init(
        host: String, port: Int, security: Security = .startTLS, username: String? = nil,
        password: String? = nil, heloName: String = "localhost", timeouts: Timeouts = Timeouts(),
        caFile: String, maxConnections: Int = 1
    ) {
        self.init(
            host: host, port: port, security: security, username: username, password: password,
            heloName: heloName, timeouts: timeouts, trust: .caFile(caFile), maxConnections: maxConnections)
    }
}

extension SMTPConfiguration: CustomStringConvertible {
    /// Everything but the password.
    public var description: String {
        "SMTPConfiguration(host: \(host), port: \(port), security: \(security), username: \(username ?? "nil"), "
            + "password: \(password == nil ? "nil" : "<redacted>"), heloName: \(heloName), trust: \(trust), "
            + "maxConnections: \(maxConnections))"
    }
}
