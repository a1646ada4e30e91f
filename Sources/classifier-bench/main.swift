// Release-build benchmark of the classifier: headlines per second on one core for full
// classification (tokens, gazetteer, trap rules, regions, topic model, urgency, explanations).
// Tests/Benchmarks/classifier/run.sh runs it beside Python's flashtext doing only the gazetteer
// lookup over the same names (exported with --export-names) and the same headlines.
//
// usage: classifier-bench --headlines FILE [--seconds S] [--max-passes N] [--iterations N] [--export-names FILE] [--dump]
//   FILE: one headline per line, or JSON lines with a "text" field.
//   --iterations N: classify exactly N headlines (cycling through FILE) instead of running for a
//   time, so that two runs' instruction counts (perf stat) differ by exactly the classification work.
//   --dump: print every classification as JSON instead of timing: each headline as a bare text, then
//   as a title with the next headline as its summary, a source kind and hints. Two builds' dumps of
//   the same FILE are equal exactly when a change to the classifier left its output alone.
import Classifier
import Foundation

struct BenchOptions {
    var headlines: String?
    var seconds = 3.0
    var maxPasses = 100_000
    var iterations: Int?
    var exportNames: String?
    var dump = false

    static func parse(_ arguments: [String]) -> BenchOptions {
        var options = BenchOptions()
        var index = 1
        func value() -> String {
            index += 1
            guard index < arguments.count else { fail("\(arguments[index - 1]) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--headlines": options.headlines = value()
            case "--seconds": options.seconds = Double(value()) ?? options.seconds
            case "--max-passes": options.maxPasses = Int(value()) ?? options.maxPasses
            case "--iterations": options.iterations = Int(value())
            case "--export-names": options.exportNames = value()
            case "--dump": options.dump = true
            case "-h", "--help":
                print("usage: classifier-bench --headlines FILE [--seconds S] [--max-passes N] [--iterations N] [--export-names FILE] [--dump]")
                exit(0)
            default: fail("unknown argument \(arguments[index])")
            }
            index += 1
        }
        return options
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("classifier-bench: \(message)\n".utf8))
    exit(2)
}

func readHeadlines(_ path: String) -> [String] {
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    let text = String(decoding: data, as: UTF8.self)
    return text.split(separator: "\n").compactMap { line -> String? in
        if line.hasPrefix("{"), let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] {
            return object["text"] as? String
        }
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

let options = BenchOptions.parse(CommandLine.arguments)

let loadStart = now()
let classifier: NewsClassifier
do {
    classifier = try NewsClassifier.bundled()
} catch {
    fail("\(error)")
}
let loadSeconds = now() - loadStart

if let path = options.exportNames {
    // The gazetteer's spellings, one per line: the same names flashtext is given.
    let names = classifier.gazetteer.aliases.map(\.text).joined(separator: "\n") + "\n"
    guard FileManager.default.createFile(atPath: path, contents: Data(names.utf8)) else { fail("cannot write \(path)") }
}

guard let path = options.headlines else {
    print(String(format: "load: %.3f s (%d gazetteer names)", loadSeconds, classifier.gazetteer.aliases.count))
    exit(0)
}
let headlines = readHeadlines(path)
guard !headlines.isEmpty else { fail("no headlines in \(path)") }

if options.dump {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let kinds: [ClassificationInput.SourceKind?] = [nil] + ClassificationInput.SourceKind.allCases
    var output = ""
    for (index, headline) in headlines.enumerated() {
        let hints = ClassificationInput.Hints(
            region: index % 3 == 0 ? classifier.taxonomy.regions[index % classifier.taxonomy.regions.count].label : nil,
            topic: index % 4 == 0 ? classifier.taxonomy.topics[index % classifier.taxonomy.topics.count].label : nil)
        let input = ClassificationInput(
            title: headline, summary: headlines[(index + 1) % headlines.count], sourceKind: kinds[index % kinds.count], hints: hints)
        for result in [classifier.classify(text: headline), classifier.classify(input)] {
            guard let line = try? encoder.encode(result) else { fail("cannot encode the classification of line \(index + 1)") }
            output += String(decoding: line, as: UTF8.self) + "\n"
        }
    }
    FileHandle.standardOutput.write(Data(output.utf8))
    exit(0)
}

if let iterations = options.iterations {
    // A fixed amount of work and no warm-up: for instruction and allocation counts, not rates.
    var checksum = 0
    let start = now()
    for iteration in 0..<iterations {
        let result = classifier.classify(text: headlines[iteration % headlines.count])
        checksum &+= result.regions.count &+ result.topics.count &+ result.explanation.count
    }
    let elapsed = now() - start
    print(String(format: "swift full classification: %d headlines in %.3f s (checksum %d)", iterations, elapsed, checksum))
    exit(0)
}

// Warm up, then classify the headlines pass after pass until the time or pass limit is reached.
var checksum = 0
for headline in headlines { checksum &+= classifier.classify(text: headline).regions.count }
var classified = 0
var passes = 0
let start = now()
var elapsed = 0.0
while elapsed < options.seconds && passes < options.maxPasses {
    for headline in headlines {
        let result = classifier.classify(text: headline)
        checksum &+= result.regions.count &+ result.topics.count &+ result.explanation.count
    }
    classified += headlines.count
    passes += 1
    elapsed = now() - start
}
let rate = Double(classified) / elapsed
print(String(format: "load: %.3f s (%d gazetteer names)", loadSeconds, classifier.gazetteer.aliases.count))
print(String(format: "swift full classification: %.0f headlines/s (%d headlines x %d passes in %.2f s, one core; checksum %d)",
             rate, headlines.count, passes, elapsed, checksum))
print("classifier: \(classifier.version)")
