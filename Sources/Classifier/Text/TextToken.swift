/// One word of a text: its folded form, how it was written, and where it stood.
public struct TextToken: Sendable, Hashable {
    /// Lower case, diacritics removed: "Bogotá" -> "bogota".
    public var folded: String
    public var shape: TokenShape
    /// Byte offsets of the word in the text's UTF-8.
    public var utf8Start: Int
    public var utf8End: Int
    /// What separated this token from the previous one.
    public var gapBefore: TokenGap

    /// Written with a capital first letter, or all in capitals.
    public var isCapitalized: Bool { shape == .capitalized || shape == .upper }
}

/// How a token was written.
public enum TokenShape: Sendable, Hashable, BitwiseCopyable {
    /// "sanctions"
    case lower
    /// "Gaza", "McDonald", and single capitals ("A")
    case capitalized
    /// "NATO", "U.S."
    case upper
    /// "2024", no letters
    case number
}

/// What stood between a token and the one before it.
public enum TokenGap: Sendable, Hashable, BitwiseCopyable {
    /// Only spaces.
    case space
    /// Punctuation inside a sentence: a comma, a parenthesis, a hyphen.
    case punctuation
    /// The start of the text, or punctuation that ends or opens a sentence or clause (". : ; ? ! quotes, dashes).
    case sentenceBreak
}

/// How a whole field is capitalised, which decides how much a capital letter tells.
public enum CaseStyle: Sendable, Hashable {
    /// Ordinary prose: a capital letter marks a name.
    case sentence
    /// Headline style, most words capitalised: capitals tell little.
    case title
    /// ALL CAPITALS: capitals tell nothing.
    case upper
    /// no capitals at all: capitals tell nothing.
    case lower

    /// Whether a capital letter in this field is evidence of a proper name.
    public var capitalsAreInformative: Bool { self == .sentence }

    /// The style of a tokenised field.
    public static func of(_ tokens: [TextToken]) -> CaseStyle {
        var tally = Tally()
        for token in tokens { tally.add(token.shape, length: token.utf8End - token.utf8Start) }
        return tally.style
    }

    /// Sentence case unless at least 3/4 of the words of 4+ bytes are capitalised (title case),
    /// 4/5 are in capitals (upper), or nothing is capitalised at all (lower). Counted word by
    /// word (the tokenizer counts as it scans, so a field is not read again for its style).
    struct Tally {
        var words = 0
        var upper = 0
        var capitalized = 0
        var anyCapital = false

        @inline(__always)
        mutating func add(_ shape: TokenShape, length: Int) {
            guard shape != .number else { return }
            if shape != .lower { anyCapital = true }
            guard length >= 4 else { return }
            words += 1
            upper += shape == .upper ? 1 : 0
            capitalized += shape == .capitalized ? 1 : 0
        }

        var style: CaseStyle {
            if !anyCapital { return .lower }
            guard words > 0 else { return .sentence }
            if upper * 5 >= words * 4 { return .upper }
            if words >= 3 && (upper + capitalized) * 4 >= words * 3 { return .title }
            return .sentence
        }
    }
}
