import Logging
import Pipeline
import RdKafka
import ServiceLifecycle

extension GlobalOptions {
    /// Runs a consuming stage as this process: checks the broker, joins `group` on
    /// `input`, and runs consumer, producer, `extraServices` and the stage runner in
    /// one ServiceGroup until SIGTERM/SIGINT. Stopped in reverse order: the stage
    /// finishes its in-flight messages, the producer flushes, then the consumer
    /// commits and leaves the group.
    func runStage<Processor: StageProcessor>(
        name: String, input: String, group: String, window: Int, logger: Logger, observability: ObservabilityOptions,
        storeCheck: (@Sendable () async throws -> Void)? = nil,
        extraServices: [any Service] = [], processor: Processor, startedMetadata: Logger.Metadata = [:]
    ) async throws {
        let admin = try await connectedAdmin(logger: logger)
        await admin.close()
        var consumerConfiguration = KafkaConsumerConfiguration(
            client: kafkaClient("newsflash-\(name)"), groupID: group, subscription: .group(topics: [input]))
        // Statistics feed kafka_consumer_lag and the client gauges of /metrics.
        consumerConfiguration.client.statisticsInterval = .seconds(15)
        consumerConfiguration.assignmentStrategy = .cooperativeSticky
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        let producer = try KafkaProducer.make(configuration: KafkaProducerConfiguration(client: kafkaClient("newsflash-\(name)")), logger: logger)
        let stage = StageRunner(name: name, consumer: consumer, producer: producer, processor: processor, window: window, logger: logger)
        var checks = [Observability.brokerCheck(kafkaClient("newsflash-\(name)-health"), logger: logger)]
        if let storeCheck { checks.append(Observability.storeCheck(storeCheck)) }
        let metrics = Observability.server(observability, checks: checks, logger: logger)
        let services: [ServiceGroupConfiguration.ServiceConfiguration] =
            (metrics.map { [.init(service: $0)] } ?? []) + [.init(service: consumer), .init(service: producer)]
            + extraServices.map { .init(service: $0) } + [.init(service: stage)]
        let serviceGroup = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).withShutdownDeadline())
        logger.info("\(name) running", metadata: startedMetadata.merging(["kafka.group": "\(group)"]) { $1 })
        try await serviceGroup.run()
    }
}

extension ServiceGroupConfiguration {
    /// A graceful shutdown (SIGTERM/SIGINT) gets 45 s: the stages stop taking work and finish or
    /// hand back in flight (a webhook attempt takes at most its 15 s timeout), the producer flushes,
    /// the consumers commit their stored offsets and leave; after that the rest is cancelled.
    /// (Kubernetes' terminationGracePeriodSeconds in Deploy/k8s is 60.)
    func withShutdownDeadline(_ deadline: Duration = .seconds(45)) -> ServiceGroupConfiguration {
        var configuration = self
        configuration.maximumGracefulShutdownDuration = deadline
        configuration.maximumCancellationDuration = .seconds(10)
        return configuration
    }
}
