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
        // Read in place (a native string's bytes are contiguous); `withUTF8` would need a copy of
        // the string to work on (a retain and release).
        if text.utf8.withContiguousStorageIfAvailable({ textBytes.replace(with: $0) }) == nil {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBufferPointer { textBytes.replace(with: $0) }
        }
        Tokenizer.scan(textBytes.elements, vocabulary: trie.vocabulary, into: &scanned)
        trie.hits(in: scanned.tokens.elements, style: scanned.style, into: &hits)
        return FieldView(
            field: field, weight: weight, style: scanned.style, tokens: scanned.tokens.elements, hits: hits.elements,
            textBytes: textBytes.elements, foldedBytes: scanned.foldedBytes.elements)
    }
}

/// A scanned field as classifying reads it: its tokens, phrase hits and bytes, as pointers into
/// its `FieldText`'s storage, valid until that field is scanned again. A plain value: passing it
/// around or reading it counts no references (loading a class reference out of a list retains
/// it, a dozen times per headline when the fields were `FieldText`s).
struct FieldView {
    let field: ExplanationStep.Field
    /// How the field is capitalised.
    let style: CaseStyle
    // Counts as Int32 and bare base addresses: the view and the list of two are copied often, and
    // at this size a copy is a few moves instead of a call to memcpy.
    private let tokenCount: Int32
    private let hitCount: Int32
    /// How much this field's words weigh against the title's.
    let weight: Double
    private let tokenBase: UnsafePointer<ScannedToken>?
    private let hitBase: UnsafePointer<PhraseTrie.Hit>?
    private let textBase: UnsafePointer<UInt8>?
    private let foldedBase: UnsafePointer<UInt8>?

    init(
        field: ExplanationStep.Field, weight: Double, style: CaseStyle, tokens: UnsafeBufferPointer<ScannedToken>,
        hits: UnsafeBufferPointer<PhraseTrie.Hit>, textBytes: UnsafeBufferPointer<UInt8>, foldedBytes: UnsafeBufferPointer<UInt8>
    ) {
        self.field = field
        self.style = style
        // A field's tokens and hits are fewer than its bytes, whose offsets are Int32 (`ScannedToken`).
        tokenCount = Int32(tokens.count)
        hitCount = Int32(hits.count)
        self.weight = weight
        tokenBase = tokens.baseAddress
        hitBase = hits.baseAddress
        textBase = textBytes.baseAddress
        foldedBase = foldedBytes.baseAddress
    }

    var tokens: UnsafeBufferPointer<ScannedToken> { UnsafeBufferPointer(start: tokenBase, count: Int(tokenCount)) }

    /// Every phrase occurrence (see `PhraseTrie.hits`).
    var hits: UnsafeBufferPointer<PhraseTrie.Hit> { UnsafeBufferPointer(start: hitBase, count: Int(hitCount)) }

    /// The folded bytes of the tokens: token `i`'s folded form is
    /// `foldedBytes[tokens[i].foldedStart..<tokens[i].foldedEnd]`.
    var foldedBytes: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: foldedBase, count: tokenCount > 0 ? Int(tokens[Int(tokenCount) - 1].foldedEnd) : 0)
    }

    /// The folded form of token `index`.
    func word(_ index: Int) -> String { tokens[index].folded(in: foldedBytes) }

    /// The text of tokens `start..<end` as it stood in the field.
    func text(from start: Int, to end: Int) -> String {
        let lower = Int(tokens[start].utf8Start)
        let upper = Int(tokens[end - 1].utf8End)
        // Token bounds are scalar boundaries, so the bytes make the same string as slicing would.
        // Copied into a string of that capacity: its check of the bytes (short phrases, mostly
        // ASCII) costs less than `String(decoding:as:)`, which also prepares to repair them.
        // Copied as one block (a token has at least one byte, so both addresses exist).
        let source = textBase.unsafelyUnwrapped + lower
        let count = upper - lower
        return String(unsafeUninitializedCapacity: count) { buffer in
            buffer.baseAddress.unsafelyUnwrapped.initialize(from: source, count: count)
            return count
        }
    }

    /// Whether some token of the field folds to `word`, compared byte for byte: folded words are
    /// decomposed (NFKD), so one equals a word in that form, such as an ASCII cue word, exactly
    /// when their bytes are equal.
    func containsWord(_ word: String) -> Bool {
        var word = word
        let folded = foldedBytes
        return word.withUTF8 { word in
            tokens.contains { token in
                Int(token.foldedEnd - token.foldedStart) == word.count
                    && UnsafeBufferPointer(rebasing: folded[Int(token.foldedStart)..<Int(token.foldedEnd)]).elementsEqual(word)
            }
        }
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
        return index == 0 ? title : summary.unsafelyUnwrapped
    }
}
