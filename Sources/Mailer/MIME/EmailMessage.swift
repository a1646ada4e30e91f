import Foundation

/// An email to build with ``MIMEBuilder``: addresses, subject, identity, extra headers, and a
/// plain-text body with an optional HTML alternative.
public struct EmailMessage: Sendable {
    public var from: EmailAddress
    public var to: [EmailAddress]
    /// Any text; non-ASCII is sent as RFC 2047 encoded words.
    public var subject: String
    public var date: Date
    /// The caller's stable id, with or without angle brackets (e.g. `<dlv_123@newsflash>`);
    /// the same across retries, so a receiver can tell a duplicate.
    public var messageID: String
    public var text: String
    public var html: String?
    /// Further headers, in order (e.g. `List-Id`); names and values are checked like every header.
    public var headers: [(name: String, value: String)]

    public init(
        from: EmailAddress, to: [EmailAddress], subject: String, date: Date = Date(), messageID: String, text: String,
        html: String? = nil, headers: [(name: String, value: String)] = []
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.date = date
        self.messageID = messageID
        self.text = text
        self.html = html
        self.headers = headers
    }

    /// Adds `List-Unsubscribe: <url>` and, for one-click unsubscription (RFC 8058),
    /// `List-Unsubscribe-Post: List-Unsubscribe=One-Click`. The URL must be https.
    public mutating func setListUnsubscribe(_ url: String, oneClick: Bool = true) throws {
        let lower = url.lowercased()
        // RFC 8058 wants https; plain http only for a loopback address (the local demo and tests).
        let loopback = ["http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/", "http://[::1]:", "http://[::1]/"]
        guard lower.hasPrefix("https://") || loopback.contains(where: lower.hasPrefix),
              !url.contains(where: { $0 == "<" || $0 == ">" || $0.isWhitespace })
        else {
            throw EmailMessageError("List-Unsubscribe needs an https URL without spaces or angle brackets: \(url.debugDescription)")
        }
        headers.removeAll { ["list-unsubscribe", "list-unsubscribe-post"].contains($0.name.lowercased()) }
        headers.append(("List-Unsubscribe", "<\(url)>"))
        if oneClick { headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")) }
    }

    /// A Message-ID made from a delivery id (which the match stage derives from subscription and
    /// story), so every retry and replay of one delivery carries the same id:
    /// `<dlv_abc@newsflash>`. Characters other than letters, digits and `._-` become `=XX` (hex).
    public static func messageID(deliveryID: String, domain: String = "newsflash") -> String {
        var local = ""
        for byte in deliveryID.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"):
                local.append(Character(UnicodeScalar(byte)))
            default:
                local += "=" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return "<\(local)@\(domain)>"
    }
}

extension String {
    func leftPadded(to length: Int, with pad: Character = "0") -> String {
        count >= length ? self : String(repeating: pad, count: length - count) + self
    }
}
