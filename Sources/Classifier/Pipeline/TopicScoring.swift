import Foundation
import NewsModel

extension NewsClassifier {
    /// A topic is reported from this probability up (at most `maxTopics` of them).
    static let topicThreshold = 0.5
    /// Below the threshold, the best topic is still reported from this probability up.
    static let topicFloor = 0.25
    static let maxTopics = 3

    /// Lexicon hit counts per topic into `counts`, initialized here (title hits count 1, summary
    /// hits 0.5), and the kinds of names found, in order of first mention, into `kinds`; returns
    /// how many kinds.
    func topicSignals(
        _ analysis: Analysis, counts: UnsafeMutableBufferPointer<Double>, kinds: UnsafeMutableBufferPointer<Gazetteer.EntityKind>
    ) -> Int {
        counts.initialize(repeating: 0)
        for entry in analysis.keywordHits { counts[entry.topic] += analysis.fields[entry.field].weight }
        var kindCount = 0
        for mention in analysis.mentions {
            if case .entity(let index) = mention.target {
                let kind = gazetteer.entities[index].kind
                if !kinds[..<kindCount].contains(kind) {
                    kinds[kindCount] = kind
                    kindCount += 1
                }
            }
        }
        return kindCount
    }

    /// The model's features of an item, by name (what training sees).
    func namedTopicFeatures(_ input: ClassificationInput) -> [String: Double] {
        var buffers = ScratchBuffers()
        let analysis = analyse(title: input.title, summary: input.summary, buffers: &buffers)
        // The analysis reads the storage of the fields in `buffers`: they must live as long as it is used.
        defer { withExtendedLifetime(buffers) {} }
        var counts = [Double](repeating: 0, count: taxonomy.topics.count)
        var kinds = [Gazetteer.EntityKind](repeating: .country, count: Gazetteer.EntityKind.allCases.count)
        let kindCount = counts.withUnsafeMutableBufferPointer { counts in
            kinds.withUnsafeMutableBufferPointer { topicSignals(analysis, counts: counts, kinds: $0) }
        }
        return TopicFeatures.named(
            fields: analysis.fields, lexiconCounts: counts, kinds: Set(kinds.prefix(kindCount)), topicLabels: taxonomy.topics.map(\.label))
    }

    /// Topic probabilities (taxonomy order) into `probabilities`, which come in as zeros (those of
    /// topics the model has no label for stay so): the model's when there is one, else a
    /// lexicon-only estimate. The model's word and bigram occurrences are gathered as
    /// `TopicFeatureIndex.probabilities` says; returns how many are left in `pending`.
    func topicProbabilities(
        _ analysis: Analysis, into probabilities: UnsafeMutableBufferPointer<Double>,
        pending: UnsafeMutableBufferPointer<TopicFeatureIndex.Occurrence>, overflow: inout [TopicFeatureIndex.Occurrence]
    ) -> Int {
        let kindCapacity = Gazetteer.EntityKind.allCases.count
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: probabilities.count) { counts in
            withUnsafeTemporaryAllocation(of: Gazetteer.EntityKind.self, capacity: kindCapacity) { kinds in
                kinds.initialize(repeating: .country)
                let kindCount = topicSignals(analysis, counts: counts, kinds: kinds)
                guard topicIndex != nil else {
                    for topic in counts.indices { probabilities[topic] = counts[topic] > 0 ? 1 - 0.5 * exp2(-counts[topic]) : 0 }
                    return 0
                }
                // Read in place, as in `modelEvidence`.
                return topicIndex?.probabilities(
                    fields: analysis.fields, lexiconCounts: UnsafeBufferPointer(counts), kinds: UnsafeBufferPointer(rebasing: kinds[..<kindCount]),
                    exactPlaces: Self.maxTopics, pending: pending, overflow: &overflow, into: probabilities) ?? 0
            }
        }
    }

    /// The topics (at most `maxTopics`, best first); their evidence is appended to `evidence`.
    /// `occurrences` (empty) is the buffer for the model's word and bigram occurrences when they are
    /// more than fit on the stack.
    func scoreTopics(
        _ analysis: Analysis, hint: String?, occurrences: inout [TopicFeatureIndex.Occurrence], evidence: inout [ExplanationStep]
    ) -> [ScoredLabel] {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: taxonomy.topics.count) { probabilities in
            probabilities.initialize(repeating: 0)
            let capacity = TopicFeatureIndex.pendingCapacity
            return withUnsafeTemporaryAllocation(of: TopicFeatureIndex.Occurrence.self, capacity: capacity) { pending in
                let pendingCount = topicProbabilities(analysis, into: probabilities, pending: pending, overflow: &occurrences)
                let pending = UnsafeBufferPointer(rebasing: pending[..<pendingCount])
                let probabilities = UnsafeBufferPointer(probabilities)
                // Most items' occurrences all fit in `pending`, and are read there.
                if occurrences.isEmpty {
                    return chooseTopics(analysis, hint: hint, probabilities: probabilities, occurrences: pending, evidence: &evidence)
                }
                occurrences.append(contentsOf: pending)
                // Read in place: passing the array down would retain it once per chosen topic.
                return occurrences.withUnsafeBufferPointer { occurrences in
                    chooseTopics(analysis, hint: hint, probabilities: probabilities, occurrences: occurrences, evidence: &evidence)
                }
            }
        }
    }

    /// The topics to report given their probabilities, with their evidence appended to `evidence`.
    private func chooseTopics(
        _ analysis: Analysis, hint: String?, probabilities: UnsafeBufferPointer<Double>,
        occurrences: UnsafeBufferPointer<TopicFeatureIndex.Occurrence>, evidence: inout [ExplanationStep]
    ) -> [ScoredLabel] {
        let topicCount = probabilities.count
        let ranked = min(Self.maxTopics, topicCount)
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: ranked) { order in
            // The first `maxTopics` places of the ranking by probability, then taxonomy order. Topics
            // come in taxonomy order and each goes in after those at least as probable, so a tie
            // keeps taxonomy order; once the places are filled, one below the last costs a comparison.
            var filled = 0
            for topic in 0..<topicCount {
                let probability = probabilities[topic]
                var place = filled
                while place > 0 && probability > probabilities[order[place - 1]] { place -= 1 }
                guard place < ranked else { continue }
                if filled < ranked { filled += 1 }
                var slot = filled - 1
                while slot > place {
                    order[slot] = order[slot - 1]
                    slot -= 1
                }
                order[place] = topic
            }
            var chosenCount = 0
            while chosenCount < ranked && probabilities[order[chosenCount]] >= Self.topicThreshold { chosenCount += 1 }
            if chosenCount == 0, topicCount > 0, probabilities[order[0]] >= Self.topicFloor { chosenCount = 1 }
            if chosenCount == 0 {
                if let hint, hintTopic[hint] != nil {
                    evidence.append(ExplanationStep(kind: .topic, tag: hint, phrase: hint, field: .source, rule: "hint"))
                    return [ScoredLabel(label: hint, score: 0.5)]
                }
                if let fallback = taxonomy.fallbackTopic {
                    let score = Self.rounded(max(0.3, 1 - (topicCount > 0 ? probabilities[order[0]] : 0)))
                    evidence.append(ExplanationStep(kind: .topic, tag: fallback, phrase: "", field: .title, rule: "fallback"))
                    return [ScoredLabel(label: fallback, score: score)]
                }
                return []
            }
            var tags: [ScoredLabel] = []
            tags.reserveCapacity(chosenCount)
            for topic in order[..<chosenCount] {
                let label = taxonomy.topics[topic].label
                tags.append(ScoredLabel(label: label, score: Self.rounded(probabilities[topic])))
                // The first three lexicon hits of the topic (they are sorted by topic, field and position).
                var shown = 0
                for entry in analysis.keywordHits where entry.topic == topic && shown < 3 {
                    let field = analysis.fields[entry.field]
                    evidence.append(ExplanationStep(
                        kind: .topic, tag: label, phrase: field.text(from: entry.hit.start, to: entry.hit.end), field: field.field, rule: "lexicon"))
                    shown += 1
                }
                modelEvidence(topic: topic, label: label, occurrences: occurrences, analysis: analysis, into: &evidence)
            }
            return tags
        }
    }

    /// The (up to two) words or bigrams that pushed the model most towards `topic`.
    private func modelEvidence(
        topic: Int, label: String, occurrences: UnsafeBufferPointer<TopicFeatureIndex.Occurrence>, analysis: Analysis,
        into evidence: inout [ExplanationStep]
    ) {
        // Optional chaining reads the index in place; binding it (`guard let`) copies the optional
        // through the runtime's generic value witness, some hundred instructions each time.
        guard let strongest = topicIndex?.strongestOccurrences(towards: topic, in: occurrences) else { return }
        func append(_ position: Int) {
            guard position >= 0 else { return }
            let occurrence = occurrences[position]
            let field = analysis.fields[Int(occurrence.field)]
            evidence.append(ExplanationStep(
                kind: .topic, tag: label, phrase: field.text(from: Int(occurrence.start), to: Int(occurrence.end)), field: field.field,
                rule: "model"))
        }
        append(strongest.first)
        append(strongest.second)
    }
}
