/// One term of a filter as the index tests it against an item: a field, urgency, word or phrase
/// test (the operations of ``CompiledFilter/Node``) with its value, possibly negated.
struct Literal: Sendable, Hashable {
    var operation: CompiledFilter.Node.Operation
    /// A vocabulary value id, a phrase id, or for urgency the comparison and level.
    var value: UInt32
    var isNegated = false

    func holds(_ item: MatchItem, _ vocabulary: MatchVocabulary) -> Bool {
        item.holds(operation, value, vocabulary) != isNegated
    }

    var negated: Literal { Literal(operation: operation, value: value, isNegated: !isNegated) }
}

/// A filter in disjunctive normal form: it matches exactly when every literal of one of its
/// clauses holds. The index files each clause under one of its positive literals (the key an item
/// must have) and checks the rest of the clause there, without walking the filter's tree.
struct Clauses {
    /// A clause: literals that must all hold, and the index key of its most selective positive literal.
    struct Clause {
        var literals: [Literal]
        var key: UInt64?
    }

    /// Beyond these sizes a filter is not rewritten; the index checks its tree instead.
    static let maxClauses = 16
    static let maxLiterals = 8

    /// The clauses; empty when the filter can never match (every clause contradicts itself).
    private(set) var clauses: [Clause]

    /// nil when the normal form would be too large.
    init?(_ expression: FilterExpression, vocabulary: inout MatchVocabulary) {
        var keys: [Literal: UInt64] = [:]
        guard let literals = Self.normalForm(expression, negated: false, &vocabulary, &keys) else { return nil }
        clauses = literals.map { clause in
            // The positive literal with the fewest items behind its key (see IndexKey.Kind.cost).
            let best = clause.filter { !$0.isNegated && keys[$0] != nil }.min { Self.cost($0) < Self.cost($1) }
            return Clause(literals: clause, key: best.flatMap { keys[$0] })
        }
    }

    /// Whether every clause has a key; otherwise the filter must be checked for every item.
    var isIndexable: Bool { clauses.allSatisfy { $0.key != nil } }

    /// The literals of `clause` that its key does not already guarantee.
    static func rest(of clause: Clause) -> [Literal] {
        guard let key = clause.key else { return clause.literals }
        // A word or a field is exactly its key; a phrase still needs its other words in order.
        var dropped = false
        return clause.literals.filter { literal in
            guard !dropped, !literal.isNegated, Self.key(of: literal) == key else { return true }
            dropped = true
            return false
        }
    }

    /// A phrase costs what its key word does; only positive field, word and phrase literals are keyed.
    private static func cost(_ literal: Literal) -> Int {
        literal.operation == .phrase ? IndexKey.Kind.word.cost : literal.operation.keyKind?.cost ?? Int.max
    }

    /// The key of a field or word literal (a phrase's key is its longest word, set by normalForm).
    private static func key(of literal: Literal) -> UInt64? {
        literal.operation.keyKind.map { IndexKey.make($0, literal.value) }
    }

    /// Pushes NOT down to the terms (De Morgan) while multiplying out AND over OR.
    private static func normalForm(
        _ expression: FilterExpression, negated: Bool, _ vocabulary: inout MatchVocabulary, _ keys: inout [Literal: UInt64]
    ) -> [[Literal]]? {
        func literal(_ literal: Literal, key: UInt64?) -> [[Literal]] {
            let literal = negated ? literal.negated : literal
            if let key { keys[literal] = key }
            return [[literal]]
        }
        switch expression {
        case .and(let parts), .or(let parts):
            let isConjunction = if case .and = expression { !negated } else { negated }
            var result: [[Literal]] = isConjunction ? [[]] : []
            for part in parts {
                guard let form = normalForm(part, negated: negated, &vocabulary, &keys) else { return nil }
                if isConjunction {
                    guard let joined = product(result, form) else { return nil }
                    result = joined
                } else {
                    result += form
                }
                guard result.count <= maxClauses else { return nil }
            }
            return result
        case .not(let inner):
            return normalForm(inner, negated: !negated, &vocabulary, &keys)
        case .field(let field, let value):
            let term = Literal(operation: CompiledFilter.Node.Operation(field), value: vocabulary.value(value))
            return literal(term, key: key(of: term))
        case .urgency(let comparison, let level):
            return literal(Literal(operation: .urgency, value: CompiledFilter.urgencyValue(comparison, level)), key: nil)
        case .text(let phrase):
            let words = phrase.split(separator: " ")
            let ids = words.map { vocabulary.value(String($0)) }
            if ids.count == 1 {
                let term = Literal(operation: .word, value: ids[0])
                return literal(term, key: key(of: term))
            }
            // Every word of a phrase must occur; the longest is the most selective.
            let longest = words.indices.max { words[$0].count < words[$1].count }!
            return literal(Literal(operation: .phrase, value: vocabulary.phrase(ids)), key: IndexKey.make(.word, ids[longest]))
        }
    }

    /// Every clause of `left` joined with every clause of `right`; a clause holding a literal and
    /// its negation can never match and is dropped. nil when a clause would be too long.
    private static func product(_ left: [[Literal]], _ right: [[Literal]]) -> [[Literal]]? {
        var result: [[Literal]] = []
        for first in left {
            for second in right {
                var clause = first
                for literal in second where !clause.contains(literal) { clause.append(literal) }
                guard clause.count <= maxLiterals else { return nil }
                if !clause.contains(where: { clause.contains($0.negated) }) { result.append(clause) }
            }
        }
        return result
    }
}
