import Foundation
import NewsModel
import Notifier
import Testing

@Suite struct RetryScheduleTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let schedule = RetrySchedule()

    @Test(arguments: [(1, 5.0, "alerts.retry.5s"), (2, 300, "alerts.retry.5m"), (3, 1800, "alerts.retry.30m"), (4, 7200, "alerts.retry.2h"),
                      (5, 18_000, "alerts.retry.5h"), (6, 36_000, "alerts.retry.10h"), (7, 36_000, "alerts.retry.10h")])
    func theIssuesScheduleWithTwentyPercentJitter(attempt: Int, seconds: Double, topic: String) {
        for (random, factor) in [(0.0, 0.8), (0.5, 1.0), (0.999_999, 1.2)] {
            guard case .retry(let at, let chosen) = schedule.decide(afterFailedAttempt: attempt, now: now, random: random) else {
                Issue.record("attempt \(attempt) should be retried")
                return
            }
            #expect(abs(at.timeIntervalSince(now) - seconds * factor) < 0.1)
            #expect(chosen == topic)
        }
    }

    @Test func aScaledScheduleKeepsItsStepsAndAttemptsInMilliseconds() {
        let fast = schedule.scaled(by: 0.001)
        #expect(fast.maximumAttempts == 8)
        guard case .retry(let first, let topic) = fast.decide(afterFailedAttempt: 1, now: now, random: 0.5),
              case .retry(let last, _) = fast.decide(afterFailedAttempt: 7, now: now, random: 0.5) else {
            Issue.record("a scaled schedule should retry")
            return
        }
        #expect(abs(first.timeIntervalSince(now) - 0.005) < 0.0001)
        #expect(abs(last.timeIntervalSince(now) - 36) < 0.001)
        #expect(topic == "alerts.retry.5s")
        #expect(fast.decide(afterFailedAttempt: 8, now: now) == .deadLetter)
        // An hour asked for, scaled: 3.6 s, held in the tier that holds an hour at full scale.
        #expect(fast.decide(afterFailedAttempt: 1, retryAfter: 3600, now: now) == .retry(at: now.addingTimeInterval(3.6), topic: "alerts.retry.30m"))
    }

    @Test func eightAttemptsThenTheDeadLetterTopic() {
        #expect(schedule.maximumAttempts == 8)
        #expect(schedule.decide(afterFailedAttempt: 8, now: now) == .deadLetter)
        #expect(schedule.decide(afterFailedAttempt: 0, now: now) == .deadLetter)
    }

    @Test func retryAfterIsHonouredWithinBounds() {
        #expect(schedule.decide(afterFailedAttempt: 1, retryAfter: 120, now: now, random: 0) == .retry(at: now.addingTimeInterval(120), topic: "alerts.retry.5s"))
        #expect(schedule.decide(afterFailedAttempt: 1, retryAfter: 0, now: now) == .retry(at: now.addingTimeInterval(1), topic: "alerts.retry.5s"))
        // A day asked for: an hour given.
        #expect(schedule.decide(afterFailedAttempt: 3, retryAfter: 86_400, now: now) == .retry(at: now.addingTimeInterval(3600), topic: "alerts.retry.30m"))
    }

    @Test func aDelayIsHeldInTheLongestTierNotAboveIt() {
        #expect(schedule.topic(forDelay: 1) == "alerts.retry.5s")
        #expect(schedule.topic(forDelay: 240) == "alerts.retry.5m")  // 5 min minus 20% jitter
        #expect(schedule.topic(forDelay: 1500) == "alerts.retry.30m")
        #expect(schedule.topic(forDelay: 43_200) == "alerts.retry.10h")
    }

    @Test func aRetryAfterCountsFromTheAnswerNotTheAttempt() throws {
        // Attempt 2 (the sample has one attempt so far) began at `now` and was answered 429
        // (Retry-After: 2) 0.8 s later: the next attempt is due 2 s after the answer.
        let answered = now.addingTimeInterval(0.8)
        let origin = DeliveryFlow.Origin(topic: "alerts.retry.5s", partition: 0, offset: 7, key: nil, value: [])
        let outputs = try DeliveryFlow().conclude(
            SampleEvents.deliveryRequest, from: origin, verdict: .failed(retryAfter: 2), statusCode: 429, error: nil, latencyMs: 800,
            at: now, answeredAt: answered)
        let delayed = try #require(outputs.first { $0.topic == "alerts.retry.5s" })
        let request = try EventCodec.decode(DeliveryRequest.self, from: delayed.value).data
        #expect(request.notBefore == answered.addingTimeInterval(2))
        #expect(request.attempts.last?.at == now)  // the history keeps when the attempt began
    }

    @Test func aScaledScheduleScalesItsTiers() {
        // At 0.001 the 7 delays (5 ms ... 36 s) still go to 5 topics, as at full scale: a 5 ms retry
        // is never held behind a 36 s one in the same partition.
        let scaled = schedule.scaled(by: 0.001)
        let topics = scaled.delays.map { scaled.topic(forDelay: Double($0.components.attoseconds) / 1e18 + Double($0.components.seconds)) }
        #expect(topics == ["alerts.retry.5s", "alerts.retry.5m", "alerts.retry.30m", "alerts.retry.2h", "alerts.retry.5h", "alerts.retry.10h", "alerts.retry.10h"])
        #expect(topics == schedule.delays.map { schedule.topic(forDelay: Double($0.components.seconds)) })
    }

    @Test(arguments: [(200, "delivered"), (204, "delivered"), (301, "failed"), (302, "failed"), (400, "failed"), (404, "failed"),
                      (410, "disable"), (429, "failed"), (500, "failed"), (503, "failed")])
    func statusCodesBecomeVerdicts(code: Int, expected: String) {
        let verdict = WebhookChannel.verdict(statusCode: code, retryAfter: 7)
        switch verdict {
        case .delivered: #expect(expected == "delivered")
        case .failed(let retryAfter):
            #expect(expected == "failed")
            #expect(retryAfter == ([429, 503].contains(code) ? 7 : nil))
        case .disable: #expect(expected == "disable")
        case .permanent: Issue.record("no permanent verdict for HTTP")
        }
        #expect(WebhookChannel.verdict(statusCode: nil, retryAfter: nil) == .failed(retryAfter: nil))
    }
}

@Suite struct EndpointResolverTests {
    let resolver = EndpointResolver(policy: AddressPolicy())

    @Test(arguments: [
        "http://127.0.0.1/", "http://localhost:8080/x", "http://[::1]/", "http://10.1.2.3/", "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:127.0.0.1]/", "http://[64:ff9b::a9fe:a9fe]/", "http://2130706433/", "http://0x7f.1/", "http://017700000001/",
        "http://0/", "http://100.64.0.1/", "http://[fd00::1]/", "http://[fe80::1]/", "http://224.0.0.1/", "ftp://example.com/", "not a url",
    ])
    func refusesWhatTheIssueLists(_ url: String) async {
        await #expect(throws: EndpointRefusal.self) { try await resolver.vet(url) }
    }

    /// The refusal reaches the subscriber through the delivery log: for a name, it must not say
    /// what the name resolved to (an oracle for internal DNS). A literal is the subscriber's own.
    @Test func aRefusedNameDoesNotTellWhatItResolvedTo() async throws {
        do {
            _ = try await resolver.vet("http://localhost:8080/hook")
            Issue.record("localhost was allowed")
        } catch {
            #expect(error.message.contains("refused localhost"), "\(error.message)")
            #expect(!error.message.contains("127.0.0.1") && !error.message.contains("0:0:0:0:0:0:0:1") && !error.message.contains("::1"), "\(error.message)")
        }
        do {
            _ = try await resolver.vet("http://10.1.2.3/")
            Issue.record("10.1.2.3 was allowed")
        } catch {
            #expect(error.message.contains("10.1.2.3"))
        }
    }

    @Test func theAllowListAndPinnedAddress() async throws {
        let local = EndpointResolver(policy: .allowLoopback)
        let endpoint = try await local.vet("http://localhost:9999/hook")
        #expect(endpoint.host == "localhost")
        #expect(endpoint.port == 9999)
        #expect(endpoint.address.description == "127.0.0.1" || endpoint.address.description == "0:0:0:0:0:0:0:1")
        let literal = try await local.vet("https://[::1]/x")
        #expect(literal.port == 443)
        // The allow-list opens loopback only, not private ranges.
        await #expect(throws: EndpointRefusal.self) { try await local.vet("http://192.168.1.1/") }
    }
}
