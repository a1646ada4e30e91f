import Foundation
import Testing
@testable import Classifier

/// `TopicFeatureIndex.cutoff`: leaving the probabilities of the topics below it uncomputed (0) must
/// change neither which topics rank in the top three (ties broken by taxonomy order) nor their
/// probabilities, whatever the sums: close ones, equal ones, saturated ones.
struct TopicCutoffTests {
    /// The top three topics by probability, ties in taxonomy order, with their probabilities.
    static func ranking(_ probabilities: [Double]) -> [(Int, Double)] {
        probabilities.indices.sorted { (probabilities[$0], $1) > (probabilities[$1], $0) }.prefix(3).map { ($0, probabilities[$0]) }
    }

    @Test func skippedTopicsNeverReachTheTopThree() throws {
        let index = try #require(try Bundled.get().topicIndex)
        let topicCount = index.topicOfLabel.filter { $0 >= 0 }.count
        #expect(topicCount > 3)
        var random = SeededGenerator(seed: 42)  // a failure repeats
        var skippedAny = 0
        for round in 0..<20_000 {
            // Sums around a level, some near-equal (1e-7 apart), some equal, some saturated.
            let level = [-800.0, -30, -5, 0, 3, 15, 19.9, 25, 40][round % 9]
            var sums = (0..<index.labelCount).map { _ in level + Double.random(in: -8...8, using: &random) }
            for label in sums.indices where Bool.random(using: &random) {
                let other = Int.random(in: sums.indices, using: &random)
                sums[label] = Bool.random(using: &random) ? sums[other] : sums[other] + Double.random(in: -1e-7...1e-7, using: &random)
            }
            let cutoff = sums.withBufferView { index.cutoff(sums: $0, places: 3) }
            var full = [Double](repeating: 0, count: topicCount)
            var partial = full
            for (label, topic) in index.topicOfLabel.enumerated() where topic >= 0 {
                let probability = 1 / (1 + exp(-sums[label]))
                full[topic] = probability
                if !(sums[label] < cutoff) { partial[topic] = probability } else { skippedAny += 1 }
            }
            let expected = Self.ranking(full)
            let got = Self.ranking(partial)
            #expect(expected.map(\.0) == got.map(\.0), "sums \(sums)")
            #expect(expected.map(\.1) == got.map(\.1), "sums \(sums)")
        }
        #expect(skippedAny > 0)
    }
}
