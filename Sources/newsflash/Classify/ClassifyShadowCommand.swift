import ArgumentParser
import Classifier
import ClassifyStage
import Foundation
import NewsModel
import RdKafka

/// `newsflash classify shadow`: a candidate classifier over the retained stream, compared with
/// the current one, publishing nothing.
struct ClassifyShadowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shadow",
        abstract: "Run a candidate classifier over retained news.raw items and print where its tags differ from the current one.",
        discussion: """
            Reads the topic from --since (an RFC 3339 time, checked against record timestamps, or \
            'beginning') up to the end as it was when the command started; publishes nothing and \
            joins no consumer group. The current classifier is the bundled one (or --model/--taxonomy); \
            the candidate is --candidate (a topic model from `classify train`) and/or --candidate-taxonomy.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var current: ClassifierOptions

    @Option(help: "Where to start: an RFC 3339 time or 'beginning'.")
    var since: String

    @Option(help: "The candidate's topic model JSON file.")
    var candidate: String?

    @Option(help: "The candidate's taxonomy JSON file.")
    var candidateTaxonomy: String?

    @Option(help: "Topic to read.")
    var topic: String = Topics.newsRaw

    @Option(help: "Stop after this many items.")
    var max: Int = 100_000

    @Flag(help: "Print one JSON object per differing item.")
    var json = false

    func validate() throws {
        guard candidate != nil || candidateTaxonomy != nil else { throw ValidationError("give --candidate and/or --candidate-taxonomy") }
        guard since == "beginning" || RFC3339Time.parse(since) != nil else { throw ValidationError("--since must be an RFC 3339 time or 'beginning'") }
        guard max > 0 else { throw ValidationError("--max must be positive") }
    }

    func run() async throws {
        let logger = global.makeLogger("newsflash.classify-shadow")
        let currentStage = ClassifyProcessor(classifier: try current.makeClassifier())
        let candidateResources = try ClassifierResources.bundled(
            taxonomyFile: (candidateTaxonomy ?? current.taxonomy).map { URL(fileURLWithPath: $0) },
            topicModelFile: (candidate ?? current.model).map { URL(fileURLWithPath: $0) }, withTopicModel: true)
        let candidateStage = ClassifyProcessor(classifier: NewsClassifier(resources: candidateResources))

        let admin = try await global.connectedAdmin(logger: logger)
        let described = try await admin.listTopics().first { $0.name == topic }
        await admin.close()
        guard let description = described else { throw CLIError("no topic named \(topic)") }
        let partitions = description.partitions.map { KafkaTopicPartition(topic: topic, partition: $0.id) }
        var configuration = KafkaConsumerConfiguration(
            client: global.kafkaClient("newsflash-shadow"), groupID: "newsflash-shadow-\(UUID().uuidString.prefix(8))",
            subscription: .partitions(partitions.map { KafkaTopicPartitionOffset(topic: topic, partition: $0.partition, offset: KafkaTopicPartitionOffset.beginning) }))
        configuration.isAutoCommitEnabled = false
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        // The end as it is now: stop when every partition reached it.
        var ends: [Int32: Int64] = [:]
        for partition in partitions { ends[partition.partition] = try await consumer.watermarks(for: partition).high }
        if let time = RFC3339Time.parse(since) {
            try await consumer.seek(toTimestampMilliseconds: Int64((time.timeIntervalSince1970 * 1000).rounded()), partitions: partitions)
        }
        let initiallyPending = Set(ends.filter { $0.value > 0 }.map(\.key))
        let now = Date()
        let stream = consumer.messages
        let idle = IdleClock()
        let (limit, asJSON, finalEnds) = (max, json, ends)
        let reader = Task { () async throws -> Tally in
            var tally = Tally()
            var pending = initiallyPending
            var lines: [String] = []
            for try await message in stream {
                await idle.touch()
                if let end = finalEnds[message.partition], message.offset >= end - 1 { pending.remove(message.partition) }
                guard let item = try? EventCodec.decode(NewsItem.self, from: message.value).data else {
                    tally.undecodable += 1
                    if pending.isEmpty { break } else { continue }
                }
                tally.compared += 1
                let before = currentStage.classify(item, at: now)
                let after = candidateStage.classify(item, at: now)
                let regions = (before.regions.map(\.label), after.regions.map(\.label))
                let topics = (before.topics.first?.label, after.topics.first?.label)
                let changed = (regions.0 != regions.1, topics.0 != topics.1, before.urgency != after.urgency)
                if changed.0 { tally.regionChanges += 1 }
                if changed.1 { tally.topicChanges += 1 }
                if changed.2 { tally.urgencyChanges += 1 }
                if changed.0 || changed.1 || changed.2 {
                    tally.differing += 1
                    lines.append(Self.describe(item, before: before, after: after, json: asJSON))
                    if lines.count >= 64 {
                        print(lines.joined(separator: "\n"))
                        lines.removeAll()
                    }
                }
                if pending.isEmpty || tally.compared >= limit { break }
            }
            if !lines.isEmpty { print(lines.joined(separator: "\n")) }
            return tally
        }
        // Tansu's high watermark can be off after a batch: also stop after 5 s without a message.
        let watchdog = Task {
            while await idle.idleFor() < .seconds(5) { try await Task.sleep(for: .milliseconds(200)) }
            reader.cancel()
        }
        let tally = initiallyPending.isEmpty ? Tally() : try await reader.value
        watchdog.cancel()
        reader.cancel()
        await consumer.close()
        let summary = "shadow: \(tally.compared) items compared, \(tally.differing) differ (regions \(tally.regionChanges), "
            + "top topic \(tally.topicChanges), urgency \(tally.urgencyChanges))"
            + (tally.undecodable > 0 ? ", \(tally.undecodable) undecodable skipped" : "")
        if json {
            print("{\"summary\":{\"compared\":\(tally.compared),\"differ\":\(tally.differing),\"regions\":\(tally.regionChanges),\"topics\":\(tally.topicChanges),\"urgency\":\(tally.urgencyChanges)}}")
        } else {
            print(summary)
        }
    }

    struct Tally: Sendable {
        var compared = 0, differing = 0, regionChanges = 0, topicChanges = 0, urgencyChanges = 0, undecodable = 0
    }

    static func describe(_ item: NewsItem, before: ClassifiedItem, after: ClassifiedItem, json: Bool) -> String {
        if json {
            let object: [String: Any] = [
                "itemId": item.itemId, "title": item.title,
                "current": ["regions": before.regions.map(\.label), "topics": before.topics.map(\.label), "urgency": before.urgency.rawValue],
                "candidate": ["regions": after.regions.map(\.label), "topics": after.topics.map(\.label), "urgency": after.urgency.rawValue],
            ]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
        func list(_ labels: [ScoredLabel]) -> String { labels.map(\.label).joined(separator: ", ") }
        return "\(item.itemId) \(item.title)\n  regions: [\(list(before.regions))] -> [\(list(after.regions))]; "
            + "topics: [\(list(before.topics))] -> [\(list(after.topics))]; urgency: \(before.urgency.rawValue) -> \(after.urgency.rawValue)"
    }
}
