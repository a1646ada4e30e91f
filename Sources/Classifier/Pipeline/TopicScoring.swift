import Foundation

extension NewsClassifier {
    /// A topic is reported from this probability up (at most `maxTopics` of them).
    static let topicThreshold = 0.5
    /// Below the threshold, the best topic is still reported from this probability up.
    static let topicFloor = 0.25
    static let maxTopics = 3

    /// Lexicon hit counts per topic (title hits count 1, summary hits 0.5) and the kinds of names found.
    func topicSignals(_ analysis: Analysis) -> ([Double], [Gazetteer.EntityKind]) {
        var counts = [Double](repeating: 0, count: taxonomy.topics.count)
        for entry in analysis.keywordHits { counts[entry.topic] += analysis.fields[entry.field].weight }
        var kinds: [Gazetteer.EntityKind] = []
        for mention in analysis.mentions {
            if case .entity(let index) = mention.target, !kinds.contains(gazetteer.entities[index].kind) {
                kinds.append(gazetteer.entities[index].kind)
            }
        }
        return (counts, kinds)
    }

    /// The model's features of an item, by name (what training sees).
    func namedTopicFeatures(_ input: ClassificationInput) -> [String: Double] {
        let analysis = analyse(input)
        let (counts, kinds) = topicSignals(analysis)
        return TopicFeatures.named(fields: analysis.fields, lexiconCounts: counts, kinds: Set(kinds), topicLabels: taxonomy.topics.map(\.label))
    }

    /// Topic probabilities (taxonomy order): the model's when there is one, else a lexicon-only estimate.
    func topicProbabilities(_ analysis: Analysis, occurrences: inout [TopicFeatureIndex.Occurrence]) -> [Double] {
        let (counts, kinds) = topicSignals(analysis)
        guard let index = topicIndex else {
            return counts.map { $0 > 0 ? 1 - 0.5 * exp2(-$0) : 0 }
        }
        let sums = index.accumulate(fields: analysis.fields, lexiconCounts: counts, kinds: kinds, occurrences: &occurrences)
        var probabilities = [Double](repeating: 0, count: taxonomy.topics.count)
        for (label, topic) in index.topicOfLabel.enumerated() {
            if let topic { probabilities[topic] = 1 / (1 + exp(-sums[label])) }
        }
        return probabilities
    }

    func scoreTopics(_ analysis: Analysis, hint: String?) -> ([ScoredTag], [Evidence]) {
        var occurrences: [TopicFeatureIndex.Occurrence] = []
        occurrences.reserveCapacity(32)
        let probabilities = topicProbabilities(analysis, occurrences: &occurrences)
        var order = Array(probabilities.indices)
        order.sort { (probabilities[$0], $1) > (probabilities[$1], $0) }
        var chosen = order.prefix(Self.maxTopics).filter { probabilities[$0] >= Self.topicThreshold }
        if chosen.isEmpty, let best = order.first, probabilities[best] >= Self.topicFloor {
            chosen = [best]
        }
        if chosen.isEmpty {
            if let hint, hintTopic[hint] != nil {
                return ([ScoredTag(label: hint, score: 0.5)], [Evidence(kind: .topic, tag: hint, phrase: hint, field: .source, rule: "hint")])
            }
            if let fallback = taxonomy.fallbackTopic {
                let score = Self.rounded(max(0.3, 1 - (order.first.map { probabilities[$0] } ?? 0)))
                return ([ScoredTag(label: fallback, score: score)], [Evidence(kind: .topic, tag: fallback, phrase: "", field: .title, rule: "fallback")])
            }
            return ([], [])
        }
        var evidence: [Evidence] = []
        evidence.reserveCapacity(chosen.count * 5)
        for topic in chosen {
            let label = taxonomy.topics[topic].label
            for (fieldIndex, hit) in analysis.keywordHits(of: topic).prefix(3) {
                let field = analysis.fields[fieldIndex]
                evidence.append(Evidence(kind: .topic, tag: label, phrase: field.text(from: hit.start, to: hit.end), field: field.field, rule: "lexicon"))
            }
            modelEvidence(topic: topic, label: label, occurrences: occurrences, analysis: analysis, into: &evidence)
        }
        return (chosen.map { ScoredTag(label: taxonomy.topics[$0].label, score: Self.rounded(probabilities[$0])) }, evidence)
    }

    /// The (up to two) words or bigrams that pushed the model most towards `topic`.
    private func modelEvidence(
        topic: Int, label: String, occurrences: [TopicFeatureIndex.Occurrence], analysis: Analysis, into evidence: inout [Evidence]
    ) {
        guard let index = topicIndex, let modelLabel = index.topicOfLabel.firstIndex(of: topic) else { return }
        var best: (Int, Double) = (-1, 0.3)
        var second: (Int, Double) = (-1, 0.3)
        for (position, occurrence) in occurrences.enumerated() {
            let contribution = index.model.weight(row: Int(occurrence.row), label: modelLabel) * occurrence.value
            if contribution > best.1 {
                if best.0 < 0 || occurrences[best.0].row != occurrence.row { second = best }
                best = (position, contribution)
            } else if contribution > second.1, occurrences[best.0].row != occurrence.row {
                second = (position, contribution)
            }
        }
        for (position, _) in [best, second] where position >= 0 {
            let occurrence = occurrences[position]
            let field = analysis.fields[Int(occurrence.field)]
            evidence.append(Evidence(
                kind: .topic, tag: label, phrase: field.text(from: Int(occurrence.start), to: Int(occurrence.end)), field: field.field,
                rule: "model"))
        }
    }
}
