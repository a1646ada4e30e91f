/// The keys of the match index: a field (or a word of the text) and a value, packed into 64 bits
/// once the value is interned.
enum IndexKey {
    enum Kind: UInt64, Sendable {
        case region, topic, country, source, lang, word

        /// About how many items carry a key of this kind, relative to a word: the index keeps the
        /// cheapest necessary key set of an AND's parts, so `region:mena AND earthquake` is found
        /// through `earthquake`.
        var cost: Int {
            switch self {
            case .word: 1
            case .country: 4
            case .source: 6
            case .region, .topic: 12
            case .lang: 50
            }
        }
    }

    static func make(_ kind: Kind, _ value: UInt32) -> UInt64 { kind.rawValue << 32 | UInt64(value) }

    /// No key is this: marks an empty place in a key table.
    static let absent: UInt64 = 0xFFFF_FFFF_FFFF
    /// No item has this key (and it is not ``absent``).
    static let never: UInt64 = 0xFFFF_FFFF_FFFE


    /// Keys of which any matching item has at least one; nil when there is no such set.
    static func necessary(_ expression: FilterExpression) -> [(kind: Kind, value: String)]? {
        switch expression {
        case .field(let field, let value):
            return [(CompiledFilter.Node.Operation(field).keyKind!, value)]
        case .text(let phrase):
            // Every word of a phrase must occur; the longest is the most selective.
            guard let word = phrase.split(separator: " ").max(by: { $0.count < $1.count }) else { return nil }
            return [(.word, String(word))]
        case .urgency, .not:
            return nil
        case .and(let parts):
            return parts.compactMap(necessary).min { cost($0) < cost($1) }
        case .or(let parts):
            var union: [(kind: Kind, value: String)] = []
            for part in parts {
                guard let keys = necessary(part) else { return nil }
                for key in keys where !union.contains(where: { $0.kind == key.kind && $0.value == key.value }) { union.append(key) }
            }
            return union
        }
    }

    private static func cost(_ keys: [(kind: Kind, value: String)]) -> Int {
        keys.reduce(0) { $0 + $1.kind.cost }
    }
}
