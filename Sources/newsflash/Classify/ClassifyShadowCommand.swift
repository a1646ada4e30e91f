import ArgumentParser
import Classifier
import ClassifyStage
import Foundation
import NewsModel
import Pipeline

/// `newsflash classify shadow`: a candidate classifier over the retained stream, compared with
/// the current one, publishing nothing.
struct ClassifyShadowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shadow",
        abstract: "Run a candidate classifier over retained news.raw items and print where its tags differ from the current one.",
        discussion: RetainedItemsOptions.discussion + """
             The current classifier is the bundled one (or --model/--taxonomy); the candidate is \
            --candidate (a topic model from `classify train`) and/or --candidate-taxonomy.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var current: ClassifierOptions

    @OptionGroup var retained: RetainedItemsOptions
    @Option(help: "The candidate's topic model JSON file.") var candidate: String?
    @Option(help: "The candidate's taxonomy JSON file.") var candidateTaxonomy: String?
    @Flag(help: "Print one JSON object per differing item.") var json = false

    func validate() throws {
        guard candidate != nil || candidateTaxonomy != nil else { throw ValidationError("give --candidate and/or --candidate-taxonomy") }
    }

    func run() async throws {
        let setup = try global.setup("newsflash.classify-shadow")
        let currentStage = ClassifyProcessor(classifier: try current.makeClassifier())
        let candidateResources = try ClassifierResources.bundled(
            taxonomyFile: (candidateTaxonomy ?? current.taxonomy).map { URL(fileURLWithPath: $0) },
            topicModelFile: (candidate ?? current.model).map { URL(fileURLWithPath: $0) }, withTopicModel: true)
        let candidateStage = ClassifyProcessor(classifier: NewsClassifier(resources: candidateResources))

        let now = Date()
        let comparison = Comparison(json: json)
        let skipped = try await retained.read(setup, client: "newsflash-shadow") { item in
            await comparison.compare(item, before: currentStage.classify(item, at: now), after: candidateStage.classify(item, at: now))
        }
        var tally = await comparison.finish()
        tally.undecodable = skipped
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

    /// The running comparison: counts, and the differing items printed 64 lines at a time.
    actor Comparison {
        let json: Bool
        private var tally = Tally()
        private var lines: [String] = []

        init(json: Bool) {
            self.json = json
        }

        /// Compares one item.
        func compare(_ item: NewsItem, before: ClassifiedItem, after: ClassifiedItem) {
            tally.compared += 1
            let changed = (before.regions.map(\.label) != after.regions.map(\.label), before.topics.first?.label != after.topics.first?.label,
                           before.urgency != after.urgency)
            if changed.0 { tally.regionChanges += 1 }
            if changed.1 { tally.topicChanges += 1 }
            if changed.2 { tally.urgencyChanges += 1 }
            if changed.0 || changed.1 || changed.2 {
                tally.differing += 1
                lines.append(ClassifyShadowCommand.describe(item, before: before, after: after, json: json))
                if lines.count >= 64 {
                    print(lines.joined(separator: "\n"))
                    lines.removeAll()
                }
            }
        }

        func finish() -> Tally {
            if !lines.isEmpty { print(lines.joined(separator: "\n")) }
            lines.removeAll()
            return tally
        }
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
