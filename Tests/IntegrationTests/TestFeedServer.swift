import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization
import TestSupport

/// A real HTTP server on 127.0.0.1 (random port) serving feeds for the ingest tests:
/// documents with ETags (answering 304 to If-None-Match), and /feeds/broken (500),
/// /feeds/busy (503 with Retry-After: 120), /feeds/moved (301 to /feeds/main.xml),
/// /feeds/slow (answers after 6 s, or `?seconds=N`) and /feeds/huge (a 2.3 MB body).
final class TestFeedServer: Sendable {
    actor Documents {
        var bodies: [String: (body: String, etag: String, contentType: String)] = [:]
        var hits: [String: Int] = [:]

        func set(_ name: String, _ body: String, contentType: String = "application/rss+xml; charset=utf-8") {
            bodies[name] = (body, "\"\(body.hashValue)\"", contentType)
        }

        /// Same content, new validator: forces a full fetch.
        func touch(_ name: String) {
            if let current = bodies[name] { bodies[name] = (current.body, "\"\(UUID().uuidString)\"", current.contentType) }
        }

        func hit(_ name: String) -> (body: String, etag: String, contentType: String)? {
            hits[name, default: 0] += 1
            return bodies[name]
        }

        func hitCount(_ name: String) -> Int { hits[name] ?? 0 }
    }

    let documents: Documents
    private let task: Mutex<Task<Void, any Error>?> = Mutex(nil)
    let port: Int

    private init(port: Int, documents: Documents) {
        self.port = port
        self.documents = documents
    }

    func url(_ name: String) -> String { "http://127.0.0.1:\(port)/feeds/\(name)" }

    static func start() async throws -> TestFeedServer {
        let documents = Documents()
        let router = Router()
        router.get("feeds/:name") { request, context -> Response in
            let name = try context.parameters.require("name")
            switch name {
            case "broken":
                _ = await documents.hit(name)
                return Response(status: .internalServerError)
            case "busy":
                _ = await documents.hit(name)
                return Response(status: .serviceUnavailable, headers: [HTTPField.Name("Retry-After")!: "120"])
            case "slow":
                _ = await documents.hit(name)
                try await Task.sleep(for: .seconds(request.uri.queryParameters.get("seconds").flatMap { Int($0) } ?? 6))
                return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "<rss/>")))
            case "huge":
                _ = await documents.hit(name)
                let filler = String(repeating: "<item><title>x</title></item>", count: 80_000)  // about 2.3 MB
                return Response(
                    status: .ok, headers: [.contentType: "application/rss+xml"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: "<rss version=\"2.0\"><channel>\(filler)</channel></rss>")))
            case "moved":
                _ = await documents.hit(name)
                return Response(status: .movedPermanently, headers: [.location: "/feeds/main.xml"])
            default:
                guard let document = await documents.hit(name) else { return Response(status: .notFound) }
                let etagName = HTTPField.Name("ETag")!
                if request.headers[HTTPField.Name("If-None-Match")!] == document.etag {
                    return Response(status: .notModified, headers: [etagName: document.etag])
                }
                return Response(
                    status: .ok, headers: [.contentType: document.contentType, etagName: document.etag],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: document.body)))
            }
        }
        let (port, task) = try await serve(router)
        let server = TestFeedServer(port: port, documents: documents)
        server.task.withLock { $0 = task }
        return server
    }

    func stop() {
        task.withLock { $0?.cancel() }
    }
}

/// Serves `router` on 127.0.0.1 at a free port; returns the port and the task to cancel to stop it.
func serve(_ router: Router<BasicRequestContext>) async throws -> (port: Int, task: Task<Void, any Error>) {
    let bound = Mutex<Int?>(nil)
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in bound.withLock { $0 = channel.localAddress?.port } })
    let task = Task { try await app.runService() }
    for _ in 0..<200 {
        if let port = bound.withLock({ $0 }) { return (port, task) }
        try await Task.sleep(for: .milliseconds(25))
    }
    task.cancel()
    throw DeadlineExceeded(what: "the test HTTP server did not start")
}
