/// Explicit rules for place names that are usually something else: Georgia (the country or the
/// US state), Jordan and Chad (countries or first names), Turkey (country or bird), Nice (city or
/// adjective), Mobile (city or phone), Of (a Turkish town or the preposition); and the national
/// institutions English news names without their country, read as the country that news means
/// unless the item names another one: the Senate, senators and the Supreme Court (US), Congress and
/// its members, congressmen and congresswomen (the US's unless a place is named right before it,
/// "Peru's Congress", or the item names India, the Philippines or a country of Latin America and
/// nothing of US politics), the AP
/// style titles Sen., Gov. and Rep. before a name (US), AP abbreviations of states that are also
/// words ("Mass.", "Miss.", "Ill.") after a town and a comma (US), the Canadian Press abbreviations
/// of provinces after a town and a comma ("Brandon, Man.") and "B.C." unless after a year (Canada), MPs, the Home and Foreign Secretaries (South
/// Asia's civil services have both) and Labour (UK; Labour also the common word), the Labour and
/// Conservative Parties, the House of Commons and the Foreign Office (UK), the Democratic and
/// Republican Parties, the House of Representatives, the National Guard and the Secret Service (US),
/// which other countries have too,
/// Democrats and Republicans (the US's parties, unless a word before makes another's, "Social
/// Democrats", or the item names a country with parties of that name and nothing of US politics,
/// "Democrats in Japan merge");
/// and towns named like people, the other trap names (config.json's `trapNames`: Paris, Sydney,
/// Victoria, Austin, Orlando, Mexico's Guerrero, the US states Virginia, Indiana, Montana and Nevada, the English county Kent),
/// which are a person in "Paris Hilton", "Sydney Sweeney", "Paolo Guerrero" and "Virginia Giuffre".
///
/// Each rule looks at the words around the match and the other countries in the item, and either
/// rejects the match or accepts it, possibly preferring one country's reading.
enum TrapRules {
    enum Decision: Equatable {
        /// Not a place here.
        case reject(rule: String)
        /// A place; `country` picks the reading when the name has several. A `rule` of nil leaves
        /// the explanation to the gazetteer (`gazetteer:city`): the rules found nothing to decide.
        case accept(country: String?, rule: String?)
    }

    /// What the rules may look at beyond the match itself.
    struct Context {
        /// The item's fields (title and summary), for the cue words the rules look for.
        var fields: FieldList
        /// Countries named unambiguously elsewhere in the item.
        var countries: Set<String>
        /// Every country a reading of another name in the item could stand for (not traps, not bare
        /// surnames); worked out only when a rule asks, as few do.
        var possibleCountries: () -> Set<String> = { [] }
        /// Whether another place's name ends (`placeEnds`) or starts (`placeStarts`) at a token index
        /// of the trap's field.
        var placeEnds: (Int) -> Bool = { _ in false }
        var placeStarts: (Int) -> Bool = { _ in false }
        /// Whether a folded token starts any phrase the classifier knows (a place, a title, a keyword).
        var startsKnownPhrase: (String) -> Bool

        /// Whether some word of the item folds to `word` (bytes compared in place: the rules ask
        /// for a few cue words, which costs less than a set of all the item's words).
        func mentions(_ word: String) -> Bool {
            fields.contains { $0.containsWord(word) }
        }

        /// Whether some word of the item folds to one of `words`.
        func mentions(anyOf words: Set<String>) -> Bool {
            words.contains { mentions($0) }
        }
    }

    /// Whether the token at `index` is written as an abbreviation: not in small letters, with its
    /// full stop ("Mass.", "B.C.").
    static func isWrittenAsAbbreviation(_ field: FieldView, at index: Int) -> Bool {
        field.tokens[index].shape != .lower && field.endsWithFullStop(index)
    }

    /// Whether the abbreviation at token `index` stands in a place line: written as one, right after
    /// a capitalised word and a comma ("Cambridge, Mass.", "Brandon, Man.").
    static func isAbbreviationAfterTown(_ field: FieldView, at index: Int) -> Bool {
        isWrittenAsAbbreviation(field, at: index) && field.hasCommaBefore(index) && field.tokens[index - 1].isCapitalized
    }

    /// The decision for the trap name `key` (folded) at tokens `start..<end` of `field`.
    static func decide(_ key: String, field: FieldView, start: Int, end: Int, context: Context) -> Decision {
        let previous = start > 0 ? Neighbour(field, start - 1) : nil
        let next = end < field.tokens.count ? Neighbour(field, end) : nil
        switch key {
        case "georgia":
            if context.mentions(anyOf: georgiaStateCues) || context.countries.contains("US") {
                return .accept(country: "US", rule: "trap:georgia-us-context")
            }
            if context.mentions(anyOf: georgiaCountryCues) {
                return .accept(country: "GE", rule: "trap:georgia-country-context")
            }
            return .accept(country: "GE", rule: "trap:georgia-country-default")
        case "jordan", "chad":
            if isPerson(previous: previous, next: next, field: field, context: context) {
                return .reject(rule: "trap:\(key)-person-name")
            }
            return .accept(country: nil, rule: "trap:\(key)-country")
        case "turkey":
            if context.mentions(anyOf: turkeyBirdCues) {
                return .reject(rule: "trap:turkey-bird-context")
            }
            return .accept(country: nil, rule: "trap:turkey-country")
        case "nice":
            if context.mentions(anyOf: niceCues) || context.countries.contains("FR") {
                return .accept(country: nil, rule: "trap:nice-france-context")
            }
            if isLocativeName(at: start, previous: previous, field: field) {
                return .accept(country: nil, rule: "trap:nice-after-preposition")
            }
            return .reject(rule: "trap:nice-adjective")
        case "mobile":
            if context.mentions("alabama") {
                return .accept(country: nil, rule: "trap:mobile-alabama-context")
            }
            if isLocativeName(at: start, previous: previous, field: field), !(next.map { mobileTechWords.contains($0.folded) } ?? false) {
                return .accept(country: nil, rule: "trap:mobile-after-preposition")
            }
            return .reject(rule: "trap:mobile-common-word")
        case "senate", "senator", "senators", "supreme court":
            return defaultCountry("US", key: key, cues: usPoliticsCues, context: context)
        case "congress", "congressman", "congressmen", "congresswoman", "congresswomen":
            // Peru's, Mexico's and the Philippines' legislatures are congresses too: another country's
            // when a place is named right before it or after "of" ("Peru's Congress", "Mexican
            // Congress", "Congress of Colombia", "a Philippine congressman"), else the US's ("Congress
            // to probe Russia ties", "two congressmen introduced a bill").
            if context.placeEnds(start) || (next?.folded == "of" && context.placeStarts(end + 1)) {
                return .reject(rule: "trap:congress-another-country")
            }
            // India's Congress party, and the congresses of Latin America and the Philippines, when
            // the item names that country and not the US nor a cue of US politics ("Congress leader
            // Rahul Gandhi attacks BJP", "Peru: Congress votes to remove president").
            if namesAnotherOwnerOnly(otherCongresses, besides: usPoliticsCuesBesidesCongress, context: context) {
                return .reject(rule: "trap:congress-another-country-context")
            }
            return .accept(country: "US", rule: "trap:congress-us")
        case "sen", "gov", "rep":
            // AP style, "Sen. Warren", "Gov. Newsom", "Rep. Ocasio-Cortez": capitalised, with its full
            // stop, before a capitalised name; not a surname in prose ("the economist Amartya Sen").
            let afterName = start > 0 && field.tokens[start].gapBefore == .space && field.isCapitalisedInSentence(start - 1)
            guard field.tokens[start].shape == .capitalized, field.endsWithFullStop(start), let next, next.isCapitalized, !afterName else {
                return .reject(rule: "trap:\(key)-not-a-title")
            }
            return defaultCountry("US", key: key, cues: usPoliticsCues, context: context)
        case "del", "ga", "ill", "ind", "kan", "ky", "la", "mass", "md", "me", "miss", "mo", "ore", "pa", "va", "vt", "wash":
            // AP abbreviations of US states that are also words or names ("Miss.", "Ill.", "Wash.",
            // "La"): a state only in AP's place line, right after a town and a comma, capitalised and
            // with its full stop, "Cambridge, Mass.", "GALESBURG, Ill. (AP)".
            guard isAbbreviationAfterTown(field, at: start) else { return .reject(rule: "trap:ap-state-not-after-town") }
            return .accept(country: "US", rule: "trap:ap-state-after-town")
        case "bc":
            // "B.C. wildfires", "Kelowna, B.C.": British Columbia, written with its full stops; not a
            // year's era ("300 B.C.") nor "BC" without them (Boston College, "BC Hydro" aside).
            guard isWrittenAsAbbreviation(field, at: start), previous?.shape != .number else {
                return .reject(rule: "trap:bc-not-the-province")
            }
            return .accept(country: "CA", rule: "trap:bc-province")
        case "alta", "sask", "man", "ont", "que", "nb", "ns", "pei", "nfld", "nwt":
            // The Canadian Press abbreviations of the other provinces and territories, which are
            // words or initials too ("Man.", "Que.", "N.B."): only after a town and a comma, "Brandon, Man.".
            guard isAbbreviationAfterTown(field, at: start) else { return .reject(rule: "trap:province-not-after-town") }
            return .accept(country: "CA", rule: "trap:province-after-town")
        case "mps", "home secretary", "foreign secretary":
            // India's, Pakistan's and Bangladesh's civil services have a Home and a Foreign Secretary
            // too ("Foreign Secretary Vikram Misri"): Britain's unless the item names another country.
            return defaultCountry("GB", key: key, cues: ukPoliticsCues, context: context)
        case "labour party", "conservative party", "house of commons", "foreign office":
            // New Zealand's, Norway's and Israel's Labour Party, Canada's Conservative Party and House
            // of Commons, Germany's Foreign Office: Britain's unless the item names another country
            // and no cue of UK politics.
            return defaultCountry("GB", key: key, cues: key == "house of commons" ? ukPoliticsCuesBesidesCommons : ukPoliticsCues, context: context)
        case "democratic party", "republican party", "house of representatives", "national guard", "secret service":
            // South Korea's and Italy's Democratic Party, the Houses of Representatives of Japan,
            // Australia, Nigeria and the Philippines, Ukraine's and Venezuela's National Guard: the
            // US's unless the item names another country and no cue of US politics.
            return defaultCountry("US", key: key, cues: usPoliticsCues, context: context)
        case "democrats", "democrat", "republicans", "republican":
            // Another party's name: "Social Democrats", "Sweden Democrats", "Christian Democrat Merz",
            // "Irish Republican Army", "Republican Guard". ("Senate Democrats" and "House Republicans"
            // are the US's own longer names.)
            let previousNamesAParty = previous.map { partyQualifiers.contains($0.folded) } ?? false
                || (start > 0 && field.tokens[start].gapBefore == .space && field.isCapitalisedInSentence(start - 1))
            if previousNamesAParty || (next.map { notAmericanPartyNext.contains($0.folded) } ?? false) {
                return .reject(rule: "trap:\(key)-another-party")
            }
            // The Democrats of Japan, South Korea or Italy and the republicans of Ireland or France,
            // when the item names that country and not the US nor a cue of US politics besides the
            // word itself ("Democrats in Japan merge with rivals"; "Republicans and Democrats clash
            // over Japan trade deal" stays the US's).
            let isDemocrats = key.hasPrefix("democrat")
            if namesAnotherOwnerOnly(
                isDemocrats ? otherDemocrats : otherRepublicans,
                besides: isDemocrats ? usPoliticsCuesBesidesDemocrats : usPoliticsCuesBesidesRepublicans, context: context)
            {
                return .reject(rule: "trap:\(key)-another-country-context")
            }
            return .accept(country: "US", rule: "trap:\(key)-us")
        case "labour":
            // "Labour shortages", "labour market": the party is capitalised inside a sentence, or named with its cues.
            guard field.isCapitalisedInSentence(start) || context.mentions(anyOf: labourPartyCues) else {
                return .reject(rule: "trap:labour-common-word")
            }
            return defaultCountry("GB", key: key, cues: ukPoliticsCues, context: context)
        case "of":
            if next?.folded == "trabzon" || (context.mentions("trabzon") && field.tokens[start].shape == .capitalized && !field.startsSentence(start)) {
                return .accept(country: nil, rule: "trap:of-trabzon-context")
            }
            return .reject(rule: "trap:of-preposition")
        default:
            // A town named like a person: the first word of a longer name the taxonomy knows ("Victoria
            // Azarenka", "Paris Agreement"); or a person's name: a given name before it ("Paolo Guerrero
            // scores"), or an unknown capitalised word after it in sentence-case text ("Paris Hilton",
            // "Sydney Sweeney"); unless the capitalised word after names a team or an ensemble ("Orlando
            // Magic", "Memphis Grizzlies", "Vienna Philharmonic") or the town's games ("Paris Olympics"),
            // or a preposition makes a place of it ("ambassador to Paris Harriman").
            if startsLongerKeyword(field: field, start: start, end: end) {
                return .reject(rule: "trap:\(key)-in-a-name")
            }
            if isPerson(previous: previous, next: next, field: field, context: context),
                !(next.map { $0.isCapitalized && isTeamWord($0.folded) } ?? false),
                !isLocativeName(at: start, previous: previous, field: field)
            {
                return .reject(rule: "trap:\(key)-person-name")
            }
            return .accept(country: nil, rule: nil)
        }
    }

    /// Whether the item names one of `owners` (countries with a body of the US's name: India's
    /// Congress, Japan's Democrats) and neither the US nor a word of `cues` (US politics, less the
    /// name being decided): the name is then that country's, not the US's.
    private static func namesAnotherOwnerOnly(_ owners: Set<String>, besides cues: Set<String>, context: Context) -> Bool {
        !context.countries.contains("US") && !context.countries.isDisjoint(with: owners) && !context.mentions(anyOf: cues)
    }

    /// An institution's name without its country: `country`'s when the item names no other country,
    /// or names one but also a cue word of `country`'s politics; else none ("French Senate",
    /// "Senate votes on Ukraine aid": the other country is tagged, this one is not guessed).
    private static func defaultCountry(_ country: String, key: String, cues: Set<String>, context: Context) -> Decision {
        // "supreme court" → "supreme-court", without Foundation's bridged `replacingOccurrences`
        // (1.3% of a classification in `classifier-bench`).
        let rule = String(decoding: key.utf8.map { $0 == UInt8(ascii: " ") ? UInt8(ascii: "-") : $0 }, as: UTF8.self)
        let others = context.countries.union(context.possibleCountries())
        if !others.isEmpty, !others.contains(country) {
            guard context.mentions(anyOf: cues) else { return .reject(rule: "trap:\(rule)-other-country") }
            return .accept(country: country, rule: "trap:\(rule)-\(country.lowercased())-context")
        }
        return .accept(country: country, rule: "trap:\(rule)-\(country.lowercased())-default")
    }

    /// A token next to the match: its folded form and how it was written.
    private struct Neighbour {
        var folded: String
        var token: ScannedToken
        var isCapitalized: Bool { token.isCapitalized }
        var shape: TokenShape { token.shape }
        var gapBefore: TokenGap { token.gapBefore }

        init(_ field: FieldView, _ index: Int) {
            folded = field.word(index)
            token = field.tokens[index]
        }
    }

    /// "Michael Jordan", "Chad Smith": a first name before, or an unknown capitalised word right after
    /// in sentence-case text.
    private static func isPerson(previous: Neighbour?, next: Neighbour?, field: FieldView, context: Context) -> Bool {
        if let previous, previous.isCapitalized, givenNames.contains(previous.folded) {
            return true
        }
        if field.style.capitalsAreInformative, let next, next.gapBefore == .space, next.shape == .capitalized,
            !context.startsKnownPhrase(next.folded)
        {
            return true
        }
        return false
    }

    /// Whether a topic keyword of the taxonomy starts where the name starts and goes on past it.
    private static func startsLongerKeyword(field: FieldView, start: Int, end: Int) -> Bool {
        field.hits.contains { hit in
            guard hit.start == start, hit.end > end, case .topicKeyword = hit.payload else { return false }
            return true
        }
    }

    /// A word after a town's name that makes a team, an ensemble or an event of it, not a surname: a
    /// plural ("Grizzlies", "Olympics"; "Madison Keys" stays the town) or a singular team's or
    /// ensemble's word ("Magic", "Philharmonic").
    private static func isTeamWord(_ folded: String) -> Bool {
        folded.hasSuffix("s") || teamWords.contains(folded)
    }

    static let teamWords: Set<String> = [
        "magic", "heat", "thunder", "jazz", "fire", "wild", "galaxy", "pride", "fever", "sky", "storm", "sparks", "dream",
        "liberty", "united", "city", "athletic", "victory", "glory", "power", "lightning", "philharmonic", "symphony", "opera",
        "ballet", "state",
    ]

    /// A capitalised word inside a sentence, right after "in", "at", "near"...: "a rally in Nice".
    private static func isLocativeName(at index: Int, previous: Neighbour?, field: FieldView) -> Bool {
        guard field.isCapitalisedInSentence(index),
            let previous, field.tokens[index].gapBefore == .space
        else { return false }
        return locativePrepositions.contains(previous.folded)
    }

    static let locativePrepositions: Set<String> = ["in", "at", "near", "from", "to", "outside", "around", "into"]
    static let georgiaStateCues: Set<String> = [
        "atlanta", "savannah", "augusta", "macon", "kemp", "raffensperger", "republican", "republicans", "democrat", "democrats",
        "governor", "senate", "senator", "gop", "peach", "county", "fulton", "midterms", "midterm",
    ]
    static let georgiaCountryCues: Set<String> = [
        "tbilisi", "georgian", "georgians", "caucasus", "abkhazia", "ossetia", "kobakhidze", "kavelashvili", "batumi", "kutaisi",
    ]
    static let turkeyBirdCues: Set<String> = [
        "thanksgiving", "roast", "roasted", "dinner", "recipe", "recipes", "pardon", "pardons", "pardoned", "feathers", "poultry",
        "gobble", "stuffing", "carving", "sandwich", "sandwiches", "oven", "gravy", "turkeys", "bird", "birds", "drumstick",
    ]
    /// Countries whose legislature or a large party is a "Congress" in English news.
    static let otherCongresses: Set<String> = ["IN", "PE", "MX", "PH", "CO", "BR", "AR", "CL", "GT", "HN", "PY", "EC", "BO", "DO", "SV"]

    static let usPoliticsCues: Set<String> = [
        "republican", "republicans", "democrat", "democrats", "gop", "congress", "congressional", "filibuster", "capitol",
        "washington", "impeachment", "trump", "biden", "obama",
    ]
    /// The cues besides the word being decided: "Congress" is no cue of its own reading.
    static let usPoliticsCuesBesidesCongress = usPoliticsCues.subtracting(["congress"])
    static let usPoliticsCuesBesidesDemocrats = usPoliticsCues.subtracting(["democrat", "democrats"])
    static let usPoliticsCuesBesidesRepublicans = usPoliticsCues.subtracting(["republican", "republicans"])
    /// Countries with parties English news calls "the Democrats" (Japan's Constitutional Democrats,
    /// South Korea's Democratic Party, Italy's PD, Serbia's DS, Hong Kong's, Thailand's, Albania's,
    /// Kosovo's) or "the Republicans" (Ireland's republicans, France's Les Républicains, Armenia's
    /// and Turkey's republican parties).
    static let otherDemocrats: Set<String> = ["JP", "KR", "IT", "RS", "HK", "TH", "AL", "XK"]
    static let otherRepublicans: Set<String> = ["IE", "FR", "AM", "TR"]
    static let ukPoliticsCues: Set<String> = ["westminster", "commons", "tory", "tories", "downing", "whitehall", "brexit", "nhs"]
    static let ukPoliticsCuesBesidesCommons = ukPoliticsCues.subtracting(["commons"])
    /// Words before "Democrats" or "Republican" that make another country's party.
    static let partyQualifiers: Set<String> = [
        "social", "christian", "free", "liberal", "sweden", "swedish", "european", "national", "new", "centre", "center", "green",
        "irish", "popular", "people's", "radical", "united", "young", "slovenian", "swiss", "danish", "finnish", "republican",
    ]
    /// Words after "Republican" that make it something else ("Republican Guard", "Republican Army").
    static let notAmericanPartyNext: Set<String> = ["guard", "guards", "army", "movement", "front", "people's", "left"]
    static let labourPartyCues: Set<String> = [
        "party", "leader", "leadership", "mp", "mps", "shadow", "tory", "tories", "conservatives", "westminster", "commons",
        "starmer", "manifesto", "conference", "backbenchers", "frontbench",
    ]
    static let niceCues: Set<String> = ["france", "french", "riviera", "azur", "alpes", "maritimes", "ogc", "estrosi", "promenade", "anglais"]
    static let mobileTechWords: Set<String> = [
        "phone", "phones", "app", "apps", "network", "networks", "operator", "operators", "data", "payments", "payment", "world",
        "devices", "device", "internet", "banking", "money", "gaming", "games", "version", "users", "carrier", "carriers",
    ]
    static let givenNames: Set<String> = [
        "michael", "david", "john", "james", "robert", "william", "richard", "thomas", "mark", "paul", "steven", "kevin", "brian",
        "george", "edward", "jason", "jeff", "ryan", "gary", "eric", "stephen", "larry", "justin", "scott", "brandon", "frank",
        "gregory", "raymond", "patrick", "jack", "dennis", "jerry", "tyler", "aaron", "henry", "adam", "peter", "nathan", "kyle",
        "walter", "carl", "jeremy", "keith", "roger", "ethan", "arthur", "terry", "christian", "sean", "lawrence", "austin", "joe",
        "noah", "jesse", "albert", "bryan", "billy", "bruce", "willie", "dylan", "alan", "ralph", "gabriel", "roy", "juan", "wayne",
        "eugene", "logan", "randy", "louis", "russell", "vincent", "philip", "bobby", "johnny", "bradley", "mary", "patricia",
        "jennifer", "linda", "elizabeth", "barbara", "susan", "jessica", "sarah", "karen", "nancy", "lisa", "betty", "margaret",
        "sandra", "ashley", "kimberly", "emily", "donna", "michelle", "carol", "amanda", "melissa", "deborah", "stephanie",
        "rebecca", "laura", "sharon", "cynthia", "kathleen", "amy", "angela", "helen", "anna", "brenda", "pamela", "nicole",
        "samantha", "katherine", "emma", "ruth", "christine", "catherine", "rachel", "janet", "maria", "heather", "diane",
        "julie", "joyce", "victoria", "kelly", "lauren", "olivia", "megan", "andrea", "hannah", "grace", "alice", "sara",
        "julia", "marie", "diana", "natalie", "sophia", "rose", "isabella", "alexis", "charlotte", "chris", "mike", "tom", "dan",
        "daniel", "matthew", "anthony", "andrew", "joshua", "christopher", "jonathan", "benjamin", "samuel", "jordan", "chad",
        "max", "leo", "luke", "ben", "sam", "tony", "nick", "alex", "jamie", "jake", "josh",
        // The given names of the Spanish-, Portuguese-, Italian- and French-speaking world that news
        // names most, for the trap names named like its surnames ("Paolo Guerrero", "Carlos Santiago").
        "carlos", "jose", "luis", "pedro", "miguel", "jorge", "javier", "diego", "pablo", "sergio", "alejandro", "fernando",
        "ricardo", "eduardo", "antonio", "manuel", "francisco", "rafael", "andres", "raul", "oscar", "alberto", "roberto",
        "marco", "mario", "paolo", "giovanni", "giuseppe", "luca", "matteo", "joao", "jean", "pierre", "ana", "lucia", "carmen",
    ]
}
