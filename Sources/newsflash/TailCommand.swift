import ArgumentParser
import Foundation
import NewsModel
import Pipeline
import RdKafka

/// `newsflash tail <topic>`: print a topic's messages, without joining a group.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print messages of a topic (all partitions, no consumer group, nothing committed).",
        discussion: """
            --from takes 'beginning', 'end' (default: only new messages), an offset applied to every \
            partition, or an RFC 3339 time such as 2026-11-29T08:00:00Z (first message at or after it, \
            checked against record timestamps).
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The topic to read.")
    var topic: String

    @Option(help: "Where to start: beginning, end, an offset, or an RFC 3339 time.")
    var from: String = "end"

    @Option(help: "Stop after this many messages.")
    var max: Int?

    @Option(help: "Stop when no message arrived for this many seconds (default: wait forever).")
    var idle: Double?

    @Flag(help: "Print one JSON object per message (topic, partition, offset, timestamp, key, headers, value).")
    var json = false

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
        let start = try Self.parseStart(from)
        let initial: Int64
        if case .offset(let offset) = start { initial = offset } else { initial = KafkaTopicPartitionOffset.end }
        let positions = description.partitions.map { KafkaTopicPartitionOffset(topic: topic, partition: $0.id, offset: initial) }
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
        let asJSON = json
        let idleLimit = idle.map { Duration.milliseconds(Int($0 * 1000)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            let progress = IdleClock()
            group.addTask {
                var printed = 0
                for try await message in stream {
                    await progress.touch()
                    print(asJSON ? MessagePrinter.json(message) : MessagePrinter.text(message))
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

