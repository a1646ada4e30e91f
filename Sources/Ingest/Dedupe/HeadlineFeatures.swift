import FeedParsing
import Foundation

/// What a headline is about, for telling stories apart: its shingles (stemmed
/// content words), the names it mentions, and its numbers.
///
/// Names are capitalised words, the first word included, each stemmed; names
/// in an attribution prefix ("Al Mayadeen's correspondent:", "Reuters
/// sources:") are kept apart and never conflict, and the prefix adds no
/// shingles. Two headlines conflict, and are different stories however many
/// words they share, when
/// - each names something the other does not mention at all (Ukraine / Sudan,
///   Philippines / Vietnam, Jenin / Nablus), a name matching any word of the
///   other title, a word sharing its first four letters (Lebanon / Lebanese) or
///   a known alias (France / French); or
/// - both carry numbers and share none (a 7.2 quake / a 5.8 quake, $5 trillion
///   / $4 trillion).
public struct HeadlineFeatures: Sendable, Hashable {
    public var shingles: Set<String>
    public var names: Set<String>
    public var attributedNames: Set<String>
    public var numbers: Set<String>

    public init(title: String) {
        let (attribution, body) = Self.splitAttribution(title)
        let words = TitleNormaliser.words(of: body, forFeatures: true).filter { !TitleNormaliser.stopWords.contains($0) }
        shingles = Set(words.map { TitleNormaliser.shingle(Substring($0)) })
        numbers = Set(shingles.filter(Self.isNumber))
        names = Self.capitalisedWords(body)
        attributedNames = attribution.map(Self.capitalisedWords) ?? []
    }

    /// Whether the two headlines cannot be the same story (see the type's documentation).
    public func conflicts(with other: HeadlineFeatures) -> Bool {
        if !numbers.isEmpty, !other.numbers.isEmpty, numbers.isDisjoint(with: other.numbers) { return true }
        return names.contains { !other.mentions($0) } && other.names.contains { !mentions($0) }
    }

    /// Whether the headline mentions a name: as a shingle, name or attributed name, by a shared
    /// four-letter prefix, or through an alias.
    func mentions(_ name: String) -> Bool {
        if shingles.contains(name) || names.contains(name) || attributedNames.contains(name) { return true }
        let key = Self.aliases[name] ?? name
        for word in shingles.union(names) {
            if Self.aliases[word] == key { return true }
            if word.count >= 4, name.count >= 4, word.prefix(4) == name.prefix(4), !Self.isNumber(word) { return true }
        }
        return false
    }

    /// "Al Mayadeen's correspondent in Tyre: Israeli drone…" → ("Al Mayadeen's correspondent in Tyre", "Israeli drone…"):
    /// a prefix before a colon that names a reporting source.
    static func splitAttribution(_ title: String) -> (String?, String) {
        guard let colon = title.firstIndex(of: ":") else { return (nil, title) }
        let prefix = title[..<colon]
        let words = TitleNormaliser.words(of: String(prefix), forFeatures: true)
        guard words.count <= 8, words.contains(where: { reportingNouns.contains($0) }) else { return (nil, title) }
        return (String(prefix), String(title[title.index(after: colon)...]))
    }

    /// Capitalised words (and words with digits, such as B1), normalised and stemmed, common aliases folded.
    static func capitalisedWords(_ text: String) -> Set<String> {
        var text = text
        for (phrase, alias) in phrases { text = text.replacingOccurrences(of: phrase, with: alias, options: [.caseInsensitive]) }
        var names = Set<String>()
        for raw in text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" || $0 == ":" || $0 == "\"" || $0 == "(" }) {
            guard let first = raw.unicodeScalars.first(where: { CharacterSet.alphanumerics.contains($0) }),
                  CharacterSet.uppercaseLetters.contains(first) else { continue }
            for word in TitleNormaliser.words(of: String(raw), forFeatures: true)
            where !TitleNormaliser.stopWords.contains(word) && !notNames.contains(word) && !isNumber(word) {
                names.insert(TitleNormaliser.shingle(Substring(word)))
            }
        }
        return names
    }

    /// Capitalised words that are never names (headline flags, intensifiers, quantities), mostly seen
    /// as a headline's first word.
    static let notNames: Set<String> = TitleNormaliser.flags.union([
        "powerful", "strong", "major", "deadly", "massive", "huge", "big", "heavy", "fresh", "first", "last", "top",
        "former", "senior", "key", "rare", "several", "dozens", "hundreds", "thousands", "millions", "more", "many",
        "some", "report", "reports", "video", "photos", "watch", "exclusive", "analysis", "opinion", "explainer",
    ])

    /// Digits, possibly with a decimal point ("4.5").
    static func isNumber(_ word: String) -> Bool {
        word.first?.isNumber == true && word.allSatisfy { $0.isNumber || $0 == "." }
    }

    /// Words that make a colon prefix an attribution.
    static let reportingNouns: Set<String> = [
        "correspondent", "reporter", "delegate", "sources", "source", "spokesperson", "spokesman", "spokeswoman",
        "officials", "official", "media", "agency", "envoy", "ministry",
    ]

    /// Multi-word names folded before splitting.
    private static let phrases = [
        ("United States", "US"), ("U.S.", "US"), ("United Kingdom", "UK"), ("World Health Organization", "WHO"),
        ("European Union", "EU"), ("United Nations", "UN"), ("Federal Reserve", "Fed"),
    ]

    /// Names and adjectives of the same place, by stem, mapped to one key.
    static let aliases: [String: String] = [
        "france": "france", "french": "france", "spain": "spain", "spanish": "spain", "britain": "uk", "british": "uk", "uk": "uk",
        "china": "china", "chinese": "china", "netherland": "netherlands", "dutch": "netherlands", "greece": "greece",
        "greek": "greece", "turkey": "turkey", "turkish": "turkey", "switzerland": "switzerland", "swis": "switzerland",
        "us": "us", "america": "us", "american": "us", "sweden": "sweden", "swedish": "sweden", "denmark": "denmark",
        "danish": "denmark", "philippin": "philippines", "filipino": "philippines", "thailand": "thailand", "thai": "thailand",
    ]
}

extension HeadlineFeatures {
    /// The features as tagged strings, for storing with a story (``StoryIndex/Entry/names``).
    public var tagged: Set<String> {
        Set(shingles.map { "w:" + $0 } + names.map { "n:" + $0 } + attributedNames.map { "a:" + $0 } + numbers.map { "d:" + $0 })
    }

    /// Features back from ``tagged`` (untagged strings, from older stores, are names).
    public init(tagged: Set<String>) {
        shingles = []
        names = []
        attributedNames = []
        numbers = []
        for value in tagged {
            let body = String(value.dropFirst(2))
            switch value.prefix(2) {
            case "w:": shingles.insert(body)
            case "n:": names.insert(body)
            case "a:": attributedNames.insert(body)
            case "d:": numbers.insert(body)
            default: names.insert(value)
            }
        }
    }
}
