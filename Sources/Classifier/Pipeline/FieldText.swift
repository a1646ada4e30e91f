import NewsModel

/// One field of an item (title or summary): the storage its scan fills. Each `ScratchBuffers`
/// keeps one per field and rescans it for every item, so that its buffers keep their room from
/// item to item; classifying reads the scan through the `FieldView` that `scan` returns.
/// Noncopyable: it owns its storage, and lives inline in its scratch (no reference to count).
struct FieldText: ~Copyable {
    let field: ExplanationStep.Field
    /// How much this field's words weigh against the title's.
    let weight: Double
    private var textBytes = ScratchStorage<UInt8>()
    private var scanned = ScannedText()
    private var hits = ScratchStorage<PhraseTrie.Hit>()

    init(field: ExplanationStep.Field, weight: Double) {
        self.field = field
        self.weight = weight
    }

    /// Scans `text` in place of the previous item's, reusing the buffers; the view of the result
    /// is valid until the next `scan` (and while this field lives).
    mutating func scan(_ text: String, trie: PhraseTrie) -> FieldView {
        textBytes.replace(withUTF8Of: text)
        Tokenizer.scan(textBytes.elements, vocabulary: trie.vocabulary, into: &scanned)
        trie.hits(in: scanned.tokens.elements, style: scanned.style, into: &hits)
        return FieldView(
            field: field, weight: weight, style: scanned.style, tokens: scanned.tokens.elements, hits: hits.elements,
            textBytes: textBytes.elements, foldedBytes: scanned.foldedBytes.elements)
    }
}

/// A scanned field as classifying reads it: its tokens, phrase hits and bytes, as views of its
/// `FieldText`'s storage, valid until that field is scanned again. A plain value: passing it
/// around or reading it counts no references (loading a class reference out of a list retains
/// it, a dozen times per headline when the fields were `FieldText`s).
struct FieldView {
    let field: ExplanationStep.Field
    /// How the field is capitalised.
    let style: CaseStyle
    /// How much this field's words weigh against the title's.
    let weight: Double
    let tokens: BufferView<ScannedToken>
    /// Every phrase occurrence (see `PhraseTrie.hits`).
    let hits: BufferView<PhraseTrie.Hit>
    private let textBytes: BufferView<UInt8>
    /// The folded bytes of the tokens: token `i`'s folded form is
    /// `foldedBytes[tokens[i].foldedStart..<tokens[i].foldedEnd]`.
    let foldedBytes: BufferView<UInt8>

    init(
        field: ExplanationStep.Field, weight: Double, style: CaseStyle, tokens: BufferView<ScannedToken>,
        hits: BufferView<PhraseTrie.Hit>, textBytes: BufferView<UInt8>, foldedBytes: BufferView<UInt8>
    ) {
        self.field = field
        self.style = style
        self.weight = weight
        self.tokens = tokens
        self.hits = hits
        self.textBytes = textBytes
        self.foldedBytes = foldedBytes
    }

    /// The folded form of token `index`.
    func word(_ index: Int) -> String { tokens[index].folded(in: foldedBytes) }

    /// The text of tokens `start..<end` as it stood in the field.
    func text(from start: Int, to end: Int) -> String {
        // Token bounds are scalar boundaries, so the bytes make the same string as slicing would.
        textBytes.string(from: Int(tokens[start].utf8Start), to: Int(tokens[end - 1].utf8End))
    }

    /// Whether some token of the field folds to `word`, compared byte for byte: folded words are
    /// decomposed (NFKD), so one equals a word in that form, such as an ASCII cue word, exactly
    /// when their bytes are equal.
    func containsWord(_ word: String) -> Bool {
        let word = Array(word.utf8)
        return tokens.contains { token in
            let start = Int(token.foldedStart)
            guard Int(token.foldedEnd) - start == word.count else { return false }
            for offset in word.indices where foldedBytes[start + offset] != word[offset] { return false }
            return true
        }
    }

    /// Whether only a comma (and spaces) stands between token `index` and the one before it.
    func hasCommaBefore(_ index: Int) -> Bool {
        guard index > 0, tokens[index].gapBefore == .punctuation else { return false }
        var commas = 0
        for offset in Int(tokens[index - 1].utf8End)..<Int(tokens[index].utf8Start) {
            switch textBytes[offset] {
            case UInt8(ascii: ","): commas += 1
            case UInt8(ascii: " "): continue
            default: return false
            }
        }
        return commas == 1
    }

    /// Whether a full stop follows the token at `index` directly ("Sen." in "Sen. Warren").
    func endsWithFullStop(_ index: Int) -> Bool {
        let end = Int(tokens[index].utf8End)
        return end < textBytes.count && textBytes[end] == UInt8(ascii: ".")
    }

    /// Whether the text has a byte outside ASCII: without one it holds no currency sign, whose
    /// UTF-8 bytes all are (one pass over the text instead of one per sign).
    var hasNonASCII: Bool { textBytes.contains { $0 >= 0x80 } }

    /// The index of the first token after the first occurrence of `sign` (UTF-8 bytes) that does
    /// not follow a letter ("£5m", not "E£5m"); `tokens.count` when the sign ends the field; nil
    /// without one.
    func tokenAfter(sign: [UInt8]) -> Int? {
        guard let first = sign.first, textBytes.count >= sign.count else { return nil }
        var offset = 0
        while offset <= textBytes.count - sign.count {
            defer { offset += 1 }
            guard textBytes[offset] == first else { continue }
            var matches = true
            for index in 1..<sign.count where textBytes[offset + index] != sign[index] {
                matches = false
                break
            }
            guard matches else { continue }
            if offset > 0 {
                let previous = textBytes[offset - 1] | 0x20
                if previous >= UInt8(ascii: "a") && previous <= UInt8(ascii: "z") { continue }
            }
            let end = offset + sign.count
            return tokens.firstIndex { Int($0.utf8Start) >= end } ?? tokens.count
        }
        return nil
    }

    /// Whether the token at `index` is capitalised where a capital marks a name: in sentence-case
    /// text, not at the start of a sentence or clause ("a rally in Nice", "rebels in Labour").
    func isCapitalisedInSentence(_ index: Int) -> Bool {
        style.capitalsAreInformative && tokens[index].isCapitalized && !startsSentence(index)
    }

    /// Whether the token at `index` starts a sentence or clause (so its capital tells nothing).
    func startsSentence(_ index: Int) -> Bool {
        tokens[index].gapBefore == .sentenceBreak
    }
}

/// The fields of one item, title first, then the summary if it has one.
struct FieldList: RandomAccessCollection {
    private let title: FieldView
    private let summary: FieldView?

    init(title: FieldView, summary: FieldView?) {
        self.title = title
        self.summary = summary
    }

    var startIndex: Int { 0 }
    var endIndex: Int { summary == nil ? 1 : 2 }

    subscript(index: Int) -> FieldView {
        precondition(index >= 0 && index < endIndex, "FieldList index out of range")
        return index == 0 ? title : summary!
    }
}
