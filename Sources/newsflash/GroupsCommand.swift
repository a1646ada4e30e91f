import ArgumentParser
import Foundation
import NewsModel
import Pipeline
import RdKafka

/// `newsflash groups`: the consumer groups of the pipeline's stages, as kafka-consumer-groups
/// shows them: where each group stands on each partition, how far behind it is, who owns what.
struct GroupsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups",
        abstract: "Inspect consumer groups: committed offsets, end offsets, lag and members.",
        discussion: """
            Lag is the end offset (checked against the records) minus the committed offset; a partition the group \
            has not committed on counts from its first kept offset. OLDEST-UNPROCESSED is the age of the record at \
            the committed offset: how far behind the group is in time. Exit codes: 0 done; 1 no such group, or the \
            broker cannot be reached; 64 bad usage.
            """,
        subcommands: [List.self, Describe.self, Reset.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the consumer groups the broker knows, with their state and member count.",
            discussion: """
                Examples:
                  newsflash groups list
                  newsflash groups list --json | jq -r 'select(.members == 0) | .group'
                """)

        @OptionGroup var global: GlobalOptions

        @Flag(help: "One JSON object per group and line: group, state, protocol, members.") var json = false

        func run() async throws {
            let groups = try await global.setup("newsflash.groups").withAdmin { try await $0.listGroups() }
            if !json { print("GROUP\tSTATE\tPROTOCOL\tMEMBERS") }
            for group in groups {
                if json {
                    try printJSONLine([
                        "group": group.name, "state": group.state, "protocol": group.assignmentProtocol, "members": group.members.count,
                    ])
                } else {
                    print("\(group.name)\t\(group.state)\t\(group.assignmentProtocol.isEmpty ? "-" : group.assignmentProtocol)\t\(group.members.count)")
                }
            }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a group's committed offset, end offset and lag on each partition, and which member owns it.",
            discussion: """
                Examples:
                  newsflash groups describe newsflash-classify
                  newsflash groups describe newsflash-match --json | jq '.partitions[] | select(.lag > 0)'
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The consumer group, e.g. newsflash-classify.") var group: String

        @Flag(help: "One JSON object: group, state, members (with their partitions) and partitions (committed, end, lag, owner).")
        var json = false

        func run() async throws {
            let setup = try global.setup("newsflash.groups")
            let report = try await setup.withAdmin { try await GroupReport.read(group, from: $0, setup: setup) }
            try report.print(json: json)
        }
    }
}

extension GroupsCommand {
    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a stopped group's committed offsets: to the start or end, an offset, a shift or a time.",
            discussion: """
                Refuses while the group has members, as kafka-consumer-groups does: stop the stage's processes first. \
                Without --topic, the partitions the group has committed on. Offsets are kept within each partition's \
                first and end offset. --dry-run prints the before/after table and changes nothing; --execute makes the \
                change and prints the table. Exit codes: 0 done; 1 the group has members, no partitions to reset, or \
                the broker cannot be reached; 64 bad usage.

                Examples (after stopping the classify stage):
                  newsflash groups reset newsflash-classify --to-datetime 2026-12-03T08:00:00Z --dry-run
                  newsflash groups reset newsflash-classify --shift-by -100 --topic news.raw --execute
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The consumer group, e.g. newsflash-classify.") var group: String
        @Flag(help: "Each partition's first kept offset.") var toEarliest = false
        @Flag(help: "Each partition's end offset (skip everything not yet processed).") var toLatest = false
        @Option(help: "This offset on every partition.") var toOffset: Int64?
        @Option(help: "The committed offset plus N (negative: back).") var shiftBy: Int64?
        @Option(help: "The first message at or after this RFC 3339 time.") var toDatetime: String?
        @Option(help: "Reset every partition of this topic (default: the partitions the group has committed on).") var topic: String?
        @Flag(help: "Print what would change; change nothing.") var dryRun = false
        @Flag(help: "Make the change.") var execute = false
        @Flag(help: "One JSON object: group, executed, and per partition the current and new offset.") var json = false

        enum Target {
            case earliest, latest, offset(Int64), shift(Int64), time(Date)
        }

        func target() throws -> Target {
            var targets: [Target] = []
            if toEarliest { targets.append(.earliest) }
            if toLatest { targets.append(.latest) }
            if let toOffset { targets.append(.offset(toOffset)) }
            if let shiftBy { targets.append(.shift(shiftBy)) }
            if let toDatetime {
                guard let time = RFC3339Time.parse(toDatetime) else { throw ValidationError("--to-datetime must be an RFC 3339 time, got '\(toDatetime)'") }
                targets.append(.time(time))
            }
            guard targets.count == 1 else {
                throw ValidationError("give exactly one of --to-earliest, --to-latest, --to-offset, --shift-by, --to-datetime")
            }
            return targets[0]
        }

        func validate() throws {
            _ = try target()
            guard dryRun != execute else { throw ValidationError("give exactly one of --dry-run and --execute") }
        }

        func run() async throws {
            let target = try target()
            let setup = try global.setup("newsflash.groups")
            let plan = try await setup.withAdmin { admin in
                let plan = try await ResetPlan.make(group: group, topic: topic, target: target, admin: admin, setup: setup)
                if execute { _ = try await admin.alterGroupOffsets(group, to: plan.rows.map(\.newPosition)) }
                return plan
            }
            try ResetReport(plan: plan, executed: execute).print(json: json)
        }
    }
}

/// What `groups reset` moves: per partition, the committed offset and the new one.
struct ResetPlan {
    struct Row {
        var partition: KafkaTopicPartition
        var current: Int64?
        var new: Int64
        var newPosition: KafkaTopicPartitionOffset { KafkaTopicPartitionOffset(topic: partition.topic, partition: partition.partition, offset: new) }
    }

    var group: String
    var rows: [Row]

    /// - Throws: ``CLIError`` while the group has members, or when there is nothing to reset.
    static func make(
        group: String, topic: String?, target: GroupsCommand.Reset.Target, admin: KafkaAdmin, setup: CommandSetup
    ) async throws -> ResetPlan {
        if let description = try await admin.listGroups().first(where: { $0.name == group }), !description.members.isEmpty {
            throw CLIError(
                "group \(group) has \(description.members.count) active member\(description.members.count == 1 ? "" : "s"): "
                    + "stop its processes first (a live group would overwrite the reset)")
        }
        var committed: [KafkaTopicPartition: Int64] = [:]
        for position in try await admin.groupOffsets(group) where position.offset >= 0 {
            committed[position.topicPartition] = position.offset
        }
        var partitions: [KafkaTopicPartition]
        if let topic {
            guard let description = try await admin.listTopics(includeInternal: true).first(where: { $0.name == topic }) else {
                throw CLIError("no topic named \(topic)")
            }
            partitions = description.partitions.map { KafkaTopicPartition(topic: topic, partition: $0.id) }
        } else {
            partitions = committed.keys.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
            guard !partitions.isEmpty else { throw CLIError("group \(group) has committed on no partition: name one with --topic") }
        }
        var watermarks: [KafkaTopicPartition: (low: Int64, high: Int64)] = [:]
        for partition in partitions { watermarks[partition] = try await admin.watermarks(for: partition) }
        for (partition, end) in try await setup.verifiedEnds(watermarks.mapValues(\.high)) { watermarks[partition]?.high = end }
        var byTime: [KafkaTopicPartition: Int64] = [:]
        if case .time(let time) = target { byTime = try await exactOffsets(at: time, partitions: partitions, setup: setup) }
        var rows: [Row] = []
        for partition in partitions {
            let (low, high) = watermarks[partition] ?? (0, 0)
            let current = committed[partition]
            let wanted: Int64 = switch target {
            case .earliest: low
            case .latest: high
            case .offset(let offset): offset
            case .shift(let shift): (current ?? low) + shift
            case .time: byTime[partition] ?? high
            }
            rows.append(Row(partition: partition, current: current, new: min(max(wanted, low), high)))
        }
        return ResetPlan(group: group, rows: rows)
    }

    /// The first offset at or after `time` on each partition (its end offset when there is none),
    /// checked against the records' own timestamps: some brokers answer an earlier offset (Tansu
    /// answers by when it stored a batch, and 0 for a time after the last record).
    static func exactOffsets(at time: Date, partitions: [KafkaTopicPartition], setup: CommandSetup) async throws -> [KafkaTopicPartition: Int64] {
        var result: [KafkaTopicPartition: Int64] = [:]
        for (topic, inTopic) in Dictionary(grouping: partitions, by: \.topic) {
            let reader = RetainedTopicReader(client: setup.kafka.client("newsflash-groups-reset"), topic: topic, logger: setup.logger)
            // The broker's offsets for the time, checked against the records (OffsetForTime).
            let bounds = try await reader.bounds(at: time)
            for partition in inTopic { result[partition] = bounds[partition.partition]?.atTime }
        }
        return result
    }
}

struct ResetReport: CommandReport {
    var plan: ResetPlan
    var executed: Bool

    var table: String {
        var lines = [executed ? "group \(plan.group): offsets reset" : "group \(plan.group): dry run, nothing changed (add --execute to reset)"]
        lines.append("TOPIC\tPARTITION\tCURRENT\tNEW")
        for row in plan.rows {
            lines.append("\(row.partition.topic)\t\(row.partition.partition)\t\(row.current.map { "\($0)" } ?? "-")\t\(row.new)")
        }
        return lines.joined(separator: "\n")
    }

    var jsonObject: [String: Any] {
        [
            "group": plan.group, "executed": executed,
            "partitions": plan.rows.map { row in
                [
                    "topic": row.partition.topic, "partition": Int(row.partition.partition),
                    "current": row.current.map { $0 as Any } ?? NSNull(), "new": row.new,
                ] as [String: Any]
            },
        ]
    }
}

/// Where a consumer group stands: its members and, per partition it committed on or owns, the
/// committed offset, the end offset and the lag.
struct GroupReport: CommandReport {
    struct Position {
        var partition: KafkaTopicPartition
        /// nil when the group has not committed on the partition.
        var committed: Int64?
        var low: Int64
        var end: Int64
        /// The member that owns the partition, if one does.
        var owner: String?
        /// When the oldest message the group has not processed was written (nil without lag).
        var oldestUnprocessedAt: Date?

        /// Messages the group has not processed yet.
        var lag: Int64 { max(0, end - (committed ?? low)) }
    }

    var group: String
    var state: String
    var members: [KafkaGroupDescription.Member]
    var positions: [Position]

    var totalLag: Int64 { positions.reduce(0) { $0 + $1.lag } }

    /// The oldest unprocessed message over all partitions.
    var oldestUnprocessedAt: Date? { positions.compactMap(\.oldestUnprocessedAt).min() }

    /// - Throws: ``CLIError`` when the broker knows no such group.
    /// - Parameter ages: also find the oldest unprocessed message (a read per lagging partition).
    static func read(_ group: String, from admin: KafkaAdmin, setup: CommandSetup, ages: Bool = true) async throws -> GroupReport {
        guard let description = try await admin.listGroups().first(where: { $0.name == group }) else {
            throw CLIError("no consumer group named \(group) (newsflash groups list shows them)")
        }
        var owners: [KafkaTopicPartition: String] = [:]
        for member in description.members {
            for partition in member.assignment { owners[partition] = member.id }
        }
        var committed: [KafkaTopicPartition: Int64] = [:]
        for position in try await admin.groupOffsets(group) where position.offset >= 0 {
            committed[position.topicPartition] = position.offset
        }
        // Every partition of the topics the group has committed on or owns part of, as
        // kafka-consumer-groups shows them: a partition not committed on yet is all lag.
        var partitions = Set(committed.keys).union(owners.keys)
        let topics = Set(partitions.map(\.topic))
        for topic in try await admin.listTopics(includeInternal: true) where topics.contains(topic.name) {
            for partition in topic.partitions { partitions.insert(KafkaTopicPartition(topic: topic.name, partition: partition.id)) }
        }
        var watermarks: [KafkaTopicPartition: (low: Int64, high: Int64)] = [:]
        for partition in partitions { watermarks[partition] = try await admin.watermarks(for: partition) }
        let ends = try await setup.verifiedEnds(watermarks.mapValues(\.high))
        var positions: [Position] = []
        for partition in partitions.sorted(by: { ($0.topic, $0.partition) < ($1.topic, $1.partition) }) {
            let low = watermarks[partition]?.low ?? 0
            positions.append(Position(partition: partition, committed: committed[partition], low: low, end: ends[partition] ?? low, owner: owners[partition]))
        }
        // The age of the oldest unprocessed message: the record at the committed offset.
        let lagging = ages ? positions.filter { $0.lag > 0 } : []
        let times = try await setup.recordTimes(at: Dictionary(uniqueKeysWithValues: lagging.map { ($0.partition, max($0.committed ?? $0.low, $0.low)) }))
        for index in positions.indices { positions[index].oldestUnprocessedAt = positions[index].lag > 0 ? times[positions[index].partition] : nil }
        return GroupReport(group: group, state: description.state, members: description.members, positions: positions)
    }

    var table: String {
        var lines = ["group \(group): \(state), \(members.count) member\(members.count == 1 ? "" : "s"), total lag \(totalLag)"
            + (oldestUnprocessedAt.map { ", oldest unprocessed message \(ageText($0)) old" } ?? "")]
        lines.append("TOPIC\tPARTITION\tCOMMITTED\tEND\tLAG\tOLDEST-UNPROCESSED\tOWNER")
        for position in positions {
            lines.append([
                position.partition.topic, "\(position.partition.partition)", position.committed.map { "\($0)" } ?? "-", "\(position.end)",
                "\(position.lag)", ageText(position.oldestUnprocessedAt), position.owner ?? "-",
            ].joined(separator: "\t"))
        }
        for member in members {
            let owned = member.assignment.map { "\($0.topic)[\($0.partition)]" }.joined(separator: ",")
            lines.append("member \(member.id): client \(member.clientID), host \(member.host), partitions \(owned.isEmpty ? "-" : owned)")
        }
        return lines.joined(separator: "\n")
    }

    var jsonObject: [String: Any] {
        [
            "group": group, "state": state, "totalLag": totalLag,
            "oldestUnprocessedAt": oldestUnprocessedAt.map { RFC3339Time.format($0) as Any } ?? NSNull(),
            "members": members.map { member in
                [
                    "id": member.id, "clientId": member.clientID, "host": member.host,
                    "partitions": member.assignment.map { ["topic": $0.topic, "partition": Int($0.partition)] },
                ] as [String: Any]
            },
            "partitions": positions.map { position in
                [
                    "topic": position.partition.topic, "partition": Int(position.partition.partition),
                    "committed": position.committed.map { $0 as Any } ?? NSNull(), "end": position.end, "lag": position.lag,
                    "owner": position.owner.map { $0 as Any } ?? NSNull(),
                    "oldestUnprocessedAt": position.oldestUnprocessedAt.map { RFC3339Time.format($0) as Any } ?? NSNull(),
                ] as [String: Any]
            },
        ]
    }
}

/// What an inspecting command prints: a table for people, one JSON object for scripts.
protocol CommandReport {
    var table: String { get }
    var jsonObject: [String: Any] { get }
}

extension CommandReport {
    func print(json: Bool) throws {
        if json {
            try printJSONLine(jsonObject)
        } else {
            Swift.print(table)
        }
    }
}

extension CommandSetup {
    /// End offsets checked against the records (``RetainedTopicReader/verifiedEnds(_:)``): the
    /// local broker reports one past the first offset of a partition's last batch.
    func verifiedEnds(_ highs: [KafkaTopicPartition: Int64]) async throws -> [KafkaTopicPartition: Int64] {
        var ends = highs
        for topic in Set(highs.keys.map(\.topic)) {
            let reader = RetainedTopicReader(client: kafka.client("newsflash-ends"), topic: topic, logger: logger)
            let reported = Dictionary(uniqueKeysWithValues: highs.filter { $0.key.topic == topic }.map { ($0.key.partition, $0.value) })
            for (partition, end) in try await reader.verifiedEnds(reported) { ends[KafkaTopicPartition(topic: topic, partition: partition)] = end }
        }
        return ends
    }

    /// The timestamp of the first record at each position (none where nothing is there).
    func recordTimes(at positions: [KafkaTopicPartition: Int64]) async throws -> [KafkaTopicPartition: Date] {
        var times: [KafkaTopicPartition: Date] = [:]
        for topic in Set(positions.keys.map(\.topic)) {
            let reader = RetainedTopicReader(client: kafka.client("newsflash-ends"), topic: topic, logger: logger)
            let offsets = Dictionary(uniqueKeysWithValues: positions.filter { $0.key.topic == topic }.map { ($0.key.partition, $0.value) })
            for (partition, message) in try await reader.firstRecords(at: offsets) {
                guard let milliseconds = message.timestampMilliseconds else { continue }
                times[KafkaTopicPartition(topic: topic, partition: partition)] = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            }
        }
        return times
    }
}

/// "4m12s": how long ago, for a person.
func ageText(_ date: Date?, now: Date = Date()) -> String {
    guard let date else { return "-" }
    let seconds = max(0, Int(now.timeIntervalSince(date)))
    if seconds < 60 { return "\(seconds)s" }
    if seconds < 3600 { return "\(seconds / 60)m\(seconds % 60)s" }
    if seconds < 86_400 { return "\(seconds / 3600)h\(seconds % 3600 / 60)m" }
    return "\(seconds / 86_400)d\(seconds % 86_400 / 3600)h"
}

/// Prints `object` as one line of JSON, keys sorted.
func printJSONLine(_ object: Any) throws {
    print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
}

