import Testing
@testable import Classifier
import Foundation
import NewsModel

/// The publisher's own filing, in an item's categories and URL, decides its topic where the words
/// leave it unsure and its region where they name no place, and is explained.
@Suite struct PublisherSectionsTests {
    private static let taxonomy = Taxonomy(
        version: "t",
        regions: [
            .init(label: "Europe", countries: [], phrases: [], sections: ["uk news", "europe"]),
            .init(label: "Africa", countries: [], phrases: [], sections: ["africa", "Sport"]),
        ],
        topics: [
            .init(label: "Sports", keywords: [], sections: ["sport", "rugby league"]),
            .init(label: "Economy", keywords: [], sections: ["business", "money"]),
            .init(label: "Arts&Culture", keywords: [], sections: ["Arts & Culture"]),
        ])
    private let sections = Sections(PublisherSections(taxonomy: taxonomy))

    /// The matcher with storage of its own, as a classification scratch gives it.
    private struct Sections {
        let matcher: PublisherSections
        init(_ matcher: PublisherSections) { self.matcher = matcher }

        func matches(categories: [String], url: String?) -> [PublisherSections.Match] {
            var text = ScratchStorage<UInt8>(), key = ScratchStorage<UInt8>()
            return matcher.matches(categories: categories, url: url, text: &text, keyStorage: &key)
        }
    }

    private func topics(_ categories: [String] = [], url: String? = nil) -> [String] {
        sections.matches(categories: categories, url: url).filter { $0.kind == .topic }.map { Self.taxonomy.topics[$0.index].label }
    }

    private func regions(_ categories: [String] = [], url: String? = nil) -> [String] {
        sections.matches(categories: categories, url: url).filter { $0.kind == .region }.map { Self.taxonomy.regions[$0.index].label }
    }

    @Test func sectionNamesCompareWithoutCaseAmpersandOrHyphens() {
        #expect(PublisherSections.normalised("Arts & Culture") == "arts and culture")
        #expect(PublisherSections.normalised("arts-and-culture") == "arts and culture")
        #expect(PublisherSections.normalised(" ARTS_AND_CULTURE ") == "arts and culture")
        #expect(PublisherSections.normalised("Arts&Culture") == "arts and culture")
        #expect(PublisherSections.normalised("--") == "")
        #expect(topics(["arts-and-culture"]) == ["Arts&Culture"])
    }

    @Test func categoriesAreReadWholeAndInTheirParts() {
        #expect(topics(["Rugby League"]) == ["Sports"])
        #expect(topics(["News > Sport > Football"]) == ["Sports"])
        #expect(topics(["sport/rugby-league", "Business"]) == ["Sports", "Economy"])
        let match = sections.matches(categories: ["Business news", "News > Sport"], url: nil).filter { $0.kind == .topic }
        #expect(match == [PublisherSections.Match(kind: .topic, index: 0, phrase: "Sport", rule: "section:category")])
        // Tags that name no section, or only contain one's word, file the item nowhere.
        #expect(topics(["UK news", "Donald Trump", "Sporting Lisbon", "business travel"]).isEmpty)
    }

    @Test func aURLIsReadByItsPathSectionsAndItsHost() {
        #expect(topics(url: "https://www.example.co.uk/sport/football/68123456") == ["Sports"])
        #expect(topics(url: "https://www.example.com/business/2020/jul/01/asda-staff-return") == ["Economy"])
        #expect(sections.matches(categories: [], url: "HTTPS://example.com/Business/2020/x").first?.phrase == "Business")
        // The last segment is the story's own slug, unless the path ends in "/".
        #expect(topics(url: "https://example.com/news/business").isEmpty)
        #expect(topics(url: "https://example.com/news/business/") == ["Economy"])
        // A host of three or more labels names a section by its first one.
        #expect(topics(url: "https://money.example.com/2024/01/10/story.html") == ["Economy"])
        #expect(topics(url: "https://sport.example/story").isEmpty)
        // The query, the fragment, the user and port, and anything but http(s) are not read.
        #expect(topics(url: "https://example.com/story?section=sport&x=/money/").isEmpty)
        #expect(topics(url: "https://example.com/story#/sport/").isEmpty)
        #expect(topics(url: "https://user@www.example.com:8443/sport/1") == ["Sports"])
        #expect(topics(url: "ftp://example.com/sport/1").isEmpty)
        #expect(topics(url: "sport/football/1").isEmpty)
        #expect(topics(url: "").isEmpty)
        #expect(topics(url: "https://example.com").isEmpty && topics(url: "https://example.com?q=1").isEmpty)
    }

    /// Some publishers (the BBC) file the desk in the story's own segment, before its number.
    @Test func aLastSegmentOfDeskWordsAndTheStorysNumberIsReadAsASection() {
        #expect(topics(url: "https://www.example.co.uk/news/business-60623941?at_medium=RSS") == ["Economy"])
        #expect(topics(url: "https://www.example.co.uk/news/rugby-league-60623941") == ["Sports"])
        #expect(regions(url: "https://www.example.co.uk/news/uk-news-60579079") == ["Europe"])
        // A region's desk is read without its last words too: the first that names one places.
        #expect(regions(url: "https://www.example.co.uk/news/africa-sahel-mali-60641891") == ["Africa"])
        let region = sections.matches(categories: [], url: "https://example.com/news/europe-west-60641891").filter { $0.kind == .region }
        #expect(region == [PublisherSections.Match(kind: .region, index: 0, phrase: "europe", rule: "section:url")])
        // A topic's only whole: a headline's slug that opens with a desk's word is no filing.
        #expect(topics(url: "https://example.com/news/business-leaders-meet-60641891").isEmpty)
        #expect(topics(url: "https://example.com/news/money-60641891/") == [])
        // No section once a region is known, and none but words and a number of five digits or more.
        #expect(regions(["Africa"], url: "https://example.com/news/europe-west-60641891") == ["Africa"])
        for url in ["https://example.com/news/business-2024", "https://example.com/news/business", "https://example.com/news/60641891",
                    "https://example.com/news/Business-60623941", "https://example.com/news/business--60623941",
                    "https://example.com/news/-business-60623941", "https://example.com/news/business-6062394a",
                    "https://example.com/news/business.60623941"] {
            #expect(topics(url: url).isEmpty, "\(url)")
        }
        var text = ScratchStorage<UInt8>()
        text.replace(withUTF8Of: "world-us-canada-60597186")
        #expect(PublisherSections.deskAndNumber(text.elements, 0..<text.count) == 0..<15)
        #expect(PublisherSections.deskAndNumber(text.elements, 6..<text.count) == 6..<15)
        #expect(PublisherSections.deskAndNumber(text.elements, 0..<18) == nil)
    }

    /// A BBC News link as its feeds carry it: the desk outranks the host's country.
    @Test func aBroadcastersDeskInTheStorysSegmentOutranksItsDomain() throws {
        let classifier = try Bundled.get()
        let headline = "Family meets doctor who saved newborn baby"
        func filed(_ url: String) -> Classification { classifier.classify(ClassificationInput(title: headline, url: url)) }
        let us = filed("https://www.bbc.co.uk/news/world-us-canada-60597186?at_medium=RSS&at_campaign=KARANGA")
        #expect(us.regions.map(\.label) == ["US & Canada"])
        #expect(us.explanation.contains(ExplanationStep(kind: .region, tag: "US & Canada", phrase: "world-us-canada", field: .source, rule: "section:url")))
        #expect(!us.explanation.contains { $0.rule.hasPrefix("domain:") })
        #expect(filed("https://www.bbc.com/news/world-asia-india-60491095").regions.map(\.label) == ["Asia"])
        #expect(filed("https://www.bbc.com/news/uk-england-hampshire-60639923").regions.map(\.label) == ["Europe"])
        let arts = filed("https://www.bbc.co.uk/news/entertainment-arts-60562041")
        #expect(arts.topics.first?.label == "Arts&Culture")
        #expect(arts.explanation.contains { $0.kind == .topic && $0.phrase == "entertainment-arts" && $0.rule == "section:url" })
        // A desk of no region leaves the host's country to place it.
        #expect(filed("https://www.bbc.co.uk/news/business-60623941").explanation.contains { $0.rule == "domain:GB" })
    }

    @Test func regionSectionsAreReadAsTopicsAreAndANameCanBeBoth() {
        #expect(regions(url: "https://www.example.com/uk-news/2024/jan/10/minister-resigns") == ["Europe"])
        #expect(regions(["World > Africa"]) == ["Africa"])
        #expect(regions(["Europe", "Africa"]) == ["Europe", "Africa"])
        // A topic's section and a region's of the same name are both read.
        let both = sections.matches(categories: ["sport"], url: nil)
        #expect(both.map(\.kind) == [.topic, .region])
        #expect(topics(["sport"]) == ["Sports"] && regions(["sport"]) == ["Africa"])
    }

    @Test func aRegionSectionPlacesAnItemThatNamesNoPlaceBeforeTheSourcesHint() throws {
        let classifier = try Bundled.get()
        let headline = "Minister resigns over expenses claims"
        #expect(classifier.classify(text: headline).regions.isEmpty)
        let filed = classifier.classify(ClassificationInput(
            title: headline, hints: .init(region: "MENA"), url: "https://www.example.com/uk-news/2024/jan/10/minister-resigns"))
        #expect(filed.regions == [ScoredLabel(label: "Europe", score: 0.5)])
        #expect(filed.explanation.contains(ExplanationStep(kind: .region, tag: "Europe", phrase: "uk-news", field: .source, rule: "section:url")))
        #expect(!filed.explanation.contains { $0.rule == "hint" })
        // Without the section, the source's hint; with a place named, the place.
        #expect(classifier.classify(ClassificationInput(title: headline, hints: .init(region: "MENA"))).regions.map(\.label) == ["MENA"])
        let placed = classifier.classify(ClassificationInput(title: headline + " in Kenya", categories: ["Europe"]))
        #expect(placed.regions.map(\.label) == ["Africa"])
        #expect(!placed.explanation.contains { $0.kind == .region && $0.rule.hasPrefix("section:") })
    }

    @Test func aCountryCodeDomainNamesItsCountrysRegions() {
        let taxonomy = Taxonomy(
            version: "t",
            regions: [
                .init(label: "Europe", countries: ["GB", "IE"], phrases: []),
                .init(label: "Asia", countries: ["MY"], phrases: []),
                .init(label: "Asia-Pacific", countries: ["MY", "TV"], phrases: []),
                .init(label: "Latin America", countries: ["CO"], phrases: []),
            ],
            topics: [])
        let sections = Sections(PublisherSections(taxonomy: taxonomy))
        func domain(_ url: String) -> [String] {
            sections.matches(categories: [], url: url).filter { $0.kind == .domainCountry }.map { taxonomy.regions[$0.index].label }
        }
        // A taxonomy without sections still reads the host's domain.
        #expect(sections.matches(categories: [], url: "https://www.independent.ie/news/minister-resigns-4123.html") == [
            PublisherSections.Match(kind: .domainCountry, index: 0, phrase: "www.independent.ie", rule: "domain:IE"),
        ])
        #expect(sections.matches(categories: [], url: "https://www.bbc.co.uk/news/uk-politics-1").first?.rule == "domain:GB")
        #expect(domain("https://www.thestar.com.my/news/nation/1") == ["Asia", "Asia-Pacific"])
        #expect(domain("HTTPS://WWW.EXAMPLE.IE/X") == ["Europe"])
        #expect(domain("https://user@example.ie:8443/x") == ["Europe"])
        // Domains sold for their letters, generic ones, no domain at all, and countries the taxonomy
        // does not place say nothing.
        for url in [
            "https://news.example.tv/a/b", "https://example.co/a", "https://example.com/a", "https://example.ie.com/a",
            "https://localhost/a", "https://127.0.0.1/a", "http://[::1]:8080/a", "https://ie/a", "https://example.fr/a",
            "https://example.i/a", "https://example.iex/a", "ftp://example.ie/a",
        ] {
            #expect(domain(url).isEmpty, "\(url)")
        }
        #expect(PublisherSections.vanityDomains.contains("tv") && !PublisherSections.vanityDomains.contains("ie"))
    }

    @Test func aCountryCodeDomainPlacesAnItemThatNamesNoPlaceAfterEverythingElse() throws {
        let classifier = try Bundled.get()
        let headline = "Minister resigns over expenses claims"
        let url = "https://www.independent.ie/irish-news/politics/minister-resigns-4123.html"
        let national = classifier.classify(ClassificationInput(title: headline, url: url))
        #expect(national.regions == [ScoredLabel(label: "Europe", score: 0.5)])
        #expect(national.countries.isEmpty)
        #expect(national.explanation.contains(
            ExplanationStep(kind: .region, tag: "Europe", phrase: "www.independent.ie", field: .source, rule: "domain:IE")))
        // A country of two regions gives both.
        let malaysian = classifier.classify(ClassificationInput(title: headline, url: "https://www.thestar.com.my/news/nation/2026/12/06/x"))
        #expect(malaysian.regions.map(\.label) == ["Asia", "Asia-Pacific"])
        #expect(malaysian.explanation.filter { $0.rule == "domain:MY" }.map(\.tag) == ["Asia", "Asia-Pacific"])
        // A place named, the source's hint, the publisher's region section, and a weak name in the
        // text ("Uber" is a US company's) each come first.
        #expect(classifier.classify(ClassificationInput(title: headline + " in Kenya", url: url)).regions.map(\.label) == ["Africa"])
        #expect(classifier.classify(ClassificationInput(title: headline, hints: .init(region: "MENA"), url: url)).regions.map(\.label) == ["MENA"])
        #expect(classifier.classify(ClassificationInput(title: headline, url: "https://www.example.ie/world/africa/x")).regions.map(\.label)
            == ["Africa"])
        let weak = classifier.classify(ClassificationInput(title: "Uber loses appeal", url: "https://www.bbc.co.uk/news/business-1"))
        #expect(weak.regions.map(\.label) == ["US & Canada"])
        #expect(!weak.explanation.contains { $0.rule.hasPrefix("domain:") })
        // Without the domain, the same headline has no region.
        #expect(classifier.classify(text: headline).regions.isEmpty)
    }

    @Test func aSectionFilesAHeadlineTheWordsLeaveUnsure() throws {
        let classifier = try Bundled.get()
        let headline = "Warrington leave it late again"
        let bare = classifier.classify(text: headline)
        #expect(bare.topics.first?.label != "Sports")
        for input in [
            ClassificationInput(title: headline, categories: ["Rugby League"]),
            ClassificationInput(title: headline, url: "https://www.example.co.uk/sport/rugby-league/68123456"),
        ] {
            let filed = classifier.classify(input)
            #expect(filed.topics.first == ScoredLabel(label: "Sports", score: NewsClassifier.sectionProbability))
            let rule = input.categories.isEmpty ? "section:url" : "section:category"
            #expect(filed.explanation.contains { $0.kind == .topic && $0.tag == "Sports" && $0.field == .source && $0.rule == rule })
            // Regions, places and urgency are the text's alone.
            #expect(filed.regions == bare.regions && filed.countries == bare.countries && filed.urgency == bare.urgency)
        }
    }

    @Test func aSectionDoesNotOutrankSurerWordsOrChangeAnythingWhenNoneMatches() throws {
        let classifier = try Bundled.get()
        let headline = "Arsenal beat Chelsea 2-0 to go top of the Premier League"
        let bare = classifier.classify(text: headline)
        #expect(bare.topics.first?.label == "Sports")
        let filed = classifier.classify(ClassificationInput(title: headline, categories: ["Business"]))
        #expect(filed.topics.map(\.label) == ["Sports", "Economy"])
        #expect(filed.explanation.contains { $0.tag == "Economy" && $0.rule == "section:category" && $0.phrase == "Business" })
        let unfiled = classifier.classify(ClassificationInput(
            title: headline, categories: ["UK news", "Arsenal"], url: "https://www.example.com/news/2024/jan/10/arsenal-chelsea"))
        #expect(unfiled == bare)
    }

    /// Categories and URLs come from feeds anyone writes, and a trap in the classify stage would stop
    /// it on the same message again and again: odd input is read or ignored, never out of bounds.
    @Test func anyTextIsReadWithoutTrapping() throws {
        let alphabet = Array("aS/:.@?#&-_+ >|,;09\u{E9}\u{20AC}\u{1F600}h t p s".unicodeScalars)
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return seed >> 33
        }
        let classifier = try Bundled.get()
        for round in 0..<8_000 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int(next() % 40) { text.append(alphabet[Int(next() % UInt64(alphabet.count))]) }
            let value = String(text)
            for url in [value, "http://" + value, "https://www.example.com/" + value, "HTTPS://" + value + "/",
                        "https://www.example.co.uk/news/" + value + "-60597186", "https://example.com/world-" + value + "-12345"] {
                _ = sections.matches(categories: [value, value + " > sport"], url: url)
            }
            if round % 1_000 == 0 {
                _ = classifier.classify(ClassificationInput(title: value, categories: [value], url: "https://" + value))
            }
        }
        #expect(topics(url: "https://a.b.c/sport/") == ["Sports"])
        #expect(topics(url: "http://") == [] && topics(url: "https://") == [] && topics(url: "https:///sport/x") == ["Sports"])
    }

    @Test func theBundledTaxonomyFilesEachSectionUnderOneTopic() throws {
        let taxonomy = try Bundled.get().taxonomy
        var seen: [String: String] = [:]
        for topic in taxonomy.topics {
            for section in topic.sections {
                let key = PublisherSections.normalised(section)
                #expect(!key.isEmpty)
                #expect(seen.updateValue(topic.label, forKey: key) == nil, "\(section) is listed twice")
            }
        }
        #expect(taxonomy.topics.first { $0.label == "Sports" }?.sections.contains("sport") == true)
        #expect(taxonomy.topics.first { $0.label == "Economy" }?.sections.contains("business") == true)
        var regionOf: [String: String] = [:]
        for region in taxonomy.regions {
            for section in region.sections {
                #expect(regionOf.updateValue(region.label, forKey: PublisherSections.normalised(section)) == nil, "\(section) is listed twice")
            }
        }
        #expect(regionOf["middle east"] == "MENA" && regionOf["uk news"] == "Europe" && regionOf["us"] == "US & Canada")
    }
}
