import FeedParsing
/// When to poll a source next: its interval with ±10% jitter after a success;
/// after failures, exponential backoff (interval × 2^(failures−1), at most one
/// hour, or the interval if that is longer); a server's Retry-After is honoured
/// (up to 6 hours) when it asks for more. Pure: the random draw is passed in.
public struct PollSchedule: Sendable, Hashable {
    public var interval: Double
    public static let maximumBackoff: Double = 3600
    public static let maximumRetryAfter: Double = 6 * 3600

    public init(interval: Double) {
        self.interval = interval
    }

    /// Seconds until the next poll. `random` is uniform in 0..<1.
    public func delay(consecutiveFailures: Int, retryAfter: Double?, random: Double) -> Double {
        let jitter = 1 + (random * 0.2 - 0.1)
        var delay: Double
        if consecutiveFailures == 0 {
            delay = interval * jitter
        } else {
            let exponent = Double(min(consecutiveFailures - 1, 20))
            delay = max(interval, min(interval * pow2(exponent), Self.maximumBackoff)) * jitter
        }
        if let retryAfter, retryAfter > 0 {
            delay = max(delay, min(retryAfter, Self.maximumRetryAfter))
        }
        return delay
    }

    private func pow2(_ exponent: Double) -> Double {
        var value = 1.0
        for _ in 0..<Int(exponent) { value *= 2 }
        return value
    }
}
