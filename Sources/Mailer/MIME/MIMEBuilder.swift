/// Turns an ``EmailMessage`` into RFC 5322 bytes: CRLF line endings, lines of at most 998
/// characters, UTF-8 bodies in quoted-printable, `multipart/alternative` when there is HTML.
///
/// The output depends only on the message, so the same message always gives the same bytes
/// (the MIME boundary derives from the Message-ID).
public struct MIMEBuilder: Sendable {
    /// Headers the builder writes itself; ``EmailMessage/headers`` may not set them.
    static let ownHeaders: Set<String> = [
        "from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version", "content-type",
        "content-transfer-encoding",
    ]

    public init() {}

    /// - Throws: ``EmailMessageError`` on a line break or NUL in any header, a bad header name,
    ///   a malformed Message-ID, or no recipient.
    public func build(_ message: EmailMessage) throws -> [UInt8] {
        guard !message.to.isEmpty else { throw EmailMessageError("a message needs at least one To address") }
        let messageID = try Self.normalizedMessageID(message.messageID)
        var head = ""
        head += try HeaderEncoding.line("From", HeaderEncoding.mailbox(message.from))
        head += try HeaderEncoding.line("To", message.to.map(HeaderEncoding.mailbox).joined(separator: ", "))
        try HeaderEncoding.checkNoLineBreaks(message.subject, in: "the subject")
        head += try HeaderEncoding.line("Subject", HeaderEncoding.unstructured(message.subject))
        head += try HeaderEncoding.line("Date", HeaderEncoding.date(message.date))
        head += try HeaderEncoding.line("Message-ID", messageID)
        for header in message.headers {
            guard !Self.ownHeaders.contains(header.name.lowercased()) else {
                throw EmailMessageError("the \(header.name) header is written by the builder and cannot be set as an extra header")
            }
            try HeaderEncoding.checkNoLineBreaks(header.value, in: "the \(header.name) header")
            head += try HeaderEncoding.line(header.name, HeaderEncoding.unstructured(header.value))
        }
        head += "MIME-Version: 1.0\r\n"

        let body: String
        if let html = message.html {
            let boundary = Self.boundary(for: messageID)
            head += "Content-Type: multipart/alternative; boundary=\"\(boundary)\"\r\n"
            body = "This is a message in MIME format, with a plain-text and an HTML version.\r\n"
                + "--\(boundary)\r\n" + Self.partHeaders("text/plain") + "\r\n" + QuotedPrintable.encode(message.text) + "\r\n"
                + "--\(boundary)\r\n" + Self.partHeaders("text/html") + "\r\n" + QuotedPrintable.encode(html) + "\r\n"
                + "--\(boundary)--\r\n"
        } else {
            head += Self.partHeaders("text/plain")
            body = QuotedPrintable.encode(message.text) + "\r\n"
        }
        return Array((head + "\r\n" + body).utf8)
    }

    private static func partHeaders(_ type: String) -> String {
        "Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"
    }

    /// `<local@domain>`: angle brackets added when missing; no spaces, brackets or line breaks inside.
    static func normalizedMessageID(_ id: String) throws -> String {
        try HeaderEncoding.checkNoLineBreaks(id, in: "the Message-ID")
        var inner = Substring(id)
        if inner.hasPrefix("<") && inner.hasSuffix(">") { inner = inner.dropFirst().dropLast() }
        let parts = inner.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, HeaderEncoding.isPlainASCII(String(inner)),
            !inner.contains(where: { $0 == " " || $0 == "\t" || $0 == "<" || $0 == ">" })
        else { throw EmailMessageError("not a usable Message-ID: \(id.debugDescription) (want <id@domain>)") }
        return "<\(inner)>"
    }

    /// `=_nf_` and a hash of the Message-ID: "=_" never occurs in quoted-printable text.
    static func boundary(for messageID: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in messageID.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return "=_nf_" + String(hash, radix: 16).leftPadded(to: 16)
    }
}
