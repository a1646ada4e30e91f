import Foundation
import FuzzTargets
import NewsModel
import Testing
import TestSupport

/// Every fuzz target over its seed corpus (Tests/Fuzz/corpus.txt) and over every crasher the
/// fuzzers ever found (Tests/Fuzz/Regressions/<target>/): a property that breaks again traps here.
@Suite struct FuzzCorpusTests {
    /// target -> the files that seed it, and its regression cases.
    static let corpus: [(target: String, files: [URL])] = {
        let root = Repository.root
        guard let text = try? String(contentsOf: root.appendingPathComponent("Tests/Fuzz/corpus.txt"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { line in
            let words = line.split(separator: " ").map(String.init)
            let directories = words.dropFirst().map { root.appendingPathComponent($0) } + [root.appendingPathComponent("Tests/Fuzz/Regressions/\(words[0])")]
            let files = directories.flatMap { directory in
                ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: [.isRegularFileKey])) ?? [])
                    .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            }
            return (words[0], files.sorted { $0.path < $1.path })
        }
    }()

    @Test func everyTargetHasASeedCorpus() {
        #expect(Set(Self.corpus.map(\.target)) == Set(FuzzTargets.all.map(\.name)))
        for (target, files) in Self.corpus { #expect(files.count >= 5, "\(target) has \(files.count) seeds") }
    }

    @Test(arguments: FuzzTargets.all.map(\.name))
    func theTargetHoldsOnItsSeedsAndRegressions(_ name: String) throws {
        let run = try #require(FuzzTargets.all.first { $0.name == name }?.run)
        for file in Self.corpus.first(where: { $0.target == name })?.files ?? [] {
            let bytes = try Data(contentsOf: file)
            bytes.withUnsafeBytes { run($0) }
        }
    }

    /// The event seeds are what the pipeline writes: each decodes as its event type.
    @Test func theEventSeedsAreCurrentEvents() throws {
        let files = Self.corpus.first { $0.target == "event-decoder" }?.files.filter { $0.path.contains("/Seeds/") } ?? []
        #expect(files.count >= 5)
        var types: Set<String> = []
        for file in files {
            let header = try #require(EventCodec.peekType(Array(try Data(contentsOf: file))), "\(file.lastPathComponent)")
            types.insert(header.eventType)
        }
        #expect(types == Set(SampleEvents.all.map { type(of: $0).eventType }))
    }
}
