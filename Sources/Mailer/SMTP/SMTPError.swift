/// A failed SMTP exchange: what went wrong (``code``), the server's reply when there was one,
/// and whether trying again later may succeed (``isTransient``).
///
/// The notifier retries transient errors (4xx replies, connection failures, timeouts) and
/// dead-letters permanent ones (5xx replies, refused TLS, bad configuration).
public struct SMTPError: Error, Sendable, Equatable {
    public enum Code: String, Sendable, Equatable {
        /// The server answered a command with a 4xx or 5xx reply (see ``replyCode``).
        case rejected
        /// A recipient was refused at RCPT TO (see ``recipient`` and ``replyCode``).
        case recipientRejected
        /// The message text was refused after DATA.
        case messageRejected
        /// Connecting failed, or the connection was closed or broke.
        case connectionFailed
        /// No reply in time, or no connection in time.
        case timeout
        /// The TLS handshake or certificate check failed.
        case tlsFailed
        /// STARTTLS is configured but the server does not offer it.
        case startTLSUnavailable
        /// Credentials are configured but the server offers no mechanism the client knows,
        /// or only over an unencrypted connection.
        case authenticationUnavailable
        /// The server refused the credentials.
        case authenticationFailed
        /// The server sent something that is not SMTP.
        case protocolViolation
        /// The client was shut down.
        case shutDown
        /// The message or its addresses cannot be sent as given.
        case invalidMessage
    }

    public var code: Code
    /// The server's three-digit reply code, when a reply caused the error.
    public var replyCode: Int?
    /// What happened, for a person; holds the server's reply text but never credentials.
    public var message: String
    /// The refused recipient, for ``Code/recipientRejected``.
    public var recipient: String?

    public init(_ code: Code, replyCode: Int? = nil, message: String, recipient: String? = nil) {
        self.code = code
        self.replyCode = replyCode
        self.message = message
        self.recipient = recipient
    }

    /// Whether the same send may succeed later: 4xx replies, connection failures and timeouts.
    public var isTransient: Bool {
        if let replyCode { return (400..<500).contains(replyCode) }
        switch code {
        case .connectionFailed, .timeout: return true
        default: return false
        }
    }

    /// An error made from a reply the server gave to `command` (a verb, never its arguments).
    static func reply(_ reply: SMTPReply, to command: String, code: Code = .rejected, recipient: String? = nil) -> SMTPError {
        SMTPError(
            code, replyCode: reply.code, message: "\(command) answered \(reply.code) \(reply.text)", recipient: recipient)
    }
}

extension SMTPError: CustomStringConvertible {
    public var description: String { "SMTPError(\(code.rawValue)): \(message)" }
}
