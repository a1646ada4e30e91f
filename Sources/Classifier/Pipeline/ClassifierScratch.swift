import Synchronization

/// The working buffers of one classification (scanned fields, hits, candidate groups, mentions,
/// model occurrences), kept between items so that classifying allocates little beyond its result.
/// Only ever used by one classification at a time: `ScratchPool` hands each call its own. The
/// buffers are one struct, passed `inout` down the call; as the pool never hands a scratch to two
/// calls at once, the runtime exclusivity check on that access is left out.
final class ClassifierScratch: @unchecked Sendable {
    @exclusivity(unchecked) var buffers = ScratchBuffers()
}

struct ScratchBuffers: ~Copyable {
    var title = FieldText(field: .title, weight: 1)
    var summary = FieldText(field: .summary, weight: 0.5)
    var groups = ScratchStorage<PlaceResolver.Group>()
    var aliases = ScratchStorage<Int>()
    var contextCountries = ScratchStorage<Int32>()
    var mentions: [PlaceMention] = []
    var keywordHits = ScratchStorage<NewsClassifier.KeywordHit>()
    var occurrences: [TopicFeatureIndex.Occurrence] = []

    /// Takes the arrays of a finished analysis back, to reuse for the next item; consuming the
    /// analysis moves them here instead of copying (a retain now, a release when it is gone).
    mutating func recycle(_ analysis: consuming NewsClassifier.Analysis, occurrences: consuming [TopicFeatureIndex.Occurrence]) {
        mentions = analysis.mentions
        self.occurrences = occurrences
    }
}

/// Scratch buffers for classifications running at the same time, one per call: taken at the
/// start, given back at the end. Holds at most `limit` idle ones.
///
/// The last one given back waits in `ready`, taken and put back with one atomic exchange each;
/// the locked list only serves classifications that overlap (a stage classifying one item at a
/// time never reaches it).
final class ScratchPool: Sendable {
    private let ready = Atomic<Unmanaged<ClassifierScratch>?>(nil)
    private let idle = Mutex<[ClassifierScratch]>([])
    private let limit = 16

    /// A scratch for one classification, owned (+1) by the caller until `give`: handed over as
    /// `Unmanaged` so that the one reference moves between the pool and the call without the
    /// retain and release (two more atomic operations) a strong reference in between would cost.
    func take() -> Unmanaged<ClassifierScratch> {
        if let scratch = ready.exchange(nil, ordering: .acquiring) { return scratch }
        return Unmanaged.passRetained(idle.withLock { $0.popLast() } ?? ClassifierScratch())
    }

    /// Takes back a scratch from `take`, and the caller's reference with it.
    func give(_ scratch: Unmanaged<ClassifierScratch>) {
        if ready.compareExchange(expected: nil, desired: scratch, ordering: .releasing).exchanged { return }
        let scratch = scratch.takeRetainedValue()
        idle.withLock { idle in
            if idle.count < limit { idle.append(scratch) }
        }
    }

    deinit {
        ready.load(ordering: .acquiring)?.release()
    }
}
