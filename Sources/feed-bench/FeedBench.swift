import ArgumentParser
import Foundation
import FeedParsing

/// `feed-bench`: feed parsing throughput of the production parser (the code
/// behind `newsflash feed parse` and the ingest worker) on files, in a release
/// build. Prints one line per file with items/s and MB/s, the median of
/// several runs after a warm-up run; `--json` prints the same as JSON lines
/// for the comparison script (Tests/Benchmarks/feeds/run.sh).
@main
struct FeedBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feed-bench",
        abstract: "Measure feed parsing throughput (run it in a release build).")

    @Argument(help: "Feed files to parse.") var files: [String]
    @Option(help: "Measured runs per file (1...50); the median is reported.") var runs: Int = 7
    @Flag(help: "Print JSON lines instead of text.") var json = false

    func validate() throws {
        guard (1...50).contains(runs) else { throw ValidationError("--runs must be 1...50") }
        guard !files.isEmpty else { throw ValidationError("give at least one feed file") }
    }

    func run() throws {
        var limits = FeedParserLimits()
        limits.maximumBytes = 512 * 1024 * 1024
        limits.maximumItems = 10_000_000
        let parser = FeedParser(limits: limits)
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
            let bytes = Array(data)
            let measurement = try BenchMeasurement.measure(runs: runs) { try parser.parse(bytes).items.count }
            let name = URL(fileURLWithPath: path).lastPathComponent
            let itemsPerSecond = Double(measurement.items) / measurement.medianSeconds
            let megabytesPerSecond = Double(bytes.count) / measurement.medianSeconds / 1e6
            if json {
                let fields: [String] = [
                    "\"parser\":\"swift\"", "\"file\":\"\(name)\"", "\"bytes\":\(bytes.count)", "\"items\":\(measurement.items)",
                    "\"runs\":\(runs)", String(format: "\"medianSeconds\":%.6f", measurement.medianSeconds),
                    String(format: "\"itemsPerSecond\":%.1f", itemsPerSecond), String(format: "\"megabytesPerSecond\":%.3f", megabytesPerSecond),
                ]
                print("{" + fields.joined(separator: ",") + "}")
            } else {
                print(String(format: "swift %@: %d items, %.2f MB, %.0f items/s, %.2f MB/s (median of %d, min %.4f s, max %.4f s)",
                             name, measurement.items, Double(bytes.count) / 1e6, itemsPerSecond, megabytesPerSecond, runs,
                             measurement.minimumSeconds, measurement.maximumSeconds))
            }
        }
    }
}
