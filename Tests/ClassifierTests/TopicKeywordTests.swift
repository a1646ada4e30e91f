import NewsModel
import Testing
@testable import Classifier

/// The taxonomy's keyword lists as the bundled classifier reads them: wire headlines carry their
/// topic in names of clubs and competitions (`taxonomy-default-4`), of companies
/// (`taxonomy-default-5`) and of athletes and managers, and in the words of health services and
/// medicine (`taxonomy-default-6`), and in the trade words of wire copy (`taxonomy-default-7`),
/// each an explained lexicon hit.
@Suite struct TopicKeywordTests {
    @Test func clubNamesMakeSportsNews() throws {
        try expectLexiconTopics(["Arsenal beat Chelsea to go top", "Yankees sign veteran pitcher", "All Blacks name squad for autumn tests"].map { ($0, "Sports") })
    }

    /// A keyword matches its own word only, so `taxonomy-default-17` lists the regular plurals of
    /// its one-word nouns ("strikers", "golfers", "senators", "mergers"): before it, "Strikers hit
    /// form" had no keyword and went to Arts&Culture.
    @Test func pluralsOfKeywordsMakeTheirTopics() throws {
        try expectLexiconTopics([
            ("Strikers hit form", "Sports"), ("Golfers struggle in wind", "Sports"), ("Senators reject bill", "Politics"),
            ("Mergers slow as rates rise", "Economy"), ("Singers pay tribute", "Arts&Culture"),
        ])
    }

    /// Sports desks' words that `taxonomy-default-18` added; the words with another sense in the news
    /// were left out, so a sum of money, India's central bank, a missile and a maker of exercise bikes are no sport.
    @Test func sportsDeskWordsMakeSportsNews() throws {
        try expectLexiconTopics([
            ("Unseeded teenager reaches round of 16", "Sports"), ("Medallist retires after injury", "Sports"),
            ("Linebacker agrees deal before trade deadline", "Sports"), ("Tailender frustrates hosts", "Sports"),
        ])
        for text in ["Insurer pays £400m to settle claims", "RBI holds rates steady", "Ukraine receives more Javelin missiles", "Peloton shares slump"] {
            let result = try classify(text)
            #expect(!result.explanation.contains { $0.kind == .topic && $0.tag == "Sports" && $0.rule == "lexicon" }, "\(text): \(result.explanation)")
        }
    }

    /// A keyword written with a capital matches only a capitalised word inside a sentence-case text.
    @Test func aClubNameThatIsAWordMatchesOnlyAsAName() throws {
        let result = try classify("Russia expands its nuclear arsenal")
        #expect(!result.explanation.contains { $0.kind == .topic && $0.tag == "Sports" }, "\(result.explanation)")
    }

    /// Large companies are Economy words (`taxonomy-default-5`); "Shell" only as a name, not the
    /// shelling of a town.
    /// The news aggregator filed a story of 83 headlines on US petrol prices under science and
    /// technology; trained on it as filed, the model read "Gas prices climb again" as Technology
    /// (0.98). `topic_corpus.py` relabels such stories (`relabel_stories`).
    @Test func pricesAreEconomyNewsNotTechnology() throws {
        for text in ["Gas prices climb again", "Petrol prices hit record high", "Honda sales rise in March"] {
            let topics = try classify(text).topics.map(\.label)
            #expect(topics.first == "Economy", "\(text): \(topics)")
        }
    }

    @Test func companyNamesMakeEconomyNews() throws {
        try expectLexiconTopics(["Shell cuts its oil reserves estimate again", "Barclays to close 100 branches", "Toyota overtakes rival carmaker"].map { ($0, "Economy") })
        // The companies of the gazetteer's weak names are Economy's names too (`taxonomy-default-9`).
        try expectLexiconTopics(["Debenhams to close 20 stores", "Petrobras names new chief"].map { ($0, "Economy") })
        // And the US retail chains among them (`taxonomy-default-10`).
        try expectLexiconTopics(["Kroger raises its outlook", "Best Buy warns on holiday quarter"].map { ($0, "Economy") })
        let shelling = try classify("Heavy shelling hits the city overnight")
        #expect(!shelling.explanation.contains { $0.kind == .topic && $0.tag == "Economy" && $0.rule == "lexicon" }, "\(shelling.explanation)")
    }

    /// Central bankers and the heads of the IMF, the World Bank and the WTO are Economy's names
    /// (`taxonomy-default-23`): several are the gazetteer's officials, whose kind the model ties to
    /// Politics, and "Greenspan warns on inflation" was Politics. A surname others share is listed
    /// only with the first name: "Powell" alone is no banker.
    @Test func centralBankersMakeEconomyNews() throws {
        try expectLexiconTopics([
            ("Greenspan warns on inflation", "Economy"), ("Bernanke signals pause", "Economy"), ("Draghi hints at more stimulus", "Economy"),
            ("Mervyn King warns on growth", "Economy"), ("Lagarde says recovery is fragile", "Economy"),
        ])
        let powell = try classify("Powell visits troops in Iraq")
        #expect(!powell.explanation.contains { $0.kind == .topic && $0.tag == "Economy" && $0.rule == "lexicon" }, "\(powell.explanation)")
    }

    /// The trade words of wire copy that the lists lacked (`taxonomy-default-7`): Britain's politics,
    /// seedings and exits, software and games, awards and market closes.
    @Test func wireTradeWordsMakeTheirTopics() throws {
        try expectLexiconTopics([
            ("Shadow chancellor sets out manifesto", "Politics"), ("Top seed crashes out in first round", "Sports"),
            ("Windows update breaks printers", "Technology"), ("Retailer issues profits warning", "Economy"),
            ("Golden Globe for debut director", "Arts&Culture"), ("Dow closes at record high", "Economy"),
        ])
        // Words that are also the window of a house or the pills of a patient stay out.
        let windows = try classify("Storm smashes windows along the seafront")
        #expect(!windows.explanation.contains { $0.kind == .topic && $0.tag == "Technology" && $0.rule == "lexicon" }, "\(windows.explanation)")
    }

    /// Athletes and managers are Sports words, the NHS and medicine's words Health's (`taxonomy-default-6`).
    /// A keyword written with a capital is a name, which the model weighs apart from the common
    /// words (`name:Sports` beside `lex:Sports`).
    @Test func athletesAndHealthServicesMakeTheirTopics() throws {
        try expectLexiconTopics([
            ("Kohli hits century", "Sports"), ("Djokovic withdraws with elbow injury", "Sports"),
            ("Mourinho hits back at critics", "Sports"), ("NHS waiting lists grow again", "Health"),
            ("GPs warn of winter waiting times", "Health"), ("Autism diagnosis takes two years, parents say", "Health"),
        ])
    }

    /// Champions and stars of many seasons, by competition (`taxonomy-default-8`): a surname alone
    /// is enough when it is nobody else's.
    @Test func championsOfManySeasonsMakeSportsNews() throws {
        try expectLexiconTopics(["Agassi to skip Paris", "Flintoff doubtful for Lord's", "Raikkonen fastest in Bahrain", "Gebrselassie pulls out of London"].map { ($0, "Sports") })
        // A surname that is another's too stays out: Medvedev the Russian politician, Klitschko the mayor.
        for text in ["Medvedev warns the West", "Klitschko says Kyiv is ready"] {
            #expect(!(try classify(text)).explanation.contains { $0.kind == .topic && $0.tag == "Sports" && $0.rule == "lexicon" }, "\(text)")
        }
    }

    @Test func namesAndWordsAreSeparateFeatures() throws {
        let classifier = try NewsClassifier.bundled()
        let features = classifier.namedTopicFeatures(ClassificationInput(title: "Arsenal win the match"))
        #expect(features["name:Sports"] == 1, "\(features)")
        #expect(features["lex:Sports"] == 1, "\(features)")
        let model = try #require(classifier.topicModel)
        #expect(model.features.contains("name:Sports") && model.features.contains("lex:Sports"))
    }

    /// A model trained before names had features of their own (only `lex:` rows) still counts a
    /// name among the words of its topic.
    @Test func aModelWithoutNameFeaturesReadsNamesAsWords() throws {
        let bundled = try NewsClassifier.bundled()
        let labels = bundled.taxonomy.topics.map(\.label)
        let sports = try #require(labels.firstIndex(of: "Sports"))
        var weights = [Double](repeating: 0, count: labels.count)
        weights[sports] = 5
        let model = TopicModel(
            version: "lr-test", labels: labels, biases: [Double](repeating: -3, count: labels.count), features: ["lex:Sports"],
            weights: weights, trainedOn: "test")
        let result = bundled.replacingTopicModel(model).classify(text: "Kohli hits century")
        #expect(result.topics.first?.label == "Sports", "\(result.topics)")
    }
}

/// Each text's first topic is the one given, with a lexicon hit of that topic among its reasons.
private func expectLexiconTopics(_ cases: [(text: String, topic: String)], sourceLocation: SourceLocation = #_sourceLocation) throws {
    for (text, topic) in cases {
        let result = try classify(text)
        #expect(result.topics.first?.label == topic, "\(text): \(result.topics)", sourceLocation: sourceLocation)
        #expect(
            result.explanation.contains { $0.kind == .topic && $0.tag == topic && $0.rule == "lexicon" }, "\(text): \(result.explanation)",
            sourceLocation: sourceLocation)
    }
}
