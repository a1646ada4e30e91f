import NewsModel
import RdKafka

/// The pipeline's topics with their partitions and retention, as `topics init` creates them.
///
/// Retention settings matter on Apache Kafka; Tansu accepts and ignores them.
/// Retry topics keep messages for two days, longer than the longest retry delay (10 h),
/// and the dead-letter topic for 30 days.
enum TopicPlan {
    static func specifications(partitions: Int32, replicationFactor: Int32) -> [KafkaTopicSpecification] {
        let day = 24 * 3600 * 1000
        func topic(_ name: String, partitions: Int32, retentionDays: Int) -> KafkaTopicSpecification {
            KafkaTopicSpecification(
                name: name, partitions: partitions, replicationFactor: replicationFactor,
                configs: ["retention.ms": String(retentionDays * day)])
        }
        return [
            topic(Topics.newsRaw, partitions: partitions, retentionDays: 7),
            topic(Topics.newsClassified, partitions: partitions, retentionDays: 30),
            topic(Topics.alertsDeliveries, partitions: partitions, retentionDays: 7),
            topic(Topics.alertsReceipts, partitions: partitions, retentionDays: 30),
            topic(Topics.alertsDLQ, partitions: partitions, retentionDays: 30),
            // One partition keeps subscription changes in order for every match instance.
            topic(Topics.subscriptionChanges, partitions: 1, retentionDays: 30),
        ] + Topics.retryTopics.map { topic($0, partitions: partitions, retentionDays: 2) } + [
            // Compacted: the latest resolution of each dead letter; one partition, read whole by `dlq list`.
            KafkaTopicSpecification(
                name: Topics.alertsDLQResolved, partitions: 1, replicationFactor: replicationFactor,
                configs: ["cleanup.policy": "compact", "retention.ms": String(30 * day)]),
        ]
    }
}
