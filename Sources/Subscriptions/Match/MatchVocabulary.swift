import NewsModel

/// The strings of the indexed filters (labels, sources, language tags, words), each interned once
/// as a 32-bit id, and the display texts of their terms. Strings are never forgotten: the table
/// grows with the distinct vocabulary of all filters ever indexed, not with their number.
struct MatchVocabulary: Sendable {
    private(set) var valueIDs: [String: UInt32] = [:]
    private(set) var termTexts: [String] = []
    private var termIDs: [String: UInt32] = [:]
    private(set) var phrases: [[UInt32]] = []
    private var phraseIDs: [[UInt32]: UInt32] = [:]

    mutating func value(_ text: String) -> UInt32 {
        if let id = valueIDs[text] { return id }
        let id = UInt32(valueIDs.count)
        valueIDs[text] = id
        return id
    }

    mutating func term(_ text: String) -> UInt32 {
        if let id = termIDs[text] { return id }
        let id = UInt32(termTexts.count)
        termTexts.append(text)
        termIDs[text] = id
        return id
    }

    mutating func phrase(_ words: [UInt32]) -> UInt32 {
        if let id = phraseIDs[words] { return id }
        let id = UInt32(phrases.count)
        phrases.append(words)
        phraseIDs[words] = id
        return id
    }

    /// The id of a string the filters use; nil when no filter does (then nothing can match on it).
    func existing(_ text: String) -> UInt32? { valueIDs[text] }

    func existing(_ text: Substring) -> UInt32? { valueIDs[String(text)] }
}

/// An item as the compiled filters see it: every value as a vocabulary id, computed once per item.
/// Values that no filter uses are left out of the sets; in the word sequence they are `UInt32.max`.
struct MatchItem: Sendable {
    var regions: [UInt32] = []
    var topics: [UInt32] = []
    var countries: [UInt32] = []
    var source: UInt32?
    /// The language tag and each of its prefixes that ends before a hyphen (`en-gb` gives `en-gb`, `en`).
    var languages: [UInt32] = []
    var urgency: Urgency
    /// The words in order, for phrases.
    var words: [UInt32] = []
    /// The distinct known words, sorted, for the word postings.
    var wordSet: [UInt32] = []
    /// All of the above as index keys, for the posting entries' literal tests.
    var keys = KeyTable()

    static let unknown = UInt32.max

    init(_ subject: FilterSubject, _ vocabulary: MatchVocabulary) {
        urgency = subject.urgency
        regions = subject.regions.compactMap { vocabulary.existing($0) }
        topics = subject.topics.compactMap { vocabulary.existing($0) }
        countries = subject.countries.compactMap { vocabulary.existing($0) }
        source = vocabulary.existing(subject.source)
        if let language = subject.language {
            if let id = vocabulary.existing(language) { languages.append(id) }
            for index in language.indices where language[index] == "-" {
                if let id = vocabulary.existing(language[..<index]), !languages.contains(id) { languages.append(id) }
            }
        }
        words.reserveCapacity(subject.words.count)
        for word in subject.words { words.append(vocabulary.existing(word) ?? Self.unknown) }
        wordSet = Array(Set(words.lazy.filter { $0 != Self.unknown })).sorted()
        var all: [UInt64] = []
        all.reserveCapacity(regions.count + topics.count + countries.count + languages.count + wordSet.count + 1)
        all += regions.lazy.map { IndexKey.make(.region, $0) }
        all += topics.lazy.map { IndexKey.make(.topic, $0) }
        all += countries.lazy.map { IndexKey.make(.country, $0) }
        if let source { all.append(IndexKey.make(.source, source)) }
        all += languages.lazy.map { IndexKey.make(.lang, $0) }
        all += wordSet.lazy.map { IndexKey.make(.word, $0) }
        keys = KeyTable(all)
    }

    /// Whether a term test (not and, or, not) holds: fields and words are looked up in ``keys``.
    func holds(_ operation: CompiledFilter.Node.Operation, _ value: UInt32, _ vocabulary: MatchVocabulary) -> Bool {
        switch operation {
        case .urgency: CompiledFilter.urgencyHolds(value, urgency)
        case .phrase: hasPhrase(vocabulary.phrases[Int(value)])
        case .and, .or, .not: false
        default: keys.contains(IndexKey.make(operation.keyKind!, value))
        }
    }

    func hasPhrase(_ phrase: [UInt32]) -> Bool {
        guard let first = phrase.first, phrase.count <= words.count else { return false }
        var start = 0
        while start + phrase.count <= words.count {
            if words[start] == first {
                var offset = 1
                while offset < phrase.count, words[start + offset] == phrase[offset] { offset += 1 }
                if offset == phrase.count { return true }
            }
            start += 1
        }
        return false
    }
}

/// A small open-addressing hash set of an item's index keys: a membership test is a multiply,
/// a shift and (nearly always) one or two probes.
struct KeyTable: Sendable {
    private var slots: [UInt64] = [IndexKey.absent]
    /// 64 - log2(slots.count); shifting by 64 gives 0.
    private var shift: UInt64 = 64

    init() {}

    init(_ keys: [UInt64]) {
        // At most half full.
        var bits = 1
        while 1 << bits < keys.count * 2 { bits += 1 }
        shift = UInt64(64 - bits)
        slots = [UInt64](repeating: IndexKey.absent, count: 1 << bits)
        for key in keys {
            var slot = position(key)
            while slots[slot] != IndexKey.absent && slots[slot] != key { slot = (slot + 1) & (slots.count - 1) }
            slots[slot] = key
        }
    }

    private func position(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    @inline(__always)
    func contains(_ key: UInt64) -> Bool {
        var slot = position(key)
        while true {
            let found = slots[slot]
            if found == key { return true }
            if found == IndexKey.absent { return false }
            slot = (slot + 1) & (slots.count - 1)
        }
    }
}
