import Foundation
import Testing
import TestSupport

@testable import Mailer

@Suite("MIME builder")
struct MIMEBuilderTests {
    static let date = Date(timeIntervalSince1970: 1_795_921_200)  // 2026-11-29 03:00:00 UTC

    static func message(subject: String = "Quake hits coast", text: String = "Plain body", html: String? = "<p>HTML body</p>") throws
        -> EmailMessage
    {
        try EmailMessage(
            from: EmailAddress("alerts@newsflash.example", name: "Newsflash"), to: [EmailAddress("reader@example.com")],
            subject: subject, date: date, messageID: "<dlv_123@newsflash>", text: text, html: html)
    }

    static func string(_ message: EmailMessage) throws -> String {
        String(decoding: try MIMEBuilder().build(message), as: UTF8.self)
    }

    @Test func multipartAlternativeHasTheGoldenStructure() throws {
        let boundary = MIMEBuilder.boundary(for: "<dlv_123@newsflash>")
        let expected = """
            From: Newsflash <alerts@newsflash.example>\r
            To: reader@example.com\r
            Subject: Quake hits coast\r
            Date: Sun, 29 Nov 2026 03:00:00 +0000\r
            Message-ID: <dlv_123@newsflash>\r
            MIME-Version: 1.0\r
            Content-Type: multipart/alternative; boundary="\(boundary)"\r
            \r
            This is a message in MIME format, with a plain-text and an HTML version.\r
            --\(boundary)\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            Plain body\r
            --\(boundary)\r
            Content-Type: text/html; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            <p>HTML body</p>\r
            --\(boundary)--\r

            """
        #expect(try Self.string(Self.message()) == expected)
    }

    @Test func textOnlyIsOnePart() throws {
        let text = try Self.string(Self.message(html: nil))
        #expect(text.contains("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nPlain body\r\n"))
        #expect(!text.contains("multipart"))
    }

    @Test func quotedPrintableEncodesUTF8EqualsAndLongLines() {
        #expect(QuotedPrintable.encode("Zürich = 1") == "Z=C3=BCrich =3D 1")
        #expect(QuotedPrintable.encode("trailing space \nnext") == "trailing space=20\r\nnext")
        #expect(QuotedPrintable.encode("a\r\nb\rc") == "a\r\nb\r\nc")
        let long = QuotedPrintable.encode(String(repeating: "é", count: 100))
        let lines = long.components(separatedBy: "\r\n")
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.count <= 76 })
        #expect(lines.dropLast().allSatisfy { $0.hasSuffix("=") })
        // No encoded byte is split across a soft break.
        #expect(lines.allSatisfy { !$0.dropLast().hasSuffix("=C") })
    }

    @Test func nonASCIISubjectIsEncodedWords() throws {
        let subject = "Erdbeben in Zürich — 🇨🇭 " + String(repeating: "ü", count: 40)
        let text = try Self.string(Self.message(subject: subject))
        let header = try #require(text.components(separatedBy: "\r\nDate:").first?.components(separatedBy: "Subject: ").last)
        #expect(header.hasPrefix("=?UTF-8?B?"))
        for word in header.components(separatedBy: "\r\n ") {
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            #expect(word.count <= 75)
        }
        // Decoding the words gives the subject back.
        let decoded = header.components(separatedBy: "\r\n ").map { word in
            String(decoding: Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))!, as: UTF8.self)
        }.joined()
        #expect(decoded == subject)
    }

    @Test func longASCIISubjectIsFoldedAtSpaces() throws {
        let subject = Array(repeating: "word", count: 40).joined(separator: " ")
        let text = try Self.string(Self.message(subject: subject))
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        let unfolded = text.replacingOccurrences(of: "\r\n ", with: " ")
        #expect(unfolded.contains("Subject: \(subject)\r\n"))
    }

    @Test(arguments: ["Hi\r\nBcc: victim@example.com", "Hi\nX: y", "Hi\rX", "Hi\0"])
    func headerInjectionIsRefused(_ subject: String) throws {
        #expect(throws: EmailMessageError.self) { try Self.string(Self.message(subject: subject)) }
        var message = try Self.message()
        message.headers = [("X-Note", subject)]
        #expect(throws: EmailMessageError.self) { try MIMEBuilder().build(message) }
        #expect(throws: EmailMessageError.self) { try EmailAddress("a@example.com", name: subject) }
        message = try Self.message()
        message.messageID = "<a@b>\(subject)"
        #expect(throws: EmailMessageError.self) { try MIMEBuilder().build(message) }
    }

    @Test func badHeaderNamesAndBuilderOwnedHeadersAreRefused() throws {
        for name in ["X Bad", "X:Bad", "", "Bcc", "Content-Type", "SUBJECT"] {
            var message = try Self.message()
            message.headers = [(name, "value")]
            #expect(throws: EmailMessageError.self, "header name \(name.debugDescription)") { try MIMEBuilder().build(message) }
        }
    }

    @Test(arguments: [
        "plain", "two@@example.com", "a@b@c", "@example.com", "a@", "a b@example.com", "<a@example.com>",
        "a@example.com\r\nRCPT TO:<x@y>", "a\u{0}@example.com", "a,b@example.com", "jürgen@example.com",
    ])
    func badAddressesAreRefused(_ address: String) {
        #expect(!EmailAddress.isValid(address))
        #expect(throws: EmailMessageError.self) { try EmailAddress(address) }
    }

    @Test func goodAddressesAndDisplayNames() throws {
        #expect(EmailAddress.isValid("first.last+tag@sub.example.co.uk"))
        let quoted = try EmailAddress("a@example.com", name: "Doe, Jane \"JD\"")
        #expect(HeaderEncoding.mailbox(quoted) == "\"Doe, Jane \\\"JD\\\"\" <a@example.com>")
        let encoded = try EmailAddress("a@example.com", name: "Jürgen")
        #expect(HeaderEncoding.mailbox(encoded) == "=?UTF-8?B?SsO8cmdlbg==?= <a@example.com>")
    }

    @Test func listUnsubscribeHeadersForOneClick() throws {
        var message = try Self.message()
        try message.setListUnsubscribe("https://newsflash.example/u/abc?t=1")
        let text = try Self.string(message)
        #expect(text.contains("\r\nList-Unsubscribe: <https://newsflash.example/u/abc?t=1>\r\n"))
        #expect(text.contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))
        #expect(throws: EmailMessageError.self) { try message.setListUnsubscribe("http://insecure.example/u") }
        #expect(throws: EmailMessageError.self) { try message.setListUnsubscribe("https://x.example/u>\r\nBcc: a@b") }
    }

    @Test func messageIDIsStableAndTheOutputDeterministic() throws {
        #expect(EmailMessage.messageID(deliveryID: "dlv_01HX") == "<dlv_01HX@newsflash>")
        #expect(EmailMessage.messageID(deliveryID: "dlv 1/é") == "<dlv=201=2F=C3=A9@newsflash>")
        #expect(EmailMessage.messageID(deliveryID: "dlv_01HX") == EmailMessage.messageID(deliveryID: "dlv_01HX"))
        var message = try Self.message()
        message.messageID = "dlv_123@newsflash"
        #expect(try Self.string(message).contains("\r\nMessage-ID: <dlv_123@newsflash>\r\n"))
        #expect(try MIMEBuilder().build(Self.message()) == MIMEBuilder().build(Self.message()))
        message.messageID = "no-at-sign"
        #expect(throws: EmailMessageError.self) { try MIMEBuilder().build(message) }
    }

    @Test(.enabled(if: Repository.hasPython, "Python tools missing; run Deploy/setup.sh"))
    func pythonsEmailPackageReadsItBack() throws {
        let text = "Line one\nZürich = expensive\n.leading dot\n" + String(repeating: "long ", count: 300)
        var message = try Self.message(subject: "Eilmeldung: Zürich 🇨🇭", text: text, html: "<p>Grüße &amp; more</p>")
        try message.setListUnsubscribe("https://newsflash.example/u/abc")
        let parsed = try ParsedEmail.read(bytes: MIMEBuilder().build(message))
        #expect(parsed.defects.isEmpty)
        #expect(parsed.bare_lf == 0)
        #expect(parsed.max_line <= 998)
        #expect(parsed.content_type == "multipart/alternative")
        #expect(parsed.headers["Subject"] == "Eilmeldung: Zürich 🇨🇭")
        #expect(parsed.headers["From"] == "Newsflash <alerts@newsflash.example>")
        // The CRLF before a boundary belongs to the boundary (RFC 2046 5.1.1).
        #expect(parsed.text?.replacingOccurrences(of: "\r\n", with: "\n") == text)
        #expect(parsed.html?.hasPrefix("<p>Grüße &amp; more</p>") == true)
    }
}
