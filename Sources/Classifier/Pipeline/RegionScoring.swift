import Foundation

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

    /// Countries in order of first mention, the places among the mentions, and one explanation
    /// step per country.
    func describePlaces(_ analysis: Analysis) -> ([String], [MatchedPlace], [Evidence]) {
        var countries: [String] = []
        var places: [MatchedPlace] = []
        var evidence: [Evidence] = []
        evidence.reserveCapacity(analysis.mentions.count)
        for mention in analysis.mentions {
            guard case .entity(let index) = mention.target else { continue }
            let entity = gazetteer.entities[index]
            for country in entity.countries where !countries.contains(country) {
                countries.append(country)
                evidence.append(Evidence(kind: .country, tag: country, phrase: mention.matchedText, field: mention.field, rule: mention.rule))
            }
            if entity.kind.isPlace, !places.contains(where: { $0.name == entity.name && $0.field == mention.field }) {
                places.append(MatchedPlace(
                    name: entity.name, countryCode: entity.countries.count == 1 ? entity.countries[0] : nil,
                    matchedText: mention.matchedText, field: mention.field))
            }
        }
        return (countries, places, evidence)
    }

    /// Regions scored from their mentions: each adds `kind weight x field weight`, and the score
    /// is `1 - exp(-1.2 x total)`. With no mention at all, the source's hint region (if any).
    func scoreRegions(_ analysis: Analysis, hint: String?) -> ([ScoredTag], [Evidence]) {
        var totals = [Double](repeating: 0, count: taxonomy.regions.count)
        var reasons: [(region: Int, mention: Int, rule: String)] = []
        for (mentionIndex, mention) in analysis.mentions.enumerated() {
            let fieldWeight = analysis.fields[mention.fieldIndex].weight
            switch mention.target {
            case .region(let region):
                totals[region] += Self.regionPhraseWeight * fieldWeight
                reasons.append((region, mentionIndex, "region-phrase"))
            case .entity(let index):
                let entity = gazetteer.entities[index]
                let weight = Self.weight(of: entity.kind, surname: mention.isSurname) * fieldWeight
                if !regionsByPlace.isEmpty, let regions = regionsByPlace[entity.name] {
                    for region in regions {
                        totals[region] += weight
                        reasons.append((region, mentionIndex, "place:\(entity.name)"))
                    }
                    continue
                }
                for (position, country) in entity.countries.enumerated() {
                    for region in regionsByCountry[country] ?? [] {
                        // A place in two countries of one region counts once for it.
                        if position > 0, entity.countries[..<position].contains(where: { regionsByCountry[$0]?.contains(region) ?? false }) { continue }
                        totals[region] += weight
                        reasons.append((region, mentionIndex, countryRules[country] ?? "country:\(country)"))
                    }
                }
            }
        }
        var tags: [(tag: ScoredTag, region: Int)] = []
        for (region, total) in totals.enumerated() where total > 0 {
            let score = 1 - exp(-1.2 * total)
            if score >= Self.regionThreshold {
                tags.append((ScoredTag(label: taxonomy.regions[region].label, score: Self.rounded(score)), region))
            }
        }
        if tags.isEmpty, let hint, hintRegion[hint] != nil {
            return ([ScoredTag(label: hint, score: 0.5)], [Evidence(kind: .region, tag: hint, phrase: hint, field: .source, rule: "hint")])
        }
        if tags.count > 1 { tags.sort { ($0.tag.score, $1.region) > ($1.tag.score, $0.region) } }
        var evidence: [Evidence] = []
        evidence.reserveCapacity(min(reasons.count, tags.count * 3))
        for (tag, region) in tags {
            var shown = 0
            for reason in reasons where reason.region == region && shown < 3 {
                let mention = analysis.mentions[reason.mention]
                evidence.append(Evidence(kind: .region, tag: tag.label, phrase: mention.matchedText, field: mention.field, rule: reason.rule))
                shown += 1
            }
        }
        return (tags.map(\.tag), evidence)
    }

    static func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}
