import ArgumentParser
import Classifier
import Foundation

/// `newsflash classify eval <labelled.jsonl>`: precision, recall and F1 per label, micro and macro
/// averages and a confusion table, for regions and for topics. `--folds N` trains N models, each
/// without one fold, and scores every example with the model that did not see it (held-out figures).
struct ClassifyEvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score the classifier against labelled JSON lines {\"text\", \"regions\", \"topics\"}.")

    @Argument(help: "A JSON-lines file of labelled examples.")
    var file: String

    @Option(help: "Cross-validate: train this many topic models, each without one fold (example i is in fold i % N), and score each fold with the model that did not see it.")
    var folds: Int?

    @OptionGroup var training: TrainingOptions

    @OptionGroup var options: ClassifierOptions

    func validate() throws {
        if let folds, folds < 2 { throw ValidationError("--folds needs at least 2") }
        if folds != nil && options.model != nil { throw ValidationError("--folds trains its own models; leave out --model") }
    }

    func run() async throws {
        let examples = try LabelledExample.parseLines(try ClassifyFiles.read(file), source: file)
        guard !examples.isEmpty else { throw ValidationError("\(file) has no examples") }
        let regions: EvaluationReport
        let topics: EvaluationReport
        var heading = "model: bundled"
        if let folds {
            let base = try options.makeClassifier(withTopicModel: false)
            var predictedRegions = [[String]](repeating: [], count: examples.count)
            var predictedTopics = [[String]](repeating: [], count: examples.count)
            for fold in 0..<folds {
                let (train, _) = LabelledExample.split(examples, fold: fold, of: folds)
                let model = try base.trainTopicModel(on: train, trainer: training.trainer, description: "\(file) without fold \(fold) of \(folds)")
                let classifier = base.replacingTopicModel(model)
                for index in stride(from: fold, to: examples.count, by: folds) {
                    let result = classifier.classify(text: examples[index].text)
                    predictedRegions[index] = result.regions.map(\.label)
                    predictedTopics[index] = result.topics.map(\.label)
                }
            }
            regions = EvaluationReport.compute(gold: examples.map(\.regions), predicted: predictedRegions, labels: base.taxonomy.regions.map(\.label))
            topics = EvaluationReport.compute(gold: examples.map(\.topics), predicted: predictedTopics, labels: base.taxonomy.topics.map(\.label))
            heading = "held out: \(folds)-fold cross-validation (each example scored by a model trained without it)"
        } else {
            let classifier = try options.makeClassifier()
            (regions, topics) = classifier.evaluate(examples)
            heading = "model: \(classifier.topicModel?.version ?? "none (lexicon only)"); classifier \(classifier.version)"
        }
        print(heading)
        print("")
        print(EvaluationTable.render(regions, title: "REGIONS"))
        print("")
        print(EvaluationTable.render(topics, title: "TOPICS"))
    }
}

/// Reading the files the classify commands are given.
enum ClassifyFiles {
    static func read(_ path: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ValidationError("cannot read \(path): \(error.localizedDescription)")
        }
    }
}
