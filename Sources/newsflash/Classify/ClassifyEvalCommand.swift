import ArgumentParser
import Classifier
import Foundation

/// `newsflash classify eval <labelled.jsonl>`: precision, recall and F1 per label, micro and macro
/// averages, top-1 accuracy, the share with no prediction and a confusion table, for regions and for
/// topics. `--folds N` trains N models, each without one fold, and scores every example with the
/// model that did not see it (held-out figures).
struct ClassifyEvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score the classifier against labelled JSON lines {\"text\", \"regions\", \"topics\"}.",
        discussion: """
            A label list that is null (or left out) is not judged: a set labelled only by topic says nothing \
            about regions. An example may also carry the item's "url" and "categories": it is then classified \
            with them, as the classify stage does (a section the taxonomy lists files it under a topic or region); \
            training reads the text alone. The held-out sets of other outlets' news are built (not shipped) by \
            Sources/Classifier/Generator/heldout.py; see its README.

            Examples:
              newsflash classify eval Tests/ClassifierTests/Fixtures/holdout.jsonl
              newsflash classify eval var/heldout/outlet-sections.jsonl --judge regions --primary
              newsflash classify eval var/heldout/risk-news-2022.jsonl --judge regions --primary
              newsflash classify eval Tests/ClassifierTests/Fixtures/devset.jsonl --folds 5
              newsflash classify eval Sources/Classifier/Generator/corpus/*.jsonl --folds 5 --judge topics --balance --min-count 3 --lexicon-examples --naive-bayes-scale 0.15
            """)

    enum Judged: String, ExpressibleByArgument, CaseIterable {
        case regions, topics, both
    }

    @Argument(help: "JSON-lines files of labelled examples, read in order as one set.") var files: [String]

    @Option(help: "Cross-validate: train this many topic models, each without one fold (example i is in fold i % N), and score each fold with the model that did not see it.")
    var folds: Int?

    @Option(help: "Which tables to print: regions, topics or both.") var judge: Judged = .both

    @Flag(help: "Score regions as one main region per item: right when it (or a region the taxonomy overlaps with it: Asia/Asia-Pacific, MENA/Africa, MENA/Palestine) is predicted; other predicted regions then not counted wrong, nor, on a miss, the example's \"secondaryRegions\" (other countries it names).")
    var primary = false

    @OptionGroup var training: TrainingOptions

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: ClassifierOptions

    func validate() throws {
        if let folds, folds < 2 { throw ValidationError("--folds needs at least 2") }
        if folds != nil && options.model != nil { throw ValidationError("--folds trains its own models; leave out --model") }
    }

    func run() async throws {
        try global.startLogging("newsflash.classify")
        let examples = try ClassifyFiles.examples(files)
        let file = files.joined(separator: " + ")
        var predicted = [(regions: [String], topics: [String])](repeating: ([], []), count: examples.count)
        let heading: String
        let taxonomy: Taxonomy
        if let folds {
            let base = try options.makeClassifier(withTopicModel: false)
            for fold in 0..<folds {
                let (train, _) = LabelledExample.split(examples, fold: fold, of: folds)
                let model = try base.trainTopicModel(
                    on: train, trainer: training.trainer, description: "\(file) without fold \(fold) of \(folds)",
                    lexiconExamples: training.lexiconExamples)
                let classifier = base.replacingTopicModel(model)
                for index in stride(from: fold, to: examples.count, by: folds) {
                    let result = classifier.classify(examples[index].input)
                    predicted[index] = (result.regions.map(\.label), result.topics.map(\.label))
                }
            }
            taxonomy = base.taxonomy
            heading = "held out: \(folds)-fold cross-validation (each example scored by a model trained without it)"
        } else {
            let classifier = try options.makeClassifier()
            for (index, example) in examples.enumerated() {
                let result = classifier.classify(example.input)
                predicted[index] = (result.regions.map(\.label), result.topics.map(\.label))
            }
            taxonomy = classifier.taxonomy
            heading = "model: \(classifier.topicModel?.version ?? "none (lexicon only)"); classifier \(classifier.version)"
        }
        let (regions, topics) = NewsClassifier.score(examples, predicted: predicted, taxonomy: taxonomy, primaryRegions: primary)
        print(heading)
        if judge != .topics {
            print("")
            print(EvaluationTable.render(regions, title: primary ? "REGIONS (main region per item)" : "REGIONS"))
        }
        if judge != .regions {
            print("")
            print(EvaluationTable.render(topics, title: "TOPICS"))
        }
    }
}

/// Reading the files the classify commands are given.
enum ClassifyFiles {
    /// The labelled examples of all `paths`, in order; an error when there are none.
    static func examples(_ paths: [String]) throws -> [LabelledExample] {
        guard !paths.isEmpty else { throw ValidationError("give at least one JSON-lines file of labelled examples") }
        var examples: [LabelledExample] = []
        for path in paths { examples += try LabelledExample.parseLines(try read(path), source: path) }
        guard !examples.isEmpty else { throw ValidationError("\(paths.joined(separator: ", ")) \(paths.count == 1 ? "has" : "have") no examples") }
        return examples
    }

    static func read(_ path: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ValidationError("cannot read \(path): \(error.localizedDescription)")
        }
    }
}
