/// All active subscriptions' filters, indexed so that an item is checked only
/// against the filters it could match.
///
/// Each filter is reduced to a set of keys of which a matching item must have
/// at least one (`region:mena`, `topic:politics`, `country:lb`, `source:x`,
/// `lang:en` or a word of its text); filters with no such set (only `NOT`,
/// only urgency) are checked for every item. For an item, the candidates are
/// the union of its keys' postings plus those; only they are evaluated.
/// A value type: build or update it on one task, read it from any.
public struct MatchIndex: Sendable {
    public struct Entry: Sendable {
        public var subscriptionID: String
        public var filter: FilterExpression
    }

    private var entries: [String: Entry] = [:]
    private var postings: [String: Set<String>] = [:]
    private var unindexed: Set<String> = []
    private var keysBySubscription: [String: Set<String>] = [:]

    public init() {}

    public var count: Int { entries.count }

    /// Adds or replaces a subscription's filter.
    public mutating func upsert(_ subscriptionID: String, filter: FilterExpression) {
        remove(subscriptionID)
        entries[subscriptionID] = Entry(subscriptionID: subscriptionID, filter: filter)
        if let keys = Self.necessaryKeys(filter), !keys.isEmpty {
            keysBySubscription[subscriptionID] = keys
            for key in keys { postings[key, default: []].insert(subscriptionID) }
        } else {
            unindexed.insert(subscriptionID)
        }
    }

    public mutating func remove(_ subscriptionID: String) {
        guard entries.removeValue(forKey: subscriptionID) != nil else { return }
        unindexed.remove(subscriptionID)
        for key in keysBySubscription.removeValue(forKey: subscriptionID) ?? [] {
            postings[key]?.remove(subscriptionID)
            if postings[key]?.isEmpty == true { postings[key] = nil }
        }
    }

    /// The subscriptions whose filters match, with the terms that matched, sorted by id.
    public func matches(_ subject: FilterSubject) -> [(subscriptionID: String, matchedTerms: [String])] {
        var candidates = unindexed
        for key in Self.keys(of: subject) { candidates.formUnion(postings[key] ?? []) }
        var result: [(String, [String])] = []
        for id in candidates {
            guard let entry = entries[id] else { continue }
            var terms: [String] = []
            if entry.filter.matches(subject, matched: &terms) { result.append((id, terms)) }
        }
        return result.sorted { $0.0 < $1.0 }
    }

    /// How many filters an item is checked against (for metrics and tests).
    public func candidateCount(_ subject: FilterSubject) -> Int {
        var candidates = unindexed
        for key in Self.keys(of: subject) { candidates.formUnion(postings[key] ?? []) }
        return candidates.count
    }

    static func keys(of subject: FilterSubject) -> Set<String> {
        var keys = Set<String>()
        for region in subject.regions { keys.insert("region:" + region) }
        for topic in subject.topics { keys.insert("topic:" + topic) }
        for country in subject.countries { keys.insert("country:" + country) }
        keys.insert("source:" + subject.source)
        if let language = subject.language {
            keys.insert("lang:" + language)
            if let primary = language.split(separator: "-").first { keys.insert("lang:" + primary) }
        }
        for word in subject.words { keys.insert("word:" + word) }
        return keys
    }

    /// Keys of which any matching item has at least one; nil when there is no such set.
    static func necessaryKeys(_ expression: FilterExpression) -> Set<String>? {
        switch expression {
        case .field(let field, let value):
            return ["\(field.rawValue):\(value)"]
        case .text(let phrase):
            // Every word of a phrase must occur; the longest is the most selective.
            guard let word = phrase.split(separator: " ").max(by: { $0.count < $1.count }) else { return nil }
            return ["word:" + word]
        case .urgency, .not:
            return nil
        case .and(let parts):
            return parts.compactMap(necessaryKeys).min { $0.count < $1.count }
        case .or(let parts):
            var union = Set<String>()
            for part in parts {
                guard let keys = necessaryKeys(part) else { return nil }
                union.formUnion(keys)
            }
            return union
        }
    }
}
