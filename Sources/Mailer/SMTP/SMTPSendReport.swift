/// What happened to each recipient of a message that was accepted for at least one of them.
public struct SMTPSendReport: Sendable, Equatable {
    public var accepted: [String]
    /// Refusals at RCPT TO, each with its reply code (``SMTPError/replyCode``) and ``SMTPError/recipient``.
    public var rejected: [SMTPError]

    public init(accepted: [String], rejected: [SMTPError] = []) {
        self.accepted = accepted
        self.rejected = rejected
    }
}
