import Foundation
@testable import FeedParsing
@testable import Ingest
import NewsModel
import Testing

@Suite struct PollScheduleTests {
    let schedule = PollSchedule(interval: 300)

    @Test func successWaitsTheIntervalWithJitter() {
        #expect(schedule.delay(consecutiveFailures: 0, retryAfter: nil, random: 0.5) == 300)
        #expect(schedule.delay(consecutiveFailures: 0, retryAfter: nil, random: 0) == 270)
        #expect(abs(schedule.delay(consecutiveFailures: 0, retryAfter: nil, random: 0.999_999) - 330) < 0.01)
    }

    @Test func failuresBackOffExponentiallyUpToAnHour() {
        let delays = (1...6).map { schedule.delay(consecutiveFailures: $0, retryAfter: nil, random: 0.5) }
        #expect(delays == [300, 600, 1200, 2400, 3600, 3600])
        // An interval longer than the cap is kept.
        #expect(PollSchedule(interval: 7200).delay(consecutiveFailures: 3, retryAfter: nil, random: 0.5) == 7200)
    }

    @Test func retryAfterIsHonouredWithinBounds() {
        #expect(schedule.delay(consecutiveFailures: 1, retryAfter: 1800, random: 0.5) == 1800)
        #expect(schedule.delay(consecutiveFailures: 1, retryAfter: 5, random: 0.5) == 300)
        #expect(schedule.delay(consecutiveFailures: 1, retryAfter: 100_000, random: 0.5) == PollSchedule.maximumRetryAfter)
    }
}

@Suite struct IngestConfigurationTests {
    @Test func readsAFullConfiguration() throws {
        let json = """
            {"ingest": {"sources": [
              {"id": "wire", "kind": "rss", "url": "https://wire.example.com/rss", "pollIntervalSeconds": 120,
               "language": "en", "hints": {"region": "Europe"}, "headers": {"X-Api-Key": "k"}},
              {"id": "ticker", "kind": "html-ticker", "url": "https://news.example.org/",
               "ticker": {"line": "//ul[@id='t']/li", "link": "./a/@href"}},
              {"id": "partner", "kind": "push", "pushTokenSHA256": "4d1566a1d7df42a8517456d60ea06ed284e535cfe4c956aa6ee172dbcdf945f7"}
            ], "seenExpiryDays": 7}}
            """
        let configuration = try IngestConfiguration.parse(Array(json.utf8))
        #expect(configuration.sources.map(\.id) == ["wire", "ticker", "partner"])
        #expect(configuration.sources[0].pollIntervalSeconds == 120)
        #expect(configuration.sources[0].hints?.region == "Europe")
        #expect(configuration.sources[1].pollIntervalSeconds == 300)  // default
        #expect(configuration.sources[1].expectation == .htmlTicker(TickerSelectors(line: "//ul[@id='t']/li", link: "./a/@href")))
        #expect(configuration.seenExpiryDays == 7)
        #expect(configuration.sources[2].pushTokenSHA256 == StableID.sha256Hex("example-token"))
        #expect(configuration.maxConcurrentRequestsPerHost == 2)
    }

    @Test func reportsEveryProblemWithItsSource() {
        let json = """
            {"sources": [
              {"id": "Bad Id", "kind": "rss", "url": "ftp://x"},
              {"id": "dup", "kind": "atom", "url": "https://a.example/", "pollIntervalSeconds": 1},
              {"id": "dup", "kind": "push", "url": "https://b.example/"},
              {"id": "t", "kind": "rss", "url": "https://c.example/", "ticker": {"line": "//li"}}
            ]}
            """
        do {
            _ = try IngestConfiguration.parse(Array(json.utf8), origin: "newsflash.json")
            Issue.record("a bad configuration was accepted")
        } catch {
            #expect(error.message.hasPrefix("newsflash.json: "))
            #expect(error.message.contains("sources[0] (Bad Id): id must match"))
            #expect(error.message.contains("sources[0] (Bad Id): url must be an absolute http(s) URL"))
            #expect(error.message.contains("sources[1] (dup): pollIntervalSeconds must be at least 10"))
            #expect(error.message.contains("sources[2] (dup): id is used twice"))
            #expect(error.message.contains("sources[2] (dup): a push source has no url"))
            #expect(error.message.contains("sources[2] (dup): a push source needs pushTokenSHA256"))
            #expect(error.message.contains("sources[3] (t): ticker selectors only apply"))
        }
    }

    @Test func typosAndWrongTypesSayWhere() {
        for (json, expected) in [
            (#"{"sources": [{"id": "a", "kind": "rss-feed", "url": "https://a.example/"}]}"#, "sources[0].kind"),
            (#"{"sources": [{"kind": "rss", "url": "https://a.example/"}]}"#, "id"),
            (#"{"sources": "none"}"#, "sources"),
            ("not json", "not JSON"),
        ] {
            do {
                _ = try IngestConfiguration.parse(Array(json.utf8))
                Issue.record("\(json) was accepted")
            } catch {
                #expect(error.message.contains(expected), "\(error.message)")
            }
        }
    }
}
