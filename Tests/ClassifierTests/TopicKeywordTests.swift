import NewsModel
import Testing
@testable import Classifier

/// The taxonomy's keyword lists as the bundled classifier reads them: wire headlines carry their
/// topic in names of clubs and competitions (`taxonomy-default-4`) and of companies
/// (`taxonomy-default-5`), each an explained lexicon hit.
@Suite struct TopicKeywordTests {
    @Test func clubNamesMakeSportsNews() throws {
        for text in ["Arsenal beat Chelsea to go top", "Yankees sign veteran pitcher", "All Blacks name squad for autumn tests"] {
            let result = try classify(text)
            #expect(result.topics.first?.label == "Sports", "\(text): \(result.topics)")
            #expect(result.explanation.contains { $0.kind == .topic && $0.tag == "Sports" && $0.rule == "lexicon" }, "\(text): \(result.explanation)")
        }
    }

    /// A keyword written with a capital matches only a capitalised word inside a sentence-case text.
    @Test func aClubNameThatIsAWordMatchesOnlyAsAName() throws {
        let result = try classify("Russia expands its nuclear arsenal")
        #expect(!result.explanation.contains { $0.kind == .topic && $0.tag == "Sports" }, "\(result.explanation)")
    }

    /// Large companies are Economy words (`taxonomy-default-5`); "Shell" only as a name, not the
    /// shelling of a town.
    @Test func companyNamesMakeEconomyNews() throws {
        for text in ["Shell cuts its oil reserves estimate again", "Barclays to close 100 branches", "Toyota overtakes rival carmaker"] {
            let result = try classify(text)
            #expect(result.topics.first?.label == "Economy", "\(text): \(result.topics)")
            #expect(result.explanation.contains { $0.kind == .topic && $0.tag == "Economy" && $0.rule == "lexicon" }, "\(text): \(result.explanation)")
        }
        let shelling = try classify("Heavy shelling hits the city overnight")
        #expect(!shelling.explanation.contains { $0.kind == .topic && $0.tag == "Economy" && $0.rule == "lexicon" }, "\(shelling.explanation)")
    }
}
