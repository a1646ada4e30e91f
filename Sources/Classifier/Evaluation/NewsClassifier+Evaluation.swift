extension NewsClassifier {
    /// Classifies each example's text (as a title) and scores regions and topics against its labels.
    public func evaluate(_ examples: [LabelledExample]) -> (regions: EvaluationReport, topics: EvaluationReport) {
        var predictedRegions: [[String]] = []
        var predictedTopics: [[String]] = []
        for example in examples {
            let result = classify(text: example.text)
            predictedRegions.append(result.regions.map(\.label))
            predictedTopics.append(result.topics.map(\.label))
        }
        return (
            EvaluationReport.compute(gold: examples.map(\.regions), predicted: predictedRegions, labels: taxonomy.regions.map(\.label)),
            EvaluationReport.compute(gold: examples.map(\.topics), predicted: predictedTopics, labels: taxonomy.topics.map(\.label))
        )
    }

    /// Trains a topic model on the examples' texts and topic labels with this classifier's features
    /// (its lexicon and gazetteer; its own topic model, if any, plays no part).
    public func trainTopicModel(
        on examples: [LabelledExample], trainer: TopicModelTrainer = TopicModelTrainer(), description: String
    ) throws(ClassifierError) -> TopicModel {
        let labels = taxonomy.topics.map(\.label)
        for example in examples {
            for topic in example.topics where !labels.contains(topic) {
                throw ClassifierError(.malformedLabelledData, "topic '\(topic)' of \"\(example.text.prefix(60))\" is not in the taxonomy (\(labels.joined(separator: ", ")))")
            }
        }
        let training = examples.map {
            TopicModelTrainer.Example(features: namedTopicFeatures(ClassificationInput(title: $0.text)), labels: Set($0.topics))
        }
        return try trainer.train(training, labels: labels, description: description)
    }
}
