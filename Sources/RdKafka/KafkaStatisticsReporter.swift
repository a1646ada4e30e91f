import Foundation
import Metrics

/// Turns librdkafka's statistics JSON (`statistics.interval.ms`) into swift-metrics gauges.
///
/// Reported, with the label `client`: `kafka_client_queue_messages` (messages
/// waiting in the client), `kafka_client_tx_messages_total` and
/// `kafka_client_rx_messages_total` (as gauges of librdkafka's running totals),
/// and per assigned partition `kafka_consumer_lag` (labels `topic`, `partition`)
/// from librdkafka's `consumer_lag_stored`. On brokers whose high watermark is
/// approximate (Tansu), lag is approximate too.
final class KafkaStatisticsReporter: Sendable {
    private let clientLabel: String

    init(clientLabel: String) {
        self.clientLabel = clientLabel
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
        if let value = stats.txmsgs { Gauge(label: "kafka_client_tx_messages_total", dimensions: dimensions).record(value) }
        if let value = stats.rxmsgs { Gauge(label: "kafka_client_rx_messages_total", dimensions: dimensions).record(value) }
        for (topic, entry) in stats.topics ?? [:] {
            for partition in entry.partitions.values where partition.partition >= 0 {
                guard let lag = partition.consumer_lag_stored, lag >= 0, partition.fetch_state != "none" else { continue }
                Gauge(
                    label: "kafka_consumer_lag",
                    dimensions: dimensions + [("topic", topic), ("partition", String(partition.partition))]
                ).record(lag)
            }
        }
    }
}
