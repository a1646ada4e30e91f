/// What the classifier knows of one vocabulary word, packed into the tag of its vocabulary slot so
/// that scanning a word fetches it with the id (one memory access per word instead of one per table):
/// the trie node its phrases start at, whether it goes on a phrase, its topic model row, and what
/// it means to the urgency rules.
/// Unknown words have tag 0, which reads as "nothing".
struct WordTag: Equatable {
    var bits: UInt64 = 0

    init(_ bits: UInt64 = 0) { self.bits = bits }

    /// Child of the trie root for this word, or -1.
    var rootNode: Int32 {
        get { Int32(truncatingIfNeeded: bits & 0xFFFF_FFFF) - 1 }
        set { set(UInt64(UInt32(newValue + 1)), shift: 0, width: 32) }
    }

    /// The model row of the word's `w:` feature: -1 none, -2 a stop-word.
    var modelRow: Int32 {
        get {
            let code = Int32((bits >> 32) & Self.rowMask)
            return code == 0 ? -1 : (code == 1 ? -2 : code - 2)
        }
        set {
            precondition(newValue < Int32(Self.rowMask) - 2, "topic model over \(Self.rowMask - 2) features")
            set(UInt64(newValue == -1 ? 0 : (newValue == -2 ? 1 : newValue + 2)), shift: 32, width: 20)
        }
    }

    /// Index into `UrgencyDetector.numberWords`' values, or -1.
    var numberWord: Int {
        get { Int((bits >> 52) & 0x1F) - 1 }
        set {
            precondition(newValue < 31)
            set(UInt64(newValue + 1), shift: 52, width: 5)
        }
    }

    /// The word's yes-or-no facts, one bit each (57 to 62).
    enum Flag: UInt64 {
        /// A casualty word of the urgency rules: a number up to three words before it is a count of dead or hurt.
        case casualtyWord = 57
        /// A killing verb of the urgency rules: a number just after it is a count ("kills 5").
        case killingVerb
        /// Whether the word is the second or a later word of some phrase: when the next token's
        /// word is not, a phrase cannot go on into it, and the trie is not asked (a probe of its big
        /// transition table, mostly a cache miss, for almost every word that starts a phrase).
        case continuesPhrase
        /// Whether the word alone is a phrase (its trie node has payloads): when not ("new",
        /// "south"), the trie's payload table is not read for it.
        case phraseAlone
        /// Whether the word is the first of some bigram the topic model has a row for.
        case startsBigram
        /// Whether the word is the second of some bigram the topic model has a row for: a pair of
        /// words is looked up in the bigram table (mostly a cache miss) only when the first starts
        /// and the second ends one.
        case endsBigram
    }

    subscript(flag: Flag) -> Bool {
        @inline(__always) get { bits & (1 << flag.rawValue) != 0 }
        set { set(newValue ? 1 : 0, shift: flag.rawValue, width: 1) }
    }

    private static let rowMask: UInt64 = (1 << 20) - 1

    private mutating func set(_ value: UInt64, shift: UInt64, width: UInt64) {
        let mask: UInt64 = ((1 << width) - 1) << shift
        bits = (bits & ~mask) | ((value << shift) & mask)
    }
}
