import Foundation
import NewsModel

/// A parsed subscription filter.
///
/// Grammar (case-insensitive keywords and labels):
/// ```
/// filter  := or
/// or      := and ("OR" and)*
/// and     := not (["AND"] not)*          -- juxtaposition is AND
/// not     := "NOT" not | primary
/// primary := "(" or ")" | field ":" value | "urgency" op level | phrase | word
/// field   := region | topic | country | source | lang
/// op      := ">=" | ">" | "=" | "<=" | "<"
/// value   := word | "quoted text"
/// ```
/// Example: `region:MENA AND (topic:Politics OR "air strike") NOT source:example-wire`.
public indirect enum FilterExpression: Sendable, Hashable {
    case and([FilterExpression])
    case or([FilterExpression])
    case not(FilterExpression)
    /// A label field; the value is stored normalised (lower case).
    case field(FilterField, String)
    case urgency(FilterComparison, Urgency)
    /// A word or a quoted phrase, normalised like the item text it is matched against.
    case text(String)
}

public enum FilterField: String, Sendable, Hashable, CaseIterable {
    case region, topic, country, source, lang
}

public enum FilterComparison: String, Sendable, Hashable {
    case atLeast = ">=", greater = ">", equal = "=", atMost = "<=", less = "<"

    func holds(_ value: Urgency, _ bound: Urgency) -> Bool {
        switch self {
        case .atLeast: value >= bound
        case .greater: value > bound
        case .equal: value == bound
        case .atMost: value <= bound
        case .less: value < bound
        }
    }
}

/// What a filter is matched against: a classified item, normalised once.
public struct FilterSubject: Sendable {
    public var regions: Set<String>
    public var topics: Set<String>
    public var countries: Set<String>
    public var source: String
    public var language: String?
    public var urgency: Urgency
    /// The normalised words of the title and summary, in order.
    public var words: [Substring]
    /// Normalised title and summary joined by single spaces, padded with a space on each side.
    public let paddedText: String

    public init(regions: [String], topics: [String], countries: [String], source: String, language: String?, urgency: Urgency, text: String) {
        self.regions = Set(regions.map { $0.lowercased() })
        self.topics = Set(topics.map { $0.lowercased() })
        self.countries = Set(countries.map { $0.lowercased() })
        self.source = source.lowercased()
        self.language = language?.lowercased()
        self.urgency = urgency
        let normalised = FilterText.normalise(text)
        words = normalised.split(separator: " ")
        paddedText = " " + normalised + " "
    }

    /// The subject of a classified item (title and summary are the text).
    public init(_ item: ClassifiedItem) {
        self.init(
            regions: item.regions.map(\.label), topics: item.topics.map(\.label), countries: item.countries,
            source: item.item.sourceId, language: item.item.language, urgency: item.urgency,
            text: item.item.title + " " + item.item.summary)
    }
}

extension FilterExpression {
    /// Whether the subject matches; `matched` collects the terms that did (for the explanation).
    public func matches(_ subject: FilterSubject, matched: inout [String]) -> Bool {
        switch self {
        case .and(let parts):
            var terms: [String] = []
            for part in parts where !part.matches(subject, matched: &terms) { return false }
            matched += terms
            return true
        case .or(let parts):
            var any = false
            for part in parts where part.matches(subject, matched: &matched) { any = true }
            return any
        case .not(let inner):
            var ignored: [String] = []
            return !inner.matches(subject, matched: &ignored)
        case .field(let field, let value):
            let hit: Bool
            switch field {
            case .region: hit = subject.regions.contains(value)
            case .topic: hit = subject.topics.contains(value)
            case .country: hit = subject.countries.contains(value)
            case .source: hit = subject.source == value
            case .lang: hit = subject.language.map { $0 == value || $0.hasPrefix(value + "-") } ?? false
            }
            if hit { matched.append(FilterTerm.field(field, value)) }
            return hit
        case .urgency(let comparison, let level):
            let hit = comparison.holds(subject.urgency, level)
            if hit { matched.append(FilterTerm.urgency(comparison, level)) }
            return hit
        case .text(let phrase):
            let hit = subject.paddedText.contains(" " + phrase + " ")
            if hit { matched.append(FilterTerm.text(phrase)) }
            return hit
        }
    }

    public func matches(_ subject: FilterSubject) -> Bool {
        var ignored: [String] = []
        return matches(subject, matched: &ignored)
    }
}

/// How a matched term is written in a match's explanation.
enum FilterTerm {
    static func field(_ field: FilterField, _ value: String) -> String { "\(field.rawValue):\(value)" }
    static func urgency(_ comparison: FilterComparison, _ level: Urgency) -> String { "urgency\(comparison.rawValue)\(level.rawValue)" }
    static func text(_ phrase: String) -> String { phrase.contains(" ") ? "\"\(phrase)\"" : phrase }
}

/// How filter words and item text are normalised: lower case, diacritics and
/// punctuation removed, hyphens and white space folded to single spaces.
public enum FilterText {
    public static func normalise(_ text: String) -> String {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
        var out = ""
        out.reserveCapacity(folded.utf8.count)
        var pendingSpace = false
        for scalar in folded.unicodeScalars {
            // A scalar that opens a word but would join the space before it into one character (a
            // combining mark with no letter before it: "\u{07C4}\u{0616}x", the digit dropped) is
            // dropped: splitting at spaces, as the match index does, would not see that space.
            if pendingSpace || out.isEmpty, scalar.value >= 0x300, Self.joinsASpace(scalar) { continue }
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                if pendingSpace, !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.unicodeScalars.append(scalar)
            } else if scalar == "'" || scalar == "\u{2019}" {
                continue
            } else {
                pendingSpace = true
            }
        }
        return out
    }

    private static func joinsASpace(_ scalar: Unicode.Scalar) -> Bool {
        var probe = " "
        probe.unicodeScalars.append(scalar)
        return probe.count == 1
    }
}
