/// What sends an ``EmailMessage``: ``SMTPClient``, or a fake in a stage's tests.
public protocol MailTransport: Sendable {
    /// - Returns: which recipients were accepted and which refused.
    /// - Throws: ``SMTPError``; the caller retries when ``SMTPError/isTransient``.
    func send(_ message: EmailMessage, envelopeSender: String?) async throws -> SMTPSendReport
}

extension SMTPClient: MailTransport {}
