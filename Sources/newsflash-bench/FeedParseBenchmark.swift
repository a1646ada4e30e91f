import ArgumentParser
import Foundation
import Ingest

/// Parses each file `runs` times with the production parser (the same code as
/// `newsflash feed parse` and the ingest worker) and prints items/s and MB/s.
struct FeedParseBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feeds",
        abstract: "Measure feed parsing throughput on files.")

    @Argument(help: "Feed files to parse.")
    var files: [String]

    @Option(help: "Runs per file; the median is reported.")
    var runs: Int = 5

    func run() throws {
        guard (1...50).contains(runs) else { throw ValidationError("--runs must be 1...50") }
        var limits = FeedParserLimits()
        limits.maximumBytes = 256 * 1024 * 1024
        limits.maximumItems = 1_000_000
        let parser = FeedParser(limits: limits)
        for path in files {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            var seconds: [Double] = []
            var count = 0
            let clock = ContinuousClock()
            for _ in 0..<runs {
                let start = clock.now
                let feed = try parser.parse(bytes, url: "https://bench.example.com/feed")
                let elapsed = clock.now - start
                seconds.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                count = feed.items.count
            }
            let time = median(seconds)
            print(String(format: "swift %@: %d items, %.0f items/s, %.2f MB/s (median of %d)",
                         URL(fileURLWithPath: path).lastPathComponent, count, Double(count) / time, Double(bytes.count) / time / 1e6, runs))
        }
    }
}
