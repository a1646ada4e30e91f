/// Places, organisations, demonyms and leaders with the countries they stand for, and the
/// spellings under which they appear in text. Parsed from `Resources/gazetteer.tsv`, which
/// `Generator/generate_gazetteer.py` writes from open data (see `Resources/NOTICE-gazetteer.md`).
public struct Gazetteer: Sendable {
    /// What a gazetteer entry is; the order is the preference when one spelling has several meanings
    /// (countries before areas before cities, and so on).
    public enum EntityKind: String, Sendable, Hashable, CaseIterable, Comparable, BitwiseCopyable {
        case country, area, institution, organisation, subdivision, city, demonym, leader

        /// Position in `allCases` (a switch: `allCases` would build an array on every call).
        var rank: Int {
            switch self {
            case .country: 0
            case .area: 1
            case .institution: 2
            case .organisation: 3
            case .subdivision: 4
            case .city: 5
            case .demonym: 6
            case .leader: 7
            }
        }
        public static func < (lhs: EntityKind, rhs: EntityKind) -> Bool { lhs.rank < rhs.rank }

        /// The explanation rule for a match of this kind ("gazetteer:city").
        public var gazetteerRule: String {
            switch self {
            case .country: "gazetteer:country"
            case .area: "gazetteer:area"
            case .institution: "gazetteer:institution"
            case .organisation: "gazetteer:organisation"
            case .subdivision: "gazetteer:subdivision"
            case .city: "gazetteer:city"
            case .demonym: "gazetteer:demonym"
            case .leader: "gazetteer:leader"
            }
        }

        /// Cities and subdivisions: places of the same tier, told apart by population.
        public var isSettlement: Bool { self == .city || self == .subdivision }

        /// Whether a match of this kind is reported as a place (leaders, organisations and demonyms
        /// count as evidence for a country but are not places).
        public var isPlace: Bool {
            switch self {
            case .country, .area, .institution, .city, .subdivision: true
            case .organisation, .demonym, .leader: false
            }
        }
    }

    public struct Entity: Sendable, Hashable {
        public var kind: EntityKind
        /// Canonical name, e.g. "South Lebanon" or "Vladimir Putin" (for demonyms: the country).
        public var name: String
        /// ISO 3166-1 alpha-2 codes, upper case; usually one.
        public var countries: [String]
        public var population: Int
    }

    public struct Alias: Sendable, Hashable {
        public var entity: Int
        /// The spelling as the source wrote it, e.g. "U.S." or "Deir al-Balah".
        public var text: String
        /// An acronym, matched only as written: "US" or "IDF" in capitals, "AfD" as a capital and
        /// small letters (`PhraseTrie.Phrase.upperMask`).
        public var requiresCapitals: Bool
        /// A trap name ("Georgia", "Nice"...) that `TrapRules` decides on.
        public var isTrap: Bool
        /// A leader's surname alone ("Putin"), weaker evidence than a full name.
        public var isSurname: Bool
        /// An alternate name (an exonym such as "Bethlehem" for Belém, or a short form); a main
        /// name of another entity wins over it.
        public var isAlternate: Bool
        /// A weak name (a news medium or company of one country, "BBC", "Uber"; a court, office or
        /// ceremony of its public life, "inquest", "Oscars"; an area named without it, "Northeast"),
        /// read only when nothing else places the item: no other name, no currency sign, no region
        /// hint of its source.
        public var isWeak: Bool = false
    }

    public var version: String
    public var entities: [Entity]
    public var aliases: [Alias]

    public init(version: String, entities: [Entity], aliases: [Alias]) {
        self.version = version
        self.entities = entities
        self.aliases = aliases
    }
}
