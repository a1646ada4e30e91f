import Foundation
import NewsModel

extension NewsClassifier {
    /// How much one mention weighs for its regions, before the field's weight.
    static func weight(of kind: Gazetteer.EntityKind, surname: Bool) -> Double {
        switch kind {
        case .country, .area: 1.0
        case .city: 0.9
        case .institution, .organisation, .subdivision: 0.8
        case .leader: surname ? 0.6 : 0.8
        case .demonym: 0.6
        }
    }

    /// Weight of a region phrase ("Middle East", "NATO").
    static let regionPhraseWeight = 0.8
    /// A region is reported from this score up.
    static let regionThreshold = 0.2

    /// Countries in order of first mention and the places among the mentions; one explanation
    /// step per country is appended to `evidence`.
    func describePlaces(_ analysis: Analysis, evidence: inout [ExplanationStep]) -> ([String], [PlaceMatch]) {
        var countries: [String] = []
        var places: [PlaceMatch] = []
        // The resolver's facts, not the gazetteer entry: reading those copies no strings.
        for mention in analysis.mentions {
            guard case .entity(let index) = mention.target else { continue }
            let positions = resolver.countryPositions(of: index)
            for position in positions {
                let country = resolver.countryCode(at: position)
                if countries.contains(country) { continue }
                countries.append(country)
                evidence.append(ExplanationStep(kind: .country, tag: country, phrase: mention.matchedText, field: mention.field, rule: mention.rule))
            }
            // A place is where the text names it; a mention from the source's configuration has no text.
            guard resolver.kind(of: index).isPlace, let field = PlaceMatch.Field(mention.field) else { continue }
            let name = gazetteer.entities[index].name
            if !places.contains(where: { $0.name == name && $0.field == field }) {
                places.append(PlaceMatch(
                    name: name, countryCode: positions.count == 1 ? resolver.countryCode(at: positions.lowerBound) : nil,
                    matchedText: mention.matchedText, field: field))
            }
        }
        return (countries, places)
    }

    /// Regions scored from their mentions: each adds `kind weight x field weight`, and the score
    /// is `1 - exp(-1.2 x total)`. With no mention at all, the region section, hint or domain (`RegionHint`) if any.
    /// Up to three reasons per region are appended to `evidence`.
    func scoreRegions(_ analysis: Analysis, hint: RegionHint?, scores: inout ScoreBuffers, evidence: inout [ExplanationStep]) -> [ScoredLabel] {
        let regionCount = taxonomy.regions.count
        scores.regionTotals.reset(count: regionCount, to: 0)
        let totals = scores.regionTotals.mutableElements
        // Mentions read field by field: a whole copy would retain and release its strings.
        let mentions = analysis.mentions
        for position in mentions.indices {
            let fieldWeight = analysis.fields[mentions[position].fieldIndex].weight
            switch mentions[position].target {
            case .region(let region):
                totals[region] += Self.regionPhraseWeight * fieldWeight
            case .entity(let index):
                let weight = Self.weight(of: resolver.kind(of: index), surname: mentions[position].isSurname) * fieldWeight
                for contribution in entityRegions.range(of: index) { totals[entityRegions.region(contribution)] += weight }
            }
        }
        scores.regionTags.removeAll()
        for region in 0..<regionCount where totals[region] > 0 {
            let score = 1 - exp(-1.2 * totals[region])
            if score >= Self.regionThreshold { scores.regionTags.append((Self.rounded(score), region)) }
        }
        if scores.regionTags.count == 0 {
            if let hint {
                for region in hint.regions {
                    evidence.append(ExplanationStep(kind: .region, tag: region, phrase: hint.phrase, field: .source, rule: hint.rule))
                }
                return hint.regions.map { ScoredLabel(label: $0, score: 0.5) }
            }
            return []
        }
        var found = scores.regionTags.mutableElements
        if found.count > 1 { found.sort { ($0.score, $1.region) > ($1.score, $0.region) } }
        var result: [ScoredLabel] = []
        result.reserveCapacity(found.count)
        for (score, region) in found {
            let label = taxonomy.regions[region].label
            result.append(ScoredLabel(label: label, score: score))
            appendReasons(region: region, label: label, analysis, evidence: &evidence)
        }
        return result
    }

    /// The first three mentions (and their rules) that added to `region`, in the order they added.
    private func appendReasons(region: Int, label: String, _ analysis: Analysis, evidence: inout [ExplanationStep]) {
        var shown = 0
        let mentions = analysis.mentions
        for position in mentions.indices {
            switch mentions[position].target {
            case .region(let phraseRegion):
                guard phraseRegion == region else { continue }
                evidence.append(ExplanationStep(
                    kind: .region, tag: label, phrase: mentions[position].matchedText, field: mentions[position].field,
                    rule: mentions[position].rule))
                shown += 1
            case .entity(let index):
                for contribution in entityRegions.range(of: index) where entityRegions.region(contribution) == region && shown < 3 {
                    evidence.append(ExplanationStep(
                        kind: .region, tag: label, phrase: mentions[position].matchedText, field: mentions[position].field,
                        rule: entityRegions.rules[contribution]))
                    shown += 1
                }
            }
            if shown == 3 { return }
        }
    }

    static func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}

/// For each gazetteer entity, the regions its mention adds to and the rule of each, worked out
/// once: the taxonomy's place → regions entries first, else the regions of its countries (a region
/// that two of its countries share counts once). Flat arrays: entity `e` has contributions
/// `starts[e]..<starts[e + 1]`.
struct EntityRegions: Sendable {
    private var starts: [Int32] = [0]
    private var regions: [Int32] = []
    private(set) var rules: [String] = []

    init(gazetteer: Gazetteer, regionsByPlace: [String: [Int]], regionsByCountry: [String: [Int]], countryRules: [String: String]) {
        starts.reserveCapacity(gazetteer.entities.count + 1)
        for entity in gazetteer.entities {
            if !regionsByPlace.isEmpty, let places = regionsByPlace[entity.name] {
                for region in places { add(region, "place:\(entity.name)") }
            } else {
                for (position, country) in entity.countries.enumerated() {
                    for region in regionsByCountry[country] ?? [] {
                        // A place in two countries of one region counts once for it.
                        if position > 0, entity.countries[..<position].contains(where: { regionsByCountry[$0]?.contains(region) ?? false }) { continue }
                        add(region, countryRules[country] ?? "country:\(country)")
                    }
                }
            }
            starts.append(Int32(regions.count))
        }
    }

    private mutating func add(_ region: Int, _ rule: String) {
        regions.append(Int32(region))
        rules.append(rule)
    }

    @inline(__always)
    func range(of entity: Int) -> Range<Int> { Int(starts[entity])..<Int(starts[entity + 1]) }

    @inline(__always)
    func region(_ contribution: Int) -> Int { Int(regions[contribution]) }
}
