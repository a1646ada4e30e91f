/// One field of an item (title or summary), scanned and looked up in the phrase trie.
/// A class so that passing it around costs one reference count, not one per array inside.
/// Each `ScratchBuffers` keeps one per field and rescans it for every item, so that its arrays
/// keep their capacity from item to item; it is read-only between two `scan`s.
///
/// The scanned state is `@exclusivity(unchecked)`: a scratch serves one classification at a
/// time, which writes the fields only in `scan`, before it reads them, so the runtime access
/// check on every read (over a thousand instructions per headline) would guard against nothing.
final class FieldText {
    let field: ItemField
    /// How much this field's words weigh against the title's.
    let weight: Double
    @exclusivity(unchecked) private(set) var text = ""
    @exclusivity(unchecked) private(set) var scanned = ScannedText(tokens: [], foldedBytes: [])
    @exclusivity(unchecked) private(set) var style = CaseStyle.sentence
    @exclusivity(unchecked) private(set) var hits: [PhraseTrie.Hit] = []

    init(field: ItemField, weight: Double) {
        self.field = field
        self.weight = weight
    }

    /// Scans `text` in place of the previous item's, reusing the arrays.
    func scan(_ text: String, trie: PhraseTrie) {
        self.text = text
        Tokenizer.scan(text, vocabulary: trie.vocabulary, into: &scanned)
        style = CaseStyle.of(scanned.tokens)
        trie.hits(in: scanned.tokens, style: style, into: &hits)
    }

    var tokens: [ScannedToken] { scanned.tokens }

    /// The folded form of token `index`.
    func word(_ index: Int) -> String { scanned.folded(index) }

    /// The text of tokens `start..<end` as it stood in the field.
    func text(from start: Int, to end: Int) -> String {
        let lower = Int(scanned.tokens[start].utf8Start)
        let upper = Int(scanned.tokens[end - 1].utf8End)
        // Token bounds are scalar boundaries, so the bytes make the same string as slicing would.
        // Copied into a string of that capacity: its check of the bytes (short phrases, mostly
        // ASCII) costs less than `String(decoding:as:)`, which also prepares to repair them.
        if let copied = text.utf8.withContiguousStorageIfAvailable({ bytes in
            String(unsafeUninitializedCapacity: upper - lower) { $0.initialize(fromContentsOf: bytes[lower..<upper]) }
        }) {
            return copied
        }
        let utf8 = text.utf8
        return String(text[utf8.index(utf8.startIndex, offsetBy: lower)..<utf8.index(utf8.startIndex, offsetBy: upper)])
    }

    /// Whether some token of the field folds to `word`, compared byte for byte: folded words are
    /// decomposed (NFKD), so one equals a word in that form, such as an ASCII cue word, exactly
    /// when their bytes are equal.
    func containsWord(_ word: String) -> Bool {
        var word = word
        return word.withUTF8 { word in
            scanned.foldedBytes.withUnsafeBufferPointer { folded in
                scanned.tokens.contains { token in
                    Int(token.foldedEnd - token.foldedStart) == word.count
                        && UnsafeBufferPointer(rebasing: folded[Int(token.foldedStart)..<Int(token.foldedEnd)]).elementsEqual(word)
                }
            }
        }
    }

    /// Whether the token at `index` starts a sentence or clause (so its capital tells nothing).
    func startsSentence(_ index: Int) -> Bool {
        scanned.tokens[index].gapBefore == .sentenceBreak
    }
}
