import NewsModel

/// A filter compiled for the index: its expression tree as a flat array in pre-order, values and
/// term texts as vocabulary ids. Evaluating it allocates nothing unless it collects matched terms.
struct CompiledFilter: Sendable, Hashable {
    struct Node: Sendable, Hashable {
        enum Operation: UInt8, Sendable {
            case and, or, not, region, topic, country, source, lang, urgency, word, phrase

            init(_ field: FilterField) {
                self = switch field {
                case .region: .region
                case .topic: .topic
                case .country: .country
                case .source: .source
                case .lang: .lang
                }
            }

            /// The kind of index key a term of this operation is exactly (nil: a phrase, urgency or composite).
            var keyKind: IndexKey.Kind? {
                switch self {
                case .region: .region
                case .topic: .topic
                case .country: .country
                case .source: .source
                case .lang: .lang
                case .word: .word
                case .phrase, .urgency, .and, .or, .not: nil
                }
            }
        }

        var operation: Operation
        /// A vocabulary value id, a phrase id, or for urgency the comparison and level.
        var value: UInt32
        /// For and, or, not: the index after the node's last descendant; for terms: the term text's id.
        var extra: UInt32

        var isComposite: Bool { operation.rawValue <= Operation.not.rawValue }
    }

    private(set) var nodes: [Node] = []

    /// A placeholder for a released filter id; never evaluated.
    init() {}

    init(_ expression: FilterExpression, vocabulary: inout MatchVocabulary) {
        append(expression, &vocabulary)
    }

    private mutating func append(_ expression: FilterExpression, _ vocabulary: inout MatchVocabulary) {
        func leaf(_ operation: Node.Operation, _ value: UInt32, _ term: String) {
            nodes.append(Node(operation: operation, value: value, extra: vocabulary.term(term)))
        }
        func composite(_ operation: Node.Operation, _ children: [FilterExpression]) {
            let at = nodes.count
            nodes.append(Node(operation: operation, value: UInt32(children.count), extra: 0))
            for child in children { append(child, &vocabulary) }
            nodes[at].extra = UInt32(nodes.count)
        }
        switch expression {
        case .and(let parts): composite(.and, parts)
        case .or(let parts): composite(.or, parts)
        case .not(let inner): composite(.not, [inner])
        case .field(let field, let value):
            leaf(Node.Operation(field), vocabulary.value(value), FilterTerm.field(field, value))
        case .urgency(let comparison, let level):
            leaf(.urgency, Self.urgencyValue(comparison, level), FilterTerm.urgency(comparison, level))
        case .text(let phrase):
            let words = phrase.split(separator: " ").map { vocabulary.value(String($0)) }
            if words.count == 1 {
                leaf(.word, words[0], FilterTerm.text(phrase))
            } else {
                leaf(.phrase, vocabulary.phrase(words), FilterTerm.text(phrase))
            }
        }
    }

    private static let comparisons: [FilterComparison] = [.atLeast, .greater, .equal, .atMost, .less]

    static func urgencyValue(_ comparison: FilterComparison, _ level: Urgency) -> UInt32 {
        UInt32(comparisons.firstIndex(of: comparison)!) << 8 | UInt32(Urgency.allCases.firstIndex(of: level)!)
    }

    static func urgencyHolds(_ value: UInt32, _ urgency: Urgency) -> Bool {
        comparisons[Int(value >> 8)].holds(urgency, Urgency.allCases[Int(value & 0xFF)])
    }

    private func next(_ index: Int) -> Int {
        nodes[index].isComposite ? Int(nodes[index].extra) : index + 1
    }

    /// Whether the item matches (no terms collected; OR stops at the first match).
    func matches(_ item: MatchItem, _ vocabulary: MatchVocabulary) -> Bool {
        holds(0, item, vocabulary)
    }

    private func holds(_ index: Int, _ item: MatchItem, _ vocabulary: MatchVocabulary) -> Bool {
        let node = nodes[index]
        switch node.operation {
        case .and:
            var child = index + 1
            while child < Int(node.extra) {
                if !holds(child, item, vocabulary) { return false }
                child = next(child)
            }
            return true
        case .or:
            var child = index + 1
            while child < Int(node.extra) {
                if holds(child, item, vocabulary) { return true }
                child = next(child)
            }
            return false
        case .not:
            return !holds(index + 1, item, vocabulary)
        default:
            return termHolds(node, item, vocabulary)
        }
    }

    private func termHolds(_ node: Node, _ item: MatchItem, _ vocabulary: MatchVocabulary) -> Bool {
        item.holds(node.operation, node.value, vocabulary)
    }

    /// The terms that matched, in the order and with the rules of ``FilterExpression/matches(_:matched:)``
    /// (every branch of an OR is evaluated; an AND's terms count only when it holds; nothing under a NOT).
    /// Call it only for an item that ``matches(_:_:)``.
    func matchedTerms(_ item: MatchItem, _ vocabulary: MatchVocabulary) -> [String] {
        var terms: [String] = []
        _ = collect(0, item, vocabulary, &terms)
        return terms
    }

    private func collect(_ index: Int, _ item: MatchItem, _ vocabulary: MatchVocabulary, _ terms: inout [String]) -> Bool {
        let node = nodes[index]
        switch node.operation {
        case .and:
            let mark = terms.count
            var child = index + 1
            while child < Int(node.extra) {
                if !collect(child, item, vocabulary, &terms) {
                    terms.removeSubrange(mark...)
                    return false
                }
                child = next(child)
            }
            return true
        case .or:
            var any = false
            var child = index + 1
            while child < Int(node.extra) {
                if collect(child, item, vocabulary, &terms) { any = true }
                child = next(child)
            }
            return any
        case .not:
            return !holds(index + 1, item, vocabulary)
        default:
            let hit = termHolds(node, item, vocabulary)
            if hit { terms.append(vocabulary.termTexts[Int(node.extra)]) }
            return hit
        }
    }
}
