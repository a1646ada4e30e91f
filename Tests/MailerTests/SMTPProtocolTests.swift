import NIOCore
import Testing

@testable import Mailer

@Suite("SMTP protocol pieces")
struct SMTPProtocolTests {
    func replies(_ text: String) throws -> [SMTPReply] {
        var buffer = ByteBuffer(string: text)
        var pending: [String] = []
        var out: [SMTPReply] = []
        while let reply = try SMTPReplyDecoder.nextReply(from: &buffer, pending: &pending) { out.append(reply) }
        return out
    }

    @Test func decodesSingleAndMultiLineReplies() throws {
        let decoded = try replies("220 sink ready\r\n250-sink\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n354")
        #expect(decoded == [
            SMTPReply(code: 220, lines: ["sink ready"]), SMTPReply(code: 250, lines: ["sink", "STARTTLS", "AUTH PLAIN LOGIN"]),
        ])
    }

    @Test func waitsForTheRestOfAReply() throws {
        var buffer = ByteBuffer(string: "250-one\r\n250 tw")
        var pending: [String] = []
        #expect(try SMTPReplyDecoder.nextReply(from: &buffer, pending: &pending) == nil)
        buffer.writeString("o\r\n")
        #expect(try SMTPReplyDecoder.nextReply(from: &buffer, pending: &pending) == SMTPReply(code: 250, lines: ["one", "two"]))
    }

    @Test(arguments: ["HTTP/1.1 400 Bad Request\r\n", "99 x\r\n", "250*x\r\n"])
    func refusesWhatIsNotSMTP(_ text: String) {
        #expect(throws: SMTPError.self) { try replies(text) }
    }

    @Test func dotStuffingAndLineEndings() {
        let encoded = SMTPDataEncoding.encode(Array(".first\r\nsecond\n..third\rlast".utf8))
        #expect(String(decoding: encoded, as: UTF8.self) == "..first\r\nsecond\r\n...third\r\nlast\r\n.\r\n")
        #expect(String(decoding: SMTPDataEncoding.encode(Array("a\r\n".utf8)), as: UTF8.self) == "a\r\n.\r\n")
        #expect(String(decoding: SMTPDataEncoding.encode(Array(".".utf8)), as: UTF8.self) == "..\r\n.\r\n")
    }

    @Test func readsEHLOExtensions() {
        let extensions = SMTPConnection.extensions(fromEHLO: ["sink greets you", "SIZE 1000", "starttls", "AUTH LOGIN", "AUTH=PLAIN"])
        #expect(extensions["STARTTLS"] == "")
        #expect(extensions["SIZE"] == "1000")
        #expect(extensions["AUTH"] == "LOGIN PLAIN")
    }

    @Test func authenticationTokens() {
        #expect(SMTPAuthentication.plain(username: "newsflash", password: "sink-password") == "AG5ld3NmbGFzaABzaW5rLXBhc3N3b3Jk")
        #expect(SMTPAuthentication.base64("newsflash") == "bmV3c2ZsYXNo")
    }

    @Test func transientAndPermanentErrors() {
        #expect(SMTPError(.rejected, replyCode: 451, message: "").isTransient)
        #expect(SMTPError(.rejected, replyCode: 421, message: "").isTransient)
        #expect(!SMTPError(.recipientRejected, replyCode: 550, message: "").isTransient)
        #expect(SMTPError(.connectionFailed, message: "").isTransient)
        #expect(SMTPError(.timeout, message: "").isTransient)
        #expect(!SMTPError(.startTLSUnavailable, message: "").isTransient)
        #expect(!SMTPError(.tlsFailed, message: "").isTransient)
    }

    @Test func configurationNeverPrintsThePassword() {
        let configuration = SMTPConfiguration(host: "mail.example", port: 587, username: "u", password: "hunter2")
        #expect(!"\(configuration)".contains("hunter2"))
        #expect(!String(reflecting: configuration).contains("hunter2"))
    }

    @Test func ipAddressesAreNotSentAsServerNames() {
        #expect(SMTPConnection.serverHostname("127.0.0.1") == nil)
        #expect(SMTPConnection.serverHostname("::1") == nil)
        #expect(SMTPConnection.serverHostname("mail.example.com") == "mail.example.com")
    }

    @Test func envelopeAddressesAreCheckedBeforeConnecting() async throws {
        let client = try SMTPClient(configuration: SMTPConfiguration(host: "127.0.0.1", port: 1, security: .none))
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(Array("x".utf8), from: "a@b.example>\r\nRCPT TO:<x@y.example", to: ["r@example.com"])
        }
        #expect(error?.code == .invalidMessage)
        await client.shutdown()
    }

    @Test func unreadableCAFileIsRefusedAtOnce() {
        #expect(throws: SMTPError.self) {
            try SMTPClient(configuration: SMTPConfiguration(host: "localhost", port: 465, security: .implicitTLS, caFile: "/nonexistent/ca.pem"))
        }
    }
}
