@testable import CoreMetrics
import MetricsTestKit
@testable import RdKafka
import Testing

/// swift-metrics can be bootstrapped once per process; every test that reads
/// metrics shares this factory.
enum SharedTestMetrics {
    static let factory: TestMetrics = {
        let metrics = TestMetrics()
        MetricsSystem.bootstrapInternal(metrics)
        return metrics
    }()
}

@Suite struct StatisticsReporterTests {
    @Test func statisticsBecomeGauges() throws {
        let metrics = SharedTestMetrics.factory
        let reporter = KafkaStatisticsReporter(clientLabel: "stats-unit")
        let json = """
            {"name":"rdkafka#consumer-1","msg_cnt":7,"txmsgs":100,"rxmsgs":250,
             "topics":{"news.raw":{"topic":"news.raw","partitions":{
                "0":{"partition":0,"consumer_lag_stored":12,"fetch_state":"active"},
                "-1":{"partition":-1,"consumer_lag_stored":-1,"fetch_state":"none"}}}}}
            """
        reporter.report(Array(json.utf8))
        let queue = try metrics.expectGauge("kafka_client_queue_messages", [("client", "stats-unit")])
        #expect(queue.lastValue == 7)
        let lag = try metrics.expectGauge("kafka_consumer_lag", [("client", "stats-unit"), ("topic", "news.raw"), ("partition", "0")])
        #expect(lag.lastValue == 12)
    }

    @Test func malformedStatisticsAreIgnored() {
        let reporter = KafkaStatisticsReporter(clientLabel: "stats-bad")
        reporter.report(Array("{not json".utf8))
        #expect(throws: (any Error).self) {
            try SharedTestMetrics.factory.expectGauge("kafka_client_queue_messages", [("client", "stats-bad")])
        }
    }
}
