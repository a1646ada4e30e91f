import Hummingbird

/// Answers a known path asked with a method it does not serve with 405 and an `Allow` header
/// (RFC 9110 §15.5.6) instead of the router's 404, which would say the resource is not there.
///
/// Add it after every route: the router wraps only its not-found responder in middleware added
/// that late, so the routes themselves never pass through it (and a handler's own 404, such as
/// "no subscription", stays a 404).
public struct MethodNotAllowed<Context: RequestContext>: RouterMiddleware {
    /// Path templates split at "/" (a capture such as `:id` matches any segment), and their methods.
    let routes: [(segments: [Substring], methods: [HTTPRequest.Method])]

    public init(routes: [Router<Context>.RouteDescription]) {
        var table: [String: (segments: [Substring], methods: [HTTPRequest.Method])] = [:]
        for route in routes {
            let path = route.path.description
            table[path, default: (path.split(separator: "/"), [])].methods.append(route.method)
        }
        self.routes = Array(table.values)
    }

    /// Adds the middleware for every route `router` has now.
    public static func install(on router: Router<Context>) {
        router.add(middleware: MethodNotAllowed(routes: router.routes))
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let segments = request.uri.path.split(separator: "/")
            let allowed = routes.filter { Self.matches($0.segments, segments) }.flatMap(\.methods)
            guard !allowed.isEmpty, !allowed.contains(request.method) else { throw error }
            let methods = Set(allowed.map(\.rawValue))
            throw HTTPError(
                .methodNotAllowed, headers: [.allow: methods.sorted().joined(separator: ", ")],
                message: "\(request.method) is not served here; allowed: \(methods.sorted().joined(separator: ", "))")
        }
    }

    static func matches(_ template: [Substring], _ path: [Substring]) -> Bool {
        guard template.count == path.count else { return false }
        return zip(template, path).allSatisfy { pattern, segment in
            pattern.hasPrefix(":") || pattern.hasPrefix("{") || pattern == "*" || pattern == segment
        }
    }
}
