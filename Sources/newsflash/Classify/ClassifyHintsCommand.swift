import ArgumentParser
import Classifier
import ClassifyStage
import Foundation
import NewsModel
import Pipeline

/// `newsflash classify hints`: which sources' items name one region so often that the ones naming no
/// place are that region's news, as a suggested `hints.region` for the ingest configuration.
struct ClassifyHintsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hints",
        abstract: "Suggest each source's region hint from the regions its retained news.raw items name.",
        discussion: RetainedItemsOptions.discussion + """
             Each item is classified without its source's hint (its words, \
            URL and categories alone). A source with no region hint yet, at least --min-placed items \
            given a region and some given none, whose leading region is on at least --min-share of \
            the placed ones, is suggested that region as `hints.region`: a national outlet's story \
            that names no place is its country's news. The suggestion is for an operator to review; \
            nothing is changed. Every source's tally is printed with --all.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var classifier: ClassifierOptions

    @OptionGroup var retained: RetainedItemsOptions
    @Option(help: "Suggest only for a source with at least this many items given a region.") var minPlaced: Int = 5
    @Option(help: "Suggest only when the leading region is on at least this share of them (0 to 1).") var minShare: Double = 0.8
    @Flag(help: "Print every source's tally, not only the suggestions.") var all = false
    @Flag(help: "Print one JSON object per line.") var json = false

    func validate() throws {
        guard minPlaced >= 1 else { throw ValidationError("--min-placed must be at least 1") }
        guard minShare > 0, minShare <= 1 else { throw ValidationError("--min-share must be above 0 and at most 1") }
    }

    func run() async throws {
        let setup = try global.setup("newsflash.classify-hints")
        let stage = ClassifyProcessor(classifier: try classifier.makeClassifier())
        let tally = Tally()
        let now = Date()
        let undecodable = try await retained.read(setup, client: "newsflash-hints") { item in
            var unhinted = item
            unhinted.hints = nil
            let regions = stage.classify(unhinted, at: now).regions.map(\.label)
            await tally.add(sourceId: item.sourceId, regions: regions, configuredHint: item.hints?.region)
        }
        let profiles = await tally.profiles
        let sources = profiles.all
        let read = sources.reduce(0) { $0 + $1.items }
        let suggestions = profiles.suggestions(minimumPlaced: minPlaced, minimumShare: minShare)
        let suggested = Dictionary(uniqueKeysWithValues: suggestions.map { ($0.sourceId, $0) })
        for profile in sources where all || suggested[profile.sourceId] != nil {
            print(Self.describe(profile, suggested: suggested[profile.sourceId], json: json))
        }
        let placedBy = suggestions.reduce(0) { $0 + $1.unplaced }
        if json {
            print("{\"summary\":{\"items\":\(read),\"sources\":\(sources.count),\"suggestions\":\(suggestions.count),\"wouldPlace\":\(placedBy),\"undecodable\":\(undecodable)}}")
        } else {
            print("hints: \(read) items of \(sources.count) sources read, \(suggestions.count) hints suggested, which would place \(placedBy) items that name no place"
                + (undecodable > 0 ? ", \(undecodable) undecodable skipped" : ""))
        }
    }

    /// The running tally.
    actor Tally {
        private(set) var profiles = SourceRegionProfiles()

        func add(sourceId: String, regions: [String], configuredHint: String?) {
            profiles.add(sourceId: sourceId, regions: regions, configuredHint: configuredHint)
        }
    }

    static func describe(_ profile: SourceRegionProfiles.Profile, suggested: SourceRegionProfiles.Suggestion?, json: Bool) -> String {
        let leading = profile.leadingRegion
        if json {
            var object: [String: Any] = [
                "sourceId": profile.sourceId, "items": profile.items, "placed": profile.placed, "unplaced": profile.unplaced,
                "regions": profile.regions,
            ]
            if let leading { object["leadingRegion"] = ["region": leading.region, "share": (leading.share * 1000).rounded() / 1000] }
            if let hint = profile.configuredHint { object["configuredHint"] = hint }
            if let suggested { object["suggestedHint"] = ["region": suggested.region] }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
        var line = "\(profile.sourceId): \(profile.items) items, \(profile.placed) with a region, \(profile.unplaced) without"
        if let leading { line += "; leading \(leading.region) on \(Int((leading.share * 100).rounded()))%" }
        if let hint = profile.configuredHint { line += "; hint now \(hint)" }
        if let suggested {
            let items = suggested.unplaced == 1 ? "item" : "items"
            line += "\n  suggest: \"hints\": {\"region\": \"\(suggested.region)\"} (would place its \(suggested.unplaced) \(items) without a region)"
        }
        return line
    }
}
