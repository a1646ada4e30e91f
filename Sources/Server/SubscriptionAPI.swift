import Foundation
import Hummingbird
import NewsModel
import SubscriptionStore
import Subscriptions

/// The subscriptions HTTP API (`Schemas/openapi.yaml`).
///
/// Every `/v1/subscriptions` and `/v1/filters` route needs `Authorization: Bearer <API key>`;
/// an admin key sees and changes every subscription, a subscriber key only its own (others are 404).
/// The confirmation and unsubscribe links carry their own token instead.
/// Errors are JSON (`{"error": {"message": …}}`) with a 4xx status a client can act on.
public enum SubscriptionAPI {
    public struct Limits: Sendable {
        public var maximumBodyBytes = 64 * 1024
        public var maximumSubscriptionsPerKey = 1_000
        /// Filters longer than this are refused (the parser also bounds nesting and terms).
        public var maximumFilterLength = 1_024
        public var maximumDeliveryLog = 500
        /// Writes (create, change, delete, rotate, rewind) one subscriber key may make at once (admin
        /// keys are not limited)…
        public var writeBurstPerKey = 60
        /// …and per second after that; past it, 429 with Retry-After.
        public var writesPerSecondPerKey = 1.0
        public init() {}
    }

    /// What the API process adds to the store: the recent classified items
    /// (`POST /v1/filters/test`) and rewinds (`POST /v1/subscriptions/{id}/rewind`).
    /// Without them those routes answer 503.
    public struct Services: Sendable {
        public var recentItems: (@Sendable () async -> [ClassifiedItem])?
        /// Runs rewinds (re-matching the retained items since a time for one subscription) as jobs.
        public var rewinds: RewindJobs?

        public init(recentItems: (@Sendable () async -> [ClassifiedItem])? = nil, rewinds: RewindJobs? = nil) {
            self.recentItems = recentItems
            self.rewinds = rewinds
        }
    }

    /// The router with every API route; tests call it directly.
    public static func buildRouter(
        store: any SubscriptionStoring, parser: FilterParser, keys: SecretKeySource, limits: Limits = Limits(), services: Services = Services()
    ) -> Router<BasicRequestContext> {
        let router = Router()
        let api = router.group("v1")
        let writes = WriteLimiter(burst: limits.writeBurstPerKey, perSecond: limits.writesPerSecondPerKey)
        api.post("subscriptions") { request, context -> Response in
            let key = try await authenticate(request, store)
            try await writes.take(key)
            let body: SubscriptionSettings = try await decode(request, context, limits)
            try checkLength(body.filter, limits)
            var subscription = try body.makeSubscription(parser: parser, owner: key.id)
            let issued = subscription.issueCredentials(keys.keyring)
            // The cap and the insert in one step: concurrent creates cannot pass it.
            guard try await store.create(subscription, maximumOwned: limits.maximumSubscriptionsPerKey) else {
                throw HTTPError(.tooManyRequests, message: "this key already has \(limits.maximumSubscriptionsPerKey) subscriptions, the limit")
            }
            var response = try context.responseEncoder.encode(
                SubscriptionView(subscription, secret: issued.signingSecret), from: request, context: context)
            response.status = .created
            response.headers[.location] = "/v1/subscriptions/\(subscription.id)"
            return response
        }
        api.get("subscriptions") { request, _ -> SubscriptionList in
            let key = try await authenticate(request, store)
            return SubscriptionList(subscriptions: try await store.all().filter { key.role == .admin || $0.ownerKeyID == key.id }.map { SubscriptionView($0) })
        }
        api.get("subscriptions/:id") { request, context -> SubscriptionView in
            SubscriptionView(try await owned(request, context, store))
        }
        api.patch("subscriptions/:id") { request, context -> SubscriptionView in
            let (subscription, key) = try await ownedWithKey(request, context, store)
            try await writes.take(key)
            let patch: SubscriptionSettings = try await decode(request, context, limits)
            try checkLength(patch.filter, limits)
            // Applied to the stored copy in one step: a concurrent change of other fields is kept.
            guard let updated = try await store.update(subscription.id, { stored in
                try patch.apply(to: &stored, parser: parser)
                return true
            }) else { throw HTTPError(.notFound, message: "no subscription \(subscription.id)") }
            return SubscriptionView(updated.subscription)
        }
        api.delete("subscriptions/:id") { request, context -> HTTPResponse.Status in
            let (subscription, key) = try await ownedWithKey(request, context, store)
            try await writes.take(key)
            try await store.delete(subscription.id)
            return .noContent
        }
        api.post("subscriptions/:id/secret/rotate") { request, context -> RotationResult in
            let (subscription, key) = try await ownedWithKey(request, context, store)
            try await writes.take(key)
            guard case .webhook = subscription.channel else { throw HTTPError(.conflict, message: "only webhook subscriptions have a signing secret") }
            let body = try await decode(request, context, limits, orEmpty: RotationInput())
            let grace = body.graceSeconds ?? 86_400
            guard (0...7 * 86_400).contains(grace) else { throw HTTPError(.badRequest, message: "graceSeconds must be 0 to 604800 (seven days)") }
            let now = Date()
            let secret = Subscription.newSecret()
            guard try await store.update(subscription.id, { stored in
                stored.rotateSecret(to: secret, grace: TimeInterval(grace), now: now, keyring: keys.keyring)
                return true
            }) != nil else {
                throw HTTPError(.notFound, message: "no subscription \(subscription.id)")
            }
            return RotationResult(secret: secret, previousSecretExpiresAt: RFC3339Time.format(now.addingTimeInterval(TimeInterval(grace))))
        }
        api.get("subscriptions/:id/deliveries") { request, context -> DeliveryLog in
            let subscription = try await owned(request, context, store)
            let limit = try checkedLimit(request.uri.queryParameters.get("limit"), default: 100, maximum: limits.maximumDeliveryLog)
            let receipts = try await store.receipts(subscriptionID: subscription.id, limit: limit)
            return DeliveryLog(deliveries: receipts.map {
                DeliveryLog.Entry(
                    deliveryId: $0.deliveryId, storyId: $0.storyId, version: $0.version, attempt: $0.attempt, outcome: $0.outcome.rawValue,
                    statusCode: $0.statusCode, error: $0.error, latencyMs: $0.latencyMs, attemptedAt: RFC3339Time.format($0.attemptedAt),
                    nextAttemptAt: $0.nextAttemptAt.map(RFC3339Time.format))
            })
        }
        // A rewind is a job: the request starts it and answers 202 with its id at once; the
        // status route follows it (limits per key and per process: RewindJobs).
        api.post("subscriptions/:id/rewind") { request, context -> Response in
            let (subscription, key) = try await ownedWithKey(request, context, store)
            try await writes.take(key)
            let body: RewindInput = try await decode(request, context, limits)
            guard let since = RFC3339Time.parse(body.since) else {
                throw HTTPError(.badRequest, message: "since must be an RFC 3339 time such as 2026-11-29T08:00:00Z")
            }
            guard let rewinds = services.rewinds else { throw HTTPError(.serviceUnavailable, message: "this API process has no broker connection for rewinds") }
            let job = try await rewinds.start(subscription, since: since, keyID: key.id)
            var response = try context.responseEncoder.encode(job, from: request, context: context)
            response.status = .accepted
            response.headers[.location] = "/v1/subscriptions/\(subscription.id)/rewinds/\(job.id)"
            return response
        }
        api.get("subscriptions/:id/rewinds") { request, context -> RewindList in
            let subscription = try await owned(request, context, store)
            guard let rewinds = services.rewinds else { throw HTTPError(.serviceUnavailable, message: "this API process has no broker connection for rewinds") }
            return RewindList(rewinds: await rewinds.jobs(subscriptionID: subscription.id))
        }
        api.get("subscriptions/:id/rewinds/:job") { request, context -> RewindJobs.Job in
            let subscription = try await owned(request, context, store)
            let id = try context.parameters.require("job")
            guard let rewinds = services.rewinds, let job = await rewinds.job(id, subscriptionID: subscription.id) else {
                throw HTTPError(.notFound, message: "no rewind \(id) of \(subscription.id) (finished rewinds are kept an hour)")
            }
            return job
        }
        // API keys: an admin key manages every key, a subscriber key only itself (a leaked key
        // can be revoked, or rotated, by its holder or an admin).
        api.get("keys") { request, _ -> KeyList in
            let key = try await authenticate(request, store)
            return KeyList(keys: try await store.keys().filter { key.role == .admin || $0.key.id == key.id }.map(KeyView.init))
        }
        api.post("keys/:id/revoke") { request, context -> KeyView in
            let id = try await managedKeyID(request, context, store)
            guard try await store.revokeKey(id, at: Date()), let record = try await store.keys().first(where: { $0.key.id == id }) else {
                throw HTTPError(.notFound, message: "no key \(id) that is not revoked")
            }
            return KeyView(record)
        }
        api.post("keys/:id/rotate") { request, context -> KeyRotation in
            let id = try await managedKeyID(request, context, store)
            guard let secret = try await store.rotateKey(id), let record = try await store.keys().first(where: { $0.key.id == id }) else {
                throw HTTPError(.notFound, message: "no key \(id) that is not revoked")
            }
            return KeyRotation(id: id, role: record.key.role.rawValue, secret: secret)
        }
        api.post("filters/validate") { request, context -> FilterCheck in
            _ = try await authenticate(request, store)
            let body: FilterInput = try await decode(request, context, limits)
            try checkLength(body.filter, limits)
            do {
                _ = try parser.parse(body.filter)
                return FilterCheck(valid: true, position: nil, message: nil)
            } catch let error as FilterSyntaxError {
                return FilterCheck(valid: false, position: error.position, message: error.message)
            }
        }
        api.post("filters/test") { request, context -> FilterTestResult in
            _ = try await authenticate(request, store)
            let body: FilterTestInput = try await decode(request, context, limits)
            try checkLength(body.filter, limits)
            try checkFilter(body.filter, parser)
            let filter = try parser.parse(body.filter)
            guard let recentItems = services.recentItems else { throw HTTPError(.serviceUnavailable, message: "this API process does not read news.classified") }
            let items = await recentItems()
            let limit = try checkedLimit(body.limit.map(String.init), default: 50, maximum: 500)
            var hits: [FilterTestResult.Hit] = []
            for item in items.reversed() where hits.count < limit {
                var terms: [String] = []
                guard filter.matches(FilterSubject(item), matched: &terms) else { continue }
                hits.append(FilterTestResult.Hit(
                    itemId: item.item.itemId, storyId: item.item.storyId, title: item.item.title, source: item.item.sourceId,
                    regions: item.regions.map(\.label), topics: item.topics.map(\.label), urgency: item.urgency.rawValue,
                    matchedTerms: terms, publishedAt: RFC3339Time.format(item.item.publishedAt ?? item.item.fetchedAt)))
            }
            return FilterTestResult(checked: items.count, matches: hits)
        }
        // The links in emails: double opt-in confirmation and one-click unsubscribe (RFC 8058).
        // Confirming changes state, so it is a POST behind a page with a button: a mail link scanner
        // that follows the GET must not confirm on the recipient's behalf.
        // Both confirmation pages are for an address that has agreed to nothing yet: they show no
        // text a subscriber chose (no subscription name or filter).
        for link in ConfirmationLink.all {
            let confirmation = link.confirmation
            api.get("\(confirmation.route)/:token") { _, context -> Response in
                let (subscription, token) = try await subscriptionForConfirmation(context, store, confirmation)
                return page(link.title, link.question, form: "/v1/\(confirmation.route)/\(subscription.id).\(token)", button: "Confirm")
            }
            api.post("\(confirmation.route)/:token") { _, context -> Response in
                let (subscription, token) = try await subscriptionForConfirmation(context, store, confirmation)
                let now = Date()
                try await store.update(subscription.id) { stored in
                    guard stored[keyPath: confirmation.confirmedAt] == nil, stored[keyPath: confirmation.tokenSHA256] == StableID.sha256Hex(token)
                    else { return false }
                    stored[keyPath: confirmation.confirmedAt] = now
                    stored.updatedAt = now
                    return true
                }
                return page(link.doneTitle, link.done)
            }
        }
        api.get("unsubscribe/:token") { _, context -> Response in
            let (subscription, token) = try await subscriptionForUnsubscribe(context, store)
            return page("Unsubscribe", "Stop the alerts for “\(subscription.name)”?",
                        form: "/v1/unsubscribe/\(subscription.id).\(token)")
        }
        api.post("unsubscribe/:token") { _, context -> Response in
            let (subscription, _) = try await subscriptionForUnsubscribe(context, store)
            try await store.delete(subscription.id)
            return page("Unsubscribed", "You will get no more alerts for “\(subscription.name)”.")
        }
        return router
    }

    /// The page texts of a confirmation link (``Subscription/Confirmation``).
    struct ConfirmationLink: Sendable {
        let confirmation: Subscription.Confirmation
        let title: String, question: String, doneTitle: String, done: String

        static let all = [
            ConfirmationLink(
                confirmation: .subscription, title: "Confirm your news alerts", question: "Send Newsflash news alerts to this address?",
                doneTitle: "Alerts confirmed", done: "News alerts will now reach this address. Every alert has a link to stop them."),
            ConfirmationLink(
                confirmation: .contact, title: "Confirm notices",
                question: "Tell this address when a news alert subscription's deliveries fail and it is turned off?", doneTitle: "Notices confirmed",
                done: "This address will be told when the subscription's deliveries fail and it is turned off."),
        ]
    }

    struct RewindList: ResponseEncodable {
        var rewinds: [RewindJobs.Job]
    }

    /// A `limit` as given (query or body): absent is `default`; not a whole number from 1 to
    /// `maximum` is 400 (refused, not silently clamped, so a client learns its mistake).
    static func checkedLimit(_ text: String?, default value: Int, maximum: Int) throws -> Int {
        guard let text else { return value }
        guard let limit = Int(text), (1...maximum).contains(limit) else {
            throw HTTPError(.badRequest, message: "limit must be a whole number from 1 to \(maximum), not \(text)")
        }
        return limit
    }

    static func checkLength(_ filter: String?, _ limits: Limits) throws {
        // Characters as JSON Schema's maxLength counts them: code points, not grapheme clusters (Schemathesis
        // found a filter of 1,100 code points, a few hundred emoji with skin tones, let through).
        if let filter, filter.unicodeScalars.count > limits.maximumFilterLength {
            throw HTTPError(.badRequest, message: "the filter is \(filter.unicodeScalars.count) characters; the limit is \(limits.maximumFilterLength)")
        }
    }

    static func authenticate(_ request: Request, _ store: any SubscriptionStoring) async throws -> APIKey {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              let key = try await store.key(forSecret: String(header.dropFirst(7)))
        else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "send Authorization: Bearer <API key> (newsflash keys create)")
        }
        return key
    }

    /// The `:id` of a key route, when the caller may manage that key (an admin, or the key itself).
    static func managedKeyID(_ request: Request, _ context: BasicRequestContext, _ store: any SubscriptionStoring) async throws -> String {
        let key = try await authenticate(request, store)
        let id = try context.parameters.require("id")
        guard key.role == .admin || key.id == id else { throw HTTPError(.notFound, message: "no key \(id) that is not revoked") }
        return id
    }

    static func owned(_ request: Request, _ context: BasicRequestContext, _ store: any SubscriptionStoring) async throws -> Subscription {
        try await ownedWithKey(request, context, store).subscription
    }

    /// The subscription of the path's `id`, when the request's key may see it, and that key.
    static func ownedWithKey(
        _ request: Request, _ context: BasicRequestContext, _ store: any SubscriptionStoring
    ) async throws -> (subscription: Subscription, key: APIKey) {
        let key = try await authenticate(request, store)
        let id = try context.parameters.require("id")
        guard let subscription = try await store.subscription(id), key.role == .admin || subscription.ownerKeyID == key.id else {
            throw HTTPError(.notFound, message: "no subscription \(id)")
        }
        return (subscription, key)
    }

    /// A token `<subscription id>.<secret>` from the path, and its subscription.
    static func subscription(byToken context: BasicRequestContext, _ store: any SubscriptionStoring) async throws -> (Subscription, String) {
        let token = try context.parameters.require("token")
        let parts = token.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, parts[0].hasPrefix("sub_"), let subscription = try await store.subscription(String(parts[0])) else {
            throw HTTPError(.notFound, message: "this link is not valid; the subscription may already be gone")
        }
        return (subscription, String(parts[1]))
    }

    static func subscriptionForUnsubscribe(_ context: BasicRequestContext, _ store: any SubscriptionStoring) async throws -> (Subscription, String) {
        let (subscription, token) = try await subscription(byToken: context, store)
        guard subscription.unsubscribeTokenMatches(token) else {
            throw HTTPError(.notFound, message: "this unsubscribe link is not valid")
        }
        return (subscription, token)
    }

    /// The subscription of a confirmation link, when its token is the current one.
    static func subscriptionForConfirmation(
        _ context: BasicRequestContext, _ store: any SubscriptionStoring, _ confirmation: Subscription.Confirmation
    ) async throws -> (Subscription, String) {
        let (subscription, token) = try await subscription(byToken: context, store)
        guard let expected = subscription[keyPath: confirmation.tokenSHA256], Secrets.constantTimeEqual(StableID.sha256Hex(token), expected) else {
            throw HTTPError(.notFound, message: "this confirmation link is not valid (it may have been replaced by a newer one)")
        }
        return (subscription, token)
    }

    /// A small HTML page for a person who followed a link from an email.
    static func page(_ title: String, _ text: String, form action: String? = nil, button label: String = "Unsubscribe") -> Response {
        let button = action.map { #"<form method="post" action="\#(HTMLText.escape($0))"><button type="submit">\#(HTMLText.escape(label))</button></form>"# } ?? ""
        let html = """
            <!doctype html><html><head><meta charset="utf-8"><title>\(HTMLText.escape(title))</title></head>
            <body><h1>\(HTMLText.escape(title))</h1><p>\(HTMLText.escape(text))</p>\(button)</body></html>
            """
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    static func decode<Body: Decodable>(_ request: Request, _ context: BasicRequestContext, _ limits: Limits) async throws -> Body {
        try decode(try await body(request, limits))
    }

    /// The body, or an empty default when there is none, whether its length is given or it is
    /// chunked (a body without Content-Length is still read).
    static func decode<Body: Decodable>(_ request: Request, _ context: BasicRequestContext, _ limits: Limits, orEmpty empty: Body) async throws -> Body {
        let buffer = try await body(request, limits)
        return buffer.readableBytes == 0 ? empty : try decode(buffer)
    }

    private static func body(_ request: Request, _ limits: Limits) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limits.maximumBodyBytes)
        } catch {
            throw HTTPError(.contentTooLarge, message: "the body is larger than \(limits.maximumBodyBytes) bytes")
        }
    }

    private static func decode<Body: Decodable>(_ buffer: ByteBuffer) throws -> Body {
        do {
            return try JSONDecoder().decode(Body.self, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw HTTPError(.badRequest, message: "invalid JSON body: \(APIErrorText.describe(error))")
        } catch {
            throw HTTPError(.badRequest, message: "the body is not JSON")
        }
    }
}

/// Escapes text for HTML element content and attribute values.
enum HTMLText {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

/// Per API key, a token bucket for writes: `burst` at once, refilled at `perSecond`; an empty
/// bucket answers 429 with the seconds until the next token in Retry-After.
actor WriteLimiter {
    private struct Bucket {
        var tokens: Double
        var at: ContinuousClock.Instant
    }

    private let burst: Double
    private let perSecond: Double
    private var buckets: [String: Bucket] = [:]

    init(burst: Int, perSecond: Double) {
        self.burst = Double(burst)
        self.perSecond = perSecond
    }

    /// Takes a write for `key`; an admin key (an operator's) is not limited.
    func take(_ key: APIKey, now: ContinuousClock.Instant = .now) throws {
        guard key.role != .admin else { return }
        try take(key.id, now: now)
    }

    func take(_ key: String, now: ContinuousClock.Instant = .now) throws {
        var bucket = buckets[key] ?? Bucket(tokens: burst, at: now)
        let elapsed = now - bucket.at
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        bucket.tokens = min(burst, bucket.tokens + seconds * perSecond)
        bucket.at = now
        guard bucket.tokens >= 1 else {
            buckets[key] = bucket
            let wait = Int(((1 - bucket.tokens) / perSecond).rounded(.up))
            throw HTTPError(.tooManyRequests, headers: [.retryAfter: String(max(1, wait))],
                            message: "too many changes with this key; try again in \(max(1, wait)) s")
        }
        bucket.tokens -= 1
        buckets[key] = bucket
        // Keys whose bucket is full again need no entry: the map stays as large as the busy keys.
        if buckets.count > 10_000 {
            buckets = buckets.filter { $0.value.tokens + Double((now - $0.value.at).components.seconds) * perSecond < burst }
        }
    }
}
