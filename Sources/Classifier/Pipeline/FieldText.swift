/// One field of an item (title or summary), scanned and looked up in the phrase trie.
/// A class so that passing it around costs one reference count, not one per buffer inside.
/// Each `ScratchBuffers` keeps one per field and rescans it for every item, so that its buffers
/// keep their room from item to item; it is read-only between two `scan`s.
///
/// The scanned state is `@exclusivity(unchecked)`: a scratch serves one classification at a
/// time, which writes the fields only in `scan`, before it reads them, so the runtime access
/// check on every read (over a thousand instructions per headline) would guard against nothing.
/// Tokens, hits and the text's bytes are `ScratchStorage`, read through pointers: reading them
/// retains nothing.
final class FieldText {
    let field: ItemField
    /// How much this field's words weigh against the title's.
    let weight: Double
    @exclusivity(unchecked) private var textBytes = ScratchStorage<UInt8>()
    @exclusivity(unchecked) private(set) var scanned = ScannedText()
    @exclusivity(unchecked) private var hitStorage = ScratchStorage<PhraseTrie.Hit>()

    init(field: ItemField, weight: Double) {
        self.field = field
        self.weight = weight
    }

    /// Scans `text` in place of the previous item's, reusing the buffers.
    func scan(_ text: String, trie: PhraseTrie) {
        var text = text
        text.withUTF8 { textBytes.replace(with: $0) }
        Tokenizer.scan(textBytes.elements, vocabulary: trie.vocabulary, into: &scanned)
        trie.hits(in: scanned.tokens.elements, style: style, into: &hitStorage)
    }

    /// How the field is capitalised.
    var style: CaseStyle { scanned.style }

    /// The tokens, valid until the next `scan`.
    var tokens: UnsafeBufferPointer<ScannedToken> { scanned.tokens.elements }

    /// Every phrase occurrence (see `PhraseTrie.hits`), valid until the next `scan`.
    var hits: UnsafeBufferPointer<PhraseTrie.Hit> { hitStorage.elements }

    /// The folded form of token `index`.
    func word(_ index: Int) -> String { scanned.folded(index) }

    /// The text of tokens `start..<end` as it stood in the field.
    func text(from start: Int, to end: Int) -> String {
        let tokens = self.tokens
        let lower = Int(tokens[start].utf8Start)
        let upper = Int(tokens[end - 1].utf8End)
        // Token bounds are scalar boundaries, so the bytes make the same string as slicing would.
        // Copied into a string of that capacity: its check of the bytes (short phrases, mostly
        // ASCII) costs less than `String(decoding:as:)`, which also prepares to repair them.
        let bytes = textBytes.elements
        return String(unsafeUninitializedCapacity: upper - lower) { $0.initialize(fromContentsOf: bytes[lower..<upper]) }
    }

    /// Whether some token of the field folds to `word`, compared byte for byte: folded words are
    /// decomposed (NFKD), so one equals a word in that form, such as an ASCII cue word, exactly
    /// when their bytes are equal.
    func containsWord(_ word: String) -> Bool {
        var word = word
        let tokens = self.tokens
        return word.withUTF8 { word in
            scanned.foldedBytes.withUnsafeBufferPointer { folded in
                tokens.contains { token in
                    Int(token.foldedEnd - token.foldedStart) == word.count
                        && UnsafeBufferPointer(rebasing: folded[Int(token.foldedStart)..<Int(token.foldedEnd)]).elementsEqual(word)
                }
            }
        }
    }

    /// Whether the token at `index` starts a sentence or clause (so its capital tells nothing).
    func startsSentence(_ index: Int) -> Bool {
        tokens[index].gapBefore == .sentenceBreak
    }
}

/// The fields of one item, title first, then the summary if it has one: the scratch's own
/// `FieldText`s, held unretained. A scratch outlives every classification that reads its fields,
/// so retaining a field on each read (as loading a class reference from an array does, a dozen
/// times per headline) would keep nothing alive that was not already.
struct FieldList: RandomAccessCollection {
    private unowned(unsafe) let title: FieldText
    private unowned(unsafe) let summary: FieldText
    let endIndex: Int

    /// The title alone, or the title and the summary.
    init(title: FieldText, summary: FieldText, hasSummary: Bool) {
        self.title = title
        self.summary = summary
        endIndex = hasSummary ? 2 : 1
    }

    var startIndex: Int { 0 }

    subscript(index: Int) -> FieldText {
        precondition(index >= 0 && index < endIndex, "FieldList index out of range")
        return index == 0 ? title : summary
    }
}
