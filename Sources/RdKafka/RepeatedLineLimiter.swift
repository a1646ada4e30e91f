/// Lets the first of a run of alike log lines through and holds back the ones that follow within
/// `interval`; the first after the interval goes out again, saying how many were held back.
///
/// librdkafka reports a broker it cannot reach on every reconnect attempt, through both its log
/// callback and its error callback: measured with `chaos.py --outage`, some twenty lines a second
/// of each per client while the broker is down, and two hundred in the second a consumer closes.
/// Lines are alike when they are equal but for the milliseconds librdkafka writes into them
/// ("after 0ms in state CONNECT"); a line of another broker, client or level is a line of its own.
/// Held-back lines are counted, not lost: the count goes out with the next line of the kind.
public struct RepeatedLineLimiter: Sendable {
    private struct Entry: Sendable {
        var shownAt: ContinuousClock.Instant
        var held: Int
    }

    let interval: Duration
    /// At most this many kinds of line are tracked; past it, a new kind is let through untracked
    /// (never held back) until old kinds age out.
    let capacity: Int
    private var entries: [String: Entry] = [:]

    public init(interval: Duration = .seconds(10), capacity: Int = 256) {
        self.interval = interval
        self.capacity = capacity
    }

    /// Whether a line of kind `key` goes out at `now`: nil to hold it back, else how many of its
    /// kind were held back since the last one shown (0 for a line of a new kind).
    public mutating func admit(_ key: String, now: ContinuousClock.Instant) -> Int? {
        if var entry = entries[key] {
            if now - entry.shownAt < interval {
                entry.held += 1
                entries[key] = entry
                return nil
            }
            entries[key] = Entry(shownAt: now, held: 0)
            return entry.held
        }
        if entries.count >= capacity {
            entries = entries.filter { now - $0.value.shownAt < interval }
            guard entries.count < capacity else { return 0 }
        }
        entries[key] = Entry(shownAt: now, held: 0)
        return 0
    }

    /// `text` with every number that stands right before "ms" written as "N": the kind of a line.
    static func kind(of text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            guard bytes[index].isASCIIDigit else {
                out.append(bytes[index])
                index += 1
                continue
            }
            var end = index
            while end < bytes.count, bytes[end].isASCIIDigit { end += 1 }
            let beforeMilliseconds = end + 1 < bytes.count && bytes[end] == UInt8(ascii: "m") && bytes[end + 1] == UInt8(ascii: "s")
                && (end + 2 == bytes.count || !bytes[end + 2].isASCIILetter)
            if beforeMilliseconds {
                out.append(UInt8(ascii: "N"))
            } else {
                out.append(contentsOf: bytes[index..<end])
            }
            index = end
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension UInt8 {
    fileprivate var isASCIIDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    fileprivate var isASCIILetter: Bool { (self | 0x20) >= UInt8(ascii: "a") && (self | 0x20) <= UInt8(ascii: "z") }
}
