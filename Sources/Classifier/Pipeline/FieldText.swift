/// One field of an item (title or summary), scanned and looked up in the phrase trie.
/// A class so that passing it around costs one reference count, not one per array inside;
/// immutable once made. Its arrays are lent by a `FieldBuffers` and given back after the item.
final class FieldText {
    let field: ItemField
    let text: String
    let scanned: ScannedText
    let style: CaseStyle
    let hits: [PhraseTrie.Hit]
    /// How much this field's words weigh against the title's.
    let weight: Double

    /// Scans `text` into the arrays of `buffers` (left empty until `giveBack`).
    init(field: ItemField, text: String, trie: PhraseTrie, weight: Double, buffers: inout FieldBuffers) {
        self.field = field
        self.text = text
        self.weight = weight
        var scanned = ScannedText(tokens: [], foldedBytes: [])
        swap(&scanned.tokens, &buffers.tokens)
        swap(&scanned.foldedBytes, &buffers.folded)
        Tokenizer.scan(text, vocabulary: trie.vocabulary, into: &scanned)
        let style = CaseStyle.of(scanned.tokens)
        var hits = Array.reusing(&buffers.hits)
        trie.hits(in: scanned.tokens, style: style, into: &hits)
        self.scanned = scanned
        self.style = style
        self.hits = hits
    }

    /// Returns the arrays to `buffers`, for the next item once this field is gone.
    func giveBack(to buffers: inout FieldBuffers) {
        buffers.tokens = scanned.tokens
        buffers.folded = scanned.foldedBytes
        buffers.hits = hits
    }

    var tokens: [ScannedToken] { scanned.tokens }

    /// The folded form of token `index`.
    func word(_ index: Int) -> String { scanned.folded(index) }

    /// The text of tokens `start..<end` as it stood in the field.
    func text(from start: Int, to end: Int) -> String {
        let lower = Int(scanned.tokens[start].utf8Start)
        let upper = Int(scanned.tokens[end - 1].utf8End)
        // Token bounds are scalar boundaries, so the bytes make the same string as slicing would.
        if let copied = text.utf8.withContiguousStorageIfAvailable({ String(decoding: UnsafeBufferPointer(rebasing: $0[lower..<upper]), as: UTF8.self) }) {
            return copied
        }
        let utf8 = text.utf8
        return String(text[utf8.index(utf8.startIndex, offsetBy: lower)..<utf8.index(utf8.startIndex, offsetBy: upper)])
    }

    /// Whether the token at `index` starts a sentence or clause (so its capital tells nothing).
    func startsSentence(_ index: Int) -> Bool {
        scanned.tokens[index].gapBefore == .sentenceBreak
    }
}

/// The arrays of one field, kept between items.
struct FieldBuffers {
    var tokens: [ScannedToken] = []
    var folded: [UInt8] = []
    var hits: [PhraseTrie.Hit] = []
}
