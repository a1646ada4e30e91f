import NewsModel
import Testing
@testable import Classifier

/// Place names that are usually something else (`TrapRules`).
@Suite struct TrapTests {
    @Test func georgiaIsTheCountryByDefault() throws {
        let result = try classify("Georgia's parliament passes foreign agents law despite protests")
        #expect(result.countries == ["GE"])
        #expect(result.explanation.contains { $0.kind == .country && $0.tag == "GE" && $0.rule == "trap:georgia-country-default" })
    }

    @Test func georgiaIsTheUSStateInAnAmericanContext() throws {
        let result = try classify("Georgia governor signs bill banning abortion after six weeks")
        #expect(result.countries == ["US"])
        #expect(result.regionLabels == ["US & Canada"])
        #expect(result.explanation.contains { $0.rule == "trap:georgia-us-context" })
        let atlanta = try classify("Atlanta voters in Georgia head to the polls in Senate runoff")
        #expect(atlanta.countries == ["US"])
    }

    @Test func jordanAndChadAsFirstNamesAreNotCountries() throws {
        #expect(try classify("Michael Jordan's game-worn sneakers sell for $2.2 million at auction").countries.isEmpty)
        #expect(try classify("Chad Smith of Red Hot Chili Peppers announces solo tour").countries.isEmpty)
        let bardella = try classify("Jordan Bardella leads far-right list in French European election")
        #expect(!bardella.countries.contains("JO"))
        #expect(bardella.regionLabels == ["Europe"])
    }

    @Test func jordanAndChadAsCountries() throws {
        #expect(try classify("Jordan reopens border crossing with Syria").countries == ["JO", "SY"])
        #expect(try classify("Chad closes border with Sudan as refugees flee Darfur fighting").countries.starts(with: ["TD", "SD"]))
        #expect(try classify("Jordan's King Abdallah warns of regional war").countries.contains("JO"))
    }

    @Test func turkeyTheBirdIsNotTurkeyTheCountry() throws {
        let bird = try classify("Turkey prices soar ahead of Thanksgiving as bird flu hits farms")
        #expect(!bird.countries.contains("TR"))
        #expect(try classify("Sales of roast turkey rise before the holidays").countries.isEmpty)
        let country = try classify("Turkey's parliament approves Sweden's NATO membership")
        #expect(country.countries.contains("TR"))
        #expect(country.regionLabels.isSuperset(of: ["Europe", "MENA"]))
    }

    @Test func niceIsACityOnlyWithAFrenchContextOrAfterAPreposition() throws {
        #expect(try classify("Nice weather expected for the weekend across most regions").countries.isEmpty)
        #expect(try classify("It was a nice gesture, the minister said").countries.isEmpty)
        #expect(try classify("Thousands rally in Nice after truck attack on Promenade des Anglais").countries == ["FR"])
        #expect(try classify("Police in Nice, France arrest suspect").places.map(\.name).contains("Nice"))
    }

    @Test func mobileIsACityOnlyInAlabama() throws {
        #expect(try classify("Mobile phone shipments rebound as AI features lure buyers").countries.isEmpty)
        #expect(try classify("Mobile, Alabama port expansion wins federal grant").countries == ["US"])
    }

    @Test func ofIsAPrepositionNotATurkishTown() throws {
        #expect(try classify("Out Of Control Wildfire Forces Thousands To Flee In California").countries == ["US"])
        #expect(try classify("Of course markets rallied after the announcement").countries.isEmpty)
        #expect(try classify("OF COURSE THE PRESIDENT OF FRANCE SPOKE").countries == ["FR"])
    }

    @Test func capitalisationDecidesCommonWordsInSentenceCase() throws {
        // "china" in lower case is porcelain; "US" must be in capitals.
        #expect(try classify("Collectors prize antique china and silver").countries.isEmpty)
        #expect(try classify("Let us know what you think").countries.isEmpty)
        #expect(try classify("US imposes new tariffs").countries == ["US"])
    }

    @Test func countriesWinOverCitiesAndContextPicksAmongCities() throws {
        #expect(try classify("Lebanon votes").places.first?.name == "Lebanon")
        #expect(try classify("Clashes in Tripoli, Lebanon").places.first.map { $0.countryCode } == "LB")
        #expect(try classify("Clashes in Tripoli as rival militias fight").places.first.map { $0.countryCode } == "LY")
    }

    @Test func longestMatchWins() throws {
        let result = try classify("Aid reaches South Lebanon and Latin America")
        #expect(result.places.map(\.matchedText) == ["South Lebanon"])
        #expect(result.regionLabels == ["MENA", "Latin America"])
        #expect(!result.countries.contains("US"))
    }

    @Test func palestinianPlacesMapToPalestine() throws {
        for place in ["Gaza", "the West Bank", "Ramallah", "Jenin", "Khan Younis", "Rafah", "Nablus", "Deir al-Balah", "Jabalia"] {
            let result = try classify("Israeli raid in \(place) leaves several wounded")
            #expect(result.regionLabels.contains("Palestine"), "\(place)")
            #expect(result.countries.contains("PS"), "\(place)")
        }
    }
}
