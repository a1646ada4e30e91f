import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// One open, greeted, (when configured) encrypted and authenticated SMTP session.
///
/// Not safe for two callers at once: ``SMTPClient`` hands each connection to one send at a time.
struct SMTPConnection: Sendable {
    let channel: Channel
    let failure: SMTPConnectionFailure
    /// The EHLO keywords the server offered, upper-cased, with their parameters.
    let extensions: [String: String]
    let configuration: SMTPConfiguration
    let logger: Logger

    var isActive: Bool { channel.isActive }

    /// Connects, reads the greeting, says EHLO, upgrades with STARTTLS and authenticates, as configured.
    static func open(
        configuration: SMTPConfiguration, tlsContext: NIOSSLContext?, group: any EventLoopGroup, logger: Logger
    ) async throws -> SMTPConnection {
        let serverHostname = Self.serverHostname(configuration.host)
        let implicitTLS = configuration.security == .implicitTLS ? tlsContext : nil
        let failure = SMTPConnectionFailure()
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(configuration.timeouts.connect))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let implicitTLS {
                        try sync.addHandler(NIOSSLClientHandler(context: implicitTLS, serverHostname: serverHostname))
                    }
                    try sync.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                    try sync.addHandler(SMTPClientHandler(record: failure))
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        } catch {
            throw SMTPClientHandler.smtpError(error)
        }
        do {
            var connection = SMTPConnection(
                channel: channel, failure: failure, extensions: [:], configuration: configuration, logger: logger)
            let greeting = try await connection.request("the greeting", ByteBuffer(), timeout: configuration.timeouts.connect)
            guard greeting.code == 220 else { throw SMTPError.reply(greeting, to: "the greeting") }
            connection = try await connection.hello()
            if configuration.security == .startTLS {
                connection = try await connection.startTLS(tlsContext: tlsContext, serverHostname: serverHostname)
            }
            try await connection.authenticate()
            return connection
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Sends one message: MAIL FROM, RCPT TO for each recipient, DATA. Recipients refused at
    /// RCPT TO are reported; when all are refused the first refusal is thrown.
    func send(sender: String, recipients: [String], data: [UInt8]) async throws -> SMTPSendReport {
        let mail = try await command("MAIL FROM:<\(sender)>")
        guard mail.code == 250 else { throw SMTPError.reply(mail, to: "MAIL FROM") }
        var report = SMTPSendReport(accepted: [], rejected: [])
        for recipient in recipients {
            let reply = try await command("RCPT TO:<\(recipient)>")
            if reply.code == 250 || reply.code == 251 {
                report.accepted.append(recipient)
            } else {
                report.rejected.append(
                    SMTPError.reply(reply, to: "RCPT TO <\(recipient)>", code: .recipientRejected, recipient: recipient))
            }
        }
        guard !report.accepted.isEmpty else {
            try await reset()
            throw report.rejected.first ?? SMTPError(.invalidMessage, message: "a message needs a recipient")
        }
        let start = try await command("DATA")
        guard start.code == 354 else { throw SMTPError.reply(start, to: "DATA") }
        let end = try await request("the message text", ByteBuffer(bytes: SMTPDataEncoding.encode(data)), timeout: configuration.timeouts.command)
        guard end.code == 250 else { throw SMTPError.reply(end, to: "the message text", code: .messageRejected) }
        return report
    }

    /// RSET: forgets any transaction, and shows the connection still works.
    func reset() async throws {
        let reply = try await command("RSET")
        guard reply.code == 250 else { throw SMTPError.reply(reply, to: "RSET") }
    }

    /// QUIT, then close; never throws.
    func quit() async {
        _ = try? await command("QUIT", timeout: .seconds(2))
        try? await channel.close()
    }

    // MARK: - Session set-up

    private func hello() async throws -> SMTPConnection {
        let reply = try await command("EHLO \(configuration.heloName)")
        guard reply.code == 250 else { throw SMTPError.reply(reply, to: "EHLO") }
        return SMTPConnection(
            channel: channel, failure: failure, extensions: Self.extensions(fromEHLO: reply.lines), configuration: configuration,
            logger: logger)
    }

    private func startTLS(tlsContext: NIOSSLContext?, serverHostname: String?) async throws -> SMTPConnection {
        guard extensions["STARTTLS"] != nil, let tlsContext else {
            throw SMTPError(
                .startTLSUnavailable,
                message: "\(configuration.host):\(configuration.port) does not offer STARTTLS, which is required; nothing was sent")
        }
        let reply = try await command("STARTTLS")
        guard reply.code == 220 else { throw SMTPError.reply(reply, to: "STARTTLS", code: .tlsFailed) }
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(
                NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname), position: .first)
        }.get()
        // RFC 3207: forget what the server said before TLS and ask again.
        return try await hello()
    }

    /// AUTH PLAIN when offered, else AUTH LOGIN; nothing when no credentials are configured.
    func authenticate() async throws {
        guard let username = configuration.username, let password = configuration.password else { return }
        guard configuration.security != .none else {
            throw SMTPError(
                .authenticationUnavailable,
                message: "refusing to send a password over an unencrypted connection; configure startTLS or implicitTLS")
        }
        let mechanisms = Set((extensions["AUTH"] ?? "").uppercased().split(separator: " ").map(String.init))
        if mechanisms.contains("PLAIN") {
            let token = SMTPAuthentication.plain(username: username, password: password)
            let reply = try await command("AUTH PLAIN \(token)", logAs: "AUTH PLAIN")
            try Self.checkAuthenticated(reply)
        } else if mechanisms.contains("LOGIN") {
            let challenge = try await command("AUTH LOGIN")
            guard challenge.code == 334 else { throw SMTPError.reply(challenge, to: "AUTH LOGIN", code: .authenticationFailed) }
            let userReply = try await command(SMTPAuthentication.base64(username), logAs: "AUTH LOGIN username")
            guard userReply.code == 334 else { throw SMTPError.reply(userReply, to: "AUTH LOGIN", code: .authenticationFailed) }
            try Self.checkAuthenticated(try await command(SMTPAuthentication.base64(password), logAs: "AUTH LOGIN password"))
        } else {
            throw SMTPError(
                .authenticationUnavailable,
                message: "\(configuration.host) offers no AUTH mechanism this client knows (PLAIN, LOGIN); it offers: \(mechanisms.sorted())")
        }
    }

    private static func checkAuthenticated(_ reply: SMTPReply) throws {
        guard reply.code == 235 else { throw SMTPError.reply(reply, to: "AUTH", code: .authenticationFailed) }
    }

    // MARK: - Commands

    /// Sends one command line and waits for its reply. `logAs` replaces the line in logs (credentials).
    private func command(_ line: String, logAs: String? = nil, timeout: Duration? = nil) async throws -> SMTPReply {
        let label = logAs ?? line
        logger.trace("smtp command", metadata: ["smtp.command": "\(label)"])
        let reply = try await request(label, ByteBuffer(string: line + "\r\n"), timeout: timeout ?? configuration.timeouts.command)
        logger.trace("smtp reply", metadata: ["smtp.reply.code": "\(reply.code)"])
        return reply
    }

    private func request(_ label: String, _ bytes: ByteBuffer, timeout: Duration) async throws -> SMTPReply {
        let promise = channel.eventLoop.makePromise(of: SMTPReply.self)
        // On a channel already closed the write never reaches the handler: fail the reply here.
        channel.writeAndFlush(SMTPRequest(label: label, bytes: bytes, reply: promise, timeout: TimeAmount(timeout)))
            .whenFailure { [failure] in promise.fail(failure.recorded ?? SMTPClientHandler.smtpError($0)) }
        return try await promise.futureResult.get()
    }

    /// EHLO lines after the first (the greeting name): keyword, then its parameters.
    static func extensions(fromEHLO lines: [String]) -> [String: String] {
        var result: [String: String] = [:]
        for line in lines.dropFirst() {
            // "AUTH=PLAIN LOGIN" is the old spelling of "AUTH PLAIN LOGIN".
            let normalized = line.uppercased().hasPrefix("AUTH=") ? "AUTH " + line.dropFirst(5) : line
            let parts = normalized.split(separator: " ", maxSplits: 1)
            guard let keyword = parts.first else { continue }
            let parameters = parts.count > 1 ? String(parts[1]) : ""
            let key = keyword.uppercased()
            result[key] = [result[key], parameters].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        }
        return result
    }

    /// SNI and certificate name: the host, unless it is an IP address (then the certificate is
    /// checked against the address connected to).
    static func serverHostname(_ host: String) -> String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }
}
