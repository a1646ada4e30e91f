/// The names of the pipeline's Kafka topics.
public enum Topics {
    /// Ingested items (`news.item`), keyed by item id.
    public static let newsRaw = "news.raw"
    /// Tagged items (`news.classified`), keyed by item id.
    public static let newsClassified = "news.classified"
    /// One delivery request (`alerts.delivery`) per subscription and story version, keyed by subscription id.
    public static let alertsDeliveries = "alerts.deliveries"
    /// One receipt (`alerts.receipt`) per delivery attempt, keyed by subscription id.
    public static let alertsReceipts = "alerts.receipts"
    /// Deliveries that failed for good and undecodable messages (`alerts.dead-letter`), keyed by the original key.
    public static let alertsDLQ = "alerts.dlq"
    /// What an operator did with a dead letter (`dlq retry`, `dlq purge`), keyed by the letter's id;
    /// compacted, so the latest word on each letter is kept as long as the letter.
    public static let alertsDLQResolved = "alerts.dlq.resolved"
    /// Subscriptions created, changed, paused or deleted, keyed by subscription id.
    public static let subscriptionChanges = "subscriptions.changes"
    /// The delay topics of the retry schedule (`alerts.delivery` events with `notBefore`), shortest delay first.
    public static let retryTopics = [
        "alerts.retry.5s", "alerts.retry.5m", "alerts.retry.30m", "alerts.retry.2h", "alerts.retry.5h", "alerts.retry.10h",
    ]
    /// Every topic of the pipeline: the main topics, then ``retryTopics`` in order, then ``alertsDLQResolved``.
    public static let pipeline =
        [newsRaw, newsClassified, alertsDeliveries, alertsReceipts, alertsDLQ, subscriptionChanges] + retryTopics + [alertsDLQResolved]
}
