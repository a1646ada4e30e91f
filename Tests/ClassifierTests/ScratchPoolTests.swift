import Foundation
import Testing
@testable import Classifier

/// `ScratchPool` hands each classification its own scratch: no two calls may share one, and
/// scratches given back are reused.
struct ScratchPoolTests {
    @Test func overlappingTakesGetDifferentScratchesAndGivingBackReusesThem() {
        let pool = ScratchPool()
        let first = pool.take()
        let second = pool.take()
        #expect(first !== second)
        pool.give(first)
        pool.give(second)
        let again = [pool.take(), pool.take()]
        #expect(Set(again.map(ObjectIdentifier.init)) == Set([first, second].map(ObjectIdentifier.init)))
        for scratch in again { pool.give(scratch) }
    }

    @Test func concurrentClassificationsGiveTheSameResultsAsOneAtATime() async throws {
        let classifier = try Bundled.get().replacingTopicModel(try Bundled.get().topicModel)
        let texts = try String(decoding: fixture("devset.jsonl"), as: UTF8.self)
            .split(separator: "\n").prefix(120)
            .map { line in
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                return try #require(object?["text"] as? String)
            }
        let expected = texts.map { classifier.classify(text: $0) }
        // Tasks classify the texts in different orders, so that calls overlap and the pool hands
        // out several scratches at once and takes them back in any order.
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var mismatches = 0
                    for round in 0..<5 {
                        for step in texts.indices {
                            let index = (step * (2 * task + 1) + round) % texts.count
                            if classifier.classify(text: texts[index]) != expected[index] { mismatches += 1 }
                        }
                    }
                    return mismatches
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }
}
