import Synchronization

/// The working buffers of one classification (scanned fields, hits, candidate groups, mentions,
/// scores, model occurrences), kept between items so that classifying allocates little beyond its
/// result. Only ever used by one classification at a time: `ScratchPool` hands each call its own.
final class ClassifierScratch: @unchecked Sendable {
    // @unchecked: a scratch moves between the pool and one call at a time, never shared.
    var buffers = ScratchBuffers()
}

struct ScratchBuffers: ~Copyable {
    var title = FieldText(field: .title, weight: 1)
    var summary = FieldText(field: .summary, weight: 0.5)
    var groups = ScratchStorage<PlaceResolver.Group>()
    var aliases = ScratchStorage<Int>()
    var contextCountries = ScratchStorage<Int32>()
    var mentions: [PlaceMention] = []
    var keywordHits = ScratchStorage<NewsClassifier.KeywordHit>()
    var scores = ScoreBuffers()
    /// The bytes of a category or URL, and a section name normalised from them (`PublisherSections`).
    var sectionText = ScratchStorage<UInt8>()
    var sectionKey = ScratchStorage<UInt8>()

    /// Takes the mentions of a finished analysis back, to reuse for the next item; consuming the
    /// analysis moves them here instead of copying (a retain now, a release when it is gone).
    mutating func recycle(_ analysis: consuming NewsClassifier.Analysis) {
        mentions = analysis.mentions
    }
}

/// The tables that scoring an item's regions and topics fills, sized to the taxonomy and the item.
struct ScoreBuffers: ~Copyable {
    var regionTotals = ScratchStorage<Double>()
    var regionTags = ScratchStorage<(score: Double, region: Int)>()
    var topicCounts = ScratchStorage<Double>()
    var kinds = ScratchStorage<Gazetteer.EntityKind>()
    var probabilities = ScratchStorage<Double>()
    /// The topic model's label sums.
    var modelSums = ScratchStorage<Double>()
    /// The model's word and bigram occurrences that can be evidence.
    var occurrences = ScratchStorage<TopicFeatureIndex.Occurrence>()
    /// The most probable topics, best first.
    var topicOrder = ScratchStorage<Int>()
}

/// Scratch buffers for classifications running at the same time, one per call: taken at the
/// start, given back at the end. Holds at most `limit` idle ones.
final class ScratchPool: Sendable {
    private let idle = Mutex<[ClassifierScratch]>([])
    private let limit = 16

    /// A scratch for one classification, the caller's until `give`.
    func take() -> ClassifierScratch {
        idle.withLock { $0.popLast() } ?? ClassifierScratch()
    }

    /// Takes back a scratch from `take`.
    func give(_ scratch: ClassifierScratch) {
        idle.withLock { idle in
            if idle.count < limit { idle.append(scratch) }
        }
    }
}
