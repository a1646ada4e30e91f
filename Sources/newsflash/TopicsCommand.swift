import ArgumentParser
import Foundation
import NewsModel
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

        @Option(help: "Partitions per topic (subscriptions.changes always has 1).")
        var partitions: Int32 = 4

        @Option(help: "Replicas per partition; -1 uses the broker's default.")
        var replicationFactor: Int32 = -1

        func validate() throws {
            guard (1...1024).contains(partitions) else { throw ValidationError("--partitions must be 1...1024") }
            guard replicationFactor == -1 || (1...16).contains(replicationFactor) else {
                throw ValidationError("--replication-factor must be -1 or 1...16")
            }
        }

        func run() async throws {
            let setup = try global.setup("newsflash.topics")
            let logger = setup.logger
            let admin = try await setup.connectedAdmin()
            let plan = TopicPlan.specifications(partitions: partitions, replicationFactor: replicationFactor)
            let outcome = try await admin.createTopics(plan)
            let existing = try await admin.listTopics()
            await admin.close()
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

        @Flag(help: "Also show internal topics (names starting with __).")
        var all = false

        @Flag(help: "Print JSON lines: {\"name\", \"partitions\"}.")
        var json = false

        func run() async throws {
            let setup = try global.setup("newsflash.topics")
            let logger = setup.logger
            let admin = try await setup.connectedAdmin()
            let topics = try await admin.listTopics(includeInternal: all)
            await admin.close()
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
        static let configuration = CommandConfiguration(abstract: "Show a topic's partitions, leaders and configuration.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The topic.")
        var topic: String

        func run() async throws {
            let setup = try global.setup("newsflash.topics")
            let logger = setup.logger
            let admin = try await setup.connectedAdmin()
            defer { Task { await admin.close() } }
            guard let description = try await admin.listTopics(includeInternal: true).first(where: { $0.name == topic }) else {
                throw CLIError("no topic named \(topic)")
            }
            print("topic \(description.name): \(description.partitions.count) partitions")
            for partition in description.partitions {
                print("  partition \(partition.id): leader \(partition.leader), replicas \(partition.replicas), in sync \(partition.inSyncReplicas)")
            }
            do {
                let configs = try await admin.topicConfigs(topic)
                for (key, value) in configs.sorted(by: { $0.key < $1.key }) { print("  \(key)=\(value)") }
            } catch {
                print("  (configuration not available from this broker: \(error.message))")
            }
        }
    }
}
