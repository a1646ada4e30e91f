import Logging
import Metrics

/// Counts and logs the results of a group consumer's offset commits as librdkafka reports them to
/// the offset commit callback, served on the poll thread (and inside `rd_kafka_consumer_close`): the
/// background auto-commits, and the commits on revoke, on close and through
/// ``KafkaConsumer/commit()`` (those also return their error).
///
/// Without it a consumer whose auto-commits keep failing showed it only as lag that did not fall.
/// A failed commit loses nothing: the offsets stay stored and go with the next commit, and until
/// one succeeds the partition's next owner reads those messages again.
///
/// Every failure is counted; the warnings of one error code are limited as librdkafka's own lines
/// are (``RepeatedLineLimiter``): while the coordinator is away the background commit fails every
/// second, and the warnings held back are counted in the next one shown (`kafka.repeated`).
struct CommitReporter: Sendable {
    let group: String
    let logger: Logger
    private let committed: Counter
    private let failed: Counter
    private let repeats = LockedBox(RepeatedLineLimiter())

    init(clientID: String, group: String, logger: Logger) {
        self.group = group
        self.logger = logger
        committed = Counter(label: "kafka_consumer_commits_total", dimensions: [("client", clientID), ("outcome", "committed")])
        failed = Counter(label: "kafka_consumer_commits_total", dimensions: [("client", clientID), ("outcome", "failed")])
    }

    /// One commit's result: `error` is the request's (nil when the broker took it), `partitions`
    /// each partition's committed position and its own error.
    func report(error: KafkaError?, partitions: [(KafkaTopicPartitionOffset, KafkaError?)], now: ContinuousClock.Instant = .now) {
        // Nothing was stored since the last commit: no request was made.
        if error?.code == .noOffset { return }
        let offsets = partitions.map { position, error in
            "\(position.topic)[\(position.partition)]@\(position.offset)" + (error.map { " (\($0.code))" } ?? "")
        }.joined(separator: ",")
        guard let failure = error ?? partitions.lazy.compactMap(\.1).first else {
            committed.increment()
            logger.debug("kafka offsets committed", metadata: ["kafka.group": "\(group)", "kafka.offsets": "\(offsets)"])
            return
        }
        failed.increment()
        guard let held = repeats.withLock({ $0.admit("\(failure.code)", now: now) }) else { return }
        var metadata: Logger.Metadata = ["kafka.group": "\(group)", "kafka.offsets": "\(offsets)", "kafka.error": "\(failure)"]
        if held > 0 { metadata["kafka.repeated"] = "\(held)" }
        logger.warning("kafka offset commit failed; the offsets stay stored for the next commit", metadata: metadata)
    }
}
