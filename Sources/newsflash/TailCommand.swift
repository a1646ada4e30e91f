import ArgumentParser
import Foundation
import MatchStage
import NewsModel
import Pipeline
import RdKafka
import Subscriptions

/// `newsflash tail <topic>`: print a topic's messages, without joining a group.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print messages of a topic (all partitions, no consumer group, nothing committed).",
        discussion: """
            --from takes 'beginning', 'end' (default: only new messages), an offset applied to every \
            partition, or an RFC 3339 time such as 2026-11-29T08:00:00Z (first message at or after it, \
            checked against record timestamps); --since takes a time or a duration ago (15m, 2h, 1d). \
            Pipeline events are printed decoded by type: an item's title, a classified item's tags, a \
            delivery's subscription, a receipt's outcome, a dead letter's reason, the delivery it carried \
            and every attempt (--raw prints values as they are). --filter takes the subscription filter \
            language and keeps classified items, deliveries and dead letters whose item it matches. \
            Exit codes: 0 stopped by --max, --idle or Ctrl-C; 1 no such topic or partition, or the broker cannot be \
            reached; 64 bad usage.

            Examples:
              newsflash tail news.classified --since 15m --filter 'region:MENA AND urgency>=urgent'
              newsflash tail alerts.dlq --from beginning --idle 5
              newsflash tail alerts.deliveries --partition 2 --json | jq .value.data.deliveryId
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The topic to read.") var topic: String
    @Option(help: "Where to start: beginning, end, an offset, or an RFC 3339 time.") var from: String = "end"
    @Option(help: "Where to start as a time: an RFC 3339 time or a duration ago (15m, 2h, 1d); instead of --from.") var since: String?
    @Option(help: "Only this partition (repeatable).") var partition: [Int32] = []
    @Option(help: "Only classified items, deliveries and dead letters whose item this subscription filter matches.") var filter: String?
    @Flag(help: "Print values as they are instead of decoding pipeline events.") var raw = false
    @Option(help: "Stop after this many messages.") var max: Int?
    @Option(help: "Stop when no message arrived for this many seconds (default: wait forever).") var idle: Double?
    @Flag(help: "Print one JSON object per message (topic, partition, offset, timestamp, key, headers, value).") var json = false

    enum Start: Equatable {
        case offset(Int64)
        case time(Int64)
    }

    static func parseStart(_ text: String) throws -> Start {
        switch text {
        case "beginning": return .offset(KafkaTopicPartitionOffset.beginning)
        case "end": return .offset(KafkaTopicPartitionOffset.end)
        default:
            if let offset = Int64(text), offset >= 0 { return .offset(offset) }
            if let date = RFC3339Time.parse(text) { return .time(Int64((date.timeIntervalSince1970 * 1000).rounded())) }
            throw ValidationError("--from must be beginning, end, an offset >= 0 or an RFC 3339 time, got '\(text)'")
        }
    }

    func validate() throws {
        _ = try Self.parseStart(from)
        if let since {
            guard from == "end" else { throw ValidationError("give --from or --since, not both") }
            _ = try TimeArgument.parse(since, "--since")
        }
        if partition.contains(where: { $0 < 0 }) { throw ValidationError("--partition must be >= 0") }
        if let max, max <= 0 { throw ValidationError("--max must be positive") }
        if let idle, idle <= 0 { throw ValidationError("--idle must be positive") }
    }

    func run() async throws {
        let setup = try global.setup("newsflash.tail")
        let logger = setup.logger
        let admin = try await setup.connectedAdmin()
        let described = try await admin.listTopics().first { $0.name == topic }
        await admin.close()
        guard let description = described else { throw CLIError("no topic named \(topic); `newsflash topics list` shows them") }
        let start = try since.map { Start.time(Int64((try TimeArgument.parse($0, "--since").timeIntervalSince1970 * 1000).rounded())) }
            ?? Self.parseStart(from)
        let initial: Int64
        if case .offset(let offset) = start { initial = offset } else { initial = KafkaTopicPartitionOffset.end }
        let known = Set(description.partitions.map(\.id))
        if let missing = partition.first(where: { !known.contains($0) }) { throw CLIError("\(topic) has no partition \(missing) (it has \(known.count))") }
        let positions = description.partitions.filter { partition.isEmpty || partition.contains($0.id) }
            .map { KafkaTopicPartitionOffset(topic: topic, partition: $0.id, offset: initial) }
        let expression = try filter.map { text in
            do { return try SubscriptionFiles.filterParser().parse(text) } catch let error as FilterSyntaxError { throw CLIError("--filter: \(error)") }
        }
        var configuration = KafkaConsumerConfiguration(
            client: setup.kafka.client("newsflash-tail"), groupID: "newsflash-tail-\(UUID().uuidString.prefix(8))",
            subscription: .partitions(positions))
        configuration.isAutoCommitEnabled = false
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        if case .time(let milliseconds) = start {
            try await consumer.seek(toTimestampMilliseconds: milliseconds, partitions: positions.map(\.topicPartition))
        }
        let stream = consumer.messages
        let limit = max
        let asJSON = json, asRaw = raw
        let idleLimit = idle.map { Duration.milliseconds(Int($0 * 1000)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            let progress = IdleClock()
            group.addTask {
                var printed = 0
                for try await message in stream {
                    await progress.touch()
                    if let expression, !(TopicEvents.classifiedItem(in: message).map { expression.matches(FilterSubject($0)) } ?? false) { continue }
                    print(asJSON ? MessagePrinter.json(message) : asRaw ? MessagePrinter.text(message) : MessagePrinter.decoded(message))
                    printed += 1
                    if let limit, printed >= limit { return }
                }
            }
            if let idleLimit {
                group.addTask {
                    while await progress.idleFor() < idleLimit { try await Task.sleep(for: .milliseconds(100)) }
                }
            }
            _ = try await group.next()
            group.cancelAll()
        }
        await consumer.close()
    }
}
