import Foundation
import MetricsTestKit
import NewsModel
import Pipeline
import Testing
import TestSupport

/// Every dead letter, whichever stage or notifier writes it, is counted once by its reason.
@Suite struct DeadLetterCountTests {
    @Test func everyDeadLetterIsCountedByItsReason() throws {
        let metrics = SharedTestMetrics.factory
        func count(_ reason: DeadLetter.Reason) -> Int64 {
            (try? metrics.expectCounter("dead_letters_total", [("reason", reason.rawValue)]).totalValue) ?? 0
        }
        let before = (poison: count(.poison), exhausted: count(.retriesExhausted))
        for reason in [DeadLetter.Reason.poison, .retriesExhausted, .retriesExhausted] {
            let letter = DeadLetter(
                reason: reason, error: "test", originalTopic: "alerts.deliveries", partition: 0, offset: 7, rawKey: nil,
                rawPayload: Array("x".utf8), delivery: nil, attempts: [], deadLetteredAt: Date())
            let output = try StageOutput.deadLetter(letter, topic: Topics.alertsDLQ, key: "k")
            #expect(output.topic == Topics.alertsDLQ)
        }
        #expect(count(.poison) - before.poison == 1)
        #expect(count(.retriesExhausted) - before.exhausted == 2)
    }
}
