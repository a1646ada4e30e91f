/// Writes seeded-random filter texts in the filter language, of the kinds and shares of a ``FilterMix``.
struct FilterGenerator {
    let mix: FilterMix
    /// Words of the benchmark items' texts (6 letters or more): the long tail of what people watch.
    let itemWords: [String]
    var random: SeededGenerator

    /// In rough order of popularity (the generator skews towards the front).
    static let regions = ["MENA", "Europe", "US & Canada", "Asia", "Palestine", "Africa", "Asia-Pacific", "Latin America"]
    static let topics = ["Politics", "Economy", "Technology", "Health", "Environment", "Sports", "Arts&Culture", "Miscellaneous"]
    static let countries = [
        "US", "UA", "RU", "IL", "LB", "PS", "IR", "CN", "SY", "GB", "FR", "DE", "VE", "IN", "TR", "YE", "IQ", "EG", "SA", "JP",
        "PK", "BR", "MX", "NG", "ZA", "KR", "KP", "TW", "AF", "SD", "BE", "QA", "JO", "ET", "CL", "AR", "CO", "ID", "PH", "AU",
    ]
    static let sources = [
        "example-wire", "reuters-world", "ap-top", "almayadeen-breaking", "bbc-world", "aljazeera-en", "afp-en", "dw-en",
        "france24-en", "guardian-world", "nhk-world", "xinhua-en",
    ]
    /// Events and names that many people set alerts for.
    static let popular = [
        "air strike", "airstrike", "earthquake", "ceasefire", "putin", "trump", "explosion", "sanctions", "election", "missile",
        "drone", "netanyahu", "zelensky", "hostages", "oil prices", "hezbollah", "hamas", "xi jinping", "elon musk", "tesla",
        "nvidia", "interest rates", "inflation", "tariffs", "flood", "wildfire", "hurricane", "opec", "nato", "apple",
        "protest", "coup", "cyclone", "vaccine", "world cup", "champions league", "stock market", "central bank", "nuclear",
        "evacuation", "famine", "refugees", "macron", "erdogan", "modi", "khamenei", "maduro", "lula", "imf", "world bank",
        "un security council", "openai", "microsoft", "boeing", "aramco", "gazprom", "samsung", "tiktok", "pandemic", "heatwave",
    ]
    /// Parts of people's and companies' names that rarely or never occur in the items.
    static let givenNames = [
        "maria", "james", "fatima", "chen", "olga", "ahmed", "sofia", "lucas", "aisha", "ivan", "yuki", "omar", "elena", "noah",
        "leila", "pablo", "amara", "felix", "hana", "karim",
    ]
    static let familyNames = [
        "keller", "haddad", "novak", "okafor", "tanaka", "silva", "petrov", "nasser", "lindqvist", "moreau", "kowalski", "mensah",
        "rahman", "dubois", "castillo", "yilmaz", "fischer", "ndiaye", "sato", "ortega",
    ]
    static let companySuffixes = ["holdings", "group", "energy", "logistics", "pharma", "bank", "motors", "systems"]

    init(mix: FilterMix, itemWords: [String], seed: UInt64) {
        self.mix = mix
        self.itemWords = itemWords
        random = SeededGenerator(seed: seed)
    }

    mutating func next() -> String {
        switch mix.kind(using: &random) {
        case .singleRegion: return region()
        case .regionAndTopic: return "\(region()) AND \(topic())"
        case .regionOrRegionAndTopic: return "(\(region()) OR \(region())) AND \(topic())"
        case .country: return Bool.random(using: &random) ? country() : "\(country()) AND \(topic())"
        case .labelNotSource: return "\(region()) AND \(topic()) NOT \(source())"
        case .labelUrgent: return "\(Bool.random(using: &random) ? topic() : region()) AND \(urgency())"
        case .broadTopic: return topic()
        case .phrase: return keywords()
        case .phraseWithLabel:
            let label = Bool.random(using: &random) ? region() : country()
            return "\(label) AND (\(keywords()))"
        case .phraseNotSource: return "\(keywords()) NOT \(source())"
        case .phraseUrgent: return "(\(keywords())) AND \(urgency())"
        case .unindexed:
            switch Int.random(in: 0..<4, using: &random) {
            case 0: return "NOT \(source())"
            case 1: return "urgency>=flash"
            case 2: return "\(urgency()) NOT \(topic())"
            default: return "NOT \(region()) AND urgency>=flash"
            }
        }
    }

    mutating func region() -> String { "region:\"\(random.skewed(Self.regions))\"" }
    mutating func topic() -> String { "topic:\(random.skewed(Self.topics))" }
    mutating func country() -> String { "country:\(random.skewed(Self.countries))" }
    mutating func source() -> String { "source:\(random.skewed(Self.sources))" }
    mutating func urgency() -> String { Int.random(in: 0..<3, using: &random) == 0 ? "urgency>=flash" : "urgency>=urgent" }

    /// One to three terms joined by OR: popular events and names, words of the items, or names from the long tail.
    mutating func keywords() -> String {
        let count = [1, 1, 1, 2, 2, 3][Int.random(in: 0..<6, using: &random)]
        return (0..<count).map { _ in keyword() }.joined(separator: " OR ")
    }

    mutating func keyword() -> String {
        let term: String
        switch Int.random(in: 0..<10, using: &random) {
        case 0..<4: term = random.skewed(Self.popular)
        case 4..<7: term = itemWords.isEmpty ? random.skewed(Self.popular) : itemWords.randomElement(using: &random)!
        case 7..<9: term = "\(Self.givenNames.randomElement(using: &random)!) \(Self.familyNames.randomElement(using: &random)!)"
        default: term = "\(Self.familyNames.randomElement(using: &random)!) \(Self.companySuffixes.randomElement(using: &random)!)"
        }
        return term.contains(" ") ? "\"\(term)\"" : term
    }
}
