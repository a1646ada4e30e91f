import ArgumentParser
import Foundation
import RdKafka

/// `newsflash groups`: the consumer groups of the pipeline's stages, as kafka-consumer-groups
/// shows them: where each group stands on each partition, how far behind it is, who owns what.
struct GroupsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups",
        abstract: "Inspect consumer groups: committed offsets, end offsets, lag and members.",
        discussion: """
            Lag is the end offset (high watermark) minus the committed offset; a partition the group has \
            not committed on counts from its first kept offset. Exit codes: 0 done; 1 no such group, or the \
            broker cannot be reached; 64 bad usage.
            """,
        subcommands: [List.self, Describe.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the consumer groups the broker knows, with their state and member count.",
            discussion: """
                Examples:
                  newsflash groups list
                  newsflash groups list --json | jq -r 'select(.members == 0) | .group'
                """)

        @OptionGroup var global: GlobalOptions

        @Flag(help: "One JSON object per group and line: group, state, protocol, members.")
        var json = false

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

        @Argument(help: "The consumer group, e.g. newsflash-classify.")
        var group: String

        @Flag(help: "One JSON object: group, state, members (with their partitions) and partitions (committed, end, lag, owner).")
        var json = false

        func run() async throws {
            let report = try await global.setup("newsflash.groups").withAdmin { try await GroupReport.read(group, from: $0) }
            try report.print(json: json)
        }
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

        /// Messages the group has not processed yet.
        var lag: Int64 { max(0, end - (committed ?? low)) }
    }

    var group: String
    var state: String
    var members: [KafkaGroupDescription.Member]
    var positions: [Position]

    var totalLag: Int64 { positions.reduce(0) { $0 + $1.lag } }

    /// - Throws: ``CLIError`` when the broker knows no such group.
    static func read(_ group: String, from admin: KafkaAdmin) async throws -> GroupReport {
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
        var positions: [Position] = []
        for partition in partitions.sorted(by: { ($0.topic, $0.partition) < ($1.topic, $1.partition) }) {
            let (low, high) = try await admin.watermarks(for: partition)
            positions.append(Position(partition: partition, committed: committed[partition], low: low, end: high, owner: owners[partition]))
        }
        return GroupReport(group: group, state: description.state, members: description.members, positions: positions)
    }

    var table: String {
        var lines = ["group \(group): \(state), \(members.count) member\(members.count == 1 ? "" : "s"), total lag \(totalLag)"]
        lines.append("TOPIC\tPARTITION\tCOMMITTED\tEND\tLAG\tOWNER")
        for position in positions {
            lines.append([
                position.partition.topic, "\(position.partition.partition)", position.committed.map { "\($0)" } ?? "-", "\(position.end)",
                "\(position.lag)", position.owner ?? "-",
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

/// Prints `object` as one line of JSON, keys sorted.
func printJSONLine(_ object: Any) throws {
    print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
}
