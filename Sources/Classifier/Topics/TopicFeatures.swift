import Foundation

/// The features the topic model sees in an item: its words and bigrams (stop-words left out,
/// numbers as `<num>`, no bigram across a sentence break), how many lexicon keywords of each
/// topic it has (`lex:Topic` the common words, "match", "vaccine"; `name:Topic` the keywords the
/// taxonomy writes with capitals, "Arsenal", "Tiger Woods", "NHS": a name is far surer evidence
/// than a word, and the model learns each its own weight), and the kinds of names in it.
///
/// Training names the features (`named`); classification looks their rows up by token id
/// (`TopicFeatureIndex.accumulate`). Both walk the tokens by the same rules.
enum TopicFeatures {
    static let numberToken = "<num>"

    /// The item's features by name, with values (repeats add up), as training sees them.
    static func named(
        fields: FieldList, lexiconCounts: [Double], kinds: Set<Gazetteer.EntityKind>, topicLabels: [String]
    ) -> [String: Double] {
        var features: [String: Double] = [:]
        for field in fields {
            var previous: String?
            for index in field.tokens.indices {
                let token = field.tokens[index]
                let word = token.shape == .number ? numberToken : field.word(index)
                if stopWords.contains(word) {
                    previous = nil
                    continue
                }
                features["w:\(word)", default: 0] += field.weight
                if let previous, token.gapBefore != .sentenceBreak { features["b:\(previous) \(word)", default: 0] += field.weight }
                previous = word
            }
        }
        for (index, count) in lexiconCounts.enumerated() where count > 0 {
            let (isName, topic) = index.quotientAndRemainder(dividingBy: topicLabels.count)
            features["\(isName == 0 ? "lex" : "name"):\(topicLabels[topic])", default: 0] += min(count, 3)
        }
        for kind in kinds { features["kind:\(kind.rawValue)", default: 0] += 1 }
        return features
    }

    static let stopWords: Set<String> = [
        "a", "an", "the", "of", "to", "in", "on", "at", "for", "and", "or", "but", "by", "with", "from", "as", "is", "are", "was",
        "were", "be", "been", "being", "it", "its", "this", "that", "these", "those", "his", "her", "their", "our", "your", "my",
        "he", "she", "they", "we", "you", "i", "will", "would", "shall", "should", "can", "could", "may", "might", "has", "have",
        "had", "do", "does", "did", "not", "no", "into", "over", "after", "before", "about", "than", "then", "so", "if", "up",
        "out", "all", "also", "s", "says", "said", "say", "amid", "while", "who", "which", "what", "when", "where", "how", "al", "el",
    ]
}

/// A topic model bound to one classifier's vocabulary: feature rows by token id, so scoring an
/// item builds no strings. Immutable; safe to share between tasks.
final class TopicFeatureIndex: Sendable {
    /// A word or bigram feature found in an item, kept for the explanation if it can be evidence.
    struct Occurrence: BitwiseCopyable {
        var value: Double
        var row, field: Int32
        var start, end: Int32
    }

    let model: TopicModel
    /// The model's biases, and its weights with each row padded with zeros to `rowStride` labels
    /// (`weights[row * rowStride + label]`), a whole number of eights, so that a row adds to the
    /// sums eight labels at a time with no labels left over.
    private let biases: [Double]
    /// Cache-line aligned: a row of eight weights is one line.
    private let weights: CacheAlignedTable<Double>
    let labelCount: Int
    private let rowStride: Int
    /// For each model label, the taxonomy topic it is, and for each taxonomy topic, its model label
    /// (-1: no such topic or label).
    let topicOfLabel: [Int]
    private let labelOfTopic: [Int]
    /// Each taxonomy topic's probability for an item with no features (its label's bias alone; 0
    /// for a topic the model has no label for): what the model says before it reads anything.
    let priorProbability: [Double]
    /// A word or bigram is evidence for a topic only if it adds over this to the topic's label.
    private static let evidenceFloor = 0.3
    /// Each feature row's largest weight for a label that is a taxonomy topic: an occurrence whose
    /// value (positive) times this is not over `evidenceFloor` is evidence for no topic (rounding
    /// keeps the order of the products, so none of its own is over either), and is not kept.
    private let strongestWeight: [Double]
    /// The model row of each word's `w:` feature by token id: -1 for none, `stopWordRow` for a
    /// stop-word (for `tag`: scanning then brings it in each word's `WordTag`).
    private let wordRow: [Int32]
    private static let stopWordRow: Int32 = -2
    /// The row (or `stopWordRow`) of `<num>`, which every number token reads.
    private let numberRow: Int32
    private let numberID: Int32
    private let bigramRows: IntegerMap
    /// Token ids that are the first, and the second, word of some bigram row.
    private let bigramFirstWords: Set<Int32>
    private let bigramSecondWords: Set<Int32>
    /// Whether `<num>` starts, and ends, some bigram row (a number token reads these, not its word's tag).
    private let numberStartsBigram: Bool
    private let numberEndsBigram: Bool
    private let lexiconRows: [Int32]
    private let kindRows: [Int32]

    /// Words the index needs ids for; intern them into the trie's vocabulary before `init`.
    static func words(of model: TopicModel) -> [String] {
        var words = [TopicFeatures.numberToken] + TopicFeatures.stopWords.sorted()
        for name in model.features {
            if name.hasPrefix("w:") {
                words.append(String(name.dropFirst(2)))
            } else if name.hasPrefix("b:") {
                words += name.dropFirst(2).split(separator: " ").map(String.init)
            }
        }
        return words
    }

    init(model: TopicModel, topicLabels: [String], vocabulary: TokenVocabulary) {
        self.model = model
        biases = model.biases
        let labelCount = model.labels.count
        let rowStride = (labelCount + 7) & ~7
        self.labelCount = labelCount
        self.rowStride = rowStride
        weights = CacheAlignedTable(model.features.indices.flatMap { row in
            model.weights[(row * labelCount)..<((row + 1) * labelCount)] + repeatElement(0, count: rowStride - labelCount)
        })
        topicOfLabel = model.labels.map { topicLabels.firstIndex(of: $0) ?? -1 }
        labelOfTopic = topicLabels.map { model.labels.firstIndex(of: $0) ?? -1 }
        priorProbability = labelOfTopic.map { $0 < 0 ? 0 : 1 / (1 + exp(-model.biases[$0])) }
        // `maximum` passes over NaN weights, which are never evidence.
        let labels = model.labels.indices.filter { topicLabels.contains(model.labels[$0]) }
        strongestWeight = model.features.indices.map { row in
            labels.reduce(-Double.infinity) { .maximum($0, model.weights[row * model.labels.count + $1]) }
        }
        var wordRow = [Int32](repeating: -1, count: vocabulary.count)
        var bigrams = IntegerMap(capacity: model.features.count)
        var bigramFirstWords = Set<Int32>()
        var bigramSecondWords = Set<Int32>()
        // `lex:` rows for topics 0..<T, then `name:` rows for T..<2T, as `lexiconCounts` has them.
        var lexicon = [Int32](repeating: -1, count: 2 * topicLabels.count)
        var kinds = [Int32](repeating: -1, count: Gazetteer.EntityKind.allCases.count)
        for (row, name) in model.features.enumerated() {
            if name.hasPrefix("w:") {
                let id = vocabulary.id(of: String(name.dropFirst(2)))
                if id >= 0 { wordRow[Int(id)] = Int32(row) }
            } else if name.hasPrefix("b:") {
                let parts = name.dropFirst(2).split(separator: " ", maxSplits: 1).map { vocabulary.id(of: String($0)) }
                if parts.count == 2, parts[0] >= 0, parts[1] >= 0 {
                    bigrams.set(IntegerMap.pack(parts[0], parts[1]), Int32(row))
                    bigramFirstWords.insert(parts[0])
                    bigramSecondWords.insert(parts[1])
                }
            } else if name.hasPrefix("lex:"), let topic = topicLabels.firstIndex(of: String(name.dropFirst(4))) {
                lexicon[topic] = Int32(row)
            } else if name.hasPrefix("name:"), let topic = topicLabels.firstIndex(of: String(name.dropFirst(5))) {
                lexicon[topicLabels.count + topic] = Int32(row)
            } else if name.hasPrefix("kind:"), let kind = Gazetteer.EntityKind(rawValue: String(name.dropFirst(5))) {
                kinds[kind.rank] = Int32(row)
            }
        }
        for word in TopicFeatures.stopWords {
            let id = vocabulary.id(of: word)
            if id >= 0 { wordRow[Int(id)] = Self.stopWordRow }
        }
        self.wordRow = wordRow
        numberID = vocabulary.id(of: TopicFeatures.numberToken)
        numberRow = numberID >= 0 ? wordRow[Int(numberID)] : -1
        bigramRows = bigrams
        self.bigramFirstWords = bigramFirstWords
        self.bigramSecondWords = bigramSecondWords
        numberStartsBigram = numberID >= 0 && bigramFirstWords.contains(numberID)
        numberEndsBigram = numberID >= 0 && bigramSecondWords.contains(numberID)
        // A model trained before names had features of their own (no `name:` rows) reads them as words.
        for topic in topicLabels.indices where lexicon[topicLabels.count + topic] < 0 {
            lexicon[topicLabels.count + topic] = lexicon[topic]
        }
        lexiconRows = lexicon
        kindRows = kinds
    }

    /// Of `kinds` (the kinds of names an item has), the one whose feature pushed the model most
    /// towards taxonomy topic `topic`, over `evidenceFloor`; nil when none did ("Rishi Sunak" is a
    /// leader, and leaders weigh towards Politics).
    func strongestKind(towards topic: Int, among kinds: BufferView<Gazetteer.EntityKind>) -> Gazetteer.EntityKind? {
        let label = labelOfTopic[topic]
        guard label >= 0 else { return nil }
        var best: Gazetteer.EntityKind?
        var bestWeight = Self.evidenceFloor
        for kind in kinds {
            let row = kindRows[kind.rank]
            guard row >= 0 else { continue }
            let weight = weights.elements[Int(row) &* rowStride &+ label]
            if weight > bestWeight {
                best = kind
                bestWeight = weight
            }
        }
        return best
    }

    /// Whether some word or bigram of `occurrences` pushed the model towards taxonomy topic `topic`
    /// over `evidenceFloor` (`strongestOccurrences(...).first >= 0`, stopping at the first).
    func hasEvidence(towards topic: Int, in occurrences: BufferView<Occurrence>) -> Bool {
        let label = labelOfTopic[topic]
        guard label >= 0 else { return false }
        let rowStride = rowStride
        let weights = weights.elements
        return occurrences.contains {
            // A model row and label index within `weights`, so the offset cannot overflow.
            weights[Int($0.row) &* rowStride &+ label] * $0.value > Self.evidenceFloor
        }
    }

    /// The positions in `occurrences` of the (up to two) words or bigrams that pushed the model most
    /// towards taxonomy topic `topic`, strongest first: each adds over `evidenceFloor` and the two are
    /// different features; -1 where there is none.
    func strongestOccurrences(towards topic: Int, in occurrences: BufferView<Occurrence>) -> (first: Int, second: Int) {
        let label = labelOfTopic[topic]
        guard label >= 0 else { return (-1, -1) }
        let rowStride = rowStride
        let weights = weights.elements
        var best = -1
        var bestContribution = Self.evidenceFloor
        // Rows are never negative, so no occurrence has the row of "no best yet".
        var bestRow: Int32 = -1
        var second = -1
        var secondContribution = Self.evidenceFloor
        for position in occurrences.indices {
            let occurrence = occurrences[position]
            // A model row and label index within `weights`, so the offset cannot overflow.
            let contribution = weights[Int(occurrence.row) &* rowStride &+ label] * occurrence.value
            if contribution > bestContribution {
                if bestRow != occurrence.row {
                    second = best
                    secondContribution = bestContribution
                }
                best = position
                bestContribution = contribution
                bestRow = occurrence.row
            } else if contribution > secondContribution, bestRow != occurrence.row {
                second = position
                secondContribution = contribution
            }
        }
        return (best, second)
    }

    /// Adds the model row of word `id` to its tag, and whether it starts or ends a bigram row.
    func tag(_ id: Int32, _ tag: inout WordTag) {
        tag.modelRow = wordRow[Int(id)]
        tag[.startsBigram] = bigramFirstWords.contains(id)
        tag[.endsBigram] = bigramSecondWords.contains(id)
    }

    /// Topic probabilities (taxonomy order) into `probabilities` (topics the model has no label for
    /// are left alone), and the item's word and bigram occurrences that can be evidence (see
    /// `strongestWeight`) into `occurrences`. `sums` is the room for the model's sums.
    ///
    /// Only the `exactPlaces` most probable topics are ranked by the caller, so the probability of a
    /// topic that cannot be among them is left at 0, not computed (an `exp` each, the most of the
    /// cost here): see `cutoff`.
    func probabilities(
        fields: FieldList, lexiconCounts: BufferView<Double>, kinds: BufferView<Gazetteer.EntityKind>, exactPlaces: Int,
        sums: inout ScratchStorage<Double>, occurrences: inout ScratchStorage<Occurrence>, into probabilities: MutableBufferView<Double>
    ) {
        // The padding labels add up zeros and are never read.
        sums.reset(count: rowStride, to: 0)
        let labelSums = sums.mutableElements
        for (label, bias) in biases.enumerated() { labelSums[label] = bias }
        accumulate(fields: fields, lexiconCounts: lexiconCounts, kinds: kinds, occurrences: &occurrences, into: labelSums)
        let cutoff = cutoff(sums: labelSums.view, places: exactPlaces)
        for (label, topic) in topicOfLabel.enumerated() where topic >= 0 && !(labelSums[label] < cutoff) {
            probabilities[topic] = 1 / (1 + exp(-labelSums[label]))
        }
    }

    /// The sum below which a topic's probability is certainly below that of the `places`-th most
    /// probable topic, never equal, so that leaving it uncomputed changes no ranking, tie or not
    /// (-infinity: compute them all). Probabilities are `1 / (1 + exp(-sum))`, with `exp` within an
    /// ulp: between sums of -700 and 20, two sums 1e-6 apart give `exp`s that differ by far more
    /// than their error and sums `1 + x` that differ by several ulps of 1, hence different
    /// probabilities in the same order as the sums. Outside that range they may round to the same
    /// value (1 when `exp(-sum)` is under an ulp of 1, 0 when it overflows), and all are computed.
    func cutoff(sums: BufferView<Double>, places: Int) -> Double {
        // The three largest sums of topic labels (counted with repeats), enough for the three places
        // ranked; more places compute everything.
        guard places == 3 else { return -.infinity }
        var first = -Double.infinity
        var second = -Double.infinity
        var third = -Double.infinity
        var topics = 0
        for label in 0..<labelCount where topicOfLabel[label] >= 0 {
            topics += 1
            let sum = sums[label]
            guard sum > third else { continue }
            if sum > second {
                third = second
                if sum > first {
                    second = first
                    first = sum
                } else {
                    second = sum
                }
            } else {
                third = sum
            }
        }
        guard topics > places, third >= -700, third <= 20 else { return -.infinity }
        return third - 1e-6
    }

    /// Adds the model's weights x values for an item to `sums` (which start as the biases), and
    /// appends its word and bigram occurrences that can be evidence to `occurrences`.
    private func accumulate(
        fields: FieldList, lexiconCounts: BufferView<Double>, kinds: BufferView<Gazetteer.EntityKind>,
        occurrences: inout ScratchStorage<Occurrence>, into sums: MutableBufferView<Double>
    ) {
        let rowStride = rowStride
        let weights = weights.elements
        // A model of up to eight labels (one row, one vector) keeps its sums in registers from the
        // biases to the last feature; wider ones add each row to `sums` in memory. Either way each
        // label's sum takes the same multiplications and additions in the same order.
        let inRegisters = rowStride == 8
        var eight = inRegisters ? sums.loadEight(at: 0) : SIMD8<Double>()
        defer { if inRegisters { sums.storeEight(eight, at: 0) } }
        /// Eight labels at a time (the padding too): the same multiply and add per label, in vector registers.
        @inline(__always)
        func add(_ row: Int32, _ value: Double) {
            if inRegisters {
                eight += weights.loadEight(at: Int(row) &* 8) * value
            } else {
                sums.add(value, times: weights, from: Int(row) &* rowStride, width: rowStride)
            }
        }
        @inline(__always)
        func record(_ occurrence: Occurrence) {
            let value = occurrence.value
            guard !(value > 0) || strongestWeight[Int(occurrence.row)] * value > Self.evidenceFloor else { return }
            occurrences.append(occurrence)
        }
        let numberStarts = numberStartsBigram
        let numberEnds = numberEndsBigram
        for fieldIndex in fields.indices {
            // The previous token's word, when the two can be a bigram: `previousStarts` is false after a
            // stop-word or a word the classifier does not know, and when the word starts no bigram row.
            var previous: Int32 = -1
            var previousStarts = false
            let weight = fields[fieldIndex].weight
            let tokens = fields[fieldIndex].tokens
            let fieldIndex = Int32(fieldIndex)
            // A token's index fits in an Int32, as its byte offsets do (`ScannedToken.utf8Start`),
            // so the occurrences take their positions unchecked.
            for index in tokens.indices {
                let token = tokens[index]
                let isNumber = token.shape == .number
                let id = isNumber ? numberID : token.id
                guard id >= 0 else {
                    previousStarts = false
                    continue
                }
                let tag = WordTag(token.tag)
                let row = isNumber ? numberRow : tag.modelRow
                if row == Self.stopWordRow {
                    previousStarts = false
                    continue
                }
                if row >= 0 {
                    add(row, weight)
                    record(Occurrence(
                        value: weight, row: row, field: fieldIndex, start: Int32(truncatingIfNeeded: index),
                        end: Int32(truncatingIfNeeded: index &+ 1)))
                }
                if previousStarts && (isNumber ? numberEnds : tag[.endsBigram]) && token.gapBefore != .sentenceBreak {
                    let bigram = bigramRows.value(IntegerMap.pack(previous, id))
                    if bigram >= 0 {
                        add(bigram, weight)
                        record(Occurrence(
                            value: weight, row: bigram, field: fieldIndex, start: Int32(truncatingIfNeeded: index &- 1),
                            end: Int32(truncatingIfNeeded: index &+ 1)))
                    }
                }
                previous = id
                previousStarts = isNumber ? numberStarts : tag[.startsBigram]
            }
        }
        for (index, count) in lexiconCounts.enumerated() where count > 0 && lexiconRows[index] >= 0 {
            add(lexiconRows[index], min(count, 3))
        }
        for kind in kinds where kindRows[kind.rank] >= 0 { add(kindRows[kind.rank], 1) }
    }
}
