import Testing
@testable import Classifier

@Suite struct TokenizerTests {
    @Test func foldsPossessivesInitialsApostrophesAndDiacritics() {
        let tokens = Tokenizer.tokenize("Russia's U.S.-led talks in Bogotá, Sana'a and Erdoğan’s")
        #expect(tokens.map(\.folded) == ["russia", "us", "led", "talks", "in", "bogota", "sanaa", "and", "erdogan"])
        #expect(tokens[1].shape == .upper)
        #expect(tokens[0].shape == .capitalized)
        #expect(tokens[3].shape == .lower)
    }

    @Test func recordsGapsBetweenTokens() {
        let tokens = Tokenizer.tokenize("Trump: Will see, soon")
        #expect(tokens.map(\.gapBefore) == [.sentenceBreak, .sentenceBreak, .space, .punctuation])
    }

    @Test func keepsNumbersAsNumberTokens() {
        let tokens = Tokenizer.tokenize("at least 27 killed in 2024")
        #expect(tokens[2].shape == .number)
        #expect(tokens[2].folded == "27")
    }

    @Test func offsetsPointIntoTheOriginalUTF8() {
        let text = "Protest in Bogotá today"
        let token = Tokenizer.tokenize(text)[2]
        let bytes = Array(text.utf8)[token.utf8Start..<token.utf8End]
        #expect(String(decoding: bytes, as: UTF8.self) == "Bogotá")
    }

    @Test func caseStyleTellsSentenceTitleUpperAndLower() {
        #expect(CaseStyle.of(Tokenizer.tokenize("Japan, South Korea agree to resume defense exchanges")) == .sentence)
        #expect(CaseStyle.of(Tokenizer.tokenize("Out Of Control Wildfire Forces Thousands To Flee")) == .title)
        #expect(CaseStyle.of(Tokenizer.tokenize("EXPLOSION REPORTED NEAR PALACE")) == .upper)
        #expect(CaseStyle.of(Tokenizer.tokenize("explosion reported near palace")) == .lower)
    }

    @Test func vocabularyFindsWordsByTheScannersHash() {
        var vocabulary = TokenVocabulary()
        let gaza = vocabulary.intern("gaza")
        vocabulary.intern("bogota")
        let scanned = Tokenizer.scan("GAZA and Bogotá", vocabulary: vocabulary)
        #expect(scanned.tokens.elements.map(\.id) == [gaza, -1, vocabulary.id(of: "bogota")])
        #expect(vocabulary.word(gaza) == "gaza")
    }
}
