import NewsModel

/// A name the resolver kept: a gazetteer entity or a region phrase, where it stood, and why.
struct PlaceMention {
    enum Target: Equatable {
        case entity(Int)
        case region(Int)
    }

    var fieldIndex: Int
    var field: ExplanationStep.Field
    var start, end: Int
    var matchedText: String
    var target: Target
    /// `gazetteer:<kind>`, `region-phrase`, the trap rule that decided, `town-and-area` (a trap name
    /// read as the area a town before it is in, against its rule's default), `weak-name` (a weak alias,
    /// `Gazetteer.Alias.isWeak`) or `currency-sign` (`CurrencySigns`).
    var rule: String
    var isSurname: Bool
    /// Read only when nothing else places the item (`Gazetteer.Alias.isWeak`).
    var isWeak = false
}

/// Turns phrase hits into place mentions: groups the readings of each span, applies the trap
/// rules, prefers readings whose country is named elsewhere in the item, then keeps the leftmost
/// longest spans (so "South Lebanon" wins over "Lebanon", "Latin America" over "America").
final class PlaceResolver: Sendable {
    let gazetteer: Gazetteer
    /// First words of main names, region phrases and keywords: a capitalised word among these after
    /// "Jordan" does not make it a person's name ("Jordan King Abdallah", "Chad President Deby").
    let knownFirstWords: Set<String>
    /// The explanation rule of a weak name's mention.
    static let weakRule = "weak-name"

    /// What resolving reads of each alias and entity, without the strings (so reading costs no
    /// reference counting); countries by index into `countryCodes`.
    private struct AliasFacts {
        var entity: Int
        var isTrap, isSurname, isAlternate, isWeak: Bool
    }

    private struct EntityFacts {
        var kind: Gazetteer.EntityKind
        var population: Int
        /// `entityCountries[countryStart..<countryEnd]`.
        var countryStart: Int32
        var countryEnd: Int32
    }

    private let aliasFacts: [AliasFacts]
    private let entityFacts: [EntityFacts]
    private let entityCountries: [Int32]
    private let countryCodes: [String]
    private let countryIndex: [String: Int32]

    init(gazetteer: Gazetteer, knownFirstWords: Set<String>) {
        self.gazetteer = gazetteer
        self.knownFirstWords = knownFirstWords
        aliasFacts = gazetteer.aliases.map {
            AliasFacts(entity: $0.entity, isTrap: $0.isTrap, isSurname: $0.isSurname, isAlternate: $0.isAlternate, isWeak: $0.isWeak)
        }
        var codes: [String] = []
        var index: [String: Int32] = [:]
        var countries: [Int32] = []
        var facts: [EntityFacts] = []
        facts.reserveCapacity(gazetteer.entities.count)
        for entity in gazetteer.entities {
            let start = Int32(countries.count)
            for code in entity.countries {
                if index[code] == nil {
                    index[code] = Int32(codes.count)
                    codes.append(code)
                }
                countries.append(index[code]!)
            }
            facts.append(EntityFacts(kind: entity.kind, population: entity.population, countryStart: start, countryEnd: Int32(countries.count)))
        }
        entityFacts = facts
        entityCountries = countries
        countryCodes = codes
        countryIndex = index
    }

    /// The kind of gazetteer entity `entity`, read without copying its entry.
    @inline(__always)
    func kind(of entity: Int) -> Gazetteer.EntityKind { entityFacts[entity].kind }

    /// The positions of entity `entity`'s countries, for `countryCode(at:)`.
    @inline(__always)
    func countryPositions(of entity: Int) -> Range<Int> {
        Int(entityFacts[entity].countryStart)..<Int(entityFacts[entity].countryEnd)
    }

    /// The ISO code of the country at `position` (two letters: a string without reference counting).
    @inline(__always)
    func countryCode(at position: Int) -> String { countryCodes[Int(entityCountries[position])] }

    /// The readings of one span: `aliases[aliasStart..<aliasEnd]` of the shared candidate list.
    struct Group: BitwiseCopyable {
        var fieldIndex: Int
        var start, end: Int
        var aliasStart, aliasEnd: Int
        var region = -1
    }

    /// The mentions kept in `fields`, made in `buffers`.
    func resolve(_ fields: FieldList, buffers: inout ScratchBuffers) -> [PlaceMention] {
        // Hits of one span come one after another (same trie node), so a group is a run of them.
        buffers.groups.removeAll()
        buffers.aliases.removeAll()
        for (fieldIndex, field) in fields.enumerated() {
            for hit in field.hits {
                var alias = -1
                var region = -1
                switch hit.payload {
                case .placeAlias(let index): alias = index
                case .regionPhrase(let index, _): region = index
                case .topicKeyword, .urgencyCue: continue
                }
                let count = buffers.groups.count
                if count > 0, buffers.groups[count - 1].fieldIndex == fieldIndex, buffers.groups[count - 1].start == hit.start,
                    buffers.groups[count - 1].end == hit.end
                {
                } else {
                    let next = buffers.aliases.count
                    buffers.groups.append(Group(fieldIndex: fieldIndex, start: hit.start, end: hit.end, aliasStart: next, aliasEnd: next))
                }
                let last = buffers.groups.count - 1
                if alias >= 0 {
                    buffers.aliases.append(alias)
                    buffers.groups[last].aliasEnd = buffers.aliases.count
                }
                if region >= 0 && buffers.groups[last].region < 0 { buffers.groups[last].region = region }
            }
        }
        var mentions = Array.reusing(&buffers.mentions)
        let groups = buffers.groups.elements
        guard !groups.isEmpty else { return mentions }
        let aliases = buffers.aliases.elements

        // Countries named without doubt: every reading stands for the same countries ("New Zealand"
        // the country and the demonym), none is a trap or a bare surname. A name inside a longer one
        // names nothing ("Hampshire" in "New Hampshire", "Wales" in "New South Wales"): the longer
        // one wins below, and its country is the context.
        buffers.contextCountries.removeAll()
        var needsContext = false
        // Groups come by field, start, then length (`PhraseTrie.hits`): one lies inside a longer one
        // when the next is longer from the same start, or one from an earlier start reaches as far.
        var nesting = (field: -1, start: -1, endBefore: 0, endHere: 0)
        for (index, group) in groups.enumerated() {
            if group.fieldIndex != nesting.field {
                nesting = (group.fieldIndex, group.start, 0, 0)
            } else if group.start != nesting.start {
                nesting = (group.fieldIndex, group.start, max(nesting.endBefore, nesting.endHere), 0)
            }
            nesting.endHere = max(nesting.endHere, group.end)
            let longerFromHere = index + 1 < groups.count && groups[index + 1].fieldIndex == group.fieldIndex
                && groups[index + 1].start == group.start && groups[index + 1].end > group.end
            guard group.aliasEnd > group.aliasStart, !longerFromHere, nesting.endBefore < group.end else { continue }
            let first = aliasFacts[aliases[group.aliasStart]]
            let firstCountries = countryPositions(of: first.entity)
            var sameCountries = !first.isTrap && !first.isSurname
            for index in (group.aliasStart + 1)..<group.aliasEnd where sameCountries {
                let other = aliasFacts[aliases[index]]
                sameCountries = other.entity == first.entity
                    || (!other.isTrap && !other.isSurname && entityCountries[countryPositions(of: other.entity)].elementsEqual(entityCountries[firstCountries]))
            }
            if sameCountries {
                for position in countryPositions(of: first.entity) where !buffers.contextCountries.elements.contains(entityCountries[position]) {
                    buffers.contextCountries.append(entityCountries[position])
                }
            } else {
                needsContext = true
            }
        }
        let contextCountries = buffers.contextCountries.elements

        mentions.reserveCapacity(groups.count)
        for (index, group) in groups.enumerated() {
            let field = fields[group.fieldIndex]
            let candidates = aliases[group.aliasStart..<group.aliasEnd]
            if group.region < 0, Self.followsNameTitle(field, at: group.start),
                candidates.allSatisfy({ entityFacts[aliasFacts[$0].entity].kind.isSettlement })
            {
                continue
            }
            var kept: [Int]?
            var preferred: Int32?
            var rule: String?
            // A comma next to the name is rare: only then is it worth asking for a town and its area.
            let commaNext = (group.end < field.tokens.count && field.tokens[group.end].gapBefore == .punctuation)
                || field.tokens[group.start].gapBefore == .punctuation
            if commaNext, group.region < 0,
                let paired = townAndArea(around: index, in: fields, groups: groups, aliases: aliases, context: contextCountries)
            {
                (kept, rule) = paired
            } else if needsContext, candidates.contains(where: { aliasFacts[$0].isTrap }) {
                (kept, preferred, rule) = decideTrap(group, in: fields, candidates: candidates, context: contextCountries, groups: groups, aliases: aliases)
            }
            // The text is filled in below, for the mentions that are kept.
            if group.region >= 0 {
                // The taxonomy's own phrases ("Red Sea", "Middle East") win over generated names.
                mentions.append(PlaceMention(
                    fieldIndex: group.fieldIndex, field: field.field, start: group.start, end: group.end, matchedText: "",
                    target: .region(group.region), rule: "region-phrase", isSurname: false))
            } else if let alias = kept.map({ choose($0, preferred: preferred, context: contextCountries) })
                ?? choose(candidates, preferred: preferred, context: contextCountries)
            {
                let facts = aliasFacts[alias]
                mentions.append(PlaceMention(
                    fieldIndex: group.fieldIndex, field: field.field, start: group.start, end: group.end, matchedText: "",
                    target: .entity(facts.entity), rule: rule ?? (facts.isWeak ? Self.weakRule : entityFacts[facts.entity].kind.gazetteerRule),
                    isSurname: facts.isSurname, isWeak: facts.isWeak))
            }
        }

        // Leftmost longest, per field (mentions are in field order, then start, then length).
        if mentions.count > 1 {
            mentions.sort { ($0.fieldIndex, $0.start, $1.end) < ($1.fieldIndex, $1.start, $0.end) }
            // Compacted in place.
            var kept = 0
            var lastField = -1
            var lastEnd = 0
            // Fields read one by one and dropped mentions swapped out: copying a whole mention
            // would retain and release its strings.
            for index in mentions.indices {
                let fieldIndex = mentions[index].fieldIndex
                if fieldIndex != lastField {
                    lastField = fieldIndex
                    lastEnd = 0
                }
                if mentions[index].start >= lastEnd {
                    lastEnd = mentions[index].end
                    if kept != index { mentions.swapAt(kept, index) }
                    kept += 1
                }
            }
            mentions.removeSubrange(kept...)
        }
        for index in mentions.indices {
            let (fieldIndex, start, end) = (mentions[index].fieldIndex, mentions[index].start, mentions[index].end)
            mentions[index].matchedText = fields[fieldIndex].text(from: start, to: end)
        }
        return mentions
    }

    /// "London, Ontario", "Athens, Georgia", "Paris, Texas": a town, a comma, then the name of a
    /// subdivision or country. The town is the one in that area and the area the one the town is
    /// in; a town with no reading there is a smaller one the gazetteer lacks, and names nothing
    /// unless a list goes on ("Paris, Texas man held", "Perth, Scotland"; not "Moscow, Crimea and
    /// Kyiv", where the comma separates a list). The readings to keep of `groups[index]`, and the
    /// rule that explains them (nil: its kind's), when it is the town or the area of such a pair.
    private func townAndArea(
        around index: Int, in fields: FieldList, groups: BufferView<Group>, aliases: BufferView<Int>, context: BufferView<Int32>
    ) -> (kept: [Int], rule: String?)? {
        let group = groups[index]
        let field = fields[group.fieldIndex]
        /// The longest group of `group`'s field that starts at `start` (or ends at `end`).
        func longest(startingAt start: Int? = nil, endingAt end: Int? = nil) -> Group? {
            var found: Group?
            for other in groups where other.fieldIndex == group.fieldIndex && other.region < 0 && other.aliasEnd > other.aliasStart
                && (start.map { other.start == $0 } ?? true) && (end.map { other.end == $0 } ?? true)
            {
                if let current = found, current.end - current.start >= other.end - other.start { continue }
                found = other
            }
            return found
        }
        if group.end < field.tokens.count, field.hasCommaBefore(group.end), let area = longest(startingAt: group.end),
            let pair = pairReadings(town: group, area: area, in: fields, groups: groups, aliases: aliases, context: context)
        {
            return (pair.town, nil)
        }
        if group.start > 0, field.hasCommaBefore(group.start), let town = longest(endingAt: group.start),
            let pair = pairReadings(town: town, area: group, in: fields, groups: groups, aliases: aliases, context: context),
            let area = pair.area
        {
            return (area, pair.areaRule)
        }
        return nil
    }

    /// The readings of `town` and of `area` that "town, area" keeps (nil for the area: decide it
    /// as usual), or nil when the two are no such pair: the town's readings must all be cities,
    /// subdivisions or areas, and the area must have a subdivision or country reading that its trap rules,
    /// if it is a trap name, do not reject ("La" in "Madrid, La Liga" is no Louisiana).
    private func pairReadings(
        town: Group, area: Group, in fields: FieldList, groups: BufferView<Group>, aliases: BufferView<Int>, context: BufferView<Int32>
    ) -> (town: [Int], area: [Int]?, areaRule: String?)? {
        let field = fields[area.fieldIndex]
        /// The kind of the entity `alias` reads as.
        func kind(_ alias: Int) -> Gazetteer.EntityKind { self.kind(of: aliasFacts[alias].entity) }
        let townReadings = aliases[town.aliasStart..<town.aliasEnd]
        // A county may also be a town abroad ("Surrey": England's county, British Columbia's city).
        guard townReadings.allSatisfy({ kind($0).isSettlement || kind($0) == .area }) else { return nil }
        var areaCandidates = Array(aliases[area.aliasStart..<area.aliasEnd])
        var trapDecision: (kept: [Int]?, preferred: Int32?, rule: String?)?
        if areaCandidates.contains(where: { aliasFacts[$0].isTrap }) {
            let decision = decideTrap(
                area, in: fields, candidates: aliases[area.aliasStart..<area.aliasEnd], context: context, groups: groups, aliases: aliases)
            if let kept = decision.kept { areaCandidates = kept }
            trapDecision = decision
        }
        let areaReadings = areaCandidates.filter { kind($0) == .subdivision || kind($0) == .country }
        guard !areaReadings.isEmpty else { return nil }
        func countries(_ alias: Int) -> [Int32] { countryPositions(of: aliasFacts[alias].entity).map { entityCountries[$0] } }
        let areaCountries = Set(areaReadings.flatMap(countries))
        let townKept = townReadings.filter { countries($0).contains(where: areaCountries.contains) }
        if !townKept.isEmpty {
            let townCountries = Set(townKept.flatMap(countries))
            // The trap's rule explains the area when it accepted the country the town is in
            // ("Cambridge, Mass."), not when it preferred another ("Athens, Georgia": the country by default).
            var areaRule: String?
            if let trapDecision, trapDecision.kept == nil {
                areaRule = trapDecision.preferred.map(townCountries.contains) ?? true ? trapDecision.rule : Self.townAndAreaRule
            }
            return (townKept, areaReadings.filter { countries($0).contains(where: townCountries.contains) }, areaRule)
        }
        // No reading of the town in the area: a smaller town the gazetteer lacks, unless the comma
        // separates a list that goes on ("Moscow, Iran and North Korea"; after a country also
        // "Moscow, Iran, Syria": AP style writes a comma after a state, "in Paris, Texas, on Monday").
        guard townReadings.allSatisfy({ kind($0) == .city }) else { return nil }
        if area.end < field.tokens.count {
            if ["and", "or", "&"].contains(field.word(area.end)) { return nil }
            let namesCountry = areaReadings.contains { kind($0) == .country }
            if namesCountry && field.hasCommaBefore(area.end) { return nil }
        }
        return ([], nil, nil)
    }

    /// The explanation rule of an area whose trap rule preferred another country than the town's.
    static let townAndAreaRule = "town-and-area"

    /// Words after which a town's name is a person's or a storm's: "Queen Elizabeth", "Princess
    /// Charlotte", "Hurricane Milton" (capitalised, as titles stand before a name).
    static let nameTitles: Set<String> = [
        "king", "queen", "prince", "princess", "lady", "lord", "sir", "dame", "duke", "duchess", "hurricane", "typhoon", "cyclone", "storm",
    ]

    /// Whether the token at `index` follows a capitalised ``nameTitles`` word.
    static func followsNameTitle(_ field: FieldView, at index: Int) -> Bool {
        guard index > 0, field.tokens[index].gapBefore == .space, field.tokens[index - 1].isCapitalized else { return false }
        return nameTitles.contains(field.word(index - 1))
    }

    /// What the trap rules make of a group with a trap reading: the readings left when they reject
    /// it, or the country and rule they accept it with. Apart from the loop over groups (few items
    /// have a trap name), so that the loop does not carry the rules' context.
    @inline(never)
    private func decideTrap(
        _ group: Group, in fields: FieldList, candidates: Slice<BufferView<Int>>, context: BufferView<Int32>,
        groups: BufferView<Group>, aliases: BufferView<Int>
    ) -> (kept: [Int]?, preferred: Int32?, rule: String?) {
        let field = fields[group.fieldIndex]
        let known = knownFirstWords
        // Every country some reading of another name could stand for ("French": France or one of its territories).
        func possible() -> Set<String> {
            var possible = Set<String>()
            for other in groups where other.aliasEnd > other.aliasStart {
                for alias in aliases[other.aliasStart..<other.aliasEnd] where !aliasFacts[alias].isTrap && !aliasFacts[alias].isSurname {
                    for position in countryPositions(of: aliasFacts[alias].entity) { possible.insert(countryCode(at: position)) }
                }
            }
            return possible
        }
        // Whether the name of a place (not a trap, not a bare surname) ends or starts at a token of
        // the trap's field; asked by few rules, so looked up only when asked.
        let facts = aliasFacts
        func place(at index: Int, ending: Bool) -> Bool {
            groups.contains { other in
                other.fieldIndex == group.fieldIndex && (ending ? other.end : other.start) == index
                    && aliases[other.aliasStart..<other.aliasEnd].contains { !facts[$0].isTrap && !facts[$0].isSurname }
            }
        }
        let trapContext = TrapRules.Context(
            fields: fields, countries: Set(context.map { countryCodes[Int($0)] }), possibleCountries: possible,
            placeEnds: { place(at: $0, ending: true) }, placeStarts: { place(at: $0, ending: false) },
            startsKnownPhrase: { known.contains($0) })
        let key = group.end - group.start == 1 ? field.word(group.start) : (group.start..<group.end).map { field.word($0) }.joined(separator: " ")
        switch TrapRules.decide(key, field: field, start: group.start, end: group.end, context: trapContext) {
        case .reject:
            return (candidates.filter { !aliasFacts[$0].isTrap }, nil, nil)
        case .accept(let country, let decided):
            // A country no entity has: no candidate can match it, as before.
            return (nil, country.map { countryIndex[$0] ?? -1 }, decided)
        }
    }

    /// The best reading among `aliases`: the preferred country's, else one whose country is named
    /// elsewhere, else main names before alternate names, then by kind (countries first) and population.
    private func choose(_ aliases: some Collection<Int>, preferred: Int32?, context: BufferView<Int32>) -> Int? {
        guard let only = aliases.first else { return nil }
        // A single reading is the answer whatever the countries say (it is also the fallback).
        if aliases.count == 1 { return only }
        func better(_ a: Int, _ b: Int) -> Bool {
            if aliasFacts[a].isAlternate != aliasFacts[b].isAlternate { return !aliasFacts[a].isAlternate }
            let left = entityFacts[aliasFacts[a].entity]
            let right = entityFacts[aliasFacts[b].entity]
            // Cities and subdivisions compete on population (a subdivision's is estimated).
            if left.kind != right.kind && !(left.kind.isSettlement && right.kind.isSettlement) { return left.kind < right.kind }
            return left.population > right.population
        }
        /// The first best of the readings that `keep` accepts (as `filter(keep).min(by: better)`).
        func best(where keep: (Int) -> Bool) -> Int? {
            var result: Int?
            for alias in aliases where keep(alias) {
                if let current = result, !better(alias, current) { continue }
                result = alias
            }
            return result
        }
        /// Whether one of the countries of `alias`'s entity passes `test`.
        func anyCountry(of alias: Int, _ test: (Int32) -> Bool) -> Bool {
            countryPositions(of: aliasFacts[alias].entity).contains { test(entityCountries[$0]) }
        }
        if let preferred, let found = best(where: { anyCountry(of: $0) { $0 == preferred } }) { return found }
        if let found = best(where: { anyCountry(of: $0, context.contains) }) { return found }
        return best(where: { _ in true })
    }
}
