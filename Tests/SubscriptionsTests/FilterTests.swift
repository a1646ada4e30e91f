import NewsModel
@testable import Subscriptions
import Testing

let regions = ["Africa", "Asia", "Asia-Pacific", "Europe", "Latin America", "MENA", "Palestine", "US & Canada"]
let topics = ["Politics", "Economy", "Sports", "Arts&Culture", "Health", "Technology", "Environment", "Miscellaneous"]
let parser = FilterParser(regions: regions, topics: topics)

func subject(
    regions: [String] = [], topics: [String] = [], countries: [String] = [], source: String = "wire",
    language: String? = "en", urgency: Urgency = .routine, text: String = ""
) -> FilterSubject {
    FilterSubject(regions: regions, topics: topics, countries: countries, source: source, language: language, urgency: urgency, text: text)
}

@Suite struct FilterParserTests {
    @Test func theIssuesExample() throws {
        let filter = try parser.parse(#"region:MENA AND (topic:Politics OR "air strike") NOT source:example-wire"#)
        #expect(filter == .and([
            .field(.region, "mena"),
            .or([.field(.topic, "politics"), .text("air strike")]),
            .not(.field(.source, "example-wire")),
        ]))
    }

    @Test func precedenceIsNotThenAndThenOr() throws {
        #expect(try parser.parse("a b OR c") == .or([.and([.text("a"), .text("b")]), .text("c")]))
        #expect(try parser.parse("NOT a OR b") == .or([.not(.text("a")), .text("b")]))
        #expect(try parser.parse("a AND NOT NOT b") == .and([.text("a"), .not(.not(.text("b")))]))
    }

    @Test func labelsAreCaseInsensitiveAndQuotedWhenTheyHaveSpaces() throws {
        #expect(try parser.parse("region:mena") == .field(.region, "mena"))
        #expect(try parser.parse(#"region:"US & Canada""#) == .field(.region, "us & canada"))
        #expect(try parser.parse("topic:arts&culture") == .field(.topic, "arts&culture"))
        #expect(try parser.parse("Country:lb") == .field(.country, "lb"))
        #expect(try parser.parse("urgency>=urgent") == .urgency(.atLeast, .urgent))
        #expect(try parser.parse("urgency = FLASH") == .urgency(.equal, .flash))
    }

    @Test func lowerCaseKeywordsAreWords() throws {
        #expect(try parser.parse("war and peace") == .and([.text("war"), .text("and"), .text("peace")]))
    }

    @Test(arguments: [
        ("", FilterSyntaxError.Code.empty, 0, "empty"),
        ("region:", .unexpectedEnd, 7, "needs a value"),
        ("region:Narnia", .unknownLabel, 7, "unknown region 'Narnia'"),
        ("planet:Mars", .unknownField, 0, "unknown field 'planet'"),
        ("(topic:Politics", .unexpectedEnd, 15, "not closed"),
        ("topic:Politics)", .unexpectedToken, 14, "unexpected ')'"),
        ("\"air strike", .unexpectedEnd, 0, "not closed"),
        ("AND region:MENA", .unexpectedToken, 0, "needs a term before it"),
        ("region:MENA OR", .unexpectedEnd, 14, "ends where a term was expected"),
        ("urgency>=soon", .invalidValue, 9, "routine, urgent or flash"),
        ("country:Lebanon", .invalidValue, 8, "alpha-2"),
        ("!!!", .invalidValue, 0, "no letters or digits"),
    ])
    func errorsSayWhereAndWhat(_ text: String, _ code: FilterSyntaxError.Code, _ position: Int, _ fragment: String) {
        do {
            _ = try parser.parse(text)
            Issue.record("'\(text)' was accepted")
        } catch {
            #expect(error.code == code, "\(text): \(error)")
            #expect(error.position == position, "\(text): \(error)")
            #expect(error.message.contains(fragment), "\(text): \(error.message)")
        }
    }

    @Test func limitsKeepFiltersCheap() {
        var limits = FilterLimits()
        limits.maximumTerms = 3
        let small = FilterParser(regions: regions, topics: topics, limits: limits)
        #expect(throws: FilterSyntaxError.self) { try small.parse("a b c d") }
        #expect(throws: FilterSyntaxError.self) { try parser.parse(String(repeating: "(", count: 20) + "a" + String(repeating: ")", count: 20)) }
        #expect(throws: FilterSyntaxError.self) { try parser.parse(String(repeating: "x ", count: 600)) }
    }
}

@Suite struct FilterEvaluationTests {
    let item = subject(
        regions: ["MENA"], topics: ["Politics"], countries: ["LB", "IL"], source: "almayadeen", urgency: .flash,
        text: "Israeli air-strike targets Arabsalim in South Lebanon")

    @Test func theIssuesExampleMatchesAndExplains() throws {
        let filter = try parser.parse(#"region:MENA AND (topic:Politics OR "air strike") NOT source:example-wire"#)
        var terms: [String] = []
        #expect(filter.matches(item, matched: &terms))
        #expect(terms == ["region:mena", "topic:politics", "\"air strike\""])
        var fromExcluded = item
        fromExcluded.source = "example-wire"
        #expect(!filter.matches(fromExcluded))
    }

    @Test func phrasesMatchWholeWordsOfTheNormalisedText() throws {
        #expect(try parser.parse(#""air strike""#).matches(item))
        #expect(try parser.parse("arabsalim").matches(item))
        #expect(try !parser.parse("arab").matches(item))  // a word, not a prefix
        #expect(try parser.parse(#""south lebanon" country:lb"#).matches(item))
    }

    @Test func urgencyAndLanguage() throws {
        #expect(try parser.parse("urgency>=urgent").matches(item))
        #expect(try !parser.parse("urgency<urgent").matches(item))
        #expect(try parser.parse("lang:en").matches(subject(language: "en-GB")))
        #expect(try !parser.parse("lang:en").matches(subject(language: "fr")))
    }
}
