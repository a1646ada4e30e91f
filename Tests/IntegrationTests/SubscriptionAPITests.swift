import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Server
import SubscriptionStore
import Subscriptions
import Testing
import TestSupport

/// The subscriptions API in memory (HummingbirdTesting), against a real SQLite store.
@Suite struct SubscriptionAPITests {
    let parser = FilterParser(
        regions: ["Africa", "Asia", "Asia-Pacific", "Europe", "Latin America", "MENA", "Palestine", "US & Canada"],
        topics: ["Politics", "Economy", "Sports", "Arts&Culture", "Health", "Technology", "Environment", "Miscellaneous"])

    func store() throws -> SQLiteSubscriptionStore {
        try SQLiteSubscriptionStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("api-\(UUID().uuidString).sqlite").path)
    }

    @Test func openAPIDescribesExactlyTheRegisteredRoutes() throws {
        guard let python = Repository.python else {
            #expect(!Repository.isCI, "CI=true needs the project's Python tools")
            return
        }
        let result = try Subprocess.run(python, [Repository.script("Tests/Support/openapi_routes.py")])
        #expect(result.status == 0, "\(result.stderr)")
        let documented = Set(result.stdout.split(separator: "\n").map(String.init))
        let registered = Set(SubscriptionAPI.buildRouter(store: try store(), parser: parser).routes.map { "\($0.method) \($0.path)" })
        #expect(documented == registered)
    }

    @Test func subscribersSeeTheirOwnAndAdminsSeeAll() async throws {
        let store = try store()
        let alice = try await store.createKey(role: .subscriber).secret
        let bob = try await store.createKey(role: .subscriber).secret
        let admin = try await store.createKey(role: .admin).secret
        let app = Application(router: SubscriptionAPI.buildRouter(store: store, parser: parser))
        try await app.test(.router) { client in
            func call(_ method: HTTPRequest.Method, _ uri: String, _ key: String?, _ body: String? = nil) async throws -> (HTTPResponse.Status, String) {
                var headers: HTTPFields = [.contentType: "application/json"]
                if let key { headers[.authorization] = "Bearer \(key)" }
                return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
                    (response.status, String(buffer: response.body))
                }
            }
            let create = #"{"name": "MENA desk", "filter": "region:MENA AND urgency>=urgent", "channel": {"webhook": "https://hooks.example.com/a"}}"#
            #expect(try await call(.post, "/v1/subscriptions", nil, create).0 == .unauthorized)
            #expect(try await call(.post, "/v1/subscriptions", "nfk_wrong", create).0 == .unauthorized)
            let (created, body) = try await call(.post, "/v1/subscriptions", alice, create)
            #expect(created == .created, "\(body)")
            let id = try #require(body.firstMatch(of: /"id":"(sub_[0-9a-f]{20})"/)?.1)
            #expect(try await call(.get, "/v1/subscriptions/\(id)", alice).0 == .ok)
            #expect(try await call(.get, "/v1/subscriptions/\(id)", bob).0 == .notFound)
            #expect(try await call(.get, "/v1/subscriptions/\(id)", admin).0 == .ok)
            #expect(try await call(.get, "/v1/subscriptions", bob).1 == #"{"subscriptions":[]}"#)
            #expect(try await call(.get, "/v1/subscriptions", admin).1.contains(String(id)))

            let badFilter = try await call(.post, "/v1/subscriptions", alice, #"{"name": "x", "filter": "region:Narnia", "channel": {"email": "a@b.example"}}"#)
            #expect(badFilter.0 == .badRequest)
            #expect(badFilter.1.contains("invalid filter at position 7"))
            let badChannel = try await call(.post, "/v1/subscriptions", alice, #"{"name": "x", "filter": "topic:Sports", "channel": {"webhook": "ftp://x"}}"#)
            #expect(badChannel.0 == .badRequest)
            #expect(badChannel.1.contains("channel.webhook"))
            let missing = try await call(.post, "/v1/subscriptions", alice, #"{"name": "x"}"#)
            #expect(missing.0 == .badRequest)
            #expect(missing.1.contains("missing filter"))
            #expect(try await call(.post, "/v1/subscriptions", alice, String(repeating: "x", count: 70_000)).0 == .contentTooLarge)

            let paused = try await call(.patch, "/v1/subscriptions/\(id)", alice, #"{"status": "paused"}"#)
            #expect(paused.0 == .ok)
            #expect(paused.1.contains(#""status":"paused""#))
            #expect(try await store.subscription(String(id))?.status == .paused)

            let check = try await call(.post, "/v1/filters/validate", bob, #"{"filter": "(topic:Politics"}"#)
            #expect(check.1.contains(#""valid":false"#))
            #expect(check.1.contains(#""position":15"#))

            #expect(try await call(.delete, "/v1/subscriptions/\(id)", bob).0 == .notFound)
            #expect(try await call(.delete, "/v1/subscriptions/\(id)", alice).0 == .noContent)
            #expect(try await call(.get, "/v1/subscriptions/\(id)", alice).0 == .notFound)
        }
    }
}
