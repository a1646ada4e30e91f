import Logging
import NewsModel
import Pipeline
import RdKafka

/// A notifier's consumers and runners: one for `alerts.deliveries` and one per
/// delay topic (each in a group of its own, so a long delay never holds a
/// short one), all sharing one processor and one producer.
public struct NotifierStage<Processor: StageProcessor> {
    public let consumers: [KafkaConsumer]
    public let runners: [StageRunner<Processor>]

    /// - Parameters:
    ///   - group: the consumer group of the main topic; delay topics use `<group>.<topic>`.
    ///   - consumer: makes the group consumer of one topic (`newsflash` gives every stage's the same settings).
    public init(
        name: String, group: String, input: String = Topics.alertsDeliveries, retryTopics: [String] = Topics.retryTopics,
        consumer: (_ group: String, _ topic: String) throws -> KafkaConsumer,
        producer: KafkaProducer, processor: Processor, window: Int, logger: Logger
    ) throws {
        var consumers: [KafkaConsumer] = []
        var runners: [StageRunner<Processor>] = []
        for topic in [input] + retryTopics {
            let isDelay = topic != input
            let consumer = try consumer(isDelay ? "\(group).\(topic)" : group, topic)
            consumers.append(consumer)
            runners.append(StageRunner(
                name: isDelay ? "\(name)-\(topic)" : name, consumer: consumer, producer: producer, processor: processor, window: window,
                dueTime: isDelay ? DeliveryFlow.dueTime : nil, logger: logger))
        }
        self.consumers = consumers
        self.runners = runners
    }
}
