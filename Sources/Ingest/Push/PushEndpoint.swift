import FeedParsing
import Foundation
import Hummingbird
import NewsModel

/// The HTTP push endpoint: `POST /v1/push/{sourceId}` with `Authorization: Bearer <token>`.
///
/// Answers 202 with what happened to each item (`published`, `new-version`,
/// `unchanged`); 400 with the item and field that is wrong; 401 for a
/// missing or wrong token; 404 for an unknown push source; 413 over 1 MiB;
/// 503 when the broker did not acknowledge (nothing was remembered: retry).
public enum PushEndpoint {
    struct Results: ResponseEncodable {
        let results: [IngestWorker.ItemResult]
    }

    /// Adds the push route to `router`.
    public static func register<Context: RequestContext>(on router: Router<Context>, worker: IngestWorker) {
        let sources = Dictionary(
            worker.configuration.sources.filter { $0.kind == .push && $0.enabled }.map { ($0.id, $0.pushTokenSHA256 ?? "") }
        ) { first, _ in first }
        router.post("v1/push/:source") { request, context -> Response in
            let sourceID = try context.parameters.require("source")
            guard let expected = sources[sourceID] else {
                throw HTTPError(.notFound, message: "no push source named \(sourceID)")
            }
            guard let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer "),
                  Secrets.constantTimeEqual(StableID.sha256Hex(String(authorization.dropFirst(7))), expected)
            else {
                throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "a valid bearer token for \(sourceID) is required")
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: PushRequest.maximumBodyBytes)
            } catch {
                throw HTTPError(.contentTooLarge, message: "the body is larger than \(PushRequest.maximumBodyBytes) bytes")
            }
            let items: [ParsedItem]
            do {
                items = try PushRequest.parse(Array(buffer: body))
            } catch let invalid as PushRequest.Invalid {
                throw HTTPError(.badRequest, message: invalid.message)
            }
            let results: [IngestWorker.ItemResult]
            do {
                results = try await worker.ingestPushed(items, sourceID: sourceID)
            } catch {
                throw HTTPError(.serviceUnavailable, headers: [.retryAfter: "5"], message: "the items could not be published now; nothing was stored, retry")
            }
            var response = try context.responseEncoder.encode(Results(results: results), from: request, context: context)
            response.status = .accepted
            return response
        }
    }
}
