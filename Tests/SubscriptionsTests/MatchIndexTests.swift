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

    /// The index must give exactly what evaluating every filter gives.
    @Test func agreesWithEvaluatingEveryFilter() throws {
        var generator = SystemRandomNumberGenerator()
        let words = ["quake", "strike", "election", "vaccine", "final", "storm", "talks", "chip"]
        let sources = ["wire", "ticker", "partner"]
        func randomTerm() -> String {
            switch Int.random(in: 0..<6, using: &generator) {
            case 0: return "region:\"\(regions.randomElement()!)\""
            case 1: return "topic:\(topics.randomElement()!)"
            case 2: return "source:\(sources.randomElement()!)"
            case 3: return "urgency>=\(Urgency.allCases.randomElement()!.rawValue)"
            case 4: return "\"\(words.randomElement()!) \(words.randomElement()!)\""
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
            let filter = try parser.parse(randomFilter())
            filters["s\(number)"] = filter
            index.upsert("s\(number)", filter: filter)
        }
        var candidatesChecked = 0
        for _ in 0..<300 {
            let item = subject(
                regions: Array(regions.shuffled().prefix(Int.random(in: 0...2))), topics: Array(topics.shuffled().prefix(Int.random(in: 0...2))),
                source: sources.randomElement()!, urgency: Urgency.allCases.randomElement()!,
                text: (0..<Int.random(in: 1...6)).map { _ in words.randomElement()! }.joined(separator: " "))
            let expected = filters.filter { $0.value.matches(item) }.keys.sorted()
            #expect(index.matches(item).map(\.subscriptionID) == expected)
            candidatesChecked += index.candidateCount(item)
        }
        // The index must prune: on average far fewer than all 400 filters are evaluated.
        #expect(candidatesChecked / 300 < 400)
    }
}
