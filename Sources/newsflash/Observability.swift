import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import RdKafka
import ServiceLifecycle
import Synchronization

/// Where a process serves `/metrics` (Prometheus text), `/health/live` and `/health/ready`.
struct ObservabilityOptions: ParsableArguments {
    // Unconditional: "-1" is the value, not an option (`--metrics-port -1` as documented).
    @Option(
        parsing: .unconditional,
        help: "Serve /metrics, /health/live and /health/ready on this port; 0 picks a free one, -1 serves none. Default: metrics.port, $NEWSFLASH_METRICS_PORT, else 9464.")
    var metricsPort: Int?

    @Option(help: "Address for --metrics-port. Default: metrics.host, $NEWSFLASH_METRICS_HOST, else 127.0.0.1 (the container image sets 0.0.0.0).")
    var metricsHost: String?

    /// These flags by setting key.
    var flags: [String: String?] { ["metrics.port": metricsPort.map(String.init), "metrics.host": metricsHost] }
}

/// The process's Prometheus registry behind swift-metrics, and the routes that expose it.
enum Observability {
    static let registry = PrometheusCollectorRegistry()
    private static let bootstrapped = Mutex(false)

    /// Makes swift-metrics report into ``registry`` (once per process).
    static func bootstrap() {
        bootstrapped.withLock { done in
            guard !done else { return }
            done = true
            var factory = PrometheusMetricsFactory(registry: registry)
            factory.defaultDurationHistogramBuckets = [
                .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
                .seconds(300),
            ]
            MetricsSystem.bootstrap(factory)
        }
    }

    /// A named readiness check: nil when fine, else what is wrong.
    typealias Check = (name: String, run: @Sendable () async -> String?)

    /// Adds `/metrics`, `/health/ready` (`checks`) and `/health/live` (`liveness`: a stage runner
    /// that has stopped making progress) to a router. Each answers 200 with
    /// `{"<live|ready>": true, "checks": {…}}`, or 503 naming what failed.
    static func addRoutes<Context: RequestContext>(to router: Router<Context>, checks: [Check], liveness: [Check]) {
        router.get("metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("health/live") { _, _ in await answer(liveness, as: "live") }
        router.get("health/ready") { _, _ in await answer(checks, as: "ready") }
    }

    private static func answer(_ checks: [Check], as key: String) async -> Response {
        var failures: [String: String] = [:]
        for check in checks {
            if let problem = await check.run() { failures[check.name] = problem }
        }
        let body: [String: Any] = [key: failures.isEmpty, "checks": Dictionary(checks.map { ($0.name, failures[$0.name] ?? "ok") }) { first, _ in first }]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        return Response(status: failures.isEmpty ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The metrics and health server of a stage process.
    static func server(host: String, port: Int, checks: [Check], liveness: [Check] = [], logger: Logger) -> any Service {
        bootstrap()
        let router = Router()
        addRoutes(to: router, checks: checks, liveness: liveness)
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "newsflash"),
            onServerRunning: { channel in
                logger.info("metrics and health listening", metadata: ["http.address": "\(host):\(channel.localAddress?.port ?? port)"])
            },
            logger: logger)
    }

    /// Ready when the broker answers a metadata request (checked at most every 5 s).
    static func brokerCheck(_ client: KafkaClientConfiguration, logger: Logger) -> Check {
        let cache = CheckCache()
        return ("kafka", {
            await cache.value {
                do {
                    let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(client: client), logger: logger)
                    defer { Task { await admin.close() } }
                    try await admin.waitUntilReachable(timeout: .seconds(3))
                    return nil
                } catch {
                    return "\(error)"
                }
            }
        })
    }

    /// Ready when the store answers a query.
    static func storeCheck(_ query: @escaping @Sendable () async throws -> Void) -> Check {
        let cache = CheckCache()
        return ("store", {
            await cache.value {
                do {
                    try await query()
                    return nil
                } catch {
                    return "\(error)"
                }
            }
        })
    }
}

/// The last result of a check, reused for `ttl` (5 s) so probes cannot flood the broker.
actor CheckCache {
    private let ttl: Duration
    private var last: (at: ContinuousClock.Instant, result: String?)?

    init(ttl: Duration = .seconds(5)) {
        self.ttl = ttl
    }

    func value(_ compute: @Sendable () async -> String?) async -> String? {
        if let last, ContinuousClock.now - last.at < ttl { return last.result }
        let result = await compute()
        last = (.now, result)
        return result
    }
}
