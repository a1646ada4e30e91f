import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
@testable import FeedParsing
import Ingest
import NewsModel
import RdKafka
import Synchronization
import Testing
import TestSupport

/// The push endpoint over real HTTP on loopback, publishing to the real broker.
@Suite(.serialized, TestBroker.available)
struct PushEndpointTests {
    static let token = "push-token-\(UUID().uuidString)"

    struct Server: Sendable {
        let port: Int
        let task: Task<Void, any Error>
        let topic: String
        let close: @Sendable () async -> Void

        func post(_ path: String, body: String, token: String? = PushEndpointTests.token) async throws -> (Int, String) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }
    }

    static func start() async throws -> Server {
        let topic = try await TestBroker.makeTopic("push", partitions: 2)
        let scratch = ScratchDirectory("push")
        let configuration = IngestConfiguration(sources: [
            SourceConfiguration(id: "partner", kind: .push, url: nil, pushTokenSHA256: StableID.sha256Hex(token)),
        ])
        try configuration.validate()
        let producer = try TestBroker.producer()
        let fetcher = FeedFetcher(configuration: configuration)
        let worker = try await IngestWorker(
            configuration: configuration, store: try IngestStore(path: scratch.path("ingest.sqlite")),
            producer: producer, fetcher: fetcher, topic: topic, logger: TestBroker.logger)
        let router = Router()
        PushEndpoint.register(on: router, worker: worker)
        let (port, task) = try await serve(router)
        return Server(port: port, task: task, topic: topic) {
            task.cancel()
            await producer.shutdown()
            await fetcher.shutdown()
            scratch.remove()
        }
    }

    @Test("pushed items are published once; pushing again is idempotent; an edit is a new version")
    func publishesIdempotently() async throws {
        let server = try await Self.start()
        let batch = #"{"items": [{"id": "p-1", "title": "Earthquake hits coast", "url": "https://partner.example/1", "publishedAt": "2026-11-29T08:00:00Z"}, {"id": "p-2", "title": "Markets rally &amp; bonds slip", "language": "en"}]}"#
        let (status, body) = try await server.post("/v1/push/partner", body: batch)
        #expect(status == 202, "\(body)")
        #expect(body.components(separatedBy: #""status":"published""#).count - 1 == 2)
        let (again, againBody) = try await server.post("/v1/push/partner", body: batch)
        #expect(again == 202)
        #expect(againBody.components(separatedBy: #""status":"unchanged""#).count - 1 == 2)
        let (edited, editedBody) = try await server.post("/v1/push/partner", body: #"{"id": "p-1", "title": "Earthquake of magnitude 6 hits coast"}"#)
        #expect(edited == 202)
        #expect(editedBody.contains(#""status":"new-version""#))
        await server.close()

        let reader = try TestBroker.partitionConsumer(topic: server.topic, partitions: [0, 1])
        let items = try await TestBroker.read(3, from: reader).map { try EventCodec.decode(NewsItem.self, from: $0.value).data }
        await reader.close()
        #expect(items.allSatisfy { $0.sourceId == "partner" && $0.sourceKind == .push })
        #expect(items.filter { $0.guid == "p-1" }.map(\.version).sorted() == [1, 2])
        #expect(items.first { $0.guid == "p-2" }?.title == "Markets rally & bonds slip")
    }

    @Test("bad requests get a 4xx with a message a publisher can act on")
    func refusesBadRequests() async throws {
        let server = try await Self.start()
        defer { Task { await server.close() } }
        let item = #"{"id": "x", "title": "T"}"#
        #expect(try await server.post("/v1/push/partner", body: item, token: nil).0 == 401)
        #expect(try await server.post("/v1/push/partner", body: item, token: "wrong").0 == 401)
        #expect(try await server.post("/v1/push/nobody", body: item).0 == 404)
        let notJSON = try await server.post("/v1/push/partner", body: "{oops")
        #expect(notJSON.0 == 400)
        #expect(notJSON.1.contains("not JSON"))
        let missing = try await server.post("/v1/push/partner", body: #"{"items": [{"id": "a", "title": "ok"}, {"id": "b"}]}"#)
        #expect(missing.0 == 400)
        #expect(missing.1.contains("items[1]"))
        #expect(missing.1.contains("title"))
        let badURL = try await server.post("/v1/push/partner", body: #"{"id": "a", "title": "t", "url": "javascript:alert(1)"}"#)
        #expect(badURL.0 == 400)
        #expect(badURL.1.contains("url must be an absolute http(s) URL"))
        let unknown = try await server.post("/v1/push/partner", body: #"{"id": "a", "title": "t", "colour": "red"}"#)
        #expect(unknown.1.contains("unknown field colour"))
        let huge = try await server.post("/v1/push/partner", body: #"{"id": "a", "title": ""# + String(repeating: "x", count: 1_100_000) + #""}"#)
        #expect(huge.0 == 413)
    }
}
