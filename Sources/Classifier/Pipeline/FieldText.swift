/// One field of an item (title or summary), scanned and looked up in the phrase trie.
/// A class so that passing it around costs one reference count, not one per array inside; its
/// buffers are reused when a `ClassifierScratch` fills it again for the next item.
final class FieldText {
    private(set) var field: ItemField = .title
    private(set) var text = ""
    private(set) var scanned = ScannedText(tokens: [], foldedBytes: [])
    private(set) var style = CaseStyle.sentence
    private(set) var hits: [PhraseTrie.Hit] = []
    /// How much this field's words weigh against the title's.
    private(set) var weight = 1.0

    init() {}

    /// Scans `text` afresh, reusing this field's buffers.
    func fill(field: ItemField, text: String, trie: PhraseTrie, weight: Double) {
        self.field = field
        self.text = text
        self.weight = weight
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
