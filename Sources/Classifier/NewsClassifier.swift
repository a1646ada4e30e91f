import Foundation
import NewsModel

/// Tags news items with regions, topics, countries, places and urgency, and says why.
///
/// Pure and I/O-free: build it once from `ClassifierResources` (that is where the files are read),
/// then call `classify` as often as needed, from any task. Immutable and `Sendable`.
public struct NewsClassifier: Sendable {
    /// The version of the classification rules in this code; part of `version`.
    public static let engineVersion = "1.6.0"

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
    /// The taxonomy's topic and region sections, read in an item's categories and URL.
    let publisherSections: PublisherSections
    /// By the trie's phrase number: whether the phrase is written with a capital (a keyword that is a
    /// name, "Arsenal", "NHS", which the topic model weighs apart from common words: `TopicFeatures`).
    /// Read off `trie.phrases` once, flat, so that the hot path copies no `Phrase` and its string.
    let phraseIsName: [Bool]
    /// Currency signs read when an item names no place ("£31m").
    let currencySigns: CurrencySigns
    let scratchPool = ScratchPool()

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
            trie.insert(alias.text, payload: .placeAlias(index), forceUpper: alias.requiresCapitals, alternate: alias.isAlternate)
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
        var knownFirstWords = Set<String>()
        for alias in gazetteer.aliases where !alias.isAlternate {
            if let first = Tokenizer.tokenize(alias.text).first { knownFirstWords.insert(first.folded) }
        }
        for phrase in taxonomy.regions.flatMap(\.phrases) + taxonomy.topics.flatMap(\.keywords) {
            if let first = Tokenizer.tokenize(Self.splitFlag(phrase).0).first { knownFirstWords.insert(first.folded) }
        }
        resolver = PlaceResolver(gazetteer: gazetteer, knownFirstWords: knownFirstWords)
        urgency = UrgencyDetector(rules: urgencyRules, vocabulary: trie.vocabulary)
        let topicIndex = topicModel.map { TopicFeatureIndex(model: $0, topicLabels: taxonomy.topics.map(\.label), vocabulary: trie.vocabulary) }
        self.topicIndex = topicIndex
        let urgency = self.urgency
        trie.tagWords { id, tag in
            topicIndex?.tag(id, &tag)
            urgency.tag(id, &tag)
        }
        trie.freeze()
        self.trie = trie
        let countryRules = Dictionary(uniqueKeysWithValues: Set(gazetteer.entities.flatMap(\.countries)).map { ($0, "country:\($0)") })
        var byPlace: [String: [Int]] = [:]
        for entry in taxonomy.placeRegions {
            byPlace[entry.place] = entry.regions.compactMap { label in taxonomy.regions.firstIndex { $0.label == label } }
        }
        entityRegions = EntityRegions(
            gazetteer: gazetteer, regionsByPlace: byPlace, regionsByCountry: taxonomy.regionIndicesByCountry(), countryRules: countryRules)
        hintRegion = Dictionary(taxonomy.regions.enumerated().map { ($1.label, $0) }, uniquingKeysWith: { first, _ in first })
        hintTopic = Dictionary(taxonomy.topics.enumerated().map { ($1.label, $0) }, uniquingKeysWith: { first, _ in first })
        publisherSections = PublisherSections(taxonomy: taxonomy)
        currencySigns = CurrencySigns(gazetteer: gazetteer, regions: hintRegion)
        phraseIsName = trie.phrases.map { $0.capitalMask | $0.upperMask != 0 }
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
        classify(
            title: input.title, summary: input.summary, sourceKind: input.sourceKind, hints: input.hints, categories: input.categories,
            url: input.url)
    }

    /// Classifies a bare text as a title (the CLI and evaluation form).
    public func classify(text: String, sourceKind: ClassificationInput.SourceKind? = nil) -> Classification {
        classify(title: text, summary: "", sourceKind: sourceKind, hints: nil, categories: [], url: nil)
    }

    /// Both entry points come here with the parts of the input that classifying reads, so that a
    /// bare text is not first made into a `ClassificationInput` (built and destroyed per item).
    private func classify(
        title: String, summary: String, sourceKind: ClassificationInput.SourceKind?, hints: ClassificationInput.Hints?,
        categories: [String], url: String?
    ) -> Classification {
        let scratch = scratchPool.take()
        defer { scratchPool.give(scratch) }
        return classify(
            title: title, summary: summary, sourceKind: sourceKind, hints: hints, categories: categories, url: url, buffers: &scratch.buffers)
    }

    /// Classifies with `buffers`, which hold the scanned fields the analysis reads until it returns.
    private func classify(
        title: String, summary: String, sourceKind: ClassificationInput.SourceKind?, hints: ClassificationInput.Hints?,
        categories: [String], url: String?, buffers: inout ScratchBuffers
    ) -> Classification {
        let sections = categories.isEmpty && url == nil
            ? []
            : publisherSections.matches(categories: categories, url: url, text: &buffers.sectionText, keyStorage: &buffers.sectionKey)
        // Where the item names no place: the region its publisher filed it under, else its source's hint,
        // else the regions of the country whose country-code domain its URL is in.
        var regionHint: RegionHint?
        if let section = sections.first(where: { $0.kind == .region }) {
            regionHint = RegionHint(regions: [taxonomy.regions[section.index].label], phrase: section.phrase, rule: section.rule)
        } else if let region = hints?.region, hintRegion[region] != nil {
            regionHint = RegionHint(regions: [region], phrase: region, rule: "hint")
        } else if let domain = sections.first(where: { $0.kind == .domainCountry }) {
            regionHint = RegionHint(
                regions: sections.filter { $0.kind == .domainCountry }.map { taxonomy.regions[$0.index].label }, phrase: domain.phrase,
                rule: domain.rule, isDomain: true)
        }
        // A name in the item's own text ("Samsung", "Uber") says more than its publisher's domain,
        // but less than the desk or the operator.
        let analysis = analyse(
            title: title, summary: summary, hasRegionHint: regionHint.map { !$0.isDomain } ?? false, buffers: &buffers)
        // One explanation array, each step appending its evidence in turn: countries, regions, topics, urgency.
        var explanation: [ExplanationStep] = []
        explanation.reserveCapacity(2 * analysis.mentions.count + 8)
        let (countries, places) = describePlaces(analysis, evidence: &explanation)
        let regions = scoreRegions(analysis, hint: regionHint, scores: &buffers.scores, evidence: &explanation)
        let topics = scoreTopics(analysis, hint: hints?.topic, sections: sections, scores: &buffers.scores, evidence: &explanation)
        let level = urgency.detect(fields: analysis.fields, sourceKind: sourceKind, evidence: &explanation)
        buffers.recycle(analysis)
        return Classification(
            regions: regions, topics: topics, countries: countries, places: places, urgency: level,
            explanation: explanation, classifierVersion: version)
    }

    /// The regions an item is given when it names no place, and the reason shown for them: a region
    /// section of its publisher (`section:category`, `section:url`), its source's hint (`hint`), or
    /// its URL's country-code domain (`domain:IE`: the regions of that country, in taxonomy order).
    struct RegionHint {
        var regions: [String]
        var phrase: String
        var rule: String
        /// From the URL's domain: weak names in the text outvote it (`analyse`).
        var isDomain = false
    }

    // MARK: - Shared analysis

    /// A lexicon keyword hit of `topic` in field `field`.
    typealias KeywordHit = (topic: Int, field: Int, hit: PhraseTrie.Hit)

    /// The tokenised fields and the names resolved in them.
    struct Analysis {
        var fields: FieldList
        var mentions: [PlaceMention]
        /// Lexicon keyword hits, per topic in taxonomy order (leftmost longest within a topic): (field index, hit).
        var keywordHits: BufferView<KeywordHit>
    }

    /// Scans an item's title and summary and resolves the names in them, in `buffers`. The analysis
    /// reads the storage of `buffers`' fields (`FieldView`): keep `buffers` alive while using it.
    /// `hasRegionHint`: the item carries a region section or its source a region hint of the taxonomy,
    /// which outvotes weak names (a country-code domain does not).
    func analyse(title: String, summary: String, hasRegionHint: Bool = false, buffers: inout ScratchBuffers) -> Analysis {
        let fields = FieldList(
            title: buffers.title.scan(title, trie: trie), summary: summary.isEmpty ? nil : buffers.summary.scan(summary, trie: trie))
        var mentions = resolver.resolve(fields, buffers: &buffers)
        // Names place an item; else a currency sign ("Google fined €4bn" is Europe's news); else the
        // region section its publisher filed it under, or the source's region hint (`scoreRegions` reads
        // it when no mention is left: the desk or the operator said where the news is, and "Uber loses
        // appeal" on a British feed is British news); else a weak name ("BBC", "Uber"); else the country
        // of the URL's country-code domain (`scoreRegions` again).
        if mentions.contains(where: { !$0.isWeak }) {
            if mentions.contains(where: \.isWeak) { mentions.removeAll(where: \.isWeak) }
        } else if let sign = currencySigns.mention(in: fields) {
            mentions = [sign]
        } else if hasRegionHint {
            mentions.removeAll()
        }
        buffers.keywordHits.removeAll()
        for (fieldIndex, field) in fields.enumerated() {
            for hit in field.hits {
                if case .topicKeyword(let topic, _) = hit.payload { buffers.keywordHits.append((topic, fieldIndex, hit)) }
            }
        }
        if buffers.keywordHits.count > 1 {
            var keywordHits = buffers.keywordHits.mutableElements
            keywordHits.sort { ($0.topic, $0.field, $0.hit.start, $1.hit.end) < ($1.topic, $1.field, $1.hit.start, $0.hit.end) }
            // Keep the first of overlapping hits of a topic in a field, compacting in place.
            var kept = 1
            for index in 1..<keywordHits.count {
                let entry = keywordHits[index]
                let last = keywordHits[kept - 1]
                if last.topic == entry.topic, last.field == entry.field, entry.hit.start < last.hit.end { continue }
                keywordHits[kept] = entry
                kept += 1
            }
            buffers.keywordHits.truncate(to: kept)
        }
        let keywordHits = buffers.keywordHits.elements
        return Analysis(fields: fields, mentions: mentions, keywordHits: keywordHits)
    }

    static func splitFlag(_ phrase: String) -> (String, Bool) {
        if phrase.hasSuffix(":U") { return (String(phrase.dropLast(2)), true) }
        return (phrase, false)
    }
}
