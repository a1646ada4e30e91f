import Testing
@testable import Classifier
import NewsModel

/// Every tag comes with the phrase, field and rule that led to it.
@Suite struct ExplanationTests {
    @Test func strikeInSouthLebanonIsExplainedStepByStep() throws {
        let input = ClassificationInput(
            title: "Israeli airstrike targets town in South Lebanon",
            summary: "Hezbollah says it fired rockets at an army base.",
            sourceKind: .htmlTicker)
        let result = try Bundled.get().classify(input)
        let steps = result.explanation
        #expect(steps.contains(ExplanationStep(kind: .country, tag: "LB", phrase: "South Lebanon", field: .title, rule: "gazetteer:area")))
        #expect(steps.contains(ExplanationStep(kind: .country, tag: "IL", phrase: "Israeli", field: .title, rule: "gazetteer:demonym")))
        #expect(steps.contains(ExplanationStep(kind: .region, tag: "MENA", phrase: "South Lebanon", field: .title, rule: "country:LB")))
        #expect(steps.contains(ExplanationStep(kind: .region, tag: "MENA", phrase: "Hezbollah", field: .summary, rule: "country:LB")))
        #expect(steps.contains(ExplanationStep(kind: .urgency, tag: "urgent", phrase: "airstrike", field: .title, rule: "cue:airstrike")))
        #expect(steps.contains(ExplanationStep(kind: .urgency, tag: "flash", phrase: "html-ticker", field: .source, rule: "source:html-ticker")))
        #expect(steps.contains { $0.kind == .topic && $0.tag == "Politics" && $0.rule == "lexicon" && $0.phrase == "airstrike" })
        #expect(result.urgency == .flash)
    }

    @Test func everyTagHasAtLeastOneReason() throws {
        let classifier = try Bundled.get()
        for text in ["Bank of Japan raises rates to highest level in 17 years", "WHO declares mpox a global public health emergency",
                     "Real Madrid win record 15th Champions League title"] {
            let result = classifier.classify(text: text)
            for region in result.regions {
                #expect(result.explanation.contains { $0.kind == .region && $0.tag == region.label }, "\(text): \(region.label)")
            }
            for topic in result.topics {
                #expect(result.explanation.contains { $0.kind == .topic && $0.tag == topic.label }, "\(text): \(topic.label)")
            }
            for country in result.countries {
                #expect(result.explanation.contains { $0.kind == .country && $0.tag == country }, "\(text): \(country)")
            }
        }
    }

    @Test func explainedPhrasesAreTheTextAsWritten() throws {
        let result = try Bundled.get().classify(text: "Protests in BOGOTÁ and Russia's capital")
        let phrases = result.explanation.filter { $0.kind == .country }.map(\.phrase)
        #expect(phrases == ["BOGOTÁ", "Russia"])
    }

    @Test func modelStepsNameWordsOfTheText() throws {
        let result = try Bundled.get().classify(text: "Central bank raises interest rates as inflation climbs")
        #expect(result.topics.first?.label == "Economy")
        let modelSteps = result.explanation.filter { $0.rule == "model" }
        #expect(!modelSteps.isEmpty)
        for step in modelSteps {
            #expect("Central bank raises interest rates as inflation climbs".contains(step.phrase))
        }
    }

    @Test func scoresAreOrderedAndInRange() throws {
        let result = try Bundled.get().classify(text: "Putin says he discussed with Trump the impact of Russian oil supplies on prices in the United States")
        #expect(result.regions.map(\.score) == result.regions.map(\.score).sorted(by: >))
        #expect(result.topics.map(\.score) == result.topics.map(\.score).sorted(by: >))
        #expect((result.regions + result.topics).allSatisfy { (0...1).contains($0.score) })
    }

    @Test func versionNamesEveryPart() throws {
        let classifier = try Bundled.get()
        let version = classifier.classify(text: "x").classifierVersion
        #expect(version == classifier.version)
        #expect(version.hasPrefix("classifier-\(NewsClassifier.engineVersion)/gaz-"))
        #expect(version.contains("/taxonomy-default-23/lr-"))
        #expect(version.hasSuffix("/urgency-default-2"))
    }
}

/// Urgency from cues and source kinds.
@Suite struct UrgencyTests {
    func urgency(_ text: String, _ kind: ClassificationInput.SourceKind? = nil) throws -> Urgency {
        try Bundled.get().classify(ClassificationInput(title: text, sourceKind: kind)).urgency
    }

    @Test func levels() throws {
        #expect(try urgency("Bank of England cuts interest rates to 4.5 percent") == .routine)
        #expect(try urgency("Bank of England cuts interest rates to 4.5 percent", .htmlTicker) == .urgent)
        #expect(try urgency("BREAKING: Parliament votes on budget") == .flash)
        #expect(try urgency("Explosion reported near port") == .urgent)
        #expect(try urgency("Israeli strike kills 3 in Khan Younis") == .urgent)
        #expect(try urgency("At least 27 Palestinians killed in overnight strikes") == .flash)
        #expect(try urgency("Dozens dead after ferry capsizes") == .flash)
        #expect(try urgency("Earthquake of magnitude 5.6 strikes southern Iran") == .urgent)
        #expect(try urgency("Authorities order evacuation of coastal towns") == .urgent)
        #expect(try urgency("Tsunami warning issued after quake") == .flash)
        #expect(try urgency("Gaza may take 30 years to clear of ordnance") == .routine)
    }

    /// A cue matches its own words only: `urgency-default-2` lists the plurals and forms its
    /// singulars lacked. "kill" is no cue: in the news it is mostly a figure of speech.
    @Test func pluralsAndFormsOfCuesRaiseUrgency() throws {
        for text in ["Gunmen open fire on market", "Wildfires force thousands to flee", "Bombings rock capital", "Police say officer opened fire"] {
            #expect(try urgency(text) == .urgent, "\(text)")
        }
        #expect(try urgency("Debt will kill the global economy") == .routine)
    }

    @Test func casualtyCountIsExplained() throws {
        let result = try Bundled.get().classify(text: "At least 27 Palestinians killed in overnight strikes")
        #expect(result.explanation.contains(ExplanationStep(kind: .urgency, tag: "flash", phrase: "27 Palestinians killed", field: .title, rule: "casualties>=10")))
    }
}

/// Source hints and the fallback topic.
@Suite struct HintTests {
    @Test func hintsFillInWhenTheTextSaysNothing() throws {
        let input = ClassificationInput(title: "Statement expected later today", hints: .init(region: "Palestine", topic: "Politics"))
        let result = try Bundled.get().classify(input)
        #expect(result.regions == [ScoredLabel(label: "Palestine", score: 0.5)])
        #expect(result.explanation.contains(ExplanationStep(kind: .region, tag: "Palestine", phrase: "Palestine", field: .source, rule: "hint")))
    }

    /// A weak name (a company's home) gives way to the source's region hint; a name does not.
    @Test func aRegionHintOutvotesAWeakName() throws {
        let hinted = try Bundled.get().classify(ClassificationInput(title: "Uber loses appeal over drivers' rights", hints: .init(region: "Europe", topic: nil)))
        #expect(hinted.regions == [ScoredLabel(label: "Europe", score: 0.5)])
        #expect(hinted.countries.isEmpty)
        let named = try Bundled.get().classify(ClassificationInput(title: "Uber loses appeal in Chicago", hints: .init(region: "Europe", topic: nil)))
        #expect(named.regionLabels == ["US & Canada"])
    }

    @Test func hintsDoNotOverrideEvidence() throws {
        let input = ClassificationInput(title: "Floods hit Jakarta", hints: .init(region: "Palestine", topic: "Sports"))
        let result = try Bundled.get().classify(input)
        #expect(!result.regionLabels.contains("Palestine"))
        #expect(result.topicLabels.contains("Environment"))
    }

    /// The bundled classifier with a small hand-set topic model: every topic's prior 0.047 (bias
    /// -3), and only the given features weigh, so the tests below do not move when the bundled
    /// model is retrained.
    func withModel(_ features: [String: [String: Double]]) throws -> NewsClassifier {
        let bundled = try Bundled.get()
        let labels = bundled.taxonomy.topics.map(\.label)
        let names = features.keys.sorted()
        return bundled.replacingTopicModel(TopicModel(
            version: "lr-test", labels: labels, biases: labels.map { _ in -3 }, features: names,
            weights: names.flatMap { name in labels.map { features[name]?[$0] ?? 0 } }, trainedOn: "hand-set"))
    }

    @Test func aWeakTopicTheWordsRaisedIsReportedOverTheFallback() throws {
        // One keyword raises Politics above its prior but not to the threshold (0.12): Politics,
        // with the keyword as its reason, not the fallback.
        let result = try withModel(["lex:Politics": ["Politics": 1]]).classify(text: "rally")
        #expect(result.topics.map(\.label) == ["Politics"], "\(result.topics)")
        #expect(result.topics[0].score < NewsClassifier.topicThreshold)
        #expect(result.explanation.contains(ExplanationStep(kind: .topic, tag: "Politics", phrase: "rally", field: .title, rule: "lexicon")))
    }

    @Test func aWeakTopicWithoutAReasonToShowIsNotReported() throws {
        // "deal" nudges Arts&Culture above its prior (0.047 to 0.057), by less than a word must
        // add to count as a reason: such a tag could not be explained, so the item falls back.
        let result = try withModel(["w:deal": ["Arts&Culture": 0.2]]).classify(text: "deal")
        #expect(result.topics.map(\.label) == ["Miscellaneous"], "\(result.topics)")
        #expect(result.explanation.contains { $0.kind == .topic && $0.rule == "fallback" })
        // With a weight over the floor the word is the reason, and the topic is reported.
        let raised = try withModel(["w:deal": ["Arts&Culture": 0.5]]).classify(text: "deal")
        #expect(raised.topics.map(\.label) == ["Arts&Culture"])
        #expect(raised.explanation.contains(ExplanationStep(kind: .topic, tag: "Arts&Culture", phrase: "deal", field: .title, rule: "model")))
    }

    @Test func bigramsWeighOnlyAsAdjacentWordsOfOneSentence() throws {
        // Bigram rows, numbers as `<num>` on either side; the words have no rows of their own, so
        // only a pair raises its topic.
        let classifier = try withModel([
            "b:interest rates": ["Economy": 3], "b:<num> wickets": ["Sports": 3], "b:beat <num>": ["Sports": 3],
        ])
        func topicSteps(_ text: String) -> [ExplanationStep] {
            classifier.classify(text: text).explanation.filter { $0.kind == .topic && $0.rule == "model" }
        }
        #expect(topicSteps("Interest rates rise again") == [
            ExplanationStep(kind: .topic, tag: "Economy", phrase: "Interest rates", field: .title, rule: "model")
        ])
        #expect(topicSteps("Bowler takes 5 wickets") == [ExplanationStep(kind: .topic, tag: "Sports", phrase: "5 wickets", field: .title, rule: "model")])
        #expect(topicSteps("Hosts beat 12 rivals") == [ExplanationStep(kind: .topic, tag: "Sports", phrase: "beat 12", field: .title, rule: "model")])
        // Not a pair: a stop-word between, a word the classifier does not know between, or a sentence break.
        #expect(topicSteps("Interest in rates rises").isEmpty)
        #expect(topicSteps("Interest qzxv rates rise").isEmpty)
        #expect(topicSteps("Low interest. Rates rise").isEmpty)
        #expect(topicSteps("Rates interest nobody").isEmpty)
    }

    @Test func aTopicRaisedByTheKindOfANameNamesThatName() throws {
        // No keyword or word weighs for Politics here; the leader's kind does, and is its reason.
        let result = try withModel(["kind:leader": ["Politics": 4]]).classify(text: "Rishi Sunak confirms furlough scheme to be gradually withdrawn")
        #expect(result.topics.first?.label == "Politics", "\(result.topics)")
        #expect(result.explanation.contains(ExplanationStep(kind: .topic, tag: "Politics", phrase: "Rishi Sunak", field: .title, rule: "model")))
    }

    @Test func everyTopicTagHasAReason() throws {
        // A keyword, a word, or a kind of name: each topic the bundled classifier reports on the
        // fixtures' 578 headlines has an explanation step of its own.
        let classifier = try Bundled.get()
        for name in ["devset.jsonl", "holdout.jsonl"] {
            for example in try LabelledExample.parseLines(try fixture(name), source: name) {
                let result = classifier.classify(text: example.text)
                for topic in result.topics {
                    #expect(result.explanation.contains { $0.kind == .topic && $0.tag == topic.label }, "\(example.text): \(topic.label)")
                }
            }
        }
    }

    @Test func emptyTextFallsBackToMiscellaneous() throws {
        let result = try Bundled.get().classify(text: "")
        #expect(result.regions.isEmpty)
        #expect(result.topics.map(\.label) == ["Miscellaneous"])
        #expect(result.urgency == .routine)
    }
}
