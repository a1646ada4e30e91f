import ArgumentParser
import Foundation
import NewsModel
import Pipeline
import RdKafka

/// `newsflash topics init|list|describe`.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Create and inspect the pipeline's Kafka topics.",
        subcommands: [Init.self, List.self, Describe.self])

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the pipeline topics; topics that exist are left as they are.")

        @OptionGroup var global: GlobalOptions

        @Option(help: "Partitions per topic (subscriptions.changes always has 1).") var partitions: Int32 = 4
        @Option(help: "Replicas per partition; -1 uses the broker's default.") var replicationFactor: Int32 = -1

        func validate() throws {
            guard (1...1024).contains(partitions) else { throw ValidationError("--partitions must be 1...1024") }
            guard replicationFactor == -1 || (1...16).contains(replicationFactor) else {
                throw ValidationError("--replication-factor must be -1 or 1...16")
            }
        }

        func run() async throws {
            let plan = TopicPlan.specifications(partitions: partitions, replicationFactor: replicationFactor)
            let (outcome, existing) = try await global.setup("newsflash.topics").withAdmin { admin in
                (try await admin.createTopics(plan), try await admin.listTopics())
            }
            for spec in plan {
                let partitionCount = existing.first { $0.name == spec.name }?.partitions.count ?? 0
                let verb = outcome[spec.name] == .created ? "created" : "exists "
                print("\(verb) \(spec.name) (\(partitionCount) partitions)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List topics with their partition counts.")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Also show internal topics (names starting with __).") var all = false
        @Flag(help: "Print JSON lines: {\"name\", \"partitions\"}.") var json = false

        func run() async throws {
            let topics = try await global.setup("newsflash.topics").withAdmin { try await $0.listTopics(includeInternal: all) }
            let pipeline = Set(Topics.pipeline)
            for topic in topics {
                if json {
                    print("{\"name\":\"\(topic.name)\",\"partitions\":\(topic.partitions.count),\"pipeline\":\(pipeline.contains(topic.name))}")
                } else {
                    print("\(topic.name)\t\(topic.partitions.count)\(pipeline.contains(topic.name) ? "\tpipeline" : "")")
                }
            }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a topic's partitions (leader, replicas, first and end offset, messages), retention and configuration.",
            discussion: """
                Messages per partition are the end offset minus the first offset still kept: exact for a topic that \
                is deleted by time or size, an upper bound for a compacted one. Exit codes: 0 done; 1 no such topic, \
                or the broker cannot be reached; 64 bad usage.

                Examples:
                  newsflash topics describe alerts.dlq
                  newsflash topics describe news.raw --json | jq '.partitions[].messages'
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The topic.") var topic: String

        @Flag(help: "One JSON object: name, partitions (id, leader, replicas, inSyncReplicas, low, high, messages), retention, configs.")
        var json = false

        func run() async throws {
            let setup = try global.setup("newsflash.topics")
            let report = try await setup.withAdmin { try await TopicReport.read(topic, from: $0, setup: setup) }
            try report.print(json: json)
        }
    }
}

/// A topic as `topics describe` shows it: its partitions with their offsets, and its settings.
struct TopicReport: CommandReport {
    struct Partition {
        var description: KafkaTopicDescription.Partition
        var low: Int64
        var high: Int64
        var messages: Int64 { max(0, high - low) }
    }

    var name: String
    var partitions: [Partition]
    /// The topic's configuration; nil when the broker does not answer DescribeConfigs.
    var configs: [String: String]?

    /// - Throws: ``CLIError`` when there is no such topic.
    static func read(_ topic: String, from admin: KafkaAdmin, setup: CommandSetup) async throws -> TopicReport {
        guard let description = try await admin.listTopics(includeInternal: true).first(where: { $0.name == topic }) else {
            throw CLIError("no topic named \(topic) (newsflash topics list shows them)")
        }
        var watermarks: [KafkaTopicPartition: (low: Int64, high: Int64)] = [:]
        for partition in description.partitions {
            let id = KafkaTopicPartition(topic: topic, partition: partition.id)
            watermarks[id] = try await admin.watermarks(for: id)
        }
        let ends = try await setup.verifiedEnds(watermarks.mapValues(\.high))
        var partitions: [Partition] = []
        for partition in description.partitions {
            let id = KafkaTopicPartition(topic: topic, partition: partition.id)
            let low = watermarks[id]?.low ?? 0
            partitions.append(Partition(description: partition, low: low, high: ends[id] ?? low))
        }
        let configs = try? await admin.topicConfigs(topic)
        return TopicReport(name: topic, partitions: partitions, configs: configs)
    }

    /// The settings that say how long messages are kept.
    var retention: [String: String] {
        (configs ?? [:]).filter { ["cleanup.policy", "retention.ms", "retention.bytes"].contains($0.key) }
    }

    var table: String {
        let total = partitions.reduce(0) { $0 + $1.messages }
        var lines = ["topic \(name): \(partitions.count) partitions, \(total) messages"]
        lines.append("PARTITION\tLEADER\tREPLICAS\tIN-SYNC\tFIRST\tEND\tMESSAGES")
        for partition in partitions {
            let description = partition.description
            lines.append([
                "\(description.id)", "\(description.leader)", description.replicas.map(String.init).joined(separator: ","),
                description.inSyncReplicas.map(String.init).joined(separator: ","), "\(partition.low)", "\(partition.high)", "\(partition.messages)",
            ].joined(separator: "\t"))
        }
        if let configs {
            let retention = self.retention
            lines.append("retention: " + (retention.isEmpty ? "broker defaults" : retention.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")))
            for (key, value) in configs.sorted(by: { $0.key < $1.key }) { lines.append("  \(key)=\(value)") }
        } else {
            lines.append("(configuration not available from this broker)")
        }
        return lines.joined(separator: "\n")
    }

    var jsonObject: [String: Any] {
        [
            "name": name,
            "partitions": partitions.map { partition in
                [
                    "id": Int(partition.description.id), "leader": Int(partition.description.leader),
                    "replicas": partition.description.replicas.map(Int.init), "inSyncReplicas": partition.description.inSyncReplicas.map(Int.init),
                    "low": partition.low, "high": partition.high, "messages": partition.messages,
                ] as [String: Any]
            },
            "retention": retention,
            "configs": configs.map { $0 as Any } ?? NSNull(),
        ]
    }
}
