import MetricsTestKit
@testable import RdKafka
import Testing
import TestSupport

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

    @Test func lagCarriesTheGroupAndARevokedPartitionGoesToZero() throws {
        let metrics = SharedTestMetrics.factory
        let reporter = KafkaStatisticsReporter(clientLabel: "stats-revoke", group: "newsflash-match")
        func report(_ partitions: String) {
            reporter.report(Array(#"{"msg_cnt":0,"topics":{"news.classified":{"partitions":{\#(partitions)}}}}"#.utf8))
        }
        report(#""0":{"partition":0,"consumer_lag_stored":40,"fetch_state":"active"},"1":{"partition":1,"consumer_lag_stored":9,"fetch_state":"active"}"#)
        let labels = { (partition: String) in [("client", "stats-revoke"), ("group", "newsflash-match"), ("topic", "news.classified"), ("partition", partition)] }
        #expect(try metrics.expectGauge("kafka_consumer_lag", labels("0")).lastValue == 40)
        #expect(try metrics.expectGauge("kafka_consumer_lag", labels("1")).lastValue == 9)
        // Partition 1 revoked (its fetcher stopped), then gone from the statistics.
        report(#""0":{"partition":0,"consumer_lag_stored":35,"fetch_state":"active"},"1":{"partition":1,"consumer_lag_stored":9,"fetch_state":"none"}"#)
        #expect(try metrics.expectGauge("kafka_consumer_lag", labels("0")).lastValue == 35)
        #expect(try metrics.expectGauge("kafka_consumer_lag", labels("1")).lastValue == 0)
        report(#""0":{"partition":0,"consumer_lag_stored":30,"fetch_state":"active"}"#)
        #expect(try metrics.expectGauge("kafka_consumer_lag", labels("1")).lastValue == 0)
    }

    @Test func malformedStatisticsAreIgnored() {
        let reporter = KafkaStatisticsReporter(clientLabel: "stats-bad")
        reporter.report(Array("{not json".utf8))
        #expect(throws: (any Error).self) {
            try SharedTestMetrics.factory.expectGauge("kafka_client_queue_messages", [("client", "stats-bad")])
        }
    }
}
