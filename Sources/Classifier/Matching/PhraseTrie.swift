/// A token trie over every phrase the classifier looks for (gazetteer names, region phrases,
/// topic keywords, urgency cues), matched in one pass over a text's tokens.
///
/// Words are interned into a `TokenVocabulary` as phrases are added; a text is looked up by the
/// ids its tokens got while being scanned, so the cost per text grows with its length, not with
/// the number of phrases. Call `compile()` after the last `insert`; immutable afterwards and safe
/// to share between tasks.
public struct PhraseTrie: Sendable {
    /// What a phrase stands for: an index into the owner's own table for that kind.
    public enum Payload: Sendable, Hashable, BitwiseCopyable {
        case placeAlias(Int)
        case regionPhrase(region: Int, phrase: Int)
        case topicKeyword(topic: Int, phrase: Int)
        case urgencyCue(Int)
    }

    /// A phrase as written, with what its capitals require of a match.
    public struct Phrase: Sendable, Hashable {
        public var text: String
        public var tokenCount: Int
        /// Bit i set: token i was written with a capital, so in sentence-case text it must be too.
        public var capitalMask: UInt64
        /// Bit i set: token i is an acronym, to be matched only as written. With its `capitalMask`
        /// bit ("NATO"): only in capitals; without ("AfD", "EVs", a capital and small letters): only
        /// so, a capital and small letters ("AFD" is another body's acronym, "afd" none).
        public var upperMask: UInt64
        /// A name of one word written with a capital and small letters that is short ("Xi", "Gao",
        /// "Niš") or another language's name of a place ("Fao", "Vin", "Aka"): not that word in capitals
        /// ("XI", "GAO", "NIS", "FAO") unless the whole text is in capitals, for in mixed text such
        /// capitals are an acronym or a numeral ("name an unchanged XI", "Super Bowl LI", "a GAO
        /// report", "NIS 300,000 in damages", "FAO warns of famine"), not the name.
        public var refusesCapitals: Bool = false
    }

    /// One phrase found in a text: tokens `start..<end`.
    public struct Hit: Sendable, Hashable, BitwiseCopyable {
        public var start: Int
        public var end: Int
        public var payload: Payload
        public var phrase: Int

        /// Whether the phrase is an urgency cue.
        var isUrgencyCue: Bool {
            if case .urgencyCue = payload { return true }
            return false
        }
    }

    public private(set) var vocabulary = TokenVocabulary()
    public private(set) var phrases: [Phrase] = []
    private var transitions = IntegerMap(capacity: 1 << 15)
    private var nodeCount: Int32 = 1
    private var building: [(node: Int32, payload: Payload, phrase: Int32)] = []
    /// Ids of the words that stand second or later in some phrase (for `WordTag.Flag.continuesPhrase`).
    private var continuations: Set<Int32> = []
    // After compile(): the payloads of node n are entries payloadStart[n]..<payloadStart[n + 1].
    private var payloadStart: [Int32] = [0, 0]
    private var payloads: [Entry] = []

    /// A payload with what `fits` needs of its phrase, so a hit reads no `Phrase` (and no string).
    private struct Entry {
        var payload: Payload
        var phrase: Int32
        var tokenCount: Int32
        var capitalMask, upperMask: UInt64
        var refusesCapitals: Bool
    }

    public init() {}

    /// The longest main name of one word that `Phrase.refusesCapitals` applies to (an alternate
    /// name it applies to at any length).
    /// Three letters since engine 1.6.0: the US's GAO was Mali's Gao, the shekel's NIS Serbia's Niš,
    /// the IMO Nigeria's Imo, the ITU Brazil's Itu and the BoE's "BOE" Nauru's Boe.
    static let shortNameLength = 3

    /// Adds a phrase; returns false when it has no words. `forceUpper`: an acronym, matched only in
    /// capitals. `alternate`: another language's or an old name of a place (a gazetteer alias flagged
    /// `A`), which in capitals inside mixed-case text is taken for an acronym (`Phrase.refusesCapitals`).
    @discardableResult
    public mutating func insert(_ text: String, payload: Payload, forceUpper: Bool = false, alternate: Bool = false) -> Bool {
        let tokens = Tokenizer.tokenize(text)
        guard !tokens.isEmpty, tokens.count <= 64 else { return false }
        var capitalMask: UInt64 = 0
        var upperMask: UInt64 = 0
        var node: Int32 = 0
        for (index, token) in tokens.enumerated() {
            let bit: UInt64 = 1 << UInt64(index)
            switch token.shape {
            case .upper:
                capitalMask |= bit
                if forceUpper { upperMask |= bit }
            case .capitalized:
                if forceUpper { upperMask |= bit } else { capitalMask |= bit }
            case .lower, .number:
                // An acronym's other words ("US-led") are matched as any word is.
                break
            }
            let id = vocabulary.intern(token.folded)
            if index > 0 { continuations.insert(id) }
            let key = IntegerMap.pack(node, id)
            let next = transitions.value(key)
            if next >= 0 {
                node = next
            } else {
                transitions.set(key, nodeCount)
                node = nodeCount
                nodeCount += 1
            }
        }
        building.append((node, payload, Int32(phrases.count)))
        let refusesCapitals = !forceUpper && tokens.count == 1 && tokens[0].shape == .capitalized
            && (alternate || tokens[0].folded.count <= Self.shortNameLength)
        phrases.append(Phrase(text: text, tokenCount: tokens.count, capitalMask: capitalMask, upperMask: upperMask, refusesCapitals: refusesCapitals))
        return true
    }

    /// Adds a word to the vocabulary without a phrase (words the topic model and rules need ids for).
    @discardableResult
    public mutating func intern(_ folded: String) -> Int32 {
        vocabulary.intern(folded)
    }

    /// Freezes the payload table; call once after the last `insert`.
    public mutating func compile() {
        let sorted = building.enumerated().sorted { ($0.element.node, $0.offset) < ($1.element.node, $1.offset) }.map(\.element)
        payloadStart = [Int32](repeating: 0, count: Int(nodeCount) + 1)
        for entry in sorted { payloadStart[Int(entry.node) + 1] += 1 }
        for node in 0..<Int(nodeCount) { payloadStart[node + 1] += payloadStart[node] }
        payloads = sorted.map { entry in
            let phrase = phrases[Int(entry.phrase)]
            return Entry(
                payload: entry.payload, phrase: entry.phrase, tokenCount: Int32(phrase.tokenCount), capitalMask: phrase.capitalMask,
                upperMask: phrase.upperMask, refusesCapitals: phrase.refusesCapitals)
        }
    }

    /// Sets the `WordTag` of every vocabulary word: its root node, whether it is a phrase alone and
    /// whether it goes on a phrase here (call after `compile()`), then whatever `tag` adds.
    mutating func tagWords(_ tag: (Int32, inout WordTag) -> Void) {
        for id in 0..<Int32(vocabulary.count) {
            var wordTag = WordTag(vocabulary.tag(of: id))
            let root = transitions.value(IntegerMap.pack(0, id))
            wordTag.rootNode = root
            wordTag[.phraseAlone] = root >= 0 && payloadStart[Int(root) + 1] > payloadStart[Int(root)]
            wordTag[.continuesPhrase] = continuations.contains(id)
            tag(id, &wordTag)
            vocabulary.setTag(wordTag.bits, for: id)
        }
    }

    /// Makes the vocabulary's lookups read a cache-aligned copy of its table (`TokenVocabulary.freeze`);
    /// call after the last `insert`, `intern` and `tagWords`.
    mutating func freeze() {
        vocabulary.freeze()
    }

    /// Whether some phrase starts with this folded word.
    public func startsPhrase(_ folded: String) -> Bool {
        let id = vocabulary.id(of: folded)
        return id >= 0 && transitions.value(IntegerMap.pack(0, id)) >= 0
    }

    /// Every phrase occurrence among `tokens` whose capitals fit `style`, by start, then length,
    /// into `found` (emptied first, its room reused).
    func hits(in tokens: BufferView<ScannedToken>, style: CaseStyle, into found: inout ScratchStorage<Hit>) {
        found.removeAll()
        let count = tokens.count
        for start in 0..<count {
            // The first step comes with the token (its word's tag), the next from the map.
            let tag = WordTag(tokens[start].tag)
            var node = tag.rootNode
            var mayHavePayloads = tag[.phraseAlone]
            var end = start + 1
            while node >= 0 {
                // `node` is tokens start..<end.
                if mayHavePayloads {
                    for index in Int(payloadStart[Int(node)])..<Int(payloadStart[Int(node) + 1]) {
                        let entry = payloads[index]
                        if Self.fits(entry, tokens: tokens, from: start, style: style) {
                            found.append(Hit(start: start, end: end, payload: entry.payload, phrase: Int(entry.phrase)))
                        }
                    }
                }
                mayHavePayloads = true
                guard end < count, WordTag(tokens[end].tag)[.continuesPhrase] else { break }
                node = transitions.value(IntegerMap.pack(node, tokens[end].id))
                end += 1
            }
        }
    }

    /// Keeps the hits that do not overlap, preferring the leftmost and then the longest: they end
    /// up first in `hits`, in order; returns how many.
    static func keepLeftmostLongest(_ hits: inout [Hit]) {
        hits.sort { ($0.start, $1.end) < ($1.start, $0.end) }
        var kept = 0
        var lastEnd = 0
        for index in hits.indices where hits[index].start >= lastEnd {
            lastEnd = hits[index].end
            hits[kept] = hits[index]
            kept += 1
        }
        hits.removeSubrange(kept...)
    }

    @inline(__always)
    private static func fits(_ phrase: Entry, tokens: BufferView<ScannedToken>, from start: Int, style: CaseStyle) -> Bool {
        if phrase.refusesCapitals && style != .upper && tokens[start].shape == .upper { return false }
        if phrase.upperMask != 0 && style != .upper {
            for index in 0..<Int(phrase.tokenCount) where phrase.upperMask & (1 << UInt64(index)) != 0 {
                let shape = tokens[start + index].shape
                if phrase.capitalMask & (1 << UInt64(index)) != 0 {
                    if shape != .upper && shape != .number { return false }
                } else if shape != .capitalized {
                    return false
                }
            }
        }
        if style.capitalsAreInformative && phrase.capitalMask != 0 {
            for index in 0..<Int(phrase.tokenCount) where phrase.capitalMask & (1 << UInt64(index)) != 0 {
                let token = tokens[start + index]
                if !token.isCapitalized && token.shape != .number { return false }
            }
        }
        return true
    }
}
