import NIOCore
import NIOSSL
import Synchronization

/// Why a connection became unusable, readable off the event loop: once the channel has closed,
/// its handlers are gone and a write fails with a bare "closed channel" that hides the cause.
final class SMTPConnectionFailure: Sendable {
    private let error = Mutex<SMTPError?>(nil)

    func record(_ error: SMTPError) {
        self.error.withLock { if $0 == nil { $0 = error } }
    }

    var recorded: SMTPError? { error.withLock { $0 } }
}

/// A command line (or the message text) to write, the promise its reply completes, and how long
/// to wait for that reply. Empty `bytes` writes nothing and waits for a reply (the greeting).
struct SMTPRequest: Sendable {
    /// What is sent, for errors and logs: a verb, never an argument.
    var label: String
    var bytes: ByteBuffer
    var reply: EventLoopPromise<SMTPReply>
    var timeout: TimeAmount
}

/// Pairs each reply with the oldest request still waiting for one, fails every waiting request
/// when the connection breaks, closes or times out, and fails every later request the same way.
/// A reply that comes before anyone waits (the greeting, often; a 421 before a hang-up) is kept
/// for the next request, which then is not written. Runs on the channel's event loop only.
final class SMTPClientHandler: ChannelDuplexHandler {
    typealias InboundIn = SMTPReply
    typealias OutboundIn = SMTPRequest
    typealias OutboundOut = ByteBuffer

    private var waiting = CircularBuffer<(reply: EventLoopPromise<SMTPReply>, timeout: Scheduled<Void>)>()
    private var unclaimed = CircularBuffer<SMTPReply>()
    /// Set once the connection is unusable; every later request fails with it.
    private var failure: SMTPError?
    private let record: SMTPConnectionFailure

    init(record: SMTPConnectionFailure) {
        self.record = record
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let failure {
            request.reply.fail(failure)
            promise?.fail(failure)
            return
        }
        if let early = unclaimed.popFirst() {
            request.reply.succeed(early)
            promise?.succeed(())
            return
        }
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(in: request.timeout) {
            self.fail(context: context, with: SMTPError(.timeout, message: "no reply to \(request.label) from the SMTP server within \(request.timeout)"))
        }
        waiting.append((request.reply, timeout))
        if request.bytes.readableBytes > 0 {
            context.write(wrapOutboundOut(request.bytes), promise: promise)
        } else {
            promise?.succeed(())
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        guard let first = waiting.popFirst() else {
            unclaimed.append(reply)
            return
        }
        first.timeout.cancel()
        first.reply.succeed(reply)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(context: context, with: SMTPError(.connectionFailed, message: "the SMTP server closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(context: context, with: Self.smtpError(error))
    }

    private func fail(context: ChannelHandlerContext, with error: SMTPError) {
        if failure == nil {
            failure = error
            record.record(error)
        }
        while let next = waiting.popFirst() {
            next.timeout.cancel()
            next.reply.fail(error)
        }
        if context.channel.isActive { context.close(promise: nil) }
    }

    static func smtpError(_ error: Error) -> SMTPError {
        switch error {
        case let error as SMTPError: return error
        case let error as NIOSSLError: return SMTPError(.tlsFailed, message: "TLS with the SMTP server failed: \(error)")
        case let error as NIOSSLExtraError: return SMTPError(.tlsFailed, message: "TLS with the SMTP server failed: \(error)")
        case ChannelError.connectTimeout(let time):
            return SMTPError(.timeout, message: "could not connect to the SMTP server within \(time)")
        default: return SMTPError(.connectionFailed, message: "the connection to the SMTP server failed: \(error)")
        }
    }
}
