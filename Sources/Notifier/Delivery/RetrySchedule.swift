import Foundation
import NewsModel

/// When a failed delivery is tried again, and through which delay topic.
///
/// The default schedule is 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after the
/// first, second, … failed attempt, each with ±20% jitter: eight attempts in
/// all, then the dead-letter topic. A `Retry-After` (429, 503) replaces the
/// step's delay, bounded to `retryAfterBounds`. Pure: the clock and the random
/// source are arguments.
public struct RetrySchedule: Sendable, Hashable {
    public var delays: [Duration]
    /// ±this fraction of each delay.
    public var jitter: Double
    public var retryAfterBounds: ClosedRange<Double>
    /// The delay topics for 5 s, 5 min, 30 min, 2 h, 5 h and 10 h (``Topics/retryTopics``).
    public var topics: [String]
    /// The delay each of ``topics`` holds, in seconds (scaled with the schedule).
    public var tiers: [Double] = [5, 300, 1800, 7200, 18_000, 36_000]

    public init(
        delays: [Duration] = [.seconds(5), .seconds(300), .seconds(1800), .seconds(7200), .seconds(18_000), .seconds(36_000), .seconds(36_000)],
        jitter: Double = 0.2, retryAfterBounds: ClosedRange<Double> = 1...3600, topics: [String] = Topics.retryTopics
    ) {
        self.delays = delays
        self.jitter = jitter
        self.retryAfterBounds = retryAfterBounds
        self.topics = topics
    }

    /// The same schedule with every delay, the Retry-After bounds and the delay topics' tiers
    /// multiplied by `factor` (chaos and load tests run the whole schedule in seconds with
    /// 0.001). The tiers scale too, so that a short retry is never held in one topic behind a
    /// long one, as it is not at full scale.
    public func scaled(by factor: Double) -> RetrySchedule {
        var scaled = self
        scaled.delays = delays.map { $0 * factor }
        scaled.tiers = tiers.map { $0 * factor }
        scaled.retryAfterBounds = retryAfterBounds.lowerBound * factor...retryAfterBounds.upperBound * factor
        return scaled
    }

    /// Attempts in all: the first and one per delay.
    public var maximumAttempts: Int { delays.count + 1 }

    public enum Decision: Sendable, Hashable {
        /// Try again at `at`, holding it in `topic` until then.
        case retry(at: Date, topic: String)
        /// No attempts left: to the dead-letter topic.
        case deadLetter
    }

    /// What follows failed attempt number `attempt` (1 for the first).
    public func decide(
        afterFailedAttempt attempt: Int, retryAfter: Double? = nil, now: Date, random: Double = Double.random(in: 0..<1)
    ) -> Decision {
        guard attempt >= 1, attempt <= delays.count else { return .deadLetter }
        let base: Double
        if let retryAfter {
            base = min(max(retryAfter, retryAfterBounds.lowerBound), retryAfterBounds.upperBound)
        } else {
            let step = delays[attempt - 1]
            base = Double(step.components.seconds) + Double(step.components.attoseconds) / 1e18
        }
        // random in [0, 1) -> a factor in [1 - jitter, 1 + jitter); a Retry-After is kept as asked.
        let seconds = retryAfter == nil ? base * (1 - jitter + 2 * jitter * random) : base
        return .retry(at: now.addingTimeInterval(seconds), topic: topic(forDelay: seconds))
    }

    /// The delay topic for a delay: the one with the longest delay not above it
    /// (the shortest for anything shorter), so a message is never held behind
    /// others due much later than itself.
    public func topic(forDelay seconds: Double) -> String {
        let tiers: [(Double, String)] = zip(self.tiers, topics).map { ($0, $1) }
        return tiers.last { $0.0 <= seconds * 1.25 }?.1 ?? tiers[0].1
    }
}
