/// Timings of repeated runs of one piece of work: one warm-up run, then
/// `runs` measured ones on a monotonic clock.
struct BenchMeasurement {
    var items: Int
    var seconds: [Double]

    var medianSeconds: Double {
        let sorted = seconds.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    var minimumSeconds: Double { seconds.min() ?? 0 }
    var maximumSeconds: Double { seconds.max() ?? 0 }

    /// - Parameter work: returns how many items it produced.
    static func measure(runs: Int, _ work: () throws -> Int) rethrows -> BenchMeasurement {
        let clock = ContinuousClock()
        var items = try work()  // warm-up: page in the file, the code and libxml2's tables
        var seconds: [Double] = []
        for _ in 0..<runs {
            let start = clock.now
            items = try work()
            let elapsed = clock.now - start
            seconds.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        return BenchMeasurement(items: items, seconds: seconds)
    }
}
