import Foundation
import Testing
@testable import Classifier

@Suite struct TaxonomyLoaderTests {
    func load(_ json: String) throws(TaxonomyError) -> Taxonomy {
        try TaxonomyLoader.load(Data(json.utf8), source: "test.json")
    }

    func error(_ json: String) -> TaxonomyError? {
        do {
            _ = try load(json)
            return nil
        } catch {
            return error
        }
    }

    @Test func theDefaultIsTheSeedSitesSections() throws {
        let taxonomy = try Bundled.get().taxonomy
        #expect(taxonomy.regions.map(\.label) == ["Africa", "Asia", "Asia-Pacific", "Europe", "Latin America", "MENA", "Palestine", "US & Canada"])
        #expect(taxonomy.topics.map(\.label) == ["Politics", "Economy", "Sports", "Arts&Culture", "Health", "Technology", "Environment", "Miscellaneous"])
        #expect(taxonomy.fallbackTopic == "Miscellaneous")
        let byCountry = taxonomy.regionIndicesByCountry()
        #expect(byCountry["PS"]?.map { taxonomy.regions[$0].label } == ["Palestine"])
        #expect(byCountry["EG"]?.map { taxonomy.regions[$0].label } == ["Africa", "MENA"], "a country may sit in several regions")
    }

    @Test func aValidCustomTaxonomyDrivesTheClassifier() throws {
        let taxonomy = try load("""
            {"format": "newsflash-taxonomy", "formatVersion": 1, "version": "levant-1",
             "regions": [{"label": "Levant", "countries": ["LB", "SY", "PS", "IL", "JO"], "phrases": ["Levant"]},
                         {"label": "Gulf", "countries": ["SA", "AE", "QA"]}],
             "placeRegions": [{"place": "Jerusalem", "regions": ["Levant", "Gulf"]}],
             "topics": [{"label": "War", "keywords": ["airstrike", "IDF:U"]}, {"label": "Other"}],
             "fallbackTopic": "Other"}
            """)
        #expect(taxonomy.version == "levant-1")
        let base = try Bundled.get()
        let classifier = NewsClassifier(resources: ClassifierResources(
            gazetteer: base.gazetteer, taxonomy: taxonomy, urgencyRules: base.urgencyRules, topicModel: nil))
        let strike = classifier.classify(text: "Israeli airstrike hits Beirut suburb")
        #expect(strike.regionLabels == ["Levant"])
        #expect(strike.topics.map(\.label) == ["War"])
        #expect(classifier.classify(text: "Prayers in Jerusalem").regionLabels == ["Levant", "Gulf"])
        #expect(classifier.classify(text: "Markets open higher").topics.map(\.label) == ["Other"])
        #expect(classifier.version.contains("taxonomy-levant-1/no-model"))
    }

    @Test func invalidConfigurationsFailWithClearErrors() {
        #expect(error("{not json")?.code == .malformedJSON)
        #expect(error(#"{"regions": "Africa", "topics": []}"#)?.code == .malformedJSON)
        #expect(error(#"{"format": "other", "regions": [], "topics": []}"#)?.code == .unsupportedFormat)
        #expect(error(#"{"formatVersion": 2, "regions": [], "topics": []}"#)?.code == .unsupportedFormat)
        #expect(error(#"{"regions": [], "topics": [{"label": "A"}]}"#)?.code == .noRegions)
        #expect(error(#"{"regions": [{"label": "R", "countries": []}], "topics": []}"#)?.code == .noTopics)

        let duplicate = error(#"{"regions": [{"label": "R", "countries": []}, {"label": "R", "countries": []}], "topics": [{"label": "T"}]}"#)
        #expect(duplicate?.code == .duplicateLabel)
        #expect(duplicate?.message == "test.json: region 'R' is listed twice; merge the two entries")

        let badCode = error(#"{"regions": [{"label": "R", "countries": ["lb"]}], "topics": [{"label": "T"}]}"#)
        #expect(badCode?.code == .invalidCountryCode)
        #expect(badCode?.message.contains("'lb'") == true)

        #expect(error(#"{"regions": [{"label": " ", "countries": []}], "topics": [{"label": "T"}]}"#)?.code == .emptyLabel)
        #expect(error(#"{"regions": [{"label": "R", "countries": [], "phrases": ["--"]}], "topics": [{"label": "T"}]}"#)?.code == .emptyPhrase)

        let twice = error(#"{"regions": [{"label": "R", "countries": []}], "topics": [{"label": "A", "sections": ["Sport"]}, {"label": "B", "sections": ["sport "]}]}"#)
        #expect(twice?.code == .duplicateSection)
        #expect(twice?.message == "test.json: section 'sport ' is listed for topics 'A' and 'B'; a section can file an item under one topic")
        #expect(error(#"{"regions": [{"label": "R", "countries": []}], "topics": [{"label": "A", "sections": [" - "]}]}"#)?.code == .emptyPhrase)
        let regionTwice = error(#"{"regions": [{"label": "R", "countries": [], "sections": ["Africa"]}, {"label": "S", "countries": [], "sections": ["africa"]}], "topics": [{"label": "A"}]}"#)
        #expect(regionTwice?.message == "test.json: section 'africa' is listed for regions 'R' and 'S'; a section can file an item under one region")

        let unknownRegion = error(#"{"regions": [{"label": "R", "countries": []}], "placeRegions": [{"place": "Gaza", "regions": ["X"]}], "topics": [{"label": "T"}]}"#)
        #expect(unknownRegion?.code == .unknownLabel)
        #expect(unknownRegion?.message.contains("region 'X'") == true)

        let fallback = error(#"{"regions": [{"label": "R", "countries": []}], "topics": [{"label": "T"}], "fallbackTopic": "Misc"}"#)
        #expect(fallback?.code == .unknownLabel)
        #expect(fallback?.message.contains("fallbackTopic 'Misc'") == true)
    }

    @Test func missingKeysAreNamed() {
        let missing = error(#"{"regions": [{"countries": []}], "topics": [{"label": "T"}]}"#)
        #expect(missing?.code == .malformedJSON)
        #expect(missing?.message.contains("'label'") == true)
    }
}
