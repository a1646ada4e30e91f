import Testing
@testable import Classifier
import NewsModel

/// Every line of the seed page's BREAKING ticker (reference/seed-news-page.txt), as ingest hands
/// them over: html-ticker items.
@Suite struct SeedTickerTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var regions: Set<String>
        var topic: String
        var countries: Set<String>
        var testDescription: String { String(text.prefix(60)) }
    }

    static let cases: [Case] = [
        Case(text: "Al Mayadeen's EU delegate: Belgium categorically refused to touch Russian assets in its banks for fear of a Russian judicial backlash",
             regions: ["Europe"], topic: "Politics", countries: ["BE", "RU"]),
        Case(text: "Al Mayadeen's EU delegate: The European Union has failed to reach an agreement on the use of Russian assets frozen in Belgium",
             regions: ["Europe"], topic: "Economy", countries: ["BE", "RU"]),
        Case(text: "Trump: Will be seeing land action in Venezuela soon",
             regions: ["Latin America", "US & Canada"], topic: "Politics", countries: ["US", "VE"]),
        Case(text: "Trump: first question to Xi will be fentanyl",
             regions: ["US & Canada", "Asia", "Asia-Pacific"], topic: "Politics", countries: ["US", "CN"]),
        Case(text: "Trump on reports of B1 bombers near Venezuela: Reports are not accurate",
             regions: ["Latin America", "US & Canada"], topic: "Politics", countries: ["US", "VE"]),
        Case(text: "Al Mayadeen's correspondent: The death toll from the airstrike that targeted the town of Arabsalim in South Lebanon has risen to two, in addition to four injuries",
             regions: ["MENA"], topic: "Politics", countries: ["LB"]),
        Case(text: "Al Mayadeen's correspondent in South Lebanon: An Israeli airstrike targeted the town of Arabsalim",
             regions: ["MENA"], topic: "Politics", countries: ["LB", "IL"]),
        Case(text: "Putin on new sanctions against Russia: Russia's energy sector remains confident, though some losses are expected",
             regions: ["Europe"], topic: "Economy", countries: ["RU"]),
        Case(text: "Putin calls talk of supplying Tomahawk missiles to Kyiv an attempt at escalation",
             regions: ["Europe"], topic: "Politics", countries: ["RU", "UA"]),
        Case(text: "Putin says he discussed with Trump the impact of the situation with Russian oil supplies on global prices, including in the United States",
             regions: ["Europe", "US & Canada"], topic: "Economy", countries: ["RU", "US"]),
    ]

    @Test(arguments: cases)
    func tickerLineGetsSensibleTags(_ line: Case) throws {
        let result = try Bundled.get().classify(ClassificationInput(title: line.text, sourceKind: .htmlTicker))
        #expect(result.regionLabels == line.regions)
        #expect(result.topicLabels.contains(line.topic))
        #expect(Set(result.countries) == line.countries)
        #expect(result.urgency >= .urgent, "ticker lines are breaking by nature")
        #expect(result.explanation.contains { $0.kind == .urgency && $0.rule == "source:html-ticker" && $0.field == .source })
    }

    @Test func venezuelaLineNamesBothRegionsAndPolitics() throws {
        let result = try Bundled.get().classify(text: "Trump: Will be seeing land action in Venezuela soon")
        #expect(result.regionLabels == ["Latin America", "US & Canada"])
        #expect(result.topics.first?.label == "Politics")
        #expect(result.places == [PlaceMatch(name: "Venezuela", countryCode: "VE", matchedText: "Venezuela", field: .title)])
    }

    @Test func arabsalimStrikeIsMENAAndUrgentOrFlash() throws {
        let text = "Al Mayadeen's correspondent in South Lebanon: An Israeli airstrike targeted the town of Arabsalim"
        let plain = try Bundled.get().classify(text: text)
        #expect(plain.regions.first?.label == "MENA")
        #expect(plain.urgency == .urgent)
        #expect(plain.places.map(\.name) == ["South Lebanon", "Arabsalim"])
        let ticker = try Bundled.get().classify(ClassificationInput(title: text, sourceKind: .htmlTicker))
        #expect(ticker.urgency == .flash, "a ticker line with a strike cue is flash")
    }

    @Test func theChannelNameIsNotAPlace() throws {
        let result = try Bundled.get().classify(text: "Al Mayadeen's correspondent reports")
        #expect(result.places.isEmpty)
        #expect(result.countries.isEmpty)
    }
}
