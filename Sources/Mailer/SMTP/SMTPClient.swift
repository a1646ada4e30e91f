import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Sends mail to one SMTP server over a small pool of kept-open connections.
///
/// Safe for any number of concurrent callers: at most ``SMTPConfiguration/maxConnections``
/// connections are open; callers beyond that wait for one to come free. A connection is kept
/// open between sends (RSET before each reuse) and replaced transparently when the server has
/// closed it. Call ``shutdown()`` when done: it sends QUIT on every idle connection.
///
/// A send that waits for a free connection is not ended by task cancellation; every wait on the
/// server is bounded by the configured timeouts.
public actor SMTPClient {
    public let configuration: SMTPConfiguration
    private let group: any EventLoopGroup
    private let logger: Logger
    let tlsContext: NIOSSLContext?

    private var idle: [SMTPConnection] = []
    /// Connections open or being opened, idle or in use.
    private var open = 0
    private var waiters: [CheckedContinuation<SMTPConnection?, Error>] = []
    private var isShutDown = false

    /// - Throws: ``SMTPError`` with ``SMTPError/Code/tlsFailed`` when the CA file cannot be read.
    public init(
        configuration: SMTPConfiguration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "newsflash.mailer")
    ) throws {
        self.configuration = configuration
        self.group = eventLoopGroup
        var logger = logger
        logger[metadataKey: "smtp.server"] = "\(configuration.host):\(configuration.port)"
        self.logger = logger
        if configuration.security == .none {
            self.tlsContext = nil
        } else {
            var tls = TLSConfiguration.makeClientConfiguration()
            if case .caFile(let path) = configuration.trust { tls.trustRoots = .file(path) }
            do {
                self.tlsContext = try NIOSSLContext(configuration: tls)
            } catch {
                throw SMTPError(.tlsFailed, message: "cannot set up TLS (CA file \(configuration.trust)): \(error)")
            }
        }
    }

    /// Sends `message` (RFC 5322 bytes, as ``MIMEBuilder`` makes them) to `recipients`, with
    /// `sender` as the envelope sender (MAIL FROM, where bounces go).
    ///
    /// - Returns: which recipients were accepted and which refused (with their reply codes).
    /// - Throws: ``SMTPError``; when every recipient is refused, the first refusal.
    public func send(_ message: [UInt8], from sender: String, to recipients: [String]) async throws -> SMTPSendReport {
        for address in [sender] + recipients {
            guard EmailAddress.isValid(address) else {
                throw SMTPError(.invalidMessage, message: "not a usable email address: \(address.debugDescription)")
            }
        }
        guard !recipients.isEmpty else { throw SMTPError(.invalidMessage, message: "a message needs a recipient") }
        let connection = try await checkOut()
        do {
            let report = try await connection.send(sender: sender, recipients: recipients, data: message)
            checkIn(connection)
            return report
        } catch let error as SMTPError {
            // After a refused command the session is still good; after a broken one it is not.
            if error.replyCode != nil && connection.isActive { checkIn(connection) } else { discard(connection) }
            throw error
        } catch {
            discard(connection)
            throw error
        }
    }

    /// Builds `message` and sends it from its ``EmailMessage/from`` address to its ``EmailMessage/to`` addresses,
    /// or from `envelopeSender` when given.
    public func send(_ message: EmailMessage, envelopeSender: String? = nil) async throws -> SMTPSendReport {
        let bytes: [UInt8]
        do {
            bytes = try MIMEBuilder().build(message)
        } catch let error as EmailMessageError {
            throw SMTPError(.invalidMessage, message: error.message)
        }
        return try await send(bytes, from: envelopeSender ?? message.from.address, to: message.to.map(\.address))
    }

    /// Sends QUIT on idle connections and closes them; later sends fail with ``SMTPError/Code/shutDown``.
    /// Connections in use close when their send ends.
    public func shutdown() async {
        isShutDown = true
        let closing = idle
        idle = []
        open -= closing.count
        for waiter in waiters { waiter.resume(throwing: SMTPError(.shutDown, message: "the SMTP client was shut down")) }
        waiters = []
        for connection in closing { await connection.quit() }
    }

    // MARK: - The pool

    /// An idle connection that still works, or a new one.
    private func checkOut() async throws -> SMTPConnection {
        while true {
            guard !isShutDown else { throw SMTPError(.shutDown, message: "the SMTP client was shut down") }
            if let connection = idle.popLast() {
                if let reusable = await reusable(connection) { return reusable }
                continue
            }
            if open < configuration.maxConnections {
                open += 1
                return try await connect()
            }
            // Woken with a connection handed over, or with nil and a free slot reserved for us.
            if let handedOver = try await withCheckedThrowingContinuation({ waiters.append($0) }) {
                if let reusable = await reusable(handedOver) { return reusable }
                continue
            }
            return try await connect()
        }
    }

    /// RSET on a connection that was idle; nil (and the slot freed) when the server closed it meanwhile.
    private func reusable(_ connection: SMTPConnection) async -> SMTPConnection? {
        if connection.isActive {
            do {
                try await connection.reset()
                return connection
            } catch {
                logger.debug("smtp connection unusable; reconnecting", metadata: ["smtp.error": "\(error)"])
            }
        }
        try? await connection.channel.close()
        open -= 1
        return nil
    }

    /// Opens a connection in a slot already counted in `open`.
    private func connect() async throws -> SMTPConnection {
        do {
            let connection = try await SMTPConnection.open(
                configuration: configuration, tlsContext: tlsContext, group: group, logger: logger)
            logger.debug("smtp connection open", metadata: ["smtp.extensions": "\(connection.extensions.keys.sorted())"])
            return connection
        } catch {
            releaseSlot()
            throw error
        }
    }

    private func checkIn(_ connection: SMTPConnection) {
        if isShutDown {
            open -= 1
            Task { await connection.quit() }
            return
        }
        guard connection.isActive else { return discard(connection) }
        if !waiters.isEmpty {
            waiters.removeFirst().resume(returning: connection)
        } else {
            idle.append(connection)
        }
    }

    private func discard(_ connection: SMTPConnection) {
        connection.channel.close(promise: nil)
        releaseSlot()
    }

    /// A slot came free: a waiter takes it (and opens its own connection), or it is given back.
    private func releaseSlot() {
        if !waiters.isEmpty && !isShutDown {
            waiters.removeFirst().resume(returning: nil)
        } else {
            open -= 1
        }
    }
}
