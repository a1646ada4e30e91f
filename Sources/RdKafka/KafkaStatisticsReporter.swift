import Foundation
import Metrics
import Synchronization

/// Turns librdkafka's statistics JSON (`statistics.interval.ms`) into swift-metrics gauges.
///
/// Reported, with the label `client`: `kafka_client_queue_messages` (messages
/// waiting in the client), `kafka_client_tx_messages` and `kafka_client_rx_messages`
/// (gauges of librdkafka's running totals; a gauge has no `_total`), and per
/// assigned partition `kafka_consumer_lag` (labels `group`, `topic`, `partition`)
/// from librdkafka's `consumer_lag_stored`. A partition this client no longer owns
/// (revoked, or its fetcher stopped) is set to 0, so a rebalance leaves no stale lag
/// behind to be summed with its new owner's. On brokers whose high watermark is
/// approximate (Tansu), lag is approximate too.
final class KafkaStatisticsReporter: Sendable {
    private let clientLabel: String
    private let group: String?
    /// The partitions whose lag was last reported (topic, partition).
    private let reported = Mutex<Set<[String]>>([])

    init(clientLabel: String, group: String? = nil) {
        self.clientLabel = clientLabel
        self.group = group
    }

    private struct Statistics: Decodable {
        struct Topic: Decodable {
            let partitions: [String: Partition]
        }
        struct Partition: Decodable {
            let partition: Int
            let consumer_lag_stored: Int64?
            let fetch_state: String?
        }
        let msg_cnt: Int64?
        let txmsgs: Int64?
        let rxmsgs: Int64?
        let topics: [String: Topic]?
    }

    /// Parses one statistics document; malformed ones are ignored.
    func report(_ json: [UInt8]) {
        guard let stats = try? JSONDecoder().decode(Statistics.self, from: Data(json)) else { return }
        let dimensions = [("client", clientLabel)]
        if let value = stats.msg_cnt { Gauge(label: "kafka_client_queue_messages", dimensions: dimensions).record(value) }
        if let value = stats.txmsgs { Gauge(label: "kafka_client_tx_messages", dimensions: dimensions).record(value) }
        if let value = stats.rxmsgs { Gauge(label: "kafka_client_rx_messages", dimensions: dimensions).record(value) }
        let lagDimensions = dimensions + (group.map { [("group", $0)] } ?? [])
        var current: Set<[String]> = []
        for (topic, entry) in stats.topics ?? [:] {
            for partition in entry.partitions.values where partition.partition >= 0 {
                guard let lag = partition.consumer_lag_stored, lag >= 0, partition.fetch_state != "none" else { continue }
                current.insert([topic, String(partition.partition)])
                Gauge(label: "kafka_consumer_lag", dimensions: lagDimensions + [("topic", topic), ("partition", String(partition.partition))]).record(lag)
            }
        }
        let gone = reported.withLock { reported in
            defer { reported = current }
            return reported.subtracting(current)
        }
        for key in gone {
            Gauge(label: "kafka_consumer_lag", dimensions: lagDimensions + [("topic", key[0]), ("partition", key[1])]).record(0)
        }
    }
}
