import NewsModel
@testable import Subscriptions
import Testing

@Suite struct MatchIndexTests {
    @Test func candidatesAreOnlyFiltersTheItemCouldMatch() throws {
        var index = MatchIndex()
        index.upsert("mena", filter: try parser.parse("region:MENA"))
        index.upsert("sports", filter: try parser.parse("topic:Sports"))
        index.upsert("quake", filter: try parser.parse(#""earthquake" OR country:cl"#))
        index.upsert("flash-only", filter: try parser.parse("urgency>=flash"))
        index.upsert("not-wire", filter: try parser.parse("NOT source:wire"))
        let item = subject(regions: ["MENA"], topics: ["Politics"], source: "wire", urgency: .flash, text: "Strike in Lebanon")
        #expect(index.candidateCount(item) == 3)  // mena + the two unindexable filters
        #expect(index.matches(item).map(\.subscriptionID) == ["flash-only", "mena"])
        index.remove("mena")
        #expect(index.matches(item).map(\.subscriptionID) == ["flash-only"])
        index.upsert("flash-only", filter: try parser.parse("topic:Politics"))  // replaced, now indexed
        #expect(index.candidateCount(item) == 2)
    }

    /// The index must give exactly what evaluating every filter gives: the same subscriptions,
    /// in id order, with the same matched terms, also after removals and replacements.
    @Test func agreesWithEvaluatingEveryFilter() throws {
        var generator = SystemRandomNumberGenerator()
        let words = ["quake", "strike", "election", "vaccine", "final", "storm", "talks", "chip", "séisme"]
        let sources = ["wire", "ticker", "partner"]
        let countries = ["LB", "IL", "UA", "US"]
        let languages = ["en", "en-GB", "en-gb-oxendict", "fr", "fr-CA"]
        let languageValues = ["en", "en-gb", "fr", "fr-ca", "e"]
        func randomTerm() -> String {
            switch Int.random(in: 0..<9, using: &generator) {
            case 0: return "region:\"\(regions.randomElement()!)\""
            case 1: return "topic:\(topics.randomElement()!)"
            case 2: return "source:\(sources.randomElement()!)"
            case 3: return "urgency\([">=", ">", "=", "<=", "<"].randomElement()!)\(Urgency.allCases.randomElement()!.rawValue)"
            case 4: return "\"\(words.randomElement()!) \(words.randomElement()!)\""
            case 5: return "country:\(countries.randomElement()!)"
            case 6: return "lang:\(languageValues.randomElement()!)"
            default: return words.randomElement()!
            }
        }
        func randomFilter(depth: Int = 0) -> String {
            let parts = (0..<Int.random(in: 1...3)).map { _ in
                depth < 2 && Bool.random() ? "(\(randomFilter(depth: depth + 1)))" : (Int.random(in: 0..<5) == 0 ? "NOT " : "") + randomTerm()
            }
            return parts.joined(separator: [" AND ", " OR ", " "].randomElement()!)
        }
        var index = MatchIndex()
        var filters: [String: FilterExpression] = [:]
        for number in 0..<400 {
            // Some subscriptions share a filter (and so a compiled filter in the index).
            let filter = try parser.parse(randomFilter())
            let shared = number % 7 == 6 ? filters["s\(number - 1)"]! : filter
            filters["s\(number)"] = shared
            index.upsert("s\(number)", filter: shared)
        }
        // Removals, and replacements that keep, share or change the filter.
        for number in stride(from: 0, to: 400, by: 13) {
            index.remove("s\(number)")
            filters["s\(number)"] = nil
        }
        for number in stride(from: 5, to: 400, by: 17) {
            let filter = Bool.random() ? filters.values.randomElement()! : try parser.parse(randomFilter())
            filters["s\(number)"] = filter
            index.upsert("s\(number)", filter: filter)
        }
        #expect(index.count == filters.count)
        var candidatesChecked = 0
        var matchesSeen = 0
        for _ in 0..<300 {
            let item = subject(
                regions: Array(regions.shuffled().prefix(Int.random(in: 0...2))), topics: Array(topics.shuffled().prefix(Int.random(in: 0...2))),
                countries: Array(countries.shuffled().prefix(Int.random(in: 0...2))), source: sources.randomElement()!,
                language: Bool.random() ? languages.randomElement()! : nil, urgency: Urgency.allCases.randomElement()!,
                text: (0..<Int.random(in: 1...6)).map { _ in words.randomElement()! }.joined(separator: [" ", "-", ", "].randomElement()!))
            let expected = filters.keys.sorted().compactMap { id -> (String, [String])? in
                var terms: [String] = []
                return filters[id]!.matches(item, matched: &terms) ? (id, terms) : nil
            }
            let actual = index.matches(item)
            #expect(actual.map(\.subscriptionID) == expected.map(\.0))
            #expect(actual.map(\.matchedTerms) == expected.map(\.1))
            candidatesChecked += index.candidateCount(item)
            matchesSeen += expected.count
        }
        #expect(matchesSeen > 300)
        // The index must prune: on average far fewer than all 400 filters are evaluated.
        #expect(candidatesChecked / 300 < 400)
    }

    /// Found by `make fuzz` (Tests/Fuzz/Regressions/filter/): a combining mark that opens a word,
    /// after a character normalising drops (an NKo digit), joined the space before it into one
    /// character, so the filter's tree found the word in the text and the index's split words did not.
    @Test func aMarkThatOpensAWordIsDroppedSoTheTreeAndTheIndexAgree() throws {
        #expect(FilterText.normalise("NOT \u{07C4}\u{0616}iionestine") == "not iionestine")
        #expect(FilterText.normalise("\u{0301}cafe\u{0301} au \u{20DD}lait") == "cafe au lait")
        #expect(FilterText.normalise("Beyonc\u{0065}\u{0301}") == "beyonce")
        // Thai's sara am is a letter that joins what comes before it too.
        #expect(FilterText.normalise("a \u{0E33}b") == "a b" && FilterText.normalise("\u{0E01}\u{0E33}") == "\u{0E01}\u{0E33}")
        let text = "NOT NOT \u{07C4}\u{0616}iionestine"
        let filter = try parser.parse(text)
        var index = MatchIndex()
        index.upsert("s", filter: filter)
        let item = subject(text: text)
        #expect(filter.matches(item))
        #expect(index.matches(item).map(\.subscriptionID) == ["s"])
        #expect(item.words == ["not", "not", "iionestine"])
    }

    @Test func aLanguageFilterMatchesEveryLongerTag() throws {
        var index = MatchIndex()
        index.upsert("en-gb", filter: try parser.parse("lang:en-GB"))
        index.upsert("en", filter: try parser.parse("lang:en"))
        let item = subject(language: "en-GB-oxendict")
        #expect(try parser.parse("lang:en-GB").matches(item))
        #expect(index.matches(item).map(\.subscriptionID) == ["en", "en-gb"])
    }

    @Test func subscriptionsWithTheSameFilterShareItsEvaluation() throws {
        var index = MatchIndex()
        for number in 0..<50 { index.upsert("s\(number)", filter: try parser.parse("region:MENA AND topic:Politics")) }
        let item = subject(regions: ["MENA"], topics: ["Politics"])
        #expect(index.candidateCount(item) == 1)
        #expect(index.matches(item).count == 50)
        #expect(index.matches(item).allSatisfy { $0.matchedTerms == ["region:mena", "topic:politics"] })
        for number in 0..<50 { index.remove("s\(number)") }
        #expect(index.candidateCount(item) == 0)
        #expect(index.matches(item).isEmpty)
    }
}

@Suite struct MatchIndexClauseTests {
    /// Filters whose normal form is too large are filed under keys every match has and evaluated
    /// as trees; contradictions never match; negations are pushed down to the terms.
    @Test func largeContradictoryAndNegatedFiltersMatchExactly() throws {
        let filters = [
            // 2^5 = 32 clauses, over Clauses.maxClauses.
            "large": "(quake OR storm) AND (strike OR talks) AND (final OR chip) AND (vaccine OR election) AND (region:MENA OR region:Europe)",
            "never": "quake AND NOT quake",
            "negated-or": "NOT (quake OR storm) AND region:MENA",
            "negated-and": "NOT (region:MENA AND topic:Politics) AND talks",
            "four-literals": "region:MENA AND topic:Politics AND urgency>=urgent AND \"storm talks\" NOT source:wire",
        ]
        var index = MatchIndex()
        for (id, text) in filters { index.upsert(id, filter: try parser.parse(text)) }
        var vocabulary = MatchVocabulary()
        let large = try Clauses(parser.parse(filters["large"]!), vocabulary: &vocabulary)
        let never = try Clauses(parser.parse(filters["never"]!), vocabulary: &vocabulary)
        #expect(large == nil)
        #expect(never?.clauses.isEmpty == true)
        let items = [
            subject(regions: ["MENA"], topics: ["Politics"], source: "ticker", urgency: .flash, text: "storm talks chip election"),
            subject(regions: ["Europe"], topics: ["Politics"], urgency: .routine, text: "quake strike final vaccine talks"),
            subject(regions: ["MENA"], topics: ["Economy"], text: "markets calm"),
            subject(regions: ["MENA"], topics: ["Politics"], source: "wire", urgency: .flash, text: "storm talks"),
        ]
        for item in items {
            let expected = filters.keys.sorted().filter { (try? parser.parse(filters[$0]!).matches(item)) == true }
            #expect(index.matches(item).map(\.subscriptionID) == expected)
        }
        #expect(index.matches(items[0]).map(\.subscriptionID) == ["four-literals", "large"])
        #expect(index.matches(items[2]).map(\.subscriptionID) == ["negated-or"])
    }
}
