import Foundation
import NewsModel

extension NewsClassifier {
    /// A topic is reported from this probability up (at most `maxTopics` of them).
    static let topicThreshold = 0.5
    /// Below the threshold, the most probable of the `maxTopics` best topics that the item's words
    /// raised above the model's prior is still reported, from this probability up, when it has a
    /// reason to show (a keyword of it, or a word or bigram that pushed towards it over the evidence
    /// floor); else nothing is confident and the item is Miscellaneous (or the source's hint). The
    /// one-vs-rest probabilities of a short headline outside the model's training data can be low
    /// for every topic ("rally" alone gives Politics 0.47), and the best raised one is still right
    /// more often than the fallback. On the training corpora's 5-fold held-out split, when it was
    /// chosen: top-1 0.880 against 0.871 with the earlier rule (the best topic only, from 0.1 and at
    /// least double its prior), Miscellaneous's F1 0.481 against 0.408. A text without a word the
    /// model knows keeps the priors exactly, so an empty text stays Miscellaneous.
    static let topicFloor = 0.02
    static let maxTopics = 3
    /// A topic the item's publisher filed it under (`PublisherSections`) has at least this
    /// probability: it is reported, and before any topic the words alone make less sure.
    static let sectionProbability = 0.9

    /// Lexicon hit counts into `counts`: the common words of each taxonomy topic, then its names
    /// (keywords written with capitals, `phraseIsName`), two per topic (title hits count 1, summary
    /// hits 0.5); and the kinds of names found, in order of first mention, into `kinds`.
    func topicSignals(_ analysis: Analysis, counts: inout ScratchStorage<Double>, kinds: inout ScratchStorage<Gazetteer.EntityKind>) {
        let topicCount = taxonomy.topics.count
        counts.reset(count: 2 * topicCount, to: 0)
        let topicCounts = counts.mutableElements
        for entry in analysis.keywordHits {
            let slot = phraseIsName[entry.hit.phrase] ? topicCount + entry.topic : entry.topic
            topicCounts[slot] += analysis.fields[entry.field].weight
        }
        kinds.removeAll()
        for mention in analysis.mentions {
            if case .entity(let index) = mention.target {
                let kind = gazetteer.entities[index].kind
                if !kinds.elements.contains(kind) { kinds.append(kind) }
            }
        }
    }

    /// The model's features of an item, by name (what training sees).
    func namedTopicFeatures(_ input: ClassificationInput) -> [String: Double] {
        var buffers = ScratchBuffers()
        let analysis = analyse(title: input.title, summary: input.summary, buffers: &buffers)
        topicSignals(analysis, counts: &buffers.scores.topicCounts, kinds: &buffers.scores.kinds)
        // The analysis reads the storage of the fields in `buffers`: they must live as long as it is used.
        defer { withExtendedLifetime(buffers) {} }
        return TopicFeatures.named(
            fields: analysis.fields, lexiconCounts: Array(buffers.scores.topicCounts.elements), kinds: Set(buffers.scores.kinds.elements),
            topicLabels: taxonomy.topics.map(\.label))
    }

    /// Topic probabilities (taxonomy order) into `scores.probabilities`, zero for topics the model
    /// has no label for: the model's when there is one, else a lexicon-only estimate; and the
    /// model's word and bigram occurrences that can be evidence into `scores.occurrences`.
    func topicProbabilities(_ analysis: Analysis, scores: inout ScoreBuffers) {
        scores.probabilities.reset(count: taxonomy.topics.count, to: 0)
        scores.occurrences.removeAll()
        topicSignals(analysis, counts: &scores.topicCounts, kinds: &scores.kinds)
        let probabilities = scores.probabilities.mutableElements
        let counts = scores.topicCounts.elements
        guard let topicIndex else {
            let topicCount = taxonomy.topics.count
            for topic in 0..<topicCount {
                let count = counts[topic] + counts[topicCount + topic]
                probabilities[topic] = count > 0 ? 1 - 0.5 * exp2(-count) : 0
            }
            return
        }
        topicIndex.probabilities(
            fields: analysis.fields, lexiconCounts: counts, kinds: scores.kinds.elements, exactPlaces: Self.maxTopics,
            sums: &scores.modelSums, occurrences: &scores.occurrences, into: probabilities)
    }

    /// The topics (at most `maxTopics`, best first); their evidence is appended to `evidence`.
    func scoreTopics(
        _ analysis: Analysis, hint: String?, sections: [PublisherSections.Match], scores: inout ScoreBuffers,
        evidence: inout [ExplanationStep]
    ) -> [ScoredLabel] {
        topicProbabilities(analysis, scores: &scores)
        if !sections.isEmpty {
            let probabilities = scores.probabilities.mutableElements
            for section in sections where section.kind == .topic {
                probabilities[section.index] = max(probabilities[section.index], Self.sectionProbability)
            }
        }
        return chooseTopics(
            analysis, hint: hint, sections: sections, probabilities: scores.probabilities.elements, occurrences: scores.occurrences.elements,
            kinds: scores.kinds.elements, order: &scores.topicOrder, evidence: &evidence)
    }

    /// The topics to report given their probabilities, with their evidence appended to `evidence`.
    private func chooseTopics(
        _ analysis: Analysis, hint: String?, sections: [PublisherSections.Match], probabilities: BufferView<Double>,
        occurrences: BufferView<TopicFeatureIndex.Occurrence>, kinds: BufferView<Gazetteer.EntityKind>, order: inout ScratchStorage<Int>,
        evidence: inout [ExplanationStep]
    ) -> [ScoredLabel] {
        let topicCount = probabilities.count
        let ranked = min(Self.maxTopics, topicCount)
        order.reset(count: ranked, to: 0)
        let order = order.mutableElements
        do {
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
            if chosenCount == 0 {
                // The most probable of the ranked topics that the item's words raised above its prior,
                // with a reason to show: a keyword of it, or a word or bigram that pushed towards it
                // (a topic raised only by many faint weights would be a tag nobody can explain).
                for place in 0..<ranked {
                    let topic = order[place]
                    guard probabilities[topic] >= Self.topicFloor, probabilities[topic] > topicIndex?.priorProbability[topic] ?? 0 else { continue }
                    guard analysis.keywordHits.contains(where: { $0.topic == topic })
                        || topicIndex?.hasEvidence(towards: topic, in: occurrences) == true
                    else { continue }
                    order[0] = topic
                    chosenCount = 1
                    break
                }
            }
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
                // The publisher's section first, then the first three lexicon hits of the topic (they are
                // sorted by topic, field and position).
                var shown = 0
                for section in sections where section.kind == .topic && section.index == topic {
                    evidence.append(ExplanationStep(kind: .topic, tag: label, phrase: section.phrase, field: .source, rule: section.rule))
                    shown += 1
                }
                var keywordsShown = 0
                for entry in analysis.keywordHits where entry.topic == topic && keywordsShown < 3 {
                    let field = analysis.fields[entry.field]
                    evidence.append(ExplanationStep(
                        kind: .topic, tag: label, phrase: field.text(from: entry.hit.start, to: entry.hit.end), field: field.field, rule: "lexicon"))
                    shown += 1
                    keywordsShown += 1
                }
                let before = evidence.count
                modelEvidence(topic: topic, label: label, occurrences: occurrences, analysis: analysis, into: &evidence)
                if shown == 0 && evidence.count == before {
                    kindEvidence(topic: topic, label: label, kinds: kinds, analysis: analysis, into: &evidence)
                }
            }
            return tags
        }
    }

    /// When neither a keyword nor a word is a topic's reason, the kind of name that was: the first
    /// name of the kind that pushed the model most towards it ("Rishi Sunak confirms furlough
    /// scheme to be gradually withdrawn" is Politics because it names a leader).
    private func kindEvidence(
        topic: Int, label: String, kinds: BufferView<Gazetteer.EntityKind>, analysis: Analysis, into evidence: inout [ExplanationStep]
    ) {
        guard let kind = topicIndex?.strongestKind(towards: topic, among: kinds) else { return }
        for mention in analysis.mentions {
            guard case .entity(let index) = mention.target, gazetteer.entities[index].kind == kind else { continue }
            evidence.append(ExplanationStep(kind: .topic, tag: label, phrase: mention.matchedText, field: mention.field, rule: "model"))
            return
        }
    }

    /// The (up to two) words or bigrams that pushed the model most towards `topic`.
    private func modelEvidence(
        topic: Int, label: String, occurrences: BufferView<TopicFeatureIndex.Occurrence>, analysis: Analysis,
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
