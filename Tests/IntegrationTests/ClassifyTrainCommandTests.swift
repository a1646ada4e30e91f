import Foundation
import Testing
import TestSupport

/// `newsflash classify train` and `classify eval` over several files, with the trainer's options.
@Suite struct ClassifyTrainCommandTests {
    @Test("train reads several files as one set and records its settings; eval cross-validates over them")
    func severalFilesBalancedAndPruned() async throws {
        let holdout = Repository.script("Tests/ClassifierTests/Fixtures/holdout.jsonl")
        let model = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: model) }
        let train = try await NewsflashCLI.run(
            ["classify", "train", holdout, holdout, "--balance", "--min-count", "2", "--epochs", "5", "--output", model.path])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("from 160 examples"), "\(train.stdout)")
        let written = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: model)) as? [String: Any])
        let trainedOn = try #require(written["trainedOn"] as? String)
        #expect(trainedOn.hasPrefix("holdout.jsonl + holdout.jsonl: 160 examples, 5 epochs"), "\(trainedOn)")
        #expect(trainedOn.contains("features seen at least 2 times") && trainedOn.hasSuffix("labels balanced"), "\(trainedOn)")

        let eval = try await NewsflashCLI.run(
            ["classify", "eval", holdout, holdout, "--folds", "2", "--judge", "topics", "--epochs", "5", "--balance"])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(eval.stdout.contains("TOPICS (160 examples)"), "\(eval.stdout)")
        #expect(eval.stdout.contains("confusion (rows: gold, columns: predicted)"))
    }

    @Test("bad trainer settings are refused before anything is read")
    func badSettings() async throws {
        let holdout = Repository.script("Tests/ClassifierTests/Fixtures/holdout.jsonl")
        let cases: [([String], String)] = [
            (["classify", "train", holdout, "--min-count", "0", "--output", "/dev/null"], "--min-count must be at least 1"),
            (["classify", "train", holdout, "--epochs", "0", "--output", "/dev/null"], "--epochs must be at least 1"),
            (["classify", "eval", holdout, "--l2=-1"], "--l2 must be zero or a positive number"),
            (["classify", "train", "--output", "/dev/null"], "file"),
        ]
        for (arguments, message) in cases {
            let run = try await NewsflashCLI.run(arguments)
            #expect(run.status != 0, "\(arguments)")
            #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
        }
    }
}
