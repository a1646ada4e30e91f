import Foundation
import Logging
import NIOPosix
import Testing
import TestSupport

@testable import Mailer

/// The SMTP client against the aiosmtpd sink (Tests/Support/smtp_sink.py).
@Suite("SMTP client against the sink", .enabled(if: SMTPSink.shouldRun, SMTPSink.skipReason))
struct SMTPClientLiveTests {
    static let date = Date(timeIntervalSince1970: 1_795_921_200)

    func message(to recipient: String, subject: String = "Test alert", id: String = UUID().uuidString) throws -> EmailMessage {
        var message = try EmailMessage(
            from: EmailAddress("alerts@newsflash.example", name: "Newsflash"), to: [EmailAddress(recipient)], subject: subject,
            date: Self.date, messageID: EmailMessage.messageID(deliveryID: "dlv_\(id)"),
            text: "Plain part for \(recipient)\n.line starting with a dot\n", html: "<p>HTML part for \(recipient)</p>")
        try message.setListUnsubscribe("https://newsflash.example/u/\(id)")
        return message
    }

    /// Sends one message with `configuration` and returns what the sink received.
    func sendOne(_ configuration: SMTPConfiguration, tag: String) async throws -> SMTPSink.Received? {
        let sink = try SMTPSink.required()
        let recipient = SMTPSink.recipient(tag)
        let client = try SMTPClient(configuration: configuration)
        let report = try await client.send(message(to: recipient))
        await client.shutdown()
        #expect(report.accepted == [recipient])
        return try await sink.received(for: recipient).first
    }

    @Test func plainWithoutTLS() async throws {
        let sink = try SMTPSink.required()
        let received = try await sendOne(sink.configuration(security: .none), tag: "plain")
        #expect(received?.tls == false)
        #expect(received?.auth_user == nil)
        #expect(received?.helo == "mailer-tests.newsflash.test")
    }

    @Test func startTLSWithAuthentication() async throws {
        let sink = try SMTPSink.required()
        let received = try await sendOne(sink.configuration(security: .startTLS, authenticate: true), tag: "starttls")
        #expect(received?.listener == "starttls")
        #expect(received?.tls == true)
        #expect(received?.auth_user == SMTPSink.user)
        #expect(received?.mail_from == "alerts@newsflash.example")
    }

    @Test func implicitTLSWithAuthentication() async throws {
        let sink = try SMTPSink.required()
        let received = try await sendOne(sink.configuration(security: .implicitTLS, authenticate: true), tag: "implicit")
        #expect(received?.listener == "tls")
        #expect(received?.tls == true)
        #expect(received?.auth_user == SMTPSink.user)
    }

    @Test func authLoginWhenPlainIsNotOffered() async throws {
        // The client picks PLAIN when offered, and the sink offers both: open a session without
        // AUTH, then authenticate it as if the server had offered LOGIN only.
        let sink = try SMTPSink.required()
        let connection = try await SMTPConnection.open(
            configuration: sink.configuration(security: .startTLS, authenticate: false),
            tlsContext: SMTPClient(configuration: sink.configuration(security: .startTLS)).tlsContext,
            group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test"))
        #expect(connection.extensions["AUTH"]?.contains("LOGIN") == true)
        let login = SMTPConnection(
            channel: connection.channel, failure: connection.failure, extensions: ["AUTH": "LOGIN"], configuration: sink.configuration(security: .startTLS, authenticate: true),
            logger: connection.logger)
        try await login.authenticate()
        let recipient = SMTPSink.recipient("login")
        let report = try await login.send(sender: "alerts@newsflash.example", recipients: [recipient], data: Array("Subject: login\r\n\r\nbody\r\n".utf8))
        #expect(report.accepted == [recipient])
        await login.quit()
        #expect(try await sink.received(for: recipient).first?.auth_user == SMTPSink.user)
    }

    @Test func wrongPasswordIsAPermanentAuthenticationFailure() async throws {
        let sink = try SMTPSink.required()
        var configuration = sink.configuration(security: .startTLS, authenticate: true)
        configuration.password = "wrong-password"
        let client = try SMTPClient(configuration: configuration)
        let error = await #expect(throws: SMTPError.self) { try await client.send(message(to: SMTPSink.recipient("badauth"))) }
        await client.shutdown()
        #expect(error?.code == .authenticationFailed, "\(String(describing: error))")
        #expect(error?.replyCode == 535)
        #expect(error?.isTransient == false)
        #expect(error?.message.contains("wrong-password") == false)
    }

    @Test func untrustedCertificateFailsTLS() async throws {
        let sink = try SMTPSink.required()
        var configuration = sink.configuration(security: .implicitTLS, authenticate: true)
        configuration.trust = .systemRoots
        let client = try SMTPClient(configuration: configuration)
        let error = await #expect(throws: SMTPError.self) { try await client.send(message(to: SMTPSink.recipient("untrusted"))) }
        await client.shutdown()
        #expect(error?.code == .tlsFailed)
    }

    @Test func startTLSRequiredButNotOfferedSendsNothing() async throws {
        let sink = try SMTPSink.required()
        let recipient = SMTPSink.recipient("notls")
        let client = try SMTPClient(configuration: sink.configuration(security: .startTLS, port: sink.notlsPort, authenticate: true))
        let error = await #expect(throws: SMTPError.self) { try await client.send(message(to: recipient)) }
        await client.shutdown()
        #expect(error?.code == .startTLSUnavailable)
        #expect(error?.isTransient == false)
        #expect(error?.message.contains("STARTTLS") == true)
        #expect(try sink.receivedNow(for: recipient).isEmpty)
    }

    @Test func reusesOneConnectionForTwentyMessages() async throws {
        let sink = try SMTPSink.required()
        let recipient = SMTPSink.recipient("reuse")
        let client = try SMTPClient(configuration: sink.configuration(security: .startTLS, authenticate: true))
        for index in 0..<20 {
            _ = try await client.send(message(to: recipient, subject: "Reuse \(index)"))
        }
        await client.shutdown()
        let received = try await sink.received(for: recipient, count: 20)
        #expect(received.count == 20)
        #expect(Set(received.map(\.connection)).count == 1)
    }

    @Test func concurrentCallersShareAPoolOfTwo() async throws {
        let sink = try SMTPSink.required()
        let recipient = SMTPSink.recipient("pool")
        let client = try SMTPClient(configuration: sink.configuration(security: .none, maxConnections: 2))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<12 {
                group.addTask { _ = try await client.send(self.message(to: recipient, subject: "Pool \(index)")) }
            }
            try await group.waitForAll()
        }
        await client.shutdown()
        let received = try await sink.received(for: recipient, count: 12)
        #expect(received.count == 12)
        #expect(Set(received.map(\.connection)).count <= 2)
    }

    @Test func reconnectsWhenTheServerClosedTheConnection() async throws {
        let sink = try SMTPSink.required()
        let first = SMTPSink.recipient("closeafter")
        let second = SMTPSink.recipient("afterclose")
        let client = try SMTPClient(configuration: sink.configuration(security: .startTLS, authenticate: true))
        _ = try await client.send(message(to: first))
        // The sink hangs up 50 ms after accepting a message for closeafter…@; the client may or
        // may not have seen it yet, and must open another connection either way.
        let a = try #require(try await sink.received(for: first).first)
        try await sink.closedConnection(a.connection)
        let report = try await client.send(message(to: second))
        await client.shutdown()
        #expect(report.accepted == [second])
        let b = try #require(try await sink.received(for: second).first)
        #expect(a.connection != b.connection)
    }

    @Test func tempfailIsTransientWithItsCode() async throws {
        let sink = try SMTPSink.required()
        let client = try SMTPClient(configuration: sink.configuration(security: .none))
        let recipient = SMTPSink.recipient("tempfail")
        let error = await #expect(throws: SMTPError.self) { try await client.send(message(to: recipient)) }
        #expect(error?.code == .recipientRejected)
        #expect(error?.replyCode == 451)
        #expect(error?.recipient == recipient)
        #expect(error?.isTransient == true)
        // The session survives a refused recipient.
        let good = SMTPSink.recipient("aftertempfail")
        #expect(try await client.send(message(to: good)).accepted == [good])
        await client.shutdown()
    }

    @Test func rejectIsPermanentWithItsCode() async throws {
        let sink = try SMTPSink.required()
        let client = try SMTPClient(configuration: sink.configuration(security: .none))
        let recipient = SMTPSink.recipient("reject")
        let error = await #expect(throws: SMTPError.self) { try await client.send(message(to: recipient)) }
        #expect(error?.code == .recipientRejected)
        #expect(error?.replyCode == 550)
        #expect(error?.isTransient == false)
        // One refused recipient of two: the message goes to the other, and the refusal is reported.
        let good = SMTPSink.recipient("good")
        var both = try message(to: good)
        both.to.append(try EmailAddress(recipient))
        let report = try await client.send(both)
        await client.shutdown()
        #expect(report.accepted == [good])
        #expect(report.rejected.map(\.replyCode) == [550])
        #expect(report.rejected.first?.recipient == recipient)
    }

    @Test func refusalAfterDataIsPermanent() async throws {
        let sink = try SMTPSink.required()
        let client = try SMTPClient(configuration: sink.configuration(security: .none))
        let error = await #expect(throws: SMTPError.self) { try await client.send(message(to: SMTPSink.recipient("dataerr"))) }
        await client.shutdown()
        #expect(error?.code == .messageRejected)
        #expect(error?.replyCode == 554)
        #expect(error?.isTransient == false)
    }

    @Test func connectionRefusedIsTransient() async throws {
        let sink = try SMTPSink.required()
        // Nothing listens on port 1.
        let client = try SMTPClient(configuration: sink.configuration(security: .none, port: 1))
        let error = await #expect(throws: SMTPError.self) { try await client.send(message(to: SMTPSink.recipient("refused"))) }
        await client.shutdown()
        #expect(error?.code == .connectionFailed)
        #expect(error?.isTransient == true)
    }

    @Test func shutDownClientRefusesToSend() async throws {
        let sink = try SMTPSink.required()
        let client = try SMTPClient(configuration: sink.configuration(security: .none))
        await client.shutdown()
        let error = await #expect(throws: SMTPError.self) { try await client.send(message(to: SMTPSink.recipient("late"))) }
        #expect(error?.code == .shutDown)
    }

    @Test(.enabled(if: Repository.hasPython, "Python tools missing; run Deploy/setup.sh"))
    func receivedMessageReadsBackWithBothParts() async throws {
        let sink = try SMTPSink.required()
        let recipient = SMTPSink.recipient("readback")
        let templates = try MailTemplates()
        let alert = AlertContent(
            title: "Erdbeben in Zürich <live>", summary: "Schäden & Verletzte", link: "https://news.example/z?a=1&b=2",
            source: "Wire", regions: ["Europe"], topics: ["Environment"], urgency: "urgent", published: Self.date,
            whyMatched: "region Europe")
        let message = try templates.alert(alert, unsubscribeURL: "https://newsflash.example/u/rb").message(
            from: EmailAddress("alerts@newsflash.example", name: "Newsflash"), to: [EmailAddress(recipient)],
            messageID: EmailMessage.messageID(deliveryID: "dlv_readback"), date: Self.date,
            unsubscribeURL: "https://newsflash.example/u/rb")
        let client = try SMTPClient(configuration: sink.configuration(security: .startTLS, authenticate: true))
        _ = try await client.send(message)
        await client.shutdown()
        let file = try #require(try await sink.received(for: recipient).first?.file)
        let parsed = try #require(try ParsedEmail.read([file]).first)
        #expect(parsed.defects.isEmpty)
        #expect(parsed.bare_lf == 0)
        #expect(parsed.headers["Subject"] == "[URGENT] Erdbeben in Zürich <live>")
        #expect(parsed.headers["To"] == recipient)
        #expect(parsed.headers["Message-ID"] == "<dlv_readback@newsflash>")
        #expect(parsed.headers["Date"] == "Sun, 29 Nov 2026 03:00:00 +0000")
        #expect(parsed.headers["List-Unsubscribe"] == "<https://newsflash.example/u/rb>")
        #expect(parsed.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click")
        #expect(parsed.text?.contains("Erdbeben in Zürich <live>") == true)
        #expect(parsed.text?.contains("Read more: https://news.example/z?a=1&b=2") == true)
        #expect(parsed.html?.contains("Erdbeben in Zürich &lt;live&gt;") == true)
        #expect(parsed.html?.contains("Schäden &amp; Verletzte") == true)
    }
}
