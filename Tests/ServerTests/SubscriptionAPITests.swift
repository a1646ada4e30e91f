import Foundation
import Hummingbird
import HummingbirdTesting
import NewsModel
import NIOCore
import Server
import SubscriptionStore
import Subscriptions
import Testing
import TestSupport

/// The subscriptions API in memory (HummingbirdTesting), against a real SQLite store.
@Suite struct SubscriptionAPITests {
    /// The keys every API of this suite seals secrets with.
    static let keys = SecretKeySource(try! SecretKeyring(text: SecretKeyring.newKeyLine()))
    let parser = FilterParser(
        regions: ["Africa", "Asia", "Asia-Pacific", "Europe", "Latin America", "MENA", "Palestine", "US & Canada"],
        topics: ["Politics", "Economy", "Sports", "Arts&Culture", "Health", "Technology", "Environment", "Miscellaneous"])

    /// This test's own directory for its databases.
    let scratch = ScratchDirectory("api")

    func store() throws -> SQLiteSubscriptionStore {
        try SQLiteSubscriptionStore(path: scratch.path("subscriptions-\(UUID().uuidString).sqlite"))
    }

    @Test func openAPIDescribesExactlyTheRegisteredRoutes() throws {
        guard let python = Repository.python else {
            #expect(!Repository.isCI, "CI=true needs the project's Python tools")
            return
        }
        let result = try Subprocess.run(python, [Repository.script("Tests/Support/openapi_routes.py")])
        #expect(result.status == 0, "\(result.stderr)")
        let documented = Set(result.stdout.split(separator: "\n").map(String.init))
        let registered = Set(SubscriptionAPI.buildRouter(store: try store(), parser: parser, keys: Self.keys).routes.map { "\($0.method) \($0.path)" })
        // /health/live is the process's (its receipts recorder's liveness), added beside
        // /health/ready and /metrics when `run api` starts; ConfigCommandTests calls it.
        #expect(documented == registered.union(["GET /health/live"]))
    }

    @Test("keys: a subscriber lists, rotates and revokes only itself; an admin any key; a revoked key gets 401")
    func keysAreManagedThroughTheAPI() async throws {
        let store = try store()
        let (aliceKey, alice) = try await store.createKey(role: .subscriber)
        let (bobKey, bob) = try await store.createKey(role: .subscriber)
        let admin = try await store.createKey(role: .admin).secret
        let app = Application(router: SubscriptionAPI.buildRouter(store: store, parser: parser, keys: Self.keys))
        try await app.test(.router) { client in
            func call(_ method: HTTPRequest.Method, _ uri: String, _ key: String?) async throws -> (HTTPResponse.Status, String) {
                var headers: HTTPFields = [:]
                if let key { headers[.authorization] = "Bearer \(key)" }
                return try await client.execute(uri: uri, method: method, headers: headers) { response in (response.status, String(buffer: response.body)) }
            }
            let own = try await call(.get, "/v1/keys", alice)
            #expect(own.0 == .ok)
            #expect(own.1.contains(aliceKey.id) && !own.1.contains(bobKey.id) && !own.1.contains("nfk_"), "\(own.1)")
            #expect(try await call(.get, "/v1/keys", admin).1.contains(bobKey.id))
            // Alice may not touch Bob's key.
            #expect(try await call(.post, "/v1/keys/\(bobKey.id)/revoke", alice).0 == .notFound)
            #expect(try await call(.post, "/v1/keys/\(bobKey.id)/rotate", alice).0 == .notFound)
            // Alice rotates her own: the old secret stops, the new one works.
            let rotated = try await call(.post, "/v1/keys/\(aliceKey.id)/rotate", alice)
            #expect(rotated.0 == .ok)
            let newSecret = try #require(rotated.1.firstMatch(of: /"secret":"(nfk_[0-9a-f]+)"/)?.1)
            #expect(try await call(.get, "/v1/keys", alice).0 == .unauthorized)
            #expect(try await call(.get, "/v1/keys", String(newSecret)).0 == .ok)
            // The admin revokes Bob's leaked key: 401 from then on, listed with revokedAt.
            let revoked = try await call(.post, "/v1/keys/\(bobKey.id)/revoke", admin)
            #expect(revoked.0 == .ok)
            #expect(revoked.1.contains("\"revokedAt\""))
            #expect(try await call(.get, "/v1/subscriptions", bob).0 == .unauthorized)
            #expect(try await call(.post, "/v1/keys/\(bobKey.id)/revoke", admin).0 == .notFound, "revoked once")
            #expect(try await call(.post, "/v1/keys/\(bobKey.id)/rotate", admin).0 == .notFound, "a revoked key gets no new secret")
        }
    }

    @Test func subscribersSeeTheirOwnAndAdminsSeeAll() async throws {
        let store = try store()
        let alice = try await store.createKey(role: .subscriber).secret
        let bob = try await store.createKey(role: .subscriber).secret
        let admin = try await store.createKey(role: .admin).secret
        let app = Application(router: SubscriptionAPI.buildRouter(store: store, parser: parser, keys: Self.keys))
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

    typealias Call = (_ method: HTTPRequest.Method, _ uri: String, _ key: String?, _ body: String?) async throws -> (HTTPResponse.Status, String)

    /// Runs `body` with a client for a router built on `store`.
    func withAPI(_ store: SQLiteSubscriptionStore, services: SubscriptionAPI.Services = .init(), _ body: @escaping @Sendable (Call) async throws -> Void) async throws {
        let app = Application(router: SubscriptionAPI.buildRouter(store: store, parser: parser, keys: Self.keys, services: services))
        try await app.test(.router) { client in
            try await body { method, uri, key, text in
                var headers: HTTPFields = [.contentType: "application/json"]
                if let key { headers[.authorization] = "Bearer \(key)" }
                return try await client.execute(uri: uri, method: method, headers: headers, body: text.map { ByteBuffer(string: $0) }) { response in
                    (response.status, String(buffer: response.body))
                }
            }
        }
    }

    @Test("writes are rate-limited per key (429 with Retry-After), and concurrent creates stop at the cap")
    func writesAreLimitedPerKey() async throws {
        let store = try store()
        let alice = try await store.createKey(role: .subscriber).secret
        let bob = try await store.createKey(role: .subscriber).secret
        var limits = SubscriptionAPI.Limits()
        limits.writeBurstPerKey = 3
        limits.writesPerSecondPerKey = 0.001  // no refill within the test
        limits.maximumSubscriptionsPerKey = 100
        let app = Application(router: SubscriptionAPI.buildRouter(store: store, parser: parser, keys: Self.keys, limits: limits))
        let body = #"{"name": "hook", "filter": "topic:Sports", "channel": {"webhook": "https://hooks.example.com/x"}}"#
        try await app.test(.router) { client in
            func create(_ key: String) async throws -> (HTTPResponse.Status, String?) {
                try await client.execute(
                    uri: "/v1/subscriptions", method: .post, headers: [.authorization: "Bearer \(key)", .contentType: "application/json"],
                    body: ByteBuffer(string: body)) { ($0.status, $0.headers[.retryAfter]) }
            }
            for _ in 0..<3 { #expect(try await create(alice).0 == .created) }
            let refused = try await create(alice)
            #expect(refused.0 == .tooManyRequests)
            #expect(refused.1.flatMap(Int.init).map { $0 >= 1 } == true, "Retry-After: \(String(describing: refused.1))")
            #expect(try await create(bob).0 == .created)  // another key has its own budget
        }
        // An admin key (an operator's bulk work) is not rate-limited.
        let admin = try await store.createKey(role: .admin).secret
        try await app.test(.router) { client in
            for _ in 0..<6 {
                let status = try await client.execute(
                    uri: "/v1/subscriptions", method: .post, headers: [.authorization: "Bearer \(admin)", .contentType: "application/json"],
                    body: ByteBuffer(string: body)) { $0.status }
                #expect(status == .created)
            }
        }

        // The cap holds under concurrent creates (before: count, then save).
        var capped = SubscriptionAPI.Limits()
        capped.maximumSubscriptionsPerKey = 4
        let carol = try await store.createKey(role: .subscriber).secret
        let cappedApp = Application(router: SubscriptionAPI.buildRouter(store: store, parser: parser, keys: Self.keys, limits: capped))
        try await cappedApp.test(.router) { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        try await client.execute(
                            uri: "/v1/subscriptions", method: .post, headers: [.authorization: "Bearer \(carol)", .contentType: "application/json"],
                            body: ByteBuffer(string: body)) { $0.status }
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 4)
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 8)
        }
    }

    @Test func theWebhookSecretIsShownOnceAndRotatesWithAGracePeriod() async throws {
        let store = try store()
        let alice = try await store.createKey(role: .subscriber).secret
        let bob = try await store.createKey(role: .subscriber).secret
        try await withAPI(store) { call in
            let (status, body) = try await call(.post, "/v1/subscriptions", alice, #"{"name": "hook", "filter": "topic:Sports", "channel": {"webhook": "https://hooks.example.com/x"}}"#)
            #expect(status == .created)
            let id = String(try #require(body.firstMatch(of: /"id":"(sub_[0-9a-f]{20})"/)?.1))
            let secret = String(try #require(body.firstMatch(of: /"secret":"(whsec_[A-Za-z0-9+\\\/=]+)"/)?.1)).replacingOccurrences(of: "\\/", with: "/")
            #expect(try await store.subscription(id)?.signingSecrets(at: Date(), keyring: Self.keys.keyring) == [secret])
            // Never again: not in GET, not in the list.
            #expect(try await !call(.get, "/v1/subscriptions/\(id)", alice, nil).1.contains("whsec_"))
            #expect(try await !call(.get, "/v1/subscriptions", alice, nil).1.contains("whsec_"))

            #expect(try await call(.post, "/v1/subscriptions/\(id)/secret/rotate", bob, "{}").0 == .notFound)
            #expect(try await call(.post, "/v1/subscriptions/\(id)/secret/rotate", alice, #"{"graceSeconds": 9999999}"#).0 == .badRequest)
            let (rotated, rotation) = try await call(.post, "/v1/subscriptions/\(id)/secret/rotate", alice, #"{"graceSeconds": 3600}"#)
            #expect(rotated == .ok, "\(rotation)")
            let fresh = String(try #require(rotation.firstMatch(of: /"secret":"(whsec_[A-Za-z0-9+\\\/=]+)"/)?.1)).replacingOccurrences(of: "\\/", with: "/")
            #expect(fresh != secret)
            let stored = try #require(try await store.subscription(id))
            // Both sign during the grace period, the new one first; only the new one after it.
            #expect(try stored.signingSecrets(at: Date(), keyring: Self.keys.keyring) == [fresh, secret])
            #expect(try stored.signingSecrets(at: Date().addingTimeInterval(3601), keyring: Self.keys.keyring) == [fresh])

            let email = try await call(.post, "/v1/subscriptions", alice, #"{"name": "mail", "filter": "topic:Sports", "channel": {"email": "a@example.com"}}"#)
            #expect(!email.1.contains("whsec_"))
            #expect(email.1.contains(#""confirmed":false"#))
            let emailID = String(try #require(email.1.firstMatch(of: /"id":"(sub_[0-9a-f]{20})"/)?.1))
            #expect(try await call(.post, "/v1/subscriptions/\(emailID)/secret/rotate", alice, "{}").0 == .conflict)
        }
    }

    @Test func scheduleSettingsAreValidatedAndKept() async throws {
        let store = try store()
        let alice = try await store.createKey(role: .subscriber).secret
        try await withAPI(store) { call in
            let create = #"{"name": "digest", "filter": "region:Europe", "channel": {"webhook": "https://h.example.com/"}, "mode": "daily", "digestTime": "07:30", "timeZone": "Europe/Paris", "quietHours": {"start": "22:00", "end": "06:30", "allowFlash": false}, "maxAlertsPerHour": 12, "contactEmail": "ops@example.com"}"#
            let (status, body) = try await call(.post, "/v1/subscriptions", alice, create)
            #expect(status == .created, "\(body)")
            let id = String(try #require(body.firstMatch(of: /"id":"(sub_[0-9a-f]{20})"/)?.1))
            let stored = try #require(try await store.subscription(id))
            #expect(stored.mode == .daily(hour: 7, minute: 30))
            #expect(stored.location.identifier == "Europe/Paris")
            #expect(stored.quietHours == Subscription.QuietHours(startMinute: 22 * 60, endMinute: 6 * 60 + 30, allowFlash: false))
            #expect(stored.maxAlertsPerHour == 12)
            #expect(body.contains(#""digestTime":"07:30""#))
            #expect(body.contains(#""contactConfirmed":false"#))
            // A confirmed contact that changes must confirm again; the same address keeps its confirmation.
            var confirmed = stored
            confirmed.contactConfirmedAt = Date()
            try await store.save(confirmed)
            #expect(try await call(.patch, "/v1/subscriptions/\(id)", alice, #"{"contactEmail": "ops@example.com"}"#).1.contains(#""contactConfirmed":true"#))
            let moved = try await call(.patch, "/v1/subscriptions/\(id)", alice, #"{"contactEmail": "elsewhere@example.com"}"#).1
            #expect(moved.contains(#""contactConfirmed":false"#), "\(moved)")
            #expect(try await store.subscription(id)?.contactConfirmationSentAt == nil)

            let cases: [(String, String)] = [
                (#"{"timeZone": "Mars/Olympus"}"#, "IANA time zone"),
                (#"{"mode": "weekly"}"#, "mode must be immediate, hourly or daily"),
                (#"{"mode": "daily", "digestTime": "25:00"}"#, "digestTime must be a time of day"),
                // Found by Schemathesis: a digestTime the schema refuses was accepted with mode immediate, and "+1" read as 01.
                (#"{"mode": "immediate", "digestTime": ""}"#, "digestTime must be a time of day"),
                (#"{"mode": "daily", "digestTime": "+1:00"}"#, "digestTime must be a time of day"),
                // Code points, as JSON Schema's maxLength counts them: 600 thumbs with a skin tone are 1,200.
                ("{\"filter\": \"\(String(repeating: "👍🏻", count: 600))\"}", "the filter is 1200 characters"),
                (#"{"quietHours": {"start": "22", "end": "07:00"}}"#, "quietHours.start"),
                (#"{"maxAlertsPerHour": -1}"#, "maxAlertsPerHour"),
                (#"{"contactEmail": "not an address"}"#, "contactEmail must be an email address"),
                (#"{"status": "disabled"}"#, "status must be active or paused"),
                (#"{"channel": {"webhook": "https://other.example.com/"}}"#, "the channel cannot change"),
                ("{\"filter\": \"\(String(repeating: "a ", count: 600))\"}", "the limit is 1024"),
            ]
            for (patch, message) in cases {
                let (code, text) = try await call(.patch, "/v1/subscriptions/\(id)", alice, patch)
                #expect(code == .badRequest, "\(patch)")
                #expect(text.contains(message), "\(patch) -> \(text)")
            }
            let cleared = try await call(.patch, "/v1/subscriptions/\(id)", alice, #"{"clearQuietHours": true, "mode": "immediate"}"#)
            #expect(cleared.0 == .ok)
            #expect(try await store.subscription(id)?.quietHours == nil)
            #expect(try await store.subscription(id)?.mode == .immediate)
        }
    }

    /// The signing secret and the unsubscribe token are in the store only as ciphertext (and the
    /// token's hash): the database files' bytes hold neither, and they still work through the API.
    @Test func secretsAreSealedAtRest() async throws {
        let path = scratch.path("sealed.sqlite")
        let store = try SQLiteSubscriptionStore(path: path)
        let alice = try await store.createKey(role: .subscriber).secret
        try await withAPI(store) { call in
            let body = try await call(.post, "/v1/subscriptions", alice, #"{"name": "hook", "filter": "topic:Sports", "channel": {"webhook": "https://hooks.example.com/x"}}"#).1
            let id = String(try #require(body.firstMatch(of: /"id":"(sub_[0-9a-f]{20})"/)?.1))
            let secret = String(try #require(body.firstMatch(of: /"secret":"whsec_([A-Za-z0-9+\\\/=]+)"/)?.1)).replacingOccurrences(of: "\\/", with: "/")
            let rotated = try await call(.post, "/v1/subscriptions/\(id)/secret/rotate", alice, "{}").1
            let fresh = String(try #require(rotated.firstMatch(of: /"secret":"whsec_([A-Za-z0-9+\\\/=]+)"/)?.1)).replacingOccurrences(of: "\\/", with: "/")
            let stored = try #require(try await store.subscription(id))
            let unsubscribe = try #require(try stored.unsubscribePath(keyring: Self.keys.keyring))
            let token = String(unsubscribe.split(separator: ".").last!)
            #expect(try stored.signingSecrets(at: Date(), keyring: Self.keys.keyring) == ["whsec_" + fresh, "whsec_" + secret])
            await store.shutdown()
            var bytes = Data()
            for file in [path, path + "-wal"] { bytes += (try? Data(contentsOf: URL(fileURLWithPath: file))) ?? Data() }
            #expect(!bytes.isEmpty)
            for plain in [secret, fresh, token] {
                #expect(bytes.range(of: Data(plain.utf8)) == nil, "a secret is stored in plain text")
            }
            #expect(bytes.range(of: Data("nfs1:".utf8)) != nil)
            // Sealed for this subscription only: moved to another, it does not open.
            var other = stored
            other.id = Subscription.newID()
            #expect(throws: SecretKeyringError.self) { try other.signingSecrets(at: Date(), keyring: Self.keys.keyring) }
            // Another key does not open it.
            let stranger = try SecretKeyring(text: SecretKeyring.newKeyLine(id: Self.keys.keyring.current.id))
            #expect(throws: SecretKeyringError.self) { try stored.signingSecrets(at: Date(), keyring: stranger) }
        }
    }

    /// A known path with a method it does not have is 405 with Allow; unknown paths and a handler's
    /// own "no such subscription" stay 404.
    @Test func aWrongMethodIs405WithAllow() async throws {
        let store = try store()
        let alice = try await store.createKey(role: .subscriber).secret
        let router = SubscriptionAPI.buildRouter(store: store, parser: parser, keys: Self.keys)
        MethodNotAllowed.install(on: router)
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/v1/subscriptions", method: .init("TRACE")!) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, POST")
            }
            try await client.execute(uri: "/v1/subscriptions/sub_0123", method: .put) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "DELETE, GET, PATCH")
            }
            try await client.execute(uri: "/v1/subscriptions/sub_0123", method: .get, headers: [.authorization: "Bearer \(alice)"]) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/v1/nothing", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test func emailLinksConfirmAndUnsubscribeWithTheirOwnTokens() async throws {
        let store = try store()
        let alice = try await store.createKey(role: .subscriber).secret
        try await withAPI(store) { call in
            let body = try await call(.post, "/v1/subscriptions", alice, #"{"name": "mail", "filter": "topic:Sports", "channel": {"email": "a@example.com"}}"#).1
            let id = String(try #require(body.firstMatch(of: /"id":"(sub_[0-9a-f]{20})"/)?.1))
            var subscription = try #require(try await store.subscription(id))
            #expect(!subscription.isDeliverable)
            // What the email notifier does when it mails the confirmation link.
            let token = "\(id).\(Subscription.randomHex(16))"
            subscription.confirmationTokenSHA256 = StableID.sha256Hex(String(token.split(separator: ".")[1]))
            try await store.save(subscription)

            #expect(try await call(.get, "/v1/confirm/\(id).wrong", nil, nil).0 == .notFound)
            #expect(try await call(.post, "/v1/confirm/\(id).wrong", nil, nil).0 == .notFound)
            // The mailed link (a GET) shows a button; a link scanner following it confirms nothing.
            let confirmPage = try await call(.get, "/v1/confirm/\(token)", nil, nil)
            #expect(confirmPage.0 == .ok && confirmPage.1.contains(#"method="post""#))
            #expect(try await store.subscription(id)?.isDeliverable == false)
            let confirmed = try await call(.post, "/v1/confirm/\(token)", nil, nil)
            #expect(confirmed.0 == .ok)
            #expect(confirmed.1.contains("confirmed"))
            #expect(try await store.subscription(id)?.isDeliverable == true)

            let unsubscribe = try #require(try subscription.unsubscribePath(keyring: Self.keys.keyring))
            #expect(try await call(.post, "/v1/unsubscribe/\(id).0000", nil, nil).0 == .notFound)
            let page = try await call(.get, unsubscribe, nil, nil)
            #expect(page.0 == .ok)
            #expect(page.1.contains(#"method="post""#))
            #expect(try await store.subscription(id) != nil)  // a GET never unsubscribes
            #expect(try await call(.post, unsubscribe, nil, "List-Unsubscribe=One-Click").0 == .ok)
            #expect(try await store.subscription(id) == nil)
            #expect(try await call(.post, unsubscribe, nil, nil).0 == .notFound)
        }
    }

    @Test func deliveryLogFilterTestsAndRewindsAreTenantScoped() async throws {
        let store = try store()
        let alice = try await store.createKey(role: .subscriber).secret
        let bob = try await store.createKey(role: .subscriber).secret
        let key = try #require(try await store.key(forSecret: alice))
        let id = Subscription(name: "hook", filter: "region:MENA", channel: .webhook(url: "https://hooks.example.com/x")).id
        var owned = Subscription(id: id, name: "hook", filter: "region:MENA", channel: .webhook(url: "https://hooks.example.com/x"))
        owned.ownerKeyID = key.id
        try await store.save(owned)
        for attempt in 1...2 {
            var receipt = SampleEvents.deliveryReceipt
            receipt.subscriptionId = id
            receipt.attempt = attempt
            receipt.outcome = attempt == 1 ? .retry : .delivered
            receipt.statusCode = attempt == 1 ? 503 : 204
            receipt.attemptedAt = Date().addingTimeInterval(Double(attempt))
            #expect(try await store.recordReceipt(receipt))
            #expect(try await !store.recordReceipt(receipt))  // once
        }
        // No publication time: a filter test shows when it was fetched instead.
        let item = {
            var item = SampleEvents.classifiedItem
            item.item.publishedAt = nil
            return item
        }()
        let rewound = LockedCount()
        let gate = Gate()
        var limits = RewindJobs.Limits()
        limits.runningPerKey = 1
        // The job runner and its limits; the rewind itself (reading the broker) is MatchStageTests'.
        let rewinds = RewindJobs(limits: limits) { subscription, _, progress in
            await rewound.add(subscription.id)
            progress(3, 1)
            await gate.wait()
            return RewindJobs.Report(state: .truncated, redelivered: 7, scanned: 9)
        }
        let services = SubscriptionAPI.Services(recentItems: { [item] }, rewinds: rewinds)
        try await withAPI(store, services: services) { call in
            // Found by Schemathesis: a limit out of range was clamped in silence.
            for bad in ["0", "501", "ten"] {
                #expect(try await call(.get, "/v1/subscriptions/\(id)/deliveries?limit=\(bad)", alice, nil).0 == .badRequest, "\(bad)")
            }
            let log = try await call(.get, "/v1/subscriptions/\(id)/deliveries?limit=10", alice, nil)
            #expect(log.0 == .ok)
            #expect(log.1.contains(#""statusCode":204"#))
            let second = try #require(log.1.range(of: #""attempt":2"#))
            let first = try #require(log.1.range(of: #""attempt":1"#))
            #expect(second.lowerBound < first.lowerBound)
            #expect(try await call(.get, "/v1/subscriptions/\(id)/deliveries", bob, nil).0 == .notFound)

            let region = try #require(item.regions.first?.label)
            let hit = try await call(.post, "/v1/filters/test", bob, "{\"filter\": \"region:\\\"\(region)\\\"\"}")
            #expect(hit.0 == .ok, "\(hit.1)")
            #expect(hit.1.contains(item.item.itemId))
            #expect(hit.1.contains(#""checked":1"#))
            #expect(hit.1.contains("\"publishedAt\":\"\(RFC3339Time.format(item.item.fetchedAt))\""), "\(hit.1)")
            let miss = try await call(.post, "/v1/filters/test", bob, #"{"filter": "topic:Sports NOT topic:Sports"}"#)
            #expect(miss.1.contains(#""matches":[]"#))
            #expect(try await call(.post, "/v1/filters/test", bob, #"{"filter": "(("}"#).0 == .badRequest)

            #expect(try await call(.post, "/v1/subscriptions/\(id)/rewind", bob, #"{"since": "2026-11-29T00:00:00Z"}"#).0 == .notFound)
            #expect(try await call(.post, "/v1/subscriptions/\(id)/rewind", alice, #"{"since": "yesterday"}"#).0 == .badRequest)
            let recent = RFC3339Time.format(Date().addingTimeInterval(-3600))
            let tooOld = RFC3339Time.format(Date().addingTimeInterval(-8 * 86_400))
            let old = try await call(.post, "/v1/subscriptions/\(id)/rewind", alice, "{\"since\": \"\(tooOld)\"}")
            #expect(old.0 == .badRequest && old.1.contains("the longest rewind"), "\(old.1)")
            // Answered at once with the job, which runs on.
            let rewind = try await call(.post, "/v1/subscriptions/\(id)/rewind", alice, "{\"since\": \"\(recent)\"}")
            #expect(rewind.0 == .accepted, "\(rewind.1)")
            #expect(rewind.1.contains(#""state":"running""#), "\(rewind.1)")
            let job = String(try #require(rewind.1.firstMatch(of: /"id":"(rwd_[0-9a-f]{20})"/)?.1))
            // One running rewind per key here: a second waits.
            let refused = try await call(.post, "/v1/subscriptions/\(id)/rewind", alice, "{\"since\": \"\(recent)\"}")
            #expect(refused.0 == .tooManyRequests)
            #expect(try await call(.get, "/v1/subscriptions/\(id)/rewinds/\(job)", bob, nil).0 == .notFound)
            await gate.open()
            // Polled until it finishes (bounded: 500 × 20 ms).
            var finished = try await call(.get, "/v1/subscriptions/\(id)/rewinds/\(job)", alice, nil)
            for _ in 0..<500 where finished.1.contains(#""state":"running""#) {
                try await Task.sleep(for: .milliseconds(20))
                finished = try await call(.get, "/v1/subscriptions/\(id)/rewinds/\(job)", alice, nil)
            }
            #expect(finished.0 == .ok)
            // A truncated rewind says so.
            #expect(finished.1.contains(#""state":"truncated""#) && finished.1.contains(#""redelivered":7"#) && finished.1.contains(#""scanned":9"#), "\(finished.1)")
            let list = try await call(.get, "/v1/subscriptions/\(id)/rewinds", alice, nil)
            #expect(list.0 == .ok && list.1.contains(job))
            #expect(try await call(.post, "/v1/subscriptions/\(id)/rewind", alice, "{\"since\": \"\(recent)\"}").0 == .accepted)
            await gate.open()
        }
        let rewoundIDs = await rewound.ids
        #expect(!rewoundIDs.isEmpty && rewoundIDs.allSatisfy { $0 == id })
        // Without a broker the routes say so.
        try await withAPI(store) { call in
            let status = try await call(.post, "/v1/filters/test", alice, #"{"filter": "topic:Sports"}"#).0
            #expect(status == .serviceUnavailable)
        }
    }
}

/// Holds rewinds until opened.
actor Gate {
    private var opened = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if opened { return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func open() {
        opened = true
        for continuation in waiting { continuation.resume() }
        waiting = []
    }
}

actor LockedCount {
    var ids: [String] = []
    func add(_ id: String) { ids.append(id) }
}
