import Foundation

/// Tags news items with regions, topics, countries, places and urgency, and says why.
///
/// Pure and I/O-free: build it once from `ClassifierResources` (that is where the files are read),
/// then call `classify` as often as needed, from any task. Immutable and `Sendable`.
public struct NewsClassifier: Sendable {
    /// The version of the classification rules in this code; part of `version`.
    public static let engineVersion = "1.0.0"

    public let taxonomy: Taxonomy
    public let gazetteer: Gazetteer
    public let urgencyRules: UrgencyRules
    public let topicModel: TopicModel?
    /// Names every part that decides the output: engine, gazetteer, taxonomy, topic model, urgency rules.
    public let version: String

    let trie: PhraseTrie
    let resolver: PlaceResolver
    let urgency: UrgencyDetector
    let topicIndex: TopicFeatureIndex?
    /// The regions each gazetteer entity adds to, with the rule of each (rules made once).
    let entityRegions: EntityRegions
    let hintRegion: [String: Int]
    let hintTopic: [String: Int]

    public init(resources: ClassifierResources) {
        let taxonomy = resources.taxonomy
        self.taxonomy = taxonomy
        let gazetteer = resources.gazetteer
        self.gazetteer = gazetteer
        let urgencyRules = resources.urgencyRules
        self.urgencyRules = urgencyRules
        let topicModel = resources.topicModel
        self.topicModel = topicModel

        var trie = PhraseTrie()
        for (index, alias) in gazetteer.aliases.enumerated() {
            trie.insert(alias.text, payload: .placeAlias(index), forceUpper: alias.requiresCapitals)
        }
        for (regionIndex, region) in taxonomy.regions.enumerated() {
            for (phraseIndex, phrase) in region.phrases.enumerated() {
                let (text, upper) = Self.splitFlag(phrase)
                trie.insert(text, payload: .regionPhrase(region: regionIndex, phrase: phraseIndex), forceUpper: upper)
            }
        }
        for (topicIndex, topic) in taxonomy.topics.enumerated() {
            for (phraseIndex, keyword) in topic.keywords.enumerated() {
                let (text, upper) = Self.splitFlag(keyword)
                trie.insert(text, payload: .topicKeyword(topic: topicIndex, phrase: phraseIndex), forceUpper: upper)
            }
        }
        for (index, cue) in urgencyRules.cues.enumerated() {
            let (text, upper) = Self.splitFlag(cue.phrase)
            trie.insert(text, payload: .urgencyCue(index), forceUpper: upper)
        }
        // Words the topic model and the urgency rules look up by id.
        if let topicModel {
            for word in TopicFeatureIndex.words(of: topicModel) { trie.intern(word) }
        }
        for word in UrgencyDetector.words(of: urgencyRules) { trie.intern(word) }
        trie.compile()
        self.trie = trie
        var knownFirstWords = Set<String>()
        for alias in gazetteer.aliases where !alias.isAlternate {
            if let first = Tokenizer.tokenize(alias.text).first { knownFirstWords.insert(first.folded) }
        }
        for phrase in taxonomy.regions.flatMap(\.phrases) + taxonomy.topics.flatMap(\.keywords) {
            if let first = Tokenizer.tokenize(Self.splitFlag(phrase).0).first { knownFirstWords.insert(first.folded) }
        }
        resolver = PlaceResolver(gazetteer: gazetteer, knownFirstWords: knownFirstWords)
        urgency = UrgencyDetector(rules: urgencyRules, vocabulary: trie.vocabulary)
        topicIndex = topicModel.map { TopicFeatureIndex(model: $0, topicLabels: taxonomy.topics.map(\.label), vocabulary: trie.vocabulary) }
        let countryRules = Dictionary(uniqueKeysWithValues: Set(gazetteer.entities.flatMap(\.countries)).map { ($0, "country:\($0)") })
        var byPlace: [String: [Int]] = [:]
        for entry in taxonomy.placeRegions {
            byPlace[entry.place] = entry.regions.compactMap { label in taxonomy.regions.firstIndex { $0.label == label } }
        }
        entityRegions = EntityRegions(
            gazetteer: gazetteer, regionsByPlace: byPlace, regionsByCountry: taxonomy.regionIndicesByCountry(), countryRules: countryRules)
        hintRegion = Dictionary(taxonomy.regions.enumerated().map { ($1.label, $0) }, uniquingKeysWith: { first, _ in first })
        hintTopic = Dictionary(taxonomy.topics.enumerated().map { ($1.label, $0) }, uniquingKeysWith: { first, _ in first })
        version = [
            "classifier-\(Self.engineVersion)", gazetteer.version, "taxonomy-\(taxonomy.version)",
            topicModel.map { $0.version } ?? "no-model", "urgency-\(urgencyRules.version)",
        ].joined(separator: "/")
    }

    /// The bundled default: the resources in `Resources/`, loaded once per call (keep the result).
    public static func bundled() throws(ClassifierError) -> NewsClassifier {
        NewsClassifier(resources: try ClassifierResources.bundled())
    }

    /// A classifier with the same gazetteer, taxonomy and urgency rules and another topic model.
    public func replacingTopicModel(_ model: TopicModel?) -> NewsClassifier {
        NewsClassifier(resources: ClassifierResources(
            gazetteer: gazetteer, taxonomy: taxonomy, urgencyRules: urgencyRules, topicModel: model))
    }

    /// Classifies one item.
    public func classify(_ input: ClassificationInput) -> Classification {
        let analysis = analyse(input)
        // One explanation array, each step appending its evidence in turn: countries, regions, topics, urgency.
        var explanation: [Evidence] = []
        explanation.reserveCapacity(2 * analysis.mentions.count + 8)
        let (countries, places) = describePlaces(analysis, evidence: &explanation)
        let regions = scoreRegions(analysis, hint: input.hints?.region, evidence: &explanation)
        let topics = scoreTopics(analysis, hint: input.hints?.topic, evidence: &explanation)
        let level = urgency.detect(fields: analysis.fields, sourceKind: input.sourceKind, evidence: &explanation)

        return Classification(
            regions: regions, topics: topics, countries: countries, places: places, urgency: level,
            explanation: explanation, classifierVersion: version)
    }

    /// Classifies a bare text as a title (the CLI and evaluation form).
    public func classify(text: String, sourceKind: ClassificationInput.SourceKind? = nil) -> Classification {
        classify(ClassificationInput(title: text, sourceKind: sourceKind))
    }

    // MARK: - Shared analysis

    /// The tokenised fields and the names resolved in them.
    struct Analysis {
        var fields: [FieldText]
        var mentions: [PlaceMention]
        /// Lexicon keyword hits, per topic in taxonomy order (leftmost longest within a topic): (field index, hit).
        var keywordHits: [(topic: Int, field: Int, hit: PhraseTrie.Hit)]

        func keywordHits(of topic: Int) -> some Sequence<(field: Int, hit: PhraseTrie.Hit)> {
            keywordHits.lazy.filter { $0.topic == topic }.map { ($0.field, $0.hit) }
        }
    }

    func analyse(_ input: ClassificationInput) -> Analysis {
        var fields = [FieldText(field: .title, text: input.title, trie: trie, weight: 1)]
        if !input.summary.isEmpty {
            fields.append(FieldText(field: .summary, text: input.summary, trie: trie, weight: 0.5))
        }
        let mentions = resolver.resolve(fields)
        var keywordHits: [(topic: Int, field: Int, hit: PhraseTrie.Hit)] = []
        for (fieldIndex, field) in fields.enumerated() {
            for hit in field.hits {
                if case .topicKeyword(let topic, _) = hit.payload { keywordHits.append((topic, fieldIndex, hit)) }
            }
        }
        if keywordHits.count > 1 {
            keywordHits.sort { ($0.topic, $0.field, $0.hit.start, $1.hit.end) < ($1.topic, $1.field, $1.hit.start, $0.hit.end) }
            var kept: [(topic: Int, field: Int, hit: PhraseTrie.Hit)] = []
            for entry in keywordHits {
                if let last = kept.last, last.topic == entry.topic, last.field == entry.field, entry.hit.start < last.hit.end { continue }
                kept.append(entry)
            }
            keywordHits = kept
        }
        return Analysis(fields: fields, mentions: mentions, keywordHits: keywordHits)
    }

    static func splitFlag(_ phrase: String) -> (String, Bool) {
        if phrase.hasSuffix(":U") { return (String(phrase.dropLast(2)), true) }
        return (phrase, false)
    }
}
