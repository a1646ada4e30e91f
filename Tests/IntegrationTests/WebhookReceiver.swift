import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import Notifier
import Synchronization

/// A real HTTP receiver on 127.0.0.1 for the webhook tests: `/hook/<name>`
/// verifies the Standard Webhooks signature with the secrets registered for
/// `<name>` (204 when valid, 401 when not); `/status/<code>` answers that code
/// (with `Retry-After: <retry_after query>` and a `Location` for 3xx);
/// `/slow/<ms>` answers after that long; `/slowbody?bytes=<n>` sends its n-byte body (10 when
/// not given) a byte a second.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        var path: String
        var headers: [String: String]
        var body: [UInt8]
        var verified: Bool
        var at: Date
    }

    let port: Int
    private let task: Task<Void, any Error>
    private let state: State

    final class State: Sendable {
        let received = Mutex<[Received]>([])
        let secrets = Mutex<[String: [WebhookSecret]]>([:])
    }

    private init(port: Int, task: Task<Void, any Error>, state: State) {
        self.port = port
        self.task = task
        self.state = state
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func register(_ name: String, secrets: [String]) {
        state.secrets.withLock { $0[name] = secrets.compactMap(WebhookSecret.init) }
    }

    func received(_ path: String? = nil) -> [Received] {
        state.received.withLock { all in path.map { p in all.filter { $0.path == p } } ?? all }
    }

    static func start() async throws -> WebhookReceiver {
        let state = State()
        let router = Router()
        @Sendable func record(_ request: Request, _ name: String?) async throws -> Received {
            let body = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            var verified = false
            if let name, let secrets = state.secrets.withLock({ $0[name] }) {
                verified = WebhookSigner.verify(header: { headers[$0] }, body: body, secrets: secrets)
            }
            let received = Received(path: request.uri.path, headers: headers, body: body, verified: verified, at: Date())
            state.received.withLock { $0.append(received) }
            return received
        }
        router.post("hook/:name") { request, context -> HTTPResponse.Status in
            let received = try await record(request, try context.parameters.require("name"))
            return received.verified ? .noContent : .unauthorized
        }
        router.post("status/:code") { request, context -> Response in
            _ = try await record(request, nil)
            let code = Int(try context.parameters.require("code")) ?? 500
            var headers: HTTPFields = [:]
            if let retryAfter = request.uri.queryParameters.get("retry_after") { headers[.retryAfter] = retryAfter }
            if (300..<400).contains(code) { headers[.location] = "/hook/redirected" }
            return Response(status: .init(code: code), headers: headers)
        }
        router.post("slow/:ms") { request, context -> HTTPResponse.Status in
            _ = try await record(request, nil)
            try await Task.sleep(for: .milliseconds(Int(try context.parameters.require("ms")) ?? 1000))
            return .noContent
        }
        router.post("slowbody") { request, _ -> Response in
            _ = try await record(request, nil)
            let bytes = request.uri.queryParameters.get("bytes").flatMap { Int($0) } ?? 10
            return Response(status: .ok, headers: [.contentLength: "\(bytes)"], body: ResponseBody { writer in
                for _ in 0..<bytes {
                    try await writer.write(ByteBuffer(string: "x"))
                    try await Task.sleep(for: .seconds(1))
                }
                try await writer.finish(nil)
            })
        }
        let (port, task) = try await serve(router)
        return WebhookReceiver(port: port, task: task, state: state)
    }

    func stop() {
        task.cancel()
    }
}

/// Accepts connections on 127.0.0.1 and resets each one (SO_LINGER 0) as soon as a request arrives.
final class ResettingServer: Sendable {
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    private init(channel: any Channel) {
        self.channel = channel
    }

    static func start() async throws -> ResettingServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Reset()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ResettingServer(channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }

    final class Reset: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let channel = context.channel
            if let provider = channel as? any SocketOptionProvider {
                provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
            } else {
                channel.close(promise: nil)
            }
        }
    }
}
