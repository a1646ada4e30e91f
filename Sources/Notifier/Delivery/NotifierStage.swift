import Logging
import NewsModel
import Pipeline
import RdKafka
import ServiceLifecycle

/// A notifier's consumers and runners: one for `alerts.deliveries` and one per
/// delay topic (each in a group of its own, so a long delay never holds a
/// short one), all sharing one processor and one producer.
public struct NotifierStage<Processor: StageProcessor> {
    public let consumers: [KafkaConsumer]
    public let runners: [StageRunner<Processor>]

    /// - Parameters:
    ///   - group: the consumer group of the main topic; delay topics use `<group>.<topic>`.
    public init(
        name: String, client: KafkaClientConfiguration, group: String, input: String = Topics.alertsDeliveries,
        retryTopics: [String] = Topics.retryTopics, producer: KafkaProducer, processor: Processor, window: Int, logger: Logger
    ) throws {
        var consumers: [KafkaConsumer] = []
        var runners: [StageRunner<Processor>] = []
        for topic in [input] + retryTopics {
            let isDelay = topic != input
            var configuration = KafkaConsumerConfiguration(
                client: client, groupID: isDelay ? "\(group).\(topic)" : group, subscription: .group(topics: [topic]))
            configuration.assignmentStrategy = .cooperativeSticky
            configuration.client.statisticsInterval = .seconds(15)  // kafka_consumer_lag on /metrics
            let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
            consumers.append(consumer)
            runners.append(StageRunner(
                name: isDelay ? "\(name)-\(topic)" : name, consumer: consumer, producer: producer, processor: processor, window: window,
                dueTime: isDelay ? DeliveryFlow.dueTime : nil, logger: logger))
        }
        self.consumers = consumers
        self.runners = runners
    }

    /// Consumers first, runners last, so a graceful shutdown stops the runners first.
    public func services(producer: KafkaProducer, extra: [any Service]) -> [any Service] {
        consumers.map { $0 as any Service } + [producer] + extra + runners.map { $0 as any Service }
    }
}
