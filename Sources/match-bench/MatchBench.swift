import ArgumentParser
import Foundation
import NewsModel
import Subscriptions

/// `match-bench`: throughput and memory of the match index (the code behind the match stage) over
/// generated subscriptions, in a release build on one core. See `--help` for the filter mix.
@main
struct MatchBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match-bench",
        abstract: "Measure the subscription matcher: index build, items/s, peak memory, and a linear scan for comparison.",
        discussion: """
            Generates seeded-random subscriptions, parses them with FilterParser, builds the MatchIndex, then runs classified items (the headlines of --items with their region and topic labels, countries from names in the text, a seeded source, language and urgency) through MatchIndex.match for --seconds (the matching filters and how many subscriptions have them: what decides who gets the item), then for --fan-out-seconds also lists every matched subscription with its matched terms (MatchIndex.forEachSubscription, as the match stage does). The linear scan evaluates every filter for each item (FilterExpression.matches) for --linear-seconds, after the index is dropped and the same filters are generated again. Peak RSS is read before the linear scan.

            Filter mix at the defaults (--label-share 30, --unindexed-share 1). Keywords are popular events and names (60, skewed towards the first), words of the item file's texts, or people's and companies' names that rarely occur; one to three per filter, joined by OR:
            \(FilterMix(labelPercent: 30, unindexedPercent: 1).table)

            Output lines (stable, for Tests/Benchmarks/match/run.sh):
              index build: <s> s for <n> subscriptions
              match index: <n> items/s, <c> candidates/item, <m> matches/item in <f> distinct filters (...)
              with fan-out: <n> items/s, <m> (subscription, terms) pairs/item
              peak RSS: <n> MB
              linear scan: <n> items/s
            """)

    @Option(help: "How many subscriptions to generate.") var subscriptions = 1_000_000

    @Option(help: "JSON lines with text, regions and topics to make the items from.")
    var items = "Tests/ClassifierTests/Fixtures/devset.jsonl"

    @Option(help: "How many items to make (the texts repeat with other sources and urgencies).") var itemCount = 5_000
    @Option(help: "How long to run items through the index, in seconds.") var seconds = 5.0
    @Option(help: "How long to run items through the index listing every matched subscription, in seconds.") var fanOutSeconds = 3.0
    @Option(help: "How long to run the linear scan, in seconds (0 skips it).") var linearSeconds = 3.0
    @Option(help: "Percent of filters that use only labels (region, topic, country, with NOT source or urgency).") var labelShare = 30.0
    @Option(help: "Percent of filters with no indexable term (only NOT, only urgency).") var unindexedShare = 1.0
    @Option(help: "Seed of the generated subscriptions and items.") var seed: UInt64 = 42

    func validate() throws {
        guard subscriptions > 0, itemCount > 0 else { throw ValidationError("--subscriptions and --item-count must be positive") }
        guard seconds > 0, fanOutSeconds > 0, linearSeconds >= 0 else {
            throw ValidationError("--seconds and --fan-out-seconds must be positive, --linear-seconds not negative")
        }
        guard labelShare >= 0, unindexedShare >= 0, labelShare + unindexedShare <= 100 else {
            throw ValidationError("--label-share and --unindexed-share are percentages that add up to at most 100")
        }
    }

    func run() throws {
        let clock = ContinuousClock()
        let benchItems = try BenchItems(path: items, count: itemCount, seed: seed &+ 1)
        let mix = FilterMix(labelPercent: labelShare, unindexedPercent: unindexedShare)
        let parser = FilterParser(regions: FilterGenerator.regions, topics: FilterGenerator.topics)
        report("match-bench: \(subscriptions) subscriptions, \(itemCount) items from \(items), seed \(seed), label share \(labelShare)%, unindexed share \(unindexedShare)%")

        var subscriptionsGenerator = SubscriptionGenerator(mix: mix, itemWords: benchItems.longWords, seed: seed, parser: parser)
        var index = MatchIndex()
        var parseTime = Duration.zero
        var upsertTime = Duration.zero
        for _ in 0..<subscriptions {
            let parseStart = clock.now
            let (id, filter) = try subscriptionsGenerator.next()
            let upsertStart = clock.now
            index.upsert(id, filter: filter)
            let upsertEnd = clock.now
            parseTime += upsertStart - parseStart
            upsertTime += upsertEnd - upsertStart
        }
        report("generate and parse: \(format(parseTime.seconds)) s")
        report("index build: \(format(upsertTime.seconds)) s for \(index.count) subscriptions")

        let subjectStart = clock.now
        let subjects = benchItems.items.map(FilterSubject.init)
        let subjectSeconds = (clock.now - subjectStart).seconds
        report("subject build: \(format(subjectSeconds / Double(subjects.count) * 1e6, 2)) us/item (FilterSubject(item), not in the figures below)")

        let sampled = subjects.prefix(500)
        var candidates = 0
        var sampledMatches = 0
        for subject in sampled {
            candidates += index.candidateCount(subject)
            sampledMatches += index.subscriptionCount(in: index.match(subject))
        }
        let checked = min(subjects.count, 50)
        let expected = subjects.prefix(checked).map { index.matches($0).map(\.subscriptionID) }

        var processed = 0
        var matchedFilters = 0
        let start = clock.now
        var elapsed = Duration.zero
        while elapsed < .seconds(seconds) {
            matchedFilters += index.match(subjects[processed % subjects.count]).filterCount
            processed += 1
            elapsed = clock.now - start
        }
        let rate = Double(processed) / elapsed.seconds
        report("match index: \(Int(rate.rounded())) items/s, \(format(Double(candidates) / Double(sampled.count))) candidates/item, "
              + "\(format(Double(sampledMatches) / Double(sampled.count))) matches/item in \(format(Double(matchedFilters) / Double(processed))) distinct filters "
              + "(\(processed) items in \(format(elapsed.seconds)) s; \(index.filterCount) distinct filters in all)")

        // The fan-out: every matched subscription listed with its matched terms, as the match stage does per item.
        var listed = 0
        var fannedOut = 0
        let fanOutStart = clock.now
        var fanOutElapsed = Duration.zero
        while fanOutElapsed < .seconds(fanOutSeconds) {
            index.forEachSubscription(in: index.match(subjects[fannedOut % subjects.count])) { _, _ in listed += 1 }
            fannedOut += 1
            fanOutElapsed = clock.now - fanOutStart
        }
        report("with fan-out: \(Int((Double(fannedOut) / fanOutElapsed.seconds).rounded())) items/s, \(format(Double(listed) / Double(fannedOut))) (subscription, terms) pairs/item")
        if let peak = peakResidentBytes() { report("peak RSS: \(peak / 1_000_000) MB") }

        guard linearSeconds > 0 else { return }
        index = MatchIndex()
        try linearScan(mix: mix, itemWords: benchItems.longWords, parser: parser, subjects: subjects, expected: expected)
    }

    /// Every filter evaluated for each item, on the same filters (generated again) and items.
    func linearScan(mix: FilterMix, itemWords: [String], parser: FilterParser, subjects: [FilterSubject], expected: [[String]]) throws {
        var generator = SubscriptionGenerator(mix: mix, itemWords: itemWords, seed: seed, parser: parser)
        var all: [(id: String, filter: FilterExpression)] = []
        all.reserveCapacity(subscriptions)
        for _ in 0..<subscriptions { all.append(try generator.next()) }
        let clock = ContinuousClock()
        var processed = 0
        var agreeing = 0
        let start = clock.now
        var elapsed = Duration.zero
        while elapsed < .seconds(linearSeconds) {
            let subject = subjects[processed % subjects.count]
            var result: [(String, [String])] = []
            for entry in all {
                var terms: [String] = []
                if entry.filter.matches(subject, matched: &terms) { result.append((entry.id, terms)) }
            }
            result.sort { $0.0 < $1.0 }
            if processed < expected.count, result.map(\.0) == expected[processed] { agreeing += 1 }
            processed += 1
            elapsed = clock.now - start
        }
        let rate = Double(processed) / elapsed.seconds
        report("linear scan: \(format(rate, 2)) items/s (\(processed) items in \(format(elapsed.seconds)) s; "
              + "same matches as the index for \(agreeing) of \(min(processed, expected.count)))")
    }
}

/// Subscriptions with `sub_` ids from the seed and filters parsed by the real parser.
struct SubscriptionGenerator {
    var filters: FilterGenerator
    var random: SeededGenerator
    let parser: FilterParser

    init(mix: FilterMix, itemWords: [String], seed: UInt64, parser: FilterParser) {
        filters = FilterGenerator(mix: mix, itemWords: itemWords, seed: seed)
        random = SeededGenerator(seed: seed &+ 2)
        self.parser = parser
    }

    mutating func next() throws -> (id: String, filter: FilterExpression) {
        let hex = String(random.next(), radix: 16) + String(random.next() & 0xF_FFFF, radix: 16)
        let id = "sub_" + String(hex.prefix(20))
        let text = filters.next()
        do {
            return (id, try parser.parse(text))
        } catch {
            throw BenchError("generated filter does not parse: \(text): \(error)")
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Writes a line at once (unbuffered), so that a pipe through tee shows each phase as it ends.
func report(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
