import ArgumentParser
import Foundation
import NewsModel
import Pipeline
import RdKafka

/// `newsflash dlq list|show`: the dead letters on alerts.dlq, with their attempt history.
struct DLQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "Inspect dead letters: what was given up on, why, and every attempt.",
        discussion: """
            A dead letter's id is where the message was read, <topic>/<partition>/<offset> (dlq list shows it). \
            Exit codes: 0 done; 1 no such dead letter, or the broker cannot be reached; 64 bad usage.
            """,
        subcommands: [List.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the dead letters on alerts.dlq, oldest first: id, when, reason, subscription, attempts, error.",
            discussion: """
                Examples:
                  newsflash dlq list --since 2026-12-03T00:00:00Z --reason retries-exhausted
                  newsflash dlq list --json | jq -r 'select(.delivery.subscriptionId == "sub_0123") | .id'
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "Only letters dead-lettered at or after this RFC 3339 time.")
        var since: String?

        @Option(help: "Only this reason: poison, retries-exhausted or permanent-failure.")
        var reason: DeadLetter.Reason?

        @Flag(help: "One JSON object per letter and line: its id, where it is on alerts.dlq, and the alerts.dead-letter event's data.")
        var json = false

        func validate() throws {
            if let since, RFC3339Time.parse(since) == nil { throw ValidationError("--since must be an RFC 3339 time, got '\(since)'") }
        }

        func run() async throws {
            let letters = try await DeadLetters.read(since: since.flatMap(RFC3339Time.parse), global: global)
                .filter { reason == nil || $0.letter.reason == reason }
            if !json { print("ID\tDEAD-LETTERED\tREASON\tSUBSCRIPTION\tATTEMPTS\tERROR") }
            for entry in letters {
                if json {
                    try printJSONLine(try entry.jsonObject())
                } else {
                    let letter = entry.letter
                    print([
                        letter.eventID, RFC3339Time.format(letter.deadLetteredAt), letter.reason.rawValue,
                        letter.delivery?.subscriptionId ?? "-", "\(letter.attempts.count)", letter.error,
                    ].joined(separator: "\t"))
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one dead letter: why, where it was read, the delivery it carried and every attempt.",
            discussion: "Example: newsflash dlq show alerts.deliveries/1/4242 --json | jq .data.attempts")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The dead letter's id, <topic>/<partition>/<offset>, as dlq list shows it.")
        var id: String

        @Flag(help: "One JSON object, as dlq list --json writes it.")
        var json = false

        func run() async throws {
            guard let entry = try await DeadLetters.read(since: nil, global: global).last(where: { $0.letter.eventID == id }) else {
                throw CLIError("no dead letter \(id) on \(Topics.alertsDLQ) (newsflash dlq list shows them)")
            }
            if json { return try printJSONLine(try entry.jsonObject()) }
            let letter = entry.letter
            var lines = [
                "dead letter \(letter.eventID): \(letter.reason.rawValue) at \(RFC3339Time.format(letter.deadLetteredAt))",
                "error: \(letter.error)",
                "read from \(letter.originalTopic) partition \(letter.partition) offset \(letter.offset); on \(Topics.alertsDLQ) at \(entry.partition)/\(entry.offset)",
            ]
            if let delivery = letter.delivery {
                lines.append(
                    "delivery \(delivery.deliveryId): subscription \(delivery.subscriptionId), \(delivery.channel.rawValue), story \(delivery.storyId) v\(delivery.version)")
                lines.append("item: \(delivery.item.item.title)")
            } else {
                lines.append("payload (\(letter.payloadEncoding.rawValue)): \(letter.payload.prefix(500))")
            }
            lines.append("attempts: \(letter.attempts.count)")
            for attempt in letter.attempts {
                let status = attempt.statusCode.map { " HTTP \($0)" } ?? ""
                let latency = attempt.latencyMs.map { String(format: " %.0f ms", $0) } ?? ""
                lines.append("  #\(attempt.attempt) \(RFC3339Time.format(attempt.at)) \(attempt.outcome.rawValue)\(status)\(latency)\(attempt.error.map { ": \($0)" } ?? "")")
            }
            print(lines.joined(separator: "\n"))
        }
    }
}

extension DeadLetter.Reason: ExpressibleByArgument {}

/// The dead letters on alerts.dlq as they stand now, oldest first.
enum DeadLetters {
    struct Entry {
        var partition: Int32
        var offset: Int64
        var occurredAt: Date
        var letter: DeadLetter

        func jsonObject() throws -> Any {
            let data = try EventCodec.encodeValue(letter)
            return [
                "id": letter.eventID, "dlqPartition": Int(partition), "dlqOffset": offset,
                "occurredAt": RFC3339Time.format(occurredAt), "data": try JSONSerialization.jsonObject(with: Data(data)),
            ] as [String: Any]
        }
    }

    /// Reads alerts.dlq to its current end (from `since` when given); a message that is not a
    /// dead letter is skipped with a warning.
    /// - Throws: ``CLIError`` when there are more than the reader's 1,000,000 messages to read.
    static func read(since: Date?, global: GlobalOptions) async throws -> [Entry] {
        let setup = try global.setup("newsflash.dlq")
        try await setup.checkBroker()
        let reader = RetainedTopicReader(
            client: setup.kafka.client("newsflash-dlq"), topic: Topics.alertsDLQ, maximumMessages: 1_000_000, logger: setup.logger)
        let (messages, truncated) = try await reader.collect(from: since.map { .time($0) } ?? .beginning)
        if truncated { throw CLIError("\(Topics.alertsDLQ) holds more than 1,000,000 messages from there: narrow it with --since") }
        var entries: [Entry] = []
        for message in messages {
            do {
                let envelope = try EventCodec.decode(DeadLetter.self, from: message.value)
                entries.append(Entry(partition: message.partition, offset: message.offset, occurredAt: envelope.occurredAt, letter: envelope.data))
            } catch {
                setup.logger.warning("skipping a message on \(Topics.alertsDLQ) that is not a dead letter", metadata: [
                    "partition": "\(message.partition)", "offset": "\(message.offset)", "error": "\(error)",
                ])
            }
        }
        return entries.sorted { ($0.letter.deadLetteredAt, $0.partition, $0.offset) < ($1.letter.deadLetteredAt, $1.partition, $1.offset) }
    }
}
