import AsyncHTTPClient
import Foundation
import NewsModel
import NIOCore
import NIOHTTP1
import SubscriptionStore
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Findings of the security review, against a real `newsflash run api` over HTTP.
@Suite(.serialized)
struct APIHardeningTests {
    /// `run api --no-kafka` on a free port with a store of its own; `body` gets a caller with a subscriber key.
    func withAPI(_ body: (_ call: (HTTPClientRequest) async throws -> (Int, [String: Any])) async throws -> Void) async throws {
        let scratch = ScratchDirectory("hardening")
        defer { scratch.remove() }
        let directory = scratch.url
        let storePath = directory.appendingPathComponent("subscriptions.sqlite").path
        let store = try SQLiteSubscriptionStore(path: storePath)
        let secret = try await store.createKey(role: .subscriber).secret
        await store.shutdown()
        let port = UpCommandTests.freePort()
        let process = Process()
        process.executableURL = NewsflashCLI.executable
        process.arguments = ["run", "api", "--no-kafka", "--port", String(port), "--subscriptions", storePath]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("NEWSFLASH_") }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        func call(_ request: HTTPClientRequest) async throws -> (Int, [String: Any]) {
            var request = request
            request.url = "http://127.0.0.1:\(port)\(request.url)"
            request.headers.replaceOrAdd(name: "authorization", value: "Bearer \(secret)")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let data = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), (try? JSONSerialization.jsonObject(with: Data(buffer: data)) as? [String: Any]) ?? [:])
        }
        var ready = false
        for _ in 0..<100 where !ready && process.isRunning {
            ready = (try? await call(HTTPClientRequest(url: "/v1/subscriptions")))?.0 == 200
            if !ready { try await Task.sleep(for: .milliseconds(200)) }
        }
        try #require(ready, "run api did not answer")
        try await body(call)
    }

    static func json(_ method: HTTPMethod, _ path: String, _ text: String, chunked: Bool = false) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: path)
        request.method = method
        request.headers.add(name: "content-type", value: "application/json")
        if chunked {
            // A body of unknown length: sent chunked, without Content-Length.
            request.body = .stream(AsyncStream<ByteBuffer> { continuation in
                continuation.yield(ByteBuffer(string: text))
                continuation.finish()
            }, length: .unknown)
        } else {
            request.body = .bytes(ByteBuffer(string: text))
        }
        return request
    }

    @Test("a rotation's graceSeconds is read from a chunked body too; before, it was ignored and the old secret signed for a day")
    func chunkedRotationBody() async throws {
        try await withAPI { call in
            let (created, subscription) = try await call(Self.json(
                .POST, "/v1/subscriptions", #"{"name": "hook", "filter": "topic:Sports", "channel": {"webhook": "https://hooks.example.com/x"}}"#))
            #expect(created == 201, "\(subscription)")
            let id = try #require(subscription["id"] as? String)
            let (status, rotation) = try await call(Self.json(.POST, "/v1/subscriptions/\(id)/secret/rotate", #"{"graceSeconds": 0}"#, chunked: true))
            #expect(status == 200, "\(rotation)")
            let expires = try #require((rotation["previousSecretExpiresAt"] as? String).flatMap(RFC3339Time.parse), "\(rotation)")
            #expect(abs(expires.timeIntervalSinceNow) < 60, "the old secret still signs until \(expires)")
            // An empty chunked body keeps the default of a day.
            let (again, defaulted) = try await call(Self.json(.POST, "/v1/subscriptions/\(id)/secret/rotate", "", chunked: true))
            #expect(again == 200)
            let later = try #require((defaulted["previousSecretExpiresAt"] as? String).flatMap(RFC3339Time.parse))
            #expect(later.timeIntervalSinceNow > 86_000)
        }
    }

    @Test("a subscription name with a line break or another control character is refused, on create and on change")
    func namesWithoutControlCharacters() async throws {
        try await withAPI { call in
            for name in ["Desk\r\nBcc: victim@example.org", "Desk\nline", "Desk\u{0007}bell", "Desk\u{2028}separator"] {
                let body = try String(decoding: JSONSerialization.data(withJSONObject: [
                    "name": name, "filter": "topic:Sports", "channel": ["webhook": "https://hooks.example.com/x"],
                ] as [String: Any]), as: UTF8.self)
                let (status, answer) = try await call(Self.json(.POST, "/v1/subscriptions", body))
                #expect(status == 400, "\(name.debugDescription): \(answer)")
            }
            let (created, subscription) = try await call(Self.json(
                .POST, "/v1/subscriptions", #"{"name": "  Desk  ", "filter": "topic:Sports", "channel": {"webhook": "https://hooks.example.com/x"}}"#))
            #expect(created == 201 && subscription["name"] as? String == "Desk", "\(subscription)")
            let id = try #require(subscription["id"] as? String)
            let (patched, answer) = try await call(Self.json(.PATCH, "/v1/subscriptions/\(id)", #"{"name": "Desk\r\nX-Injected: 1"}"#))
            #expect(patched == 400, "\(answer)")
        }
    }
}
