extension NewsClassifier {
    /// Classifies each example's text (as a title) and scores regions and topics against its labels
    /// (only the dimensions an example is labelled in; see ``LabelledExample``).
    ///
    /// - Parameter primaryRegions: score regions as a set that labels each item with its main
    ///   region: an item counts as right when that region, or one the taxonomy overlaps with it
    ///   (``EvaluationReport/overlappingRegions``), is among the predicted ones, and its other
    ///   predicted regions are then not counted wrong; nor, when it is missed, are the example's
    ///   `secondaryRegions`.
    public func evaluate(_ examples: [LabelledExample], primaryRegions: Bool = false) -> (regions: EvaluationReport, topics: EvaluationReport) {
        let predicted = examples.map { example in
            let result = classify(text: example.text)
            return (regions: result.regions.map(\.label), topics: result.topics.map(\.label))
        }
        return Self.score(examples, predicted: predicted, taxonomy: taxonomy, primaryRegions: primaryRegions)
    }

    /// Scores predictions (one per example, in order) against the examples' labels.
    public static func score(
        _ examples: [LabelledExample], predicted: [(regions: [String], topics: [String])], taxonomy: Taxonomy, primaryRegions: Bool = false
    ) -> (regions: EvaluationReport, topics: EvaluationReport) {
        var gold: (regions: [[String]], topics: [[String]]) = ([], [])
        var guessed: (regions: [[String]], topics: [[String]]) = ([], [])
        for (example, prediction) in zip(examples, predicted) {
            if example.judgesRegions {
                gold.regions.append(example.regions)
                guessed.regions.append(primaryRegions ? EvaluationReport.primary(prediction.regions, gold: example.regions, secondary: example.secondaryRegions) : prediction.regions)
            }
            if example.judgesTopics {
                gold.topics.append(example.topics)
                guessed.topics.append(prediction.topics)
            }
        }
        var regions = EvaluationReport.compute(gold: gold.regions, predicted: guessed.regions, labels: taxonomy.regions.map(\.label))
        // "No prediction" is what the classifier said, before secondary regions were set aside.
        regions.unlabelledPredictions = zip(examples, predicted).filter { $0.0.judgesRegions && $0.1.regions.isEmpty }.count
        return (regions, EvaluationReport.compute(gold: gold.topics, predicted: guessed.topics, labels: taxonomy.topics.map(\.label)))
    }

    /// The weight of a taxonomy keyword as a training example: half a headline of the corpora (whose
    /// balanced weights average 1). Fixed, so that how long a topic's keyword list is does not move
    /// the weights balancing gives the corpora's headlines: when the keywords were balanced with
    /// them, 153 more Sports keywords made every sports headline of the corpora count less.
    public static let keywordExampleWeight = 0.5

    /// Trains a topic model on the examples' texts and topic labels with this classifier's features
    /// (its lexicon and gazetteer; its own topic model, if any, plays no part).
    ///
    /// - Parameter lexiconExamples: also train on each taxonomy keyword as an example of its topic
    ///   ("wicket" is Sports). The corpora are US sections of a few years and carry little sport or
    ///   technology; the keywords are written for the wire news Newsflash reads, and as examples they
    ///   teach the model to trust a keyword where the corpora have few (see the Generator README).
    ///   Each weighs `keywordExampleWeight`, outside the trainer's balancing of topics.
    public func trainTopicModel(
        on examples: [LabelledExample], trainer: TopicModelTrainer = TopicModelTrainer(), description: String,
        lexiconExamples: Bool = false
    ) throws(ClassifierError) -> TopicModel {
        let labels = taxonomy.topics.map(\.label)
        for example in examples {
            for topic in example.topics where !labels.contains(topic) {
                throw ClassifierError(.malformedLabelledData, "topic '\(topic)' of \"\(example.text.prefix(60))\" is not in the taxonomy (\(labels.joined(separator: ", ")))")
            }
        }
        var training = examples.filter(\.judgesTopics).map {
            TopicModelTrainer.Example(features: namedTopicFeatures(ClassificationInput(title: $0.text)), labels: Set($0.topics))
        }
        if lexiconExamples {
            for topic in taxonomy.topics {
                for keyword in topic.keywords {
                    let text = Self.splitFlag(keyword).0
                    training.append(TopicModelTrainer.Example(
                        features: namedTopicFeatures(ClassificationInput(title: text)), labels: [topic.label], fixedWeight: Self.keywordExampleWeight))
                }
            }
        }
        return try trainer.train(training, labels: labels, description: lexiconExamples ? "\(description) + taxonomy keywords" : description)
    }
}
