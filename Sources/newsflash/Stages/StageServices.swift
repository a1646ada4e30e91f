import Foundation
import Logging
import Pipeline
import RdKafka
import ServiceLifecycle

/// The services of one or more stages, in the order a graceful stop needs.
///
/// A `ServiceGroup` stops its services in reverse order, so the composed order
/// (``serviceList(producer:metrics:)``) is: the metrics server, the consumers,
/// the shared producer, background tasks, then the work. On SIGTERM the work
/// stops taking messages first and finishes or hands back what it holds, then
/// background tasks stop, the producer flushes, and the consumers commit what
/// was done and leave their groups. The services of each kind stop together
/// (``ConcurrentServices``), and each step is bounded (``ShutdownBudget``).
///
/// Built by the stage functions in ``Stages``; `newsflash run <stage>` runs one
/// stage's services and `newsflash up` runs them all, both through ``run(_:)``.
struct StageServices {
    /// Kafka consumers (stopped last: they commit and leave).
    var consumers: [any Service] = []
    /// Periodic refreshes, digest runners, servers that take no pipeline work.
    var background: [any Service] = []
    /// Stage runners, ingest workers, HTTP endpoints that take work (stopped first).
    var work: [any Service] = []
    /// Readiness checks for `/health/ready`.
    var checks: [Observability.Check] = []
    /// Liveness checks for `/health/live`: one per stage runner (``StageContext/liveness(_:)``).
    var liveness: [Observability.Check] = []
    /// Run once the group has stopped: HTTP clients, SMTP pools, fetchers.
    var shutdowns: [@Sendable () async -> Void] = []
    /// Logged when the stage starts.
    var metadata: Logger.Metadata = [:]
    /// The addresses its servers listen on, checked before the services start.
    var listening: [ListeningPorts.Endpoint] = []

    /// Both sets of services. Checks are named by what they check ("store", "kafka"): stages that share
    /// a store in one process (`up`) check it once.
    static func + (lhs: StageServices, rhs: StageServices) -> StageServices {
        StageServices(
            consumers: lhs.consumers + rhs.consumers, background: lhs.background + rhs.background, work: lhs.work + rhs.work,
            checks: lhs.checks + rhs.checks.filter { check in !lhs.checks.contains { $0.name == check.name } },
            liveness: lhs.liveness + rhs.liveness, shutdowns: lhs.shutdowns + rhs.shutdowns, metadata: lhs.metadata.merging(rhs.metadata) { $1 },
            listening: lhs.listening + rhs.listening)
    }

    /// Every service in stop order (see the type's documentation); the services of each kind in one
    /// ``ConcurrentServices``.
    func serviceList(producer: KafkaProducer, metrics: (any Service)?) -> [any Service] {
        let together = [("consumers", consumers), ("background", background), ("work", work)].map { name, services in
            services.isEmpty ? [] : [ConcurrentServices(name: name, services: services) as any Service]
        }
        return (metrics.map { [$0] } ?? []) + together[0] + [producer as any Service] + together[1] + together[2]
    }
}

/// What each step of a graceful stop may take, so that together they end within the
/// `ServiceGroup`'s deadline (``ServiceGroupConfiguration/withShutdownDeadline(_:)``) even when the
/// broker cannot be reached: then every step runs to its limit, and what was not committed is read
/// again by the next owner.
enum ShutdownBudget {
    /// The whole graceful stop (45 s); after it the `ServiceGroup` cancels what is left.
    static let deadline: Duration = drain + flush + close + margin
    /// Background tasks, the metrics server, and scheduling on a loaded machine.
    static let margin: Duration = .seconds(4)
    /// Stage runners finish the messages in flight (`StageRunner`'s `drainTimeout`); past it they
    /// abandon them at once (a cancelled `send` stops waiting for its delivery report).
    static let drain: Duration = stageDrainTimeout
    /// The producer delivers what is queued (`flushTimeout`), then fails the rest.
    static let flush: Duration = .seconds(8)
    /// The consumers commit and leave their groups (`closeTimeout`), all at once.
    static let close: Duration = .seconds(8)
}

/// Services that run side by side and stop together. A `ServiceGroup` stops its services one
/// after another: stage runners or consumers stopped in turn would add up their drain and close
/// times (`up` runs about ten of each), past the deadline.
///
/// One that ends on its own, outside a graceful stop, ends the others, as the `ServiceGroup`
/// does with its services.
struct ConcurrentServices: Service, CustomStringConvertible {
    let name: String
    let services: [any Service]

    var description: String { "\(name) (\(services.count))" }

    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services {
                group.addTask { try await service.run() }
            }
            while try await group.next() != nil {
                if !Task.isShuttingDownGracefully {
                    group.cancelAll()
                    return
                }
            }
        }
    }
}

/// What every stage is built with: this process's Kafka settings, its one producer and its logger.
struct StageContext: Sendable {
    let kafka: KafkaSettings
    /// Client ids are `<prefix>-<stage>` ("newsflash-classify"; "newsflash-up-classify" under `up`).
    let clientPrefix: String
    let producer: KafkaProducer
    let logger: Logger
    /// How long a stage runner may hold messages in flight without finishing one before
    /// `/health/live` fails (`liveness.stallSeconds`, 300 by default: a webhook attempt takes at
    /// most 15 s; a produce retries through a short broker outage).
    let stallLimit: Duration
    /// Where /metrics and /health are served; nil for none.
    let metrics: (host: String, port: Int)?

    /// - Parameter producerID: the producer's client id ("newsflash-classify"; "newsflash-up").
    init(_ setup: CommandSetup, clientPrefix: String = "newsflash", producerID: String) throws {
        kafka = setup.kafka
        self.clientPrefix = clientPrefix
        logger = setup.logger
        stallLimit = .seconds(try setup.config.double("liveness.stallSeconds"))
        let port = try setup.config.int("metrics.port")
        metrics = port < 0 ? nil : (try setup.config.string("metrics.host"), port)
        var configuration = KafkaProducerConfiguration(client: kafka.client(producerID))
        configuration.client.statisticsInterval = .seconds(30)
        configuration.flushTimeout = ShutdownBudget.flush
        producer = try KafkaProducer.make(configuration: configuration, logger: logger)
    }

    func client(_ name: String) -> KafkaClientConfiguration {
        kafka.client("\(clientPrefix)-\(name)")
    }

    /// A group consumer of one topic with the settings every stage uses: cooperative-sticky
    /// assignment (a rebalance moves only the partitions that change owner), statistics every
    /// 15 s (`kafka_consumer_lag` on /metrics) and a close within ``ShutdownBudget/close``.
    func consumer(_ name: String, group: String, topic: String) throws -> KafkaConsumer {
        var configuration = KafkaConsumerConfiguration(client: client(name), groupID: group, subscription: .group(topics: [topic]))
        configuration.client.statisticsInterval = .seconds(15)
        configuration.assignmentStrategy = .cooperativeSticky
        configuration.closeTimeout = ShutdownBudget.close
        return try KafkaConsumer(configuration: configuration, logger: logger)
    }

    /// Alive unless the runner has stopped making progress: messages in flight and none finished
    /// (``StageRunner/stall(after:now:)``), or nothing taken while the broker has messages for it
    /// (``StageRunner/stalledFetch(after:now:)``, which asks the broker, at most every 30 s).
    func liveness<Processor: StageProcessor>(_ runner: StageRunner<Processor>) -> Observability.Check {
        let limit = stallLimit
        let fetch = CheckCache(ttl: .seconds(30))
        return ("stage \(runner.name)", {
            if let stall = runner.stall(after: limit) { return stall }
            return await fetch.value { await runner.stalledFetch(after: limit) }
        })
    }

    /// Ready when the broker answers.
    var brokerCheck: Observability.Check {
        Observability.brokerCheck(client("health"), logger: logger)
    }

    /// Runs the services in one ServiceGroup until SIGTERM or SIGINT (45 s to stop gracefully),
    /// with /metrics and /health at ``metrics`` (unless `servesMetrics` is false: the API serves
    /// them on its own port), then their shutdowns.
    func run(_ services: StageServices, name: String, servesMetrics: Bool = true) async throws {
        let address = servesMetrics ? self.metrics : nil
        let metrics = address.map {
            Observability.server(host: $0.host, port: $0.port, checks: (StageServices(checks: [brokerCheck]) + services).checks, liveness: services.liveness, logger: logger)
        }
        let listening = services.listening + (address.map { [ListeningPorts.Endpoint(name: "metrics.port, --metrics-port", host: $0.host, port: $0.port)] } ?? [])
        logger.info("\(name) running", metadata: services.metadata.merging(["librdkafka.version": "\(LibrdkafkaVersion.runtimeString)"]) { $1 })
        try await StageServices.runGroup(
            services.serviceList(producer: producer, metrics: metrics), listening: listening, shutdowns: services.shutdowns, logger: logger)
    }
}

extension StageServices {
    /// The one ServiceGroup builder: `services` until SIGTERM or SIGINT (45 s to stop gracefully,
    /// in reverse order), then `shutdowns`, also when the group ends with an error. The addresses
    /// in `listening` are checked first: one that cannot be bound is an error naming its setting,
    /// before any service starts.
    static func runGroup(
        _ services: [any Service], listening: [ListeningPorts.Endpoint] = [], shutdowns: [@Sendable () async -> Void] = [], logger: Logger
    ) async throws {
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).withShutdownDeadline())
        do {
            try ListeningPorts.check(listening)
            try await group.run()
        } catch {
            for shutdown in shutdowns { await shutdown() }
            throw error
        }
        for shutdown in shutdowns { await shutdown() }
    }
}

extension ServiceGroupConfiguration {
    /// A graceful shutdown (SIGTERM/SIGINT) gets 45 s: the stages stop taking work and finish or
    /// hand back in flight (a webhook attempt takes at most its 15 s timeout), the producer flushes,
    /// the consumers commit their stored offsets and leave, each within ``ShutdownBudget``; after
    /// that the rest is cancelled. (Kubernetes' terminationGracePeriodSeconds in Deploy/k8s is 60.)
    func withShutdownDeadline(_ deadline: Duration = ShutdownBudget.deadline) -> ServiceGroupConfiguration {
        var configuration = self
        configuration.maximumGracefulShutdownDuration = deadline
        configuration.maximumCancellationDuration = .seconds(10)
        return configuration
    }
}
