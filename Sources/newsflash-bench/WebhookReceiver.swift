import ArgumentParser
import NIOCore
import NIOHTTP1
import NIOPosix
import Notifier
import Synchronization

/// The benchmark's receiver: verifies every delivery's Standard Webhooks signature,
/// answers 204 (or 401) on the same keep-alive connection, counts both; `GET /count`
/// answers "verified rejected". A bare SwiftNIO HTTP/1.1 server rather than a
/// Hummingbird router: it shares the machine with the sender it measures, so the less
/// it spends per request beyond the verification, the more the figure says about the sender.
struct WebhookReceiverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "webhook-receiver", abstract: "The webhook benchmark's verifying receiver.", shouldDisplay: false)

    @Option(help: "Write the port here once listening.") var portFile: String
    @Option(help: "Port (0: any free one).") var port = 0

    func run() async throws {
        let secrets = [WebhookSecret(WebhookBenchmark.secret)!]
        let counts = ReceiverCounts()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(VerifyingHandler(secrets: secrets, counts: counts))
                }
            }
            .bind(host: "127.0.0.1", port: port)
            .get()
        try String(server.localAddress?.port ?? 0).write(toFile: portFile, atomically: true, encoding: .utf8)
        try await server.closeFuture.get()
    }
}

final class ReceiverCounts: Sendable {
    let verified = Atomic<Int>(0)
    let rejected = Atomic<Int>(0)
}

/// One connection's requests, one at a time (HTTPServerPipelineHandler holds back pipelined ones).
private final class VerifyingHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let secrets: [WebhookSecret]
    private let counts: ReceiverCounts
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?

    init(secrets: [WebhookSecret], counts: ReceiverCounts) {
        self.secrets = secrets
        self.counts = counts
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = nil
        case .body(var part):
            if body == nil { body = part } else { body!.writeBuffer(&part) }
        case .end:
            guard let head else { return }
            self.head = nil
            if head.method == .POST, head.uri.hasPrefix("/hook/") {
                let bytes = body.map { Array($0.readableBytesView) } ?? []
                if WebhookSigner.verify(header: { head.headers.first(name: $0) }, body: bytes, secrets: secrets) {
                    counts.verified.add(1, ordering: .relaxed)
                    respond(context, head, .noContent)
                } else {
                    counts.rejected.add(1, ordering: .relaxed)
                    respond(context, head, .unauthorized)
                }
            } else if head.method == .GET, head.uri == "/count" {
                let text = "\(counts.verified.load(ordering: .relaxed)) \(counts.rejected.load(ordering: .relaxed))"
                respond(context, head, .ok, body: context.channel.allocator.buffer(string: text))
            } else {
                respond(context, head, .notFound)
            }
            body = nil
        }
    }

    private func respond(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, _ status: HTTPResponseStatus, body: ByteBuffer? = nil) {
        var headers = HTTPHeaders()
        if status != .noContent { headers.add(name: "content-length", value: String(body?.readableBytes ?? 0)) }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
