import Logging
import MetricsTestKit
@testable import RdKafka
import Synchronization
import Testing
import TestSupport

/// What the offset commit callback makes of a commit's result: a count by outcome, and a warning
/// naming the group, the offsets and the error when it failed. (That librdkafka calls it for the
/// background commits is `KafkaLayerTests`' test against the broker.)
@Suite struct CommitReporterTests {
    typealias Record = ClientLogTests.RecordingHandler.Record

    func reporter(_ client: String) -> (CommitReporter, @Sendable () -> [Record]) {
        let records = Mutex<[Record]>([])
        let logger = Logger(label: "commit-test") { _ in ClientLogTests.RecordingHandler(sink: { record in records.withLock { $0.append(record) } }) }
        return (CommitReporter(clientID: client, group: "newsflash-receipts", logger: logger), { records.withLock { $0 } })
    }

    func counts(_ client: String) throws -> (committed: Int64, failed: Int64) {
        let metrics = SharedTestMetrics.factory
        return (
            try metrics.expectCounter("kafka_consumer_commits_total", [("client", client), ("outcome", "committed")]).totalValue,
            try metrics.expectCounter("kafka_consumer_commits_total", [("client", client), ("outcome", "failed")]).totalValue
        )
    }

    let first = KafkaTopicPartitionOffset(topic: "alerts.receipts", partition: 0, offset: 24)
    let second = KafkaTopicPartitionOffset(topic: "alerts.receipts", partition: 1, offset: 7)

    @Test func aCommitTheBrokerTookCountsAsCommittedAndLogsNoWarning() throws {
        _ = SharedTestMetrics.factory
        let (reporter, records) = reporter("commit-ok")
        reporter.report(error: nil, partitions: [(first, nil), (second, nil)])
        #expect(try counts("commit-ok") == (1, 0))
        let line = try #require(records().first)
        #expect(line.level == .debug)
        #expect(line.metadata["kafka.offsets"] == "alerts.receipts[0]@24,alerts.receipts[1]@7")
    }

    @Test func aRefusedCommitCountsAsFailedAndNamesTheGroupOffsetsAndError() throws {
        _ = SharedTestMetrics.factory
        let (reporter, records) = reporter("commit-refused")
        // What the local broker answers a member it no longer knows (its session expired).
        let unknownMember = KafkaError(code: KafkaError.Code(rawValue: 25), operation: "commit offsets", message: "Broker: Unknown member")
        reporter.report(error: unknownMember, partitions: [(first, nil)])
        #expect(try counts("commit-refused") == (0, 1))
        let line = try #require(records().first)
        #expect(line.level == .warning)
        #expect(line.message.hasPrefix("kafka offset commit failed"))
        #expect(line.metadata["kafka.group"] == "newsflash-receipts")
        #expect(line.metadata["kafka.offsets"] == "alerts.receipts[0]@24")
        #expect("\(line.metadata["kafka.error"] ?? "")".contains("Unknown member [UNKNOWN_MEMBER_ID]"))
    }

    @Test func oneFailedPartitionFailsTheCommitAndIsNamed() throws {
        _ = SharedTestMetrics.factory
        let (reporter, records) = reporter("commit-partial")
        let unknownPartition = KafkaError(code: .unknownTopicOrPartition, operation: "commit offsets", message: "alerts.receipts[1]: Broker: Unknown topic or partition")
        reporter.report(error: nil, partitions: [(first, nil), (second, unknownPartition)])
        #expect(try counts("commit-partial") == (0, 1))
        let line = try #require(records().first)
        #expect(line.level == .warning)
        #expect(line.metadata["kafka.offsets"] == "alerts.receipts[0]@24,alerts.receipts[1]@7 (UNKNOWN_TOPIC_OR_PART)")
    }

    @Test func repeatedFailuresOfOneErrorAreCountedButLoggedOnceInTenSeconds() throws {
        _ = SharedTestMetrics.factory
        let (reporter, records) = reporter("commit-outage")
        let waitCoordinator = KafkaError(code: KafkaError.Code(rawValue: -180), operation: "commit offsets", message: "Local: Waiting for coordinator")
        let unknownMember = KafkaError(code: KafkaError.Code(rawValue: 25), operation: "commit offsets", message: "Broker: Unknown member")
        let start = ContinuousClock.now
        // The background commit every second through a 15 s outage, then the old member's refusal.
        for second in 0..<15 {
            reporter.report(error: waitCoordinator, partitions: [(first, nil)], now: start + .seconds(second))
        }
        reporter.report(error: unknownMember, partitions: [(first, nil)], now: start + .seconds(15))
        #expect(try counts("commit-outage") == (0, 16))
        let lines = records()
        #expect(lines.count == 3, "\(lines.map(\.metadata))")
        #expect(lines.map { $0.metadata["kafka.repeated"] } == [nil, "9", nil])
        let last = try #require(lines.last)
        #expect("\(last.metadata["kafka.error"] ?? "")".contains("UNKNOWN_MEMBER_ID"))
    }

    @Test func nothingToCommitIsNoCommit() throws {
        _ = SharedTestMetrics.factory
        let (reporter, records) = reporter("commit-none")
        reporter.report(error: KafkaError(code: .noOffset, operation: "commit offsets", message: "Local: No offset stored"), partitions: [])
        #expect(try counts("commit-none") == (0, 0))
        #expect(records().isEmpty)
    }
}
