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

    /// Congress is the US's unless a place is named right before it or after "of", or the item names
    /// India or a country of Latin America or the Philippines and nothing of US politics: their
    /// legislatures (and India's Congress party) are congresses too, and so are parties and unions elsewhere.
    @Test func congressIsTheUSsUnlessAnotherCountryOwnsIt() throws {
        try expectCountries([
            ("Peru's Congress votes to remove president", "PE"), ("Mexican Congress approves judicial reform", "MX"),
            ("Congress of Colombia approves reform", "CO"), ("Congress passes spending bill", "US"),
            ("African National Congress loses majority", "ZA"), ("Trades Union Congress calls strike", "GB"),
            // India's Congress party and Latin America's congresses when the item names that country
            // and nothing of US politics.
            ("Congress leader Rahul Gandhi attacks BJP", "IN"), ("Peru: Congress votes to remove president", "PE"),
        ])
        #expect(try classify("Congress and Trump clash over India tariffs").countries == ["US", "IN"])
        let probe = try classify("Congress to probe Russia ties")
        #expect(probe.countries == ["US", "RU"])
        #expect(probe.explanation.contains { $0.tag == "US" && $0.rule == "trap:congress-us" }, "\(probe.explanation)")
    }

    /// Its members, written in lower case in running text, follow the same rule: the US's unless a
    /// place stands right before them or the item names another country with a congress and nothing
    /// of US politics.
    @Test func congressmenAreTheUSsUnlessAnotherCountryOwnsThem() throws {
        try expectCountries([
            ("Two congressmen introduced a bipartisan bill", "US"), ("A congresswoman was arrested at the protest", "US"),
            ("A Philippine congressman was shot dead in Manila", "PH"), ("Colombian congresswoman survives attack", "CO"),
            ("Peru: congressman detained over bribes", "PE"),
        ])
        let members = try classify("Two congressmen introduced a bipartisan bill")
        #expect(members.explanation.contains { $0.tag == "US" && $0.rule == "trap:congress-us" }, "\(members.explanation)")
    }

    /// A town named like a person (config.json's `trapNames`: Paris, Sydney, Victoria...) is a first
    /// name before an unknown capitalised word in sentence-case text, or the first word of a name the
    /// taxonomy knows; it stays the town before a team's word, after a preposition, and in title case,
    /// where capitals say nothing.
    @Test func townsNamedLikePeopleBeforeASurnameAreNames() throws {
        for text in ["Paris Hilton launches a perfume", "Sydney Sweeney wins award", "Victoria Beckham opens store", "Victoria Azarenka reaches final"] {
            #expect(try classify(text).countries.isEmpty, "\(text)")
        }
        try expectCountries([
            ("Paris police arrest suspect", "FR"), ("Orlando Magic beat the Heat", "US"), ("Memphis Grizzlies sign guard", "US"),
            ("Paris Olympics ticket sales open", "FR"), ("Vienna Philharmonic cancels tour", "AT"),
            ("Paris Police Arrest Suspect", "FR"),
        ])
        #expect(try classify("US ambassador to Paris Harriman dies").countries == ["US", "FR"])
        let sydney = try classify("Sydney Sweeney wins award")
        #expect(!sydney.explanation.contains { $0.kind == .country }, "\(sydney.explanation)")
    }

    /// A town's name after a title or a storm's is a name (`PlaceResolver.nameTitles`); the town
    /// itself is still read where nothing stands before it. Towns that news names far more often as
    /// first names (George, Elizabeth, Mary, Miranda...) are on the generator's stop-list.
    @Test func townsNamedLikePeopleAfterATitleAreNames() throws {
        for text in [
            "Princess Charlotte celebrates her birthday", "Queen Victoria's letters go on show", "King George statue removed",
            "Mary Berry bakes for charity", "Lin-Manuel Miranda show opens", "Prince George starts school",
        ] {
            #expect(try classify(text).countries.isEmpty, "\(text)")
        }
        // A person who stands for a country (`curated.json`'s officials) is that country's, not the town's.
        for (text, country) in [("Queen Elizabeth attends service", "GB"), ("Nelson Mandela statue unveiled", "ZA")] {
            let result = try classify(text)
            #expect(result.countries == [country], "\(text)")
            #expect(result.explanation.contains { $0.tag == country && $0.rule == "gazetteer:leader" }, "\(text): \(result.explanation)")
        }
        let milton = try classify("Hurricane Milton makes landfall in Florida")
        #expect(milton.countries == ["US"])
        #expect(!milton.explanation.contains { $0.phrase == "Milton" }, "\(milton.explanation)")
        #expect(try classify("Flooding in Charlotte leaves two dead").countries == ["US"])
        #expect(try classify("Storm hits Sydney as thousands lose power").countries == ["AU"])
    }

    /// AP style titles before a name are American (unless the item names another country); the
    /// same letters elsewhere are not: a surname in prose, a word without its full stop.
    @Test func apStyleTitlesBeforeANameAreAmerican() throws {
        for (text, rule) in [
            ("Sen. Warren unveils wealth tax plan", "trap:sen-us-default"), ("Gov. Newsom signs climate bill", "trap:gov-us-default"),
            ("Rep. Ocasio-Cortez criticises party leadership", "trap:rep-us-default"),
        ] {
            let result = try classify(text)
            #expect(result.countries == ["US"], "\(text): \(result.countries)")
            #expect(result.explanation.contains { $0.kind == .country && $0.rule == rule }, "\(text): \(result.explanation)")
        }
        #expect(try classify("A lecture by the economist Amartya Sen. He won the Nobel prize in 1998.").countries.isEmpty)
        #expect(try classify("Gov shutdown looms as talks stall").countries.isEmpty)
        #expect(try classify("Sen. Graham visits Ukraine").countries == ["UA"])
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

    /// AP abbreviations of states that are also words ("Mass.", "Miss.", "Ill.", "La.") are the
    /// state only in AP's place line, after a town and a comma.
    @Test func apStateAbbreviationsThatAreWordsAreStatesOnlyAfterATown() throws {
        try expectCountries([
            ("Cambridge, Mass. lab fire", "US"), ("GALESBURG, Ill. (AP) — A man was charged", "US"),
            ("Jackson, Miss. water crisis deepens", "US"), ("Baton Rouge, La. flooding", "US"),
        ])
        let miss = try classify("Jackson, Miss. water crisis deepens")
        #expect(miss.explanation.contains { $0.rule == "trap:ap-state-after-town" && $0.phrase == "Miss" }, "\(miss.explanation)")
        for text in ["Miss. Universe crowned", "Feeling ill. Doctors urge rest", "Mass shooting suspect held", "Real Madrid, La Liga leaders, lose"] {
            #expect(!(try classify(text).countries.contains("US")), "\(text)")
        }
    }

    /// The Canadian Press abbreviations of provinces: after a town and a comma ("Brandon, Man."),
    /// and "B.C." also alone, but not after a year.
    @Test func canadianProvinceAbbreviationsAreProvincesInAPlaceLine() throws {
        try expectCountries([
            ("Victoria, B.C. council votes", "CA"), ("B.C. wildfires force evacuations", "CA"), ("Brandon, Man. police", "CA"),
            ("Halifax, N.S. storm", "CA"), ("Gatineau, Que. flood", "CA"), ("Charlottetown, P.E.I. fire", "CA"),
        ])
        for text in ["Pottery from 300 B.C. found", "Man. arrested after chase", "Que. sera sera"] {
            #expect(try classify(text).countries.isEmpty, "\(text)")
        }
    }

    /// A name inside a longer one is no context for the others: "Hampshire" in "New Hampshire"
    /// made Britain the context, which picked Manchester, England.
    @Test func aNameInsideALongerOneIsNoContext() throws {
        #expect(try classify("Manchester mayor meets New Hampshire governor").countries == ["US"])
    }

    /// "Town, area": the town is the one in that subdivision or country, the area the one the town
    /// is in; a town the gazetteer lacks there names no namesake abroad.
    @Test func aTownThenACommaAndAnAreaAreEachOthers() throws {
        try expectCountries([
            ("Shooting in London, Ontario", "CA"), ("Athens, Georgia police arrest suspect", "US"),
            ("Ontario, California warehouse fire", "US"), ("Tbilisi, Georgia protests grow", "GE"),
            ("Paris, Texas man held", "US"), ("Moscow, Idaho murders trial", "US"), ("Storm hits Perth, Scotland", "GB"),
            ("Surrey, B.C. shooting", "CA"),
        ])
        // A comma that separates a list is no "town, area".
        #expect(try classify("Sanctions on Moscow, Iran and North Korea").countries == ["RU", "IR", "KP"])
        #expect(try classify("Envoys from Moscow, Iran, Syria meet").countries == ["RU", "IR", "SY"])
        #expect(try classify("Bavaria, Texas and Quebec sign a pact").countries == ["DE", "US", "CA"])
        // An area that its trap rule rejects is none: "La" without its full stop is no Louisiana.
        #expect(try classify("Madrid, La Liga leaders, lose").countries == ["ES"])
    }

    @Test func palestinianPlacesMapToPalestine() throws {
        for place in ["Gaza", "the West Bank", "Ramallah", "Jenin", "Khan Younis", "Rafah", "Nablus", "Deir al-Balah", "Jabalia"] {
            let result = try classify("Israeli raid in \(place) leaves several wounded")
            #expect(result.regionLabels.contains("Palestine"), "\(place)")
            #expect(result.countries.contains("PS"), "\(place)")
        }
    }
    @Test func theSenateAndTheSupremeCourtAreAmericanWhenNoOtherCountryIsNamed() throws {
        let senate = try classify("Senate passes stopgap spending bill")
        #expect(senate.countries == ["US"])
        #expect(senate.explanation.contains { $0.rule == "trap:senate-us-default" })
        #expect(try classify("Senator questions bank chief over fees").countries == ["US"])
        #expect(try classify("Supreme Court hears challenge to election law").countries == ["US"])
        // Another country's senate or court, named by its country or demonym.
        #expect(try classify("French Senate approves pension reform bill").countries == ["FR"])
        #expect(try classify("Philippine Senate probes drug war").countries == ["PH"])
        #expect(try classify("India's Supreme Court orders probe").countries == ["IN"])
        // Another country named: it is tagged; the US only with a cue of American politics.
        #expect(try classify("Senate votes on Ukraine aid").countries == ["UA"])
        #expect(try classify("Senate Democrats and Republicans split on Ukraine aid").countries.starts(with: ["US"]))
    }

    @Test func mpsAndLabourAreBritishLabourTheWordIsNot() throws {
        let mps = try classify("MPs vote on assisted dying bill")
        #expect(mps.countries == ["GB"])
        #expect(mps.explanation.contains { $0.rule == "trap:mps-gb-default" })
        #expect(try classify("Rebels in Labour revolt over welfare cuts").countries == ["GB"])
        #expect(try classify("Labour leader promises rail nationalisation").countries == ["GB"])
        #expect(try classify("Labour shortages hit farms across the region").countries.isEmpty)
        #expect(try classify("New Zealand Labour wins election").countries == ["NZ"])
    }

    /// Democrats and Republicans are the US's parties, unless a word before or after makes another
    /// party or force of that name ("Social Democrats", "Sweden Democrats", "Republican Guard").
    @Test func democratsAndRepublicansAreAmericanUnlessAnotherPartysName() throws {
        for text in ["Top Democrat resigns over remarks", "Republicans block the spending bill", "Dems unveil their plan"] {
            #expect(try classify(text).countries == ["US"], "\(text)")
        }
        #expect(try classify("Republicans block Ukraine aid").countries == ["US", "UA"])
        try expectCountries([
            ("Social Democrats win Danish election", "DK"), ("Sweden Democrats gain seats", "SE"),
            ("Christian Democrats pick a new leader in Germany", "DE"), ("Republican Guard units move on Baghdad", "IQ"),
            // A country with parties of that name, and nothing of US politics.
            ("Democrats in Japan merge with rivals", "JP"), ("Democrats win in South Korea", "KR"),
            ("Republicans in Ireland hold rally", "IE"),
        ])
        #expect(try classify("Republicans and Democrats clash over Japan trade deal").countries == ["US", "JP"])
        #expect(try classify("Democrats block Trump's tariffs on Italy").countries == ["US", "IT"])
    }

    /// Parties and chambers other countries have too: Britain's or the US's unless the item names
    /// another country and nothing of that country's politics.
    @Test func sharedPartyAndChamberNamesAreTheirCountrysOnlyWithoutAnother() throws {
        try expectCountries([
            ("Labour Party wins New Zealand election", "NZ"), ("Conservative Party leadership race in Canada heats up", "CA"),
            ("Japan's House of Representatives dissolved", "JP"), ("Democratic Party wins Seoul mayoral race", "KR"),
            ("House of Representatives passes budget", "US"), ("Labour Party conference opens in Liverpool", "GB"),
            ("Ukraine's National Guard repels assault", "UA"), ("German Foreign Office summons ambassador", "DE"),
            ("Foreign Office warns Britons against travel", "GB"),
        ])
        #expect(try classify("House of Commons debates Canada trade deal after Brexit").countries == ["GB", "CA"])
    }
}
