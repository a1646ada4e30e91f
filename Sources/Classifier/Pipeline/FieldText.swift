/// One field of an item (title or summary), scanned and looked up in the phrase trie.
/// A class so that passing it around costs one reference count, not one per array inside.
final class FieldText {
    let field: ItemField
    let text: String
    let scanned: ScannedText
    let style: CaseStyle
    let hits: [PhraseTrie.Hit]
    /// How much this field's words weigh against the title's.
    let weight: Double

    init(field: ItemField, text: String, trie: PhraseTrie, weight: Double) {
        self.field = field
        self.text = text
        self.weight = weight
        let scanned = Tokenizer.scan(text, vocabulary: trie.vocabulary)
        self.scanned = scanned
        let style = CaseStyle.of(scanned.tokens)
        self.style = style
        self.hits = trie.hits(in: scanned.tokens, style: style)
    }

    var tokens: [ScannedToken] { scanned.tokens }

    /// The folded form of token `index`.
    func word(_ index: Int) -> String { scanned.folded(index) }

    /// The text of tokens `start..<end` as it stood in the field.
    func text(from start: Int, to end: Int) -> String {
        let utf8 = text.utf8
        let lower = utf8.index(utf8.startIndex, offsetBy: Int(scanned.tokens[start].utf8Start))
        let upper = utf8.index(utf8.startIndex, offsetBy: Int(scanned.tokens[end - 1].utf8End))
        return String(text[lower..<upper])
    }

    /// Whether the token at `index` starts a sentence or clause (so its capital tells nothing).
    func startsSentence(_ index: Int) -> Bool {
        scanned.tokens[index].gapBefore == .sentenceBreak
    }
}
