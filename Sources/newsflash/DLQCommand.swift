import ArgumentParser
import Foundation
import MatchStage
import NewsModel
import Pipeline
import RdKafka
import Subscriptions

/// `newsflash dlq list|show|retry|purge`: the dead letters on alerts.dlq, with their attempt
/// history; sending chosen ones back for delivery, or dropping them from the pending view.
struct DLQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "Inspect dead letters: what was given up on, why, and every attempt.",
        discussion: """
            A dead letter's id is where the message was read, <topic>/<partition>/<offset> (dlq list shows it). \
            A letter is pending until it is retried or purged; what was done with each is kept on the compacted \
            topic alerts.dlq.resolved, keyed by the letter's id (in Kafka beside the letters, so every operator's \
            CLI sees the same view without the subscription store, and compaction keeps one record per letter). \
            Exit codes: 0 done; 1 no such dead letter, one that cannot be retried, or the broker cannot be \
            reached; 64 bad usage.
            """,
        subcommands: [List.self, Show.self, Retry.self, Purge.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the pending dead letters on alerts.dlq, oldest first: id, when, reason, subscription, attempts, state, error.",
            discussion: """
                Examples:
                  newsflash dlq list --since 2026-12-03T00:00:00Z --reason retries-exhausted
                  newsflash dlq list --json | jq -r 'select(.data.delivery.subscriptionId == "sub_0123") | .id'
                  newsflash dlq list --all
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "Only letters dead-lettered at or after this RFC 3339 time.") var since: String?
        @Option(help: "Only this reason: poison, retries-exhausted or permanent-failure.") var reason: DeadLetter.Reason?
        @Flag(help: "Also the letters already retried or purged (STATE says which).") var all = false

        @Flag(help: "One JSON object per letter and line: its id, state, where it is on alerts.dlq, and the alerts.dead-letter event's data.")
        var json = false

        func validate() throws {
            if let since, RFC3339Time.parse(since) == nil { throw ValidationError("--since must be an RFC 3339 time, got '\(since)'") }
        }

        func run() async throws {
            let letters = try await DeadLetters.read(since: since.flatMap(RFC3339Time.parse), setup: try global.setup("newsflash.dlq"))
                .filter { (reason == nil || $0.letter.reason == reason) && (all || $0.resolution == nil) }
            if !json { print("ID\tDEAD-LETTERED\tREASON\tSUBSCRIPTION\tATTEMPTS\tSTATE\tERROR") }
            for entry in letters {
                if json {
                    try printJSONLine(try entry.jsonObject())
                } else {
                    let letter = entry.letter
                    print([
                        letter.eventID, RFC3339Time.format(letter.deadLetteredAt), letter.reason.rawValue,
                        letter.delivery?.subscriptionId ?? "-", "\(letter.attempts.count)", entry.state, letter.error,
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

        @Argument(help: "The dead letter's id, <topic>/<partition>/<offset>, as dlq list shows it.") var id: String
        @Flag(help: "One JSON object, as dlq list --json writes it.") var json = false

        func run() async throws {
            guard let entry = try await DeadLetters.read(since: nil, setup: try global.setup("newsflash.dlq")).last(where: { $0.letter.eventID == id }) else {
                throw CLIError("no dead letter \(id) on \(Topics.alertsDLQ) (newsflash dlq list shows them)")
            }
            if json { return try printJSONLine(try entry.jsonObject()) }
            let letter = entry.letter
            var lines = [
                "dead letter \(letter.eventID): \(letter.reason.rawValue) at \(RFC3339Time.format(letter.deadLetteredAt))",
                "error: \(letter.error)",
                "state: \(entry.state)\(entry.resolution.map { " at \(RFC3339Time.format($0.at))" } ?? "")",
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
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send dead letters back for delivery: each one's delivery to alerts.deliveries, with a fresh attempt history.",
            discussion: """
                The delivery keeps its delivery id, so its webhook-id: a receiver that already has it can drop it. \
                A letter that carries no delivery (a poison message) cannot be retried: purge it. A retried letter \
                leaves the pending view once the broker acknowledged its delivery.

                Examples:
                  newsflash dlq retry alerts.deliveries/1/4242 alerts.retry.10h/0/17
                  newsflash dlq retry --filter 'region:MENA' --since 2026-12-03T00:00:00Z --dry-run
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The dead letters' ids, as dlq list shows them.") var ids: [String] = []
        @Option(help: "Instead of ids: every pending letter whose delivery's item this subscription filter matches.") var filter: String?
        @Option(help: "With --filter: only letters dead-lettered at or after this RFC 3339 time.") var since: String?
        @Flag(help: "Print what would be retried; send nothing.") var dryRun = false
        @Flag(help: "One JSON object per letter: {id, deliveryId, subscriptionId, state}.") var json = false

        func validate() throws {
            guard ids.isEmpty != (filter == nil) else { throw ValidationError("give the letters' ids or --filter, not both") }
            if since != nil, filter == nil { throw ValidationError("--since goes with --filter") }
            if let since, RFC3339Time.parse(since) == nil { throw ValidationError("--since must be an RFC 3339 time, got '\(since)'") }
        }

        func run() async throws {
            let setup = try global.setup("newsflash.dlq")
            let parser = try SubscriptionFiles.filterParser()
            let expression = try filter.map { text in
                do { return try parser.parse(text) } catch { throw CLIError("--filter: \(error)") }
            }
            let chosen = try await DeadLetters.choose(ids: ids, since: since.flatMap(RFC3339Time.parse), setup: setup) { entry in
                guard let expression else { return true }
                guard let item = entry.letter.delivery?.item else { return false }
                return expression.matches(FilterSubject(item))
            }
            if let poison = chosen.first(where: { $0.letter.delivery == nil }) {
                throw CLIError("dead letter \(poison.letter.eventID) carries no delivery (\(poison.letter.reason.rawValue)): it cannot be retried; purge it")
            }
            let router = try ReplayRouter(
                sourceTopic: Topics.alertsDLQ, target: .topic(Topics.alertsDeliveries), parser: parser, replayID: "dlq-retry")
            let producer = dryRun ? nil : try KafkaProducer.make(
                configuration: KafkaProducerConfiguration(client: setup.kafka.client("newsflash-dlq")), logger: setup.logger)
            do {
                for entry in chosen {
                    guard case .send(let output) = router.decide(entry.message), let delivery = entry.letter.delivery else {
                        throw CLIError("dead letter \(entry.letter.eventID) cannot be read back as a delivery")
                    }
                    if let producer {
                        // The delivery first: a crash in between leaves the letter pending, to be retried again
                        // (under the same delivery id), never resolved without its delivery.
                        _ = try await producer.send(output)
                        _ = try await producer.send(try DeadLetters.resolution(entry, .retried))
                    }
                    try DeadLetters.report(entry, state: dryRun ? "would retry" : "retried", json: json, extra: [
                        "deliveryId": delivery.deliveryId, "subscriptionId": delivery.subscriptionId,
                    ])
                }
            } catch {
                await producer?.shutdown()
                throw error
            }
            await producer?.shutdown()
            if !json { print("\(dryRun ? "would retry" : "retried") \(chosen.count) dead letter(s) to \(Topics.alertsDeliveries)") }
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drop dead letters from the pending view: they stay on alerts.dlq until its retention, marked purged.",
            discussion: """
                Examples:
                  newsflash dlq purge alerts.deliveries/1/4242
                  newsflash dlq purge --before 2026-12-01T00:00:00Z
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The dead letters' ids, as dlq list shows them.") var ids: [String] = []
        @Option(help: "Instead of ids: every pending letter dead-lettered before this RFC 3339 time.") var before: String?
        @Flag(help: "One JSON object per letter: {id, state}.") var json = false

        func validate() throws {
            guard ids.isEmpty != (before == nil) else { throw ValidationError("give the letters' ids or --before, not both") }
            if let before, RFC3339Time.parse(before) == nil { throw ValidationError("--before must be an RFC 3339 time, got '\(before)'") }
        }

        func run() async throws {
            let cutoff = before.flatMap(RFC3339Time.parse)
            let setup = try global.setup("newsflash.dlq")
            let chosen = try await DeadLetters.choose(ids: ids, since: nil, setup: setup) { entry in
                cutoff.map { entry.letter.deadLetteredAt < $0 } ?? true
            }
            let producer = try KafkaProducer.make(configuration: KafkaProducerConfiguration(client: setup.kafka.client("newsflash-dlq")), logger: setup.logger)
            do {
                for entry in chosen {
                    _ = try await producer.send(try DeadLetters.resolution(entry, .purged))
                    try DeadLetters.report(entry, state: "purged", json: json, extra: [:])
                }
            } catch {
                await producer.shutdown()
                throw error
            }
            await producer.shutdown()
            if !json { print("purged \(chosen.count) dead letter(s)") }
        }
    }
}

extension DeadLetter.Reason: ExpressibleByArgument {}

/// The dead letters on alerts.dlq as they stand now, oldest first, with what was done with each.
enum DeadLetters {
    /// What an operator did with a letter: the value on alerts.dlq.resolved, keyed by the letter's id.
    struct Resolution: Codable {
        enum Action: String, Codable { case retried, purged }
        var action: Action
        var at: Date
    }

    struct Entry {
        var message: KafkaConsumerMessage
        var occurredAt: Date
        var letter: DeadLetter
        var resolution: Resolution?

        var partition: Int32 { message.partition }
        var offset: Int64 { message.offset }
        var state: String { resolution?.action.rawValue ?? "pending" }

        func jsonObject() throws -> Any {
            let data = try EventCodec.encodeValue(letter)
            var object: [String: Any] = [
                "id": letter.eventID, "state": state, "dlqPartition": Int(partition), "dlqOffset": offset,
                "occurredAt": RFC3339Time.format(occurredAt), "data": try JSONSerialization.jsonObject(with: Data(data)),
            ]
            if let resolution { object["resolvedAt"] = RFC3339Time.format(resolution.at) }
            return object
        }
    }

    /// Reads alerts.dlq to its current end (from `since` when given), and alerts.dlq.resolved
    /// whole; a message that is not a dead letter is skipped with a warning.
    /// - Throws: ``CLIError`` when there are more than the reader's 1,000,000 messages to read.
    static func read(since: Date?, setup: CommandSetup) async throws -> [Entry] {
        try await setup.checkBroker()
        let resolutions = try await readResolutions(setup)
        let reader = RetainedTopicReader(
            client: setup.kafka.client("newsflash-dlq"), topic: Topics.alertsDLQ, maximumMessages: 1_000_000, logger: setup.logger)
        let (messages, truncated) = try await reader.collect(from: since.map { .time($0) } ?? .beginning)
        if truncated { throw CLIError("\(Topics.alertsDLQ) holds more than 1,000,000 messages from there: narrow it with --since") }
        var entries: [Entry] = []
        for message in messages {
            do {
                let envelope = try EventCodec.decode(DeadLetter.self, from: message.value)
                entries.append(Entry(message: message, occurredAt: envelope.occurredAt, letter: envelope.data, resolution: resolutions[envelope.data.eventID]))
            } catch {
                setup.logger.warning("skipping a message on \(Topics.alertsDLQ) that is not a dead letter", metadata: [
                    "partition": "\(message.partition)", "offset": "\(message.offset)", "error": "\(error)",
                ])
            }
        }
        return entries.sorted { ($0.letter.deadLetteredAt, $0.partition, $0.offset) < ($1.letter.deadLetteredAt, $1.partition, $1.offset) }
    }

    /// The latest resolution of each letter; none before `topics init` made the topic.
    private static func readResolutions(_ setup: CommandSetup) async throws -> [String: Resolution] {
        let reader = RetainedTopicReader(
            client: setup.kafka.client("newsflash-dlq"), topic: Topics.alertsDLQResolved, maximumMessages: 10_000_000, logger: setup.logger)
        let messages: [KafkaConsumerMessage]
        do {
            messages = try await reader.collect(from: .beginning).messages
        } catch let error as KafkaError where error.code == .unknownTopicOrPartition {
            return [:]
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        var resolutions: [String: Resolution] = [:]
        for message in messages {
            guard let key = message.key.map({ String(decoding: $0, as: UTF8.self) }) else { continue }
            resolutions[key] = try? decoder.decode(Resolution.self, from: Data(message.value))
        }
        return resolutions
    }

    /// The pending letters named by `ids` (every one must exist and be pending), or, without ids,
    /// the pending letters that `keep` accepts.
    static func choose(ids: [String], since: Date?, setup: CommandSetup, keep: (Entry) -> Bool) async throws -> [Entry] {
        let pending = try await read(since: since, setup: setup).filter { $0.resolution == nil }
        guard !ids.isEmpty else { return pending.filter(keep) }
        var byID: [String: Entry] = [:]
        for entry in pending { byID[entry.letter.eventID] = entry }
        return try ids.map { id in
            guard let entry = byID[id] else { throw CLIError("no pending dead letter \(id) on \(Topics.alertsDLQ) (newsflash dlq list --all shows them)") }
            return entry
        }
    }

    static func resolution(_ entry: Entry, _ action: Resolution.Action) throws -> KafkaProducerMessage {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        encoder.outputFormatting = .sortedKeys
        return KafkaProducerMessage(
            topic: Topics.alertsDLQResolved, key: entry.letter.eventID, value: Array(try encoder.encode(Resolution(action: action, at: Date()))))
    }

    static func report(_ entry: Entry, state: String, json: Bool, extra: [String: String]) throws {
        if json {
            try printJSONLine((["id": entry.letter.eventID, "state": state] as [String: String]).merging(extra) { $1 })
        } else {
            print("\(state) \(entry.letter.eventID)\(extra["deliveryId"].map { " (delivery \($0))" } ?? "")")
        }
    }
}
