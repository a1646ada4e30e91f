import ArgumentParser
import Classifier
import Foundation

/// `newsflash classify train <labelled.jsonl>... --output <model.json>`: trains the topic model
/// (logistic regression over words, bigrams, lexicon hits and name kinds) and writes it as
/// versioned JSON. The bundled model is `Sources/Classifier/Resources/topic-model.json`, trained by
/// `make topic-model` from the devset and the corpora in `Sources/Classifier/Generator/corpus/`.
struct ClassifyTrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the topic model from labelled JSON lines and write it as JSON.")

    @Argument(help: "JSON-lines files of labelled examples {\"text\", \"regions\", \"topics\"}, read in order as one set.")
    var files: [String]

    @Option(help: "Where to write the model.") var output: String

    @OptionGroup var training: TrainingOptions

    @Option(help: "Leave out fold K of N (\"K/N\": example i is left out when i % N == K), to keep a held-out part.")
    var excludeFold: String?

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: ClassifierOptions

    func run() async throws {
        try global.startLogging("newsflash.classify")
        var examples = try ClassifyFiles.examples(files)
        var description = files.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: " + ")
        if let excludeFold {
            let parts = excludeFold.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 2, parts[1] >= 2, parts[0] >= 0, parts[0] < parts[1] else {
                throw ValidationError("--exclude-fold wants K/N with 0 <= K < N, e.g. 0/4")
            }
            examples = LabelledExample.split(examples, fold: parts[0], of: parts[1]).train
            description += " without fold \(excludeFold)"
        }
        let classifier = try options.makeClassifier(withTopicModel: false)
        let model = try classifier.trainTopicModel(
            on: examples, trainer: training.trainer, description: description, lexiconExamples: training.lexiconExamples)
        let data = try model.jsonData()
        do {
            try data.write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw ValidationError("cannot write \(output): \(error.localizedDescription)")
        }
        print("wrote \(output): \(model.version), \(model.features.count) features, \(model.labels.count) topics, from \(examples.count) examples\(training.lexiconExamples ? " and the taxonomy's keywords" : "")")
    }
}

/// The topic model trainer's settings (the defaults are the ones the bundled model was trained with).
struct TrainingOptions: ParsableArguments {
    @Option(help: "Passes over the data.") var epochs: Int = TopicModelTrainer().epochs
    @Option(help: "Step size of gradient descent.") var learningRate: Double = TopicModelTrainer().learningRate
    @Option(help: "L2 penalty.") var l2: Double = TopicModelTrainer().l2

    @Option(help: "Leave out words and bigrams seen in fewer training examples than this.")
    var minCount: Int = TopicModelTrainer().minimumFeatureCount

    @Flag(help: "Weigh examples by how rare their topics are in the training data.") var balance = false

    @Flag(help: "Also train on each taxonomy keyword as an example of its topic, weighing half a headline and left out of --balance (the bundled model's recipe).")
    var lexiconExamples = false

    @Option(help: "Scale each feature, topic by topic, by its naive Bayes log-count ratio r before training, as (1 - s) + s × r (0: not at all; the bundled model's recipe: 0.15).")
    var naiveBayesScale: Double = TopicModelTrainer().naiveBayesScale

    @Option(help: "Seed of the order examples are visited in (the default is the bundled model's); train with a few to see how far a figure moves by chance.")
    var seed: UInt64 = TopicModelTrainer.defaultSeed

    @Option(help: "Train this many times, with the seeds --seed, --seed + 1, ..., and average the weights, on all cores (the bundled model's recipe: 5): the model is then no one order's lucky or unlucky draw.")
    var runs: Int = TopicModelTrainer().runs

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be a positive number") }
        guard l2 >= 0, l2.isFinite else { throw ValidationError("--l2 must be zero or a positive number") }
        guard minCount >= 1 else { throw ValidationError("--min-count must be at least 1") }
        guard (0...1).contains(naiveBayesScale) else { throw ValidationError("--naive-bayes-scale must be between 0 and 1") }
        guard (1...64).contains(runs) else { throw ValidationError("--runs must be between 1 and 64") }
    }

    var trainer: TopicModelTrainer {
        TopicModelTrainer(epochs: epochs, learningRate: learningRate, l2: l2, minimumFeatureCount: minCount, balanceLabels: balance,
            naiveBayesScale: naiveBayesScale, seed: seed, runs: runs)
    }
}
