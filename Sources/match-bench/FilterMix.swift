import Foundation

/// The kinds of generated filters and how often each occurs.
///
/// Label-only filters (regions, topics, countries and their combinations) match a large share of
/// all items, so they set how many subscriptions an item fans out to; keyword filters match
/// rarely; unindexed ones (only NOT, only urgency) are evaluated for every item.
/// `--label-share` and `--unindexed-share` move weight between these groups.
enum FilterKind: CaseIterable {
    case singleRegion, regionAndTopic, regionOrRegionAndTopic, country, labelNotSource, labelUrgent, broadTopic
    case phrase, phraseWithLabel, phraseNotSource, phraseUrgent
    case unindexed

    enum Group { case label, keyword, unindexed }

    var group: Group {
        switch self {
        case .singleRegion, .regionAndTopic, .regionOrRegionAndTopic, .country, .labelNotSource, .labelUrgent, .broadTopic: .label
        case .phrase, .phraseWithLabel, .phraseNotSource, .phraseUrgent: .keyword
        case .unindexed: .unindexed
        }
    }

    /// Relative weight inside its group.
    var weight: Double {
        switch self {
        case .singleRegion: 6
        case .regionAndTopic: 10
        case .regionOrRegionAndTopic: 6
        case .country: 8
        case .labelNotSource: 4
        case .labelUrgent: 4
        case .broadTopic: 2
        case .phrase: 30
        case .phraseWithLabel: 18
        case .phraseNotSource: 4
        case .phraseUrgent: 4
        case .unindexed: 1
        }
    }

    var example: String {
        switch self {
        case .singleRegion: "region:MENA"
        case .regionAndTopic: "region:Europe AND topic:Economy"
        case .regionOrRegionAndTopic: "(region:MENA OR region:Palestine) AND topic:Politics"
        case .country: "country:LB, country:UA AND topic:Politics"
        case .labelNotSource: "region:MENA AND topic:Politics NOT source:example-wire"
        case .labelUrgent: "topic:Politics AND urgency>=urgent"
        case .broadTopic: "topic:Sports"
        case .phrase: "\"air strike\", earthquake, \"elon musk\" OR tesla"
        case .phraseWithLabel: "region:Europe AND (sanctions OR \"oil prices\")"
        case .phraseNotSource: "\"oil prices\" NOT source:example-wire"
        case .phraseUrgent: "earthquake AND urgency>=urgent"
        case .unindexed: "NOT source:example-wire, urgency>=flash"
        }
    }
}

/// Percentages of each filter kind for a label share and an unindexed share (in percent).
struct FilterMix {
    let shares: [(kind: FilterKind, percent: Double)]

    init(labelPercent: Double, unindexedPercent: Double) {
        let keywordPercent = max(0, 100 - labelPercent - unindexedPercent)
        let groupPercent: [FilterKind.Group: Double] = [.label: labelPercent, .keyword: keywordPercent, .unindexed: unindexedPercent]
        var groupWeight: [FilterKind.Group: Double] = [:]
        for kind in FilterKind.allCases { groupWeight[kind.group, default: 0] += kind.weight }
        shares = FilterKind.allCases.map { kind in (kind, groupPercent[kind.group]! * kind.weight / groupWeight[kind.group]!) }
    }

    /// One line per kind, for --help and the run's header.
    var table: String {
        shares.map { share in
            "  " + String(format: "%4.1f%%", share.percent) + "  " + share.kind.example
        }.joined(separator: "\n")
    }

    func kind(using generator: inout SeededGenerator) -> FilterKind {
        var u = Double.random(in: 0..<100, using: &generator)
        for share in shares {
            if u < share.percent { return share.kind }
            u -= share.percent
        }
        return shares.last!.kind
    }
}
