import Foundation
import Hummingbird
import NewsModel
import SubscriptionStore
import Subscriptions

/// The subscriptions HTTP API (`Schemas/openapi.yaml`).
///
/// Every route needs `Authorization: Bearer <API key>`; an admin key sees and
/// changes every subscription, a subscriber key only its own (others are 404).
/// Errors are JSON (`{"error": {"message": …}}`) with a 4xx status a client can act on.
public enum SubscriptionAPI {
    public struct Limits: Sendable {
        public var maximumBodyBytes = 64 * 1024
        public var maximumSubscriptionsPerKey = 1_000
        public init() {}
    }

    /// The router with every API route; tests call it directly.
    public static func buildRouter(store: SQLiteSubscriptionStore, parser: FilterParser, limits: Limits = Limits()) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("health/live") { _, _ in HTTPResponse.Status.ok }
        let api = router.group("v1")
        api.post("subscriptions") { request, context -> Response in
            let key = try await authenticate(request, store)
            let body: SubscriptionInput = try await decode(request, context, limits)
            let owned = try await store.all().filter { $0.ownerKeyID == key.id }.count
            guard owned < limits.maximumSubscriptionsPerKey else {
                throw HTTPError(.tooManyRequests, message: "this key already has \(owned) subscriptions, the limit")
            }
            let subscription = try body.makeSubscription(parser: parser, owner: key.id)
            try await store.save(subscription)
            var response = try context.responseEncoder.encode(SubscriptionView(subscription), from: request, context: context)
            response.status = .created
            response.headers[.location] = "/v1/subscriptions/\(subscription.id)"
            return response
        }
        api.get("subscriptions") { request, _ -> SubscriptionList in
            let key = try await authenticate(request, store)
            return SubscriptionList(subscriptions: try await store.all().filter { key.role == .admin || $0.ownerKeyID == key.id }.map(SubscriptionView.init))
        }
        api.get("subscriptions/:id") { request, context -> SubscriptionView in
            SubscriptionView(try await owned(request, context, store))
        }
        api.patch("subscriptions/:id") { request, context -> SubscriptionView in
            var subscription = try await owned(request, context, store)
            let patch: SubscriptionPatch = try await decode(request, context, limits)
            try patch.apply(to: &subscription, parser: parser)
            try await store.save(subscription)
            return SubscriptionView(subscription)
        }
        api.delete("subscriptions/:id") { request, context -> HTTPResponse.Status in
            let subscription = try await owned(request, context, store)
            try await store.delete(subscription.id)
            return .noContent
        }
        api.post("filters/validate") { request, context -> FilterCheck in
            _ = try await authenticate(request, store)
            let body: FilterInput = try await decode(request, context, limits)
            do {
                _ = try parser.parse(body.filter)
                return FilterCheck(valid: true, position: nil, message: nil)
            } catch let error as FilterSyntaxError {
                return FilterCheck(valid: false, position: error.position, message: error.message)
            }
        }
        return router
    }

    static func authenticate(_ request: Request, _ store: SQLiteSubscriptionStore) async throws -> SQLiteSubscriptionStore.APIKey {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              let key = try await store.key(forSecret: String(header.dropFirst(7)))
        else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "send Authorization: Bearer <API key> (newsflash keys create)")
        }
        return key
    }

    static func owned(_ request: Request, _ context: BasicRequestContext, _ store: SQLiteSubscriptionStore) async throws -> Subscription {
        let key = try await authenticate(request, store)
        let id = try context.parameters.require("id")
        guard let subscription = try await store.subscription(id), key.role == .admin || subscription.ownerKeyID == key.id else {
            throw HTTPError(.notFound, message: "no subscription \(id)")
        }
        return subscription
    }

    static func decode<Body: Decodable>(_ request: Request, _ context: BasicRequestContext, _ limits: Limits) async throws -> Body {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limits.maximumBodyBytes)
        } catch {
            throw HTTPError(.contentTooLarge, message: "the body is larger than \(limits.maximumBodyBytes) bytes")
        }
        do {
            return try JSONDecoder().decode(Body.self, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw HTTPError(.badRequest, message: "invalid JSON body: \(APIErrorText.describe(error))")
        } catch {
            throw HTTPError(.badRequest, message: "the body is not JSON")
        }
    }
}
