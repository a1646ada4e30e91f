import NewsModel

/// Decides how urgent an item is from the cues in its text and the kind of its source.
///
/// - A marker in capitals opening the title ("BREAKING:") makes it flash.
/// - Each cue phrase ("airstrike", "evacuation") raises it to the cue's level.
/// - A casualty count ("at least 12 killed", "dozens dead", "kills 3") is urgent, and flash from
///   `casualtyFlashThreshold` up.
/// - A breaking source kind (html-ticker) makes it at least urgent, and flash with any cue.
final class UrgencyDetector: Sendable {
    let rules: UrgencyRules
    private let markers: [[Int32]]
    // By token id, for `tag`: scanning then brings each word's facts in its `WordTag`.
    private let isCasualtyWord: [Bool]
    private let isKillingVerb: [Bool]
    /// Index of a number word into `numberValues` by token id, -1 for other words.
    private let numberWordIndex: [Int]
    private let numberValues: [Int]
    /// Cue index -> level, for `PhraseTrie.Payload.urgencyCue`.
    let cueLevels: [Urgency]
    private let cueRules: [String]
    private let flashCasualtyRule: String

    static let killingVerbs = ["kills", "killed", "killing", "kill"]
    static let numberWords: [String: Int] = [
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
        "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "dozen": 12,
        "dozens": 24, "scores": 40, "hundred": 100, "hundreds": 200, "thousand": 1000, "thousands": 2000,
    ]

    /// Words the detector needs ids for; intern them into the trie's vocabulary before `init`.
    static func words(of rules: UrgencyRules) -> [String] {
        rules.markers.flatMap { Tokenizer.tokenize($0).map(\.folded) } + rules.casualtyWords.map(Tokenizer.foldedKey)
            + killingVerbs + numberWords.keys.sorted()
    }

    init(rules: UrgencyRules, vocabulary: TokenVocabulary) {
        self.rules = rules
        markers = rules.markers.map { Tokenizer.tokenize($0).map { vocabulary.id(of: $0.folded) } }.filter { !$0.isEmpty && !$0.contains(-1) }
        var casualty = [Bool](repeating: false, count: vocabulary.count)
        for word in rules.casualtyWords {
            let id = vocabulary.id(of: Tokenizer.foldedKey(word))
            if id >= 0 { casualty[Int(id)] = true }
        }
        isCasualtyWord = casualty
        var killing = [Bool](repeating: false, count: vocabulary.count)
        for word in Self.killingVerbs where vocabulary.id(of: word) >= 0 { killing[Int(vocabulary.id(of: word))] = true }
        isKillingVerb = killing
        var indices = [Int](repeating: -1, count: vocabulary.count)
        let numberWords = Self.numberWords.keys.sorted()
        for (index, word) in numberWords.enumerated() where vocabulary.id(of: word) >= 0 { indices[Int(vocabulary.id(of: word))] = index }
        numberWordIndex = indices
        numberValues = numberWords.map { Self.numberWords[$0] ?? 0 }
        cueLevels = rules.cues.map(\.level)
        cueRules = rules.cues.map { "cue:\($0.phrase)" }
        flashCasualtyRule = "casualties>=\(rules.casualtyFlashThreshold)"
    }

    /// The urgency level; its evidence (at most 6 steps) is appended to `evidence`.
    /// Adds what the rules make of word `id` to its tag.
    func tag(_ id: Int32, _ tag: inout WordTag) {
        tag[.casualtyWord] = isCasualtyWord[Int(id)]
        tag[.killingVerb] = isKillingVerb[Int(id)]
        tag.numberWord = numberWordIndex[Int(id)]
    }

    func detect(fields: FieldList, sourceKind: ClassificationInput.SourceKind?, evidence: inout [ExplanationStep]) -> Urgency {
        var found = Found()
        var anyCue = false
        if let title = fields.first, let marker = openingMarker(title) {
            found.raise(.flash, phrase: title.text(from: 0, to: marker), field: .title, rule: "marker", evidence: &evidence)
            anyCue = true
        }
        for field in fields {
            // The cue hits, leftmost longest (most fields have none: no array is made for those).
            if field.hits.contains(where: \.isUrgencyCue) {
                var cueHits = field.hits.filter(\.isUrgencyCue)
                if cueHits.count > 1 { PhraseTrie.keepLeftmostLongest(&cueHits) }
                for hit in cueHits {
                    guard case .urgencyCue(let cue) = hit.payload else { continue }
                    found.raise(
                        cueLevels[cue], phrase: field.text(from: hit.start, to: hit.end), field: field.field, rule: cueRules[cue],
                        evidence: &evidence)
                    anyCue = true
                }
            }
            if let (count, start, end) = largestCasualtyCount(field) {
                let flash = count >= rules.casualtyFlashThreshold
                found.raise(
                    flash ? .flash : .urgent, phrase: field.text(from: start, to: end), field: field.field,
                    rule: flash ? flashCasualtyRule : "casualties", evidence: &evidence)
                anyCue = true
            }
        }
        if let sourceKind, rules.breakingSourceKinds.contains(sourceKind.rawValue) {
            found.raise(
                anyCue ? .flash : .urgent, phrase: sourceKind.rawValue, field: .source, rule: "source:\(sourceKind.rawValue)",
                evidence: &evidence)
        }
        return found.level
    }

    /// The level so far and how many steps explain it (at most 6 are shown). A value, not a nested
    /// function over local variables: those captures cost a runtime access check each.
    private struct Found {
        var level = Urgency.routine
        var shown = 0

        mutating func raise(_ to: Urgency, phrase: @autoclosure () -> String, field: ExplanationStep.Field, rule: String, evidence: inout [ExplanationStep]) {
            if to > level { level = to }
            if shown < 6 {
                evidence.append(ExplanationStep(kind: .urgency, tag: to.rawValue, phrase: phrase(), field: field, rule: rule))
                shown += 1
            }
        }
    }

    /// The number of tokens of an opening marker in capitals ("BREAKING", "JUST IN"), if any.
    private func openingMarker(_ title: FieldView) -> Int? {
        let tokens = title.tokens
        // A marker is written in capitals: most titles do not open with a word in capitals.
        guard let first = tokens.first, first.shape == .upper else { return nil }
        for marker in markers where marker.count <= tokens.count {
            var matches = true
            for (index, id) in marker.enumerated() where tokens[index].id != id || tokens[index].shape != .upper {
                matches = false
                break
            }
            if matches, title.style != .upper || marker.count < tokens.count && tokens[marker.count].gapBefore == .sentenceBreak {
                return marker.count
            }
        }
        return nil
    }

    /// The largest number of dead or hurt in a field: a number (or "dozens", "hundreds"...) with a
    /// casualty word up to three words after it, or a killing verb just before it ("kills 5").
    private func largestCasualtyCount(_ field: FieldView) -> (Int, Int, Int)? {
        var best: (Int, Int, Int)?
        let tokens = field.tokens
        for index in tokens.indices {
            guard let value = number(tokens[index], folded: field.foldedBytes) else { continue }
            var end: Int?
            for ahead in (index + 1)..<min(index + 4, tokens.count) where WordTag(tokens[ahead].tag)[.casualtyWord] {
                end = ahead + 1
                break
            }
            var start = index
            if end == nil, index > 0, WordTag(tokens[index - 1].tag)[.killingVerb] {
                start = index - 1
                end = index + 1
            }
            if let end, value > (best?.0 ?? 0) { best = (value, start, end) }
        }
        return best
    }

    /// The value of a number token ("27") or number word ("dozens"); `folded` is its field's folded bytes.
    @inline(__always)
    private func number(_ token: ScannedToken, folded: BufferView<UInt8>) -> Int? {
        if token.shape == .number {
            var value = 0
            for byte in folded[Int(token.foldedStart)..<Int(token.foldedEnd)] {
                guard byte >= 0x30 && byte <= 0x39, value < 100_000_000 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        let word = WordTag(token.tag).numberWord
        return word >= 0 ? numberValues[word] : nil
    }
}
