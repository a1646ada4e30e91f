import Foundation
import Testing

@testable import RdKafka

@Suite struct RepeatedLineLimiterTests {
    let start = ContinuousClock.now

    @Test("the first line of a kind goes out, the alike ones within the interval are held back, and the next one after it says how many")
    func holdsBackRepeatsWithinTheInterval() {
        var limiter = RepeatedLineLimiter(interval: .seconds(10))
        #expect(limiter.admit("refused", now: start) == 0)
        for tenth in 1..<50 {  // five seconds of twenty a second... ten a second here
            #expect(limiter.admit("refused", now: start + .milliseconds(100 * tenth)) == nil)
        }
        #expect(limiter.admit("refused", now: start + .seconds(10)) == 49)
        #expect(limiter.admit("refused", now: start + .seconds(11)) == nil)
        #expect(limiter.admit("refused", now: start + .seconds(25)) == 1)
    }

    @Test("lines of another kind are not held back by a first kind's run")
    func kindsAreIndependent() {
        var limiter = RepeatedLineLimiter(interval: .seconds(10))
        #expect(limiter.admit("broker a refused", now: start) == 0)
        #expect(limiter.admit("broker b refused", now: start + .milliseconds(1)) == 0)
        #expect(limiter.admit("broker a refused", now: start + .milliseconds(2)) == nil)
        #expect(limiter.admit("broker b refused", now: start + .milliseconds(3)) == nil)
    }

    @Test("past its capacity of kinds, a new kind goes out untracked until old kinds age out")
    func aFullLimiterNeverHoldsBackANewKind() {
        var limiter = RepeatedLineLimiter(interval: .seconds(10), capacity: 2)
        #expect(limiter.admit("a", now: start) == 0)
        #expect(limiter.admit("b", now: start) == 0)
        #expect(limiter.admit("c", now: start + .seconds(1)) == 0)
        #expect(limiter.admit("c", now: start + .seconds(2)) == 0, "untracked: never held back")
        #expect(limiter.admit("a", now: start + .seconds(3)) == nil, "a tracked kind is still limited")
        // Once a and b are older than the interval they make room.
        #expect(limiter.admit("c", now: start + .seconds(11)) == 0)
        #expect(limiter.admit("c", now: start + .seconds(12)) == nil)
    }

    @Test("a line's kind is its text with the milliseconds librdkafka writes into it as N; ports, counts and ids stay")
    func kindMasksMillisecondsOnly() {
        let refused = "127.0.0.1:44175/bootstrap: Connect to ipv4#127.0.0.1:44175 failed: Connection refused (after 0ms in state CONNECT)"
        #expect(RepeatedLineLimiter.kind(of: refused)
            == "127.0.0.1:44175/bootstrap: Connect to ipv4#127.0.0.1:44175 failed: Connection refused (after Nms in state CONNECT)")
        #expect(RepeatedLineLimiter.kind(of: refused) == RepeatedLineLimiter.kind(of: refused.replacingOccurrences(of: "0ms", with: "1203ms")))
        #expect(RepeatedLineLimiter.kind(of: refused) != RepeatedLineLimiter.kind(of: refused.replacingOccurrences(of: "44175", with: "9092")))
        #expect(RepeatedLineLimiter.kind(of: "timed out after 10011 ms") == "timed out after 10011 ms")
        #expect(RepeatedLineLimiter.kind(of: "1/1 brokers are down") == "1/1 brokers are down")
        #expect(RepeatedLineLimiter.kind(of: "waited 5msgs") == "waited 5msgs")
        #expect(RepeatedLineLimiter.kind(of: "12ms") == "Nms")
        #expect(RepeatedLineLimiter.kind(of: "") == "")
    }
}
