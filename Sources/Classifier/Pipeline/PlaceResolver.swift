/// A name the resolver kept: a gazetteer entity or a region phrase, where it stood, and why.
struct PlaceMention {
    enum Target: Equatable {
        case entity(Int)
        case region(Int)
    }

    var fieldIndex: Int
    var field: ItemField
    var start: Int
    var end: Int
    var matchedText: String
    var target: Target
    /// `gazetteer:<kind>`, `region-phrase`, or the trap rule that decided.
    var rule: String
    var isSurname: Bool
}

/// Turns phrase hits into place mentions: groups the readings of each span, applies the trap
/// rules, prefers readings whose country is named elsewhere in the item, then keeps the leftmost
/// longest spans (so "South Lebanon" wins over "Lebanon", "Latin America" over "America").
final class PlaceResolver: Sendable {
    let gazetteer: Gazetteer
    /// First words of main names, region phrases and keywords: a capitalised word among these after
    /// "Jordan" does not make it a person's name ("Jordan King Abdallah", "Chad President Deby").
    let knownFirstWords: Set<String>

    init(gazetteer: Gazetteer, knownFirstWords: Set<String>) {
        self.gazetteer = gazetteer
        self.knownFirstWords = knownFirstWords
    }

    /// The readings of one span: `aliases[aliasStart..<aliasEnd]` of the shared candidate list.
    struct Group {
        var fieldIndex: Int
        var start: Int
        var end: Int
        var aliasStart: Int
        var aliasEnd: Int
        var region = -1
    }

    /// The mentions kept in `fields`, in the buffers of `scratch`.
    func resolve(_ fields: [FieldText], scratch: ClassifierScratch) -> [PlaceMention] {
        // Hits of one span come one after another (same trie node), so a group is a run of them.
        var groups = Array.reusing(&scratch.groups)
        var aliases = Array.reusing(&scratch.aliases)
        defer {
            scratch.groups = groups
            scratch.aliases = aliases
        }
        for (fieldIndex, field) in fields.enumerated() {
            for hit in field.hits {
                var alias = -1
                var region = -1
                switch hit.payload {
                case .placeAlias(let index): alias = index
                case .regionPhrase(let index, _): region = index
                case .topicKeyword, .urgencyCue: continue
                }
                if let last = groups.last, last.fieldIndex == fieldIndex, last.start == hit.start, last.end == hit.end {
                } else {
                    groups.append(Group(fieldIndex: fieldIndex, start: hit.start, end: hit.end, aliasStart: aliases.count, aliasEnd: aliases.count))
                }
                if alias >= 0 {
                    aliases.append(alias)
                    groups[groups.count - 1].aliasEnd = aliases.count
                }
                if region >= 0 && groups[groups.count - 1].region < 0 { groups[groups.count - 1].region = region }
            }
        }
        var mentions = Array.reusing(&scratch.mentions)
        guard !groups.isEmpty else { return mentions }

        // Countries named without doubt: one entity, not a trap, not a bare surname.
        var contextCountries = Array.reusing(&scratch.contextCountries)
        defer { scratch.contextCountries = contextCountries }
        var needsContext = false
        for group in groups where group.aliasEnd > group.aliasStart {
            let first = gazetteer.aliases[aliases[group.aliasStart]]
            var sameEntity = true
            for index in (group.aliasStart + 1)..<group.aliasEnd where gazetteer.aliases[aliases[index]].entity != first.entity {
                sameEntity = false
            }
            if sameEntity, !first.isTrap, !first.isSurname {
                for country in gazetteer.entities[first.entity].countries where !contextCountries.contains(country) {
                    contextCountries.append(country)
                }
            } else {
                needsContext = true
            }
        }
        var trapContext: TrapRules.Context?

        mentions.reserveCapacity(groups.count)
        for group in groups {
            let field = fields[group.fieldIndex]
            var candidates = aliases[group.aliasStart..<group.aliasEnd]
            var preferred: String?
            var rule: String?
            if needsContext, candidates.contains(where: { gazetteer.aliases[$0].isTrap }) {
                if trapContext == nil {
                    var words = Set<String>()
                    for field in fields { for index in field.tokens.indices { words.insert(field.word(index)) } }
                    let known = knownFirstWords
                    trapContext = TrapRules.Context(words: words, countries: Set(contextCountries), startsKnownPhrase: { known.contains($0) })
                }
                let key = (group.start..<group.end).map { field.word($0) }.joined(separator: " ")
                switch TrapRules.decide(key, field: field, start: group.start, end: group.end, context: trapContext!) {
                case .reject:
                    candidates = candidates.filter { !gazetteer.aliases[$0].isTrap }[...]
                case .accept(let country, let decided):
                    preferred = country
                    rule = decided
                }
            }
            if group.region >= 0 {
                // The taxonomy's own phrases ("Red Sea", "Middle East") win over generated names.
                mentions.append(PlaceMention(
                    fieldIndex: group.fieldIndex, field: field.field, start: group.start, end: group.end,
                    matchedText: field.text(from: group.start, to: group.end), target: .region(group.region), rule: "region-phrase",
                    isSurname: false))
            } else if let alias = choose(candidates, preferred: preferred, context: contextCountries) {
                let entity = gazetteer.entities[gazetteer.aliases[alias].entity]
                mentions.append(PlaceMention(
                    fieldIndex: group.fieldIndex, field: field.field, start: group.start, end: group.end,
                    matchedText: field.text(from: group.start, to: group.end), target: .entity(gazetteer.aliases[alias].entity),
                    rule: rule ?? entity.kind.gazetteerRule, isSurname: gazetteer.aliases[alias].isSurname))
            }
        }

        // Leftmost longest, per field (mentions are in field order, then start, then length).
        if mentions.count < 2 { return mentions }
        mentions.sort { ($0.fieldIndex, $0.start, $1.end) < ($1.fieldIndex, $1.start, $0.end) }
        // Compacted in place.
        var kept = 0
        var lastField = -1
        var lastEnd = 0
        for index in mentions.indices {
            let mention = mentions[index]
            if mention.fieldIndex != lastField {
                lastField = mention.fieldIndex
                lastEnd = 0
            }
            if mention.start >= lastEnd {
                if kept != index { mentions[kept] = mention }
                kept += 1
                lastEnd = mention.end
            }
        }
        mentions.removeSubrange(kept...)
        return mentions
    }

    /// The best reading among `aliases`: the preferred country's, else one whose country is named
    /// elsewhere, else main names before alternate names, then by kind (countries first) and population.
    private func choose(_ aliases: ArraySlice<Int>, preferred: String?, context: [String]) -> Int? {
        guard !aliases.isEmpty else { return nil }
        func better(_ a: Int, _ b: Int) -> Bool {
            if gazetteer.aliases[a].isAlternate != gazetteer.aliases[b].isAlternate { return !gazetteer.aliases[a].isAlternate }
            let left = gazetteer.entities[gazetteer.aliases[a].entity]
            let right = gazetteer.entities[gazetteer.aliases[b].entity]
            // Cities and subdivisions compete on population (a subdivision's is estimated).
            if left.kind != right.kind && !(left.kind.isSettlement && right.kind.isSettlement) { return left.kind < right.kind }
            return left.population > right.population
        }
        if let preferred {
            let matching = aliases.filter { gazetteer.entities[gazetteer.aliases[$0].entity].countries.contains(preferred) }
            if let best = matching.min(by: better) { return best }
        }
        if aliases.count > 1 {
            let inContext = aliases.filter { gazetteer.entities[gazetteer.aliases[$0].entity].countries.contains(where: context.contains) }
            if let best = inContext.min(by: better) { return best }
        }
        return aliases.min(by: better)
    }
}
