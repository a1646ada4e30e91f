/// All active subscriptions' filters, indexed so that an item is checked only
/// against the filters it could match.
///
/// Subscriptions with the same filter share one compiled filter (``CompiledFilter``), evaluated
/// once per item. Each distinct filter is reduced to a set of keys of which a matching item must
/// have at least one (a region, topic, country, source, language tag or word of its text); filters
/// with no such set (only `NOT`, only urgency) are checked for every item. For an item, the
/// candidates are the filters on its keys' postings plus those; only they are evaluated.
/// Strings are interned to 32-bit ids (``MatchVocabulary``): postings are arrays of filter ids.
/// A value type: build or update it on one task, read it from any.
public struct MatchIndex: Sendable {
    private var vocabulary = MatchVocabulary()
    private var slotsByID: [String: UInt32] = [:]
    /// By slot: the subscription's id ("" for a free slot) with its sort key, and its filter's id.
    private var slots: [Slot] = []
    private var filterOfSlot: [UInt32] = []
    private var freeSlots: [UInt32] = []
    /// By filter id: the compiled filter, the slots that use it (the first apart, as most filters
    /// have one subscription: one memory access fewer per match), and its keys (empty: unindexed).
    private var filters: [CompiledFilter] = []
    private var firstMembers: [UInt32] = []
    private var moreMembers: [[UInt32]] = []
    private var keysOfFilter: [[UInt64]] = []
    private var filterIDs: [CompiledFilter: UInt32] = [:]
    private var freeFilters: [UInt32] = []
    /// Key (``IndexKey``) to the ids of the filters that need it.
    private var postings: [UInt64: [UInt32]] = [:]
    private var unindexed: [UInt32] = []

    public init() {}

    public var count: Int { slotsByID.count }

    /// Adds or replaces a subscription's filter.
    public mutating func upsert(_ subscriptionID: String, filter: FilterExpression) {
        remove(subscriptionID)
        let filterID = intern(filter)
        let slot: UInt32
        if let free = freeSlots.popLast() {
            slot = free
            slots[Int(slot)] = Slot(subscriptionID)
            filterOfSlot[Int(slot)] = filterID
        } else {
            slot = UInt32(slots.count)
            slots.append(Slot(subscriptionID))
            filterOfSlot.append(filterID)
        }
        slotsByID[subscriptionID] = slot
        if firstMembers[Int(filterID)] == Self.none {
            firstMembers[Int(filterID)] = slot
        } else {
            moreMembers[Int(filterID)].append(slot)
        }
    }

    public mutating func remove(_ subscriptionID: String) {
        guard let slot = slotsByID.removeValue(forKey: subscriptionID) else { return }
        let filterID = filterOfSlot[Int(slot)]
        slots[Int(slot)] = Slot("")
        freeSlots.append(slot)
        if firstMembers[Int(filterID)] == slot {
            firstMembers[Int(filterID)] = moreMembers[Int(filterID)].popLast() ?? Self.none
        } else {
            Self.removeFirst(slot, from: &moreMembers[Int(filterID)])
        }
        if firstMembers[Int(filterID)] == Self.none { release(filterID) }
    }

    /// The subscriptions whose filters match, with the terms that matched, sorted by id.
    public func matches(_ subject: FilterSubject) -> [(subscriptionID: String, matchedTerms: [String])] {
        let item = MatchItem(subject, vocabulary)
        // Sorted as plain values (slot, sort key, terms' index); the strings are touched once, at the end.
        var hits: [(key: SortKey, slot: UInt32, terms: UInt32)] = []
        var termLists: [[String]] = []
        forEachCandidate(of: item) { filterID in
            let filter = filters[Int(filterID)]
            guard filter.matches(item, vocabulary) else { return }
            let terms = UInt32(termLists.count)
            termLists.append(filter.matchedTerms(item, vocabulary))
            let first = firstMembers[Int(filterID)]
            hits.append((slots[Int(first)].key, first, terms))
            for slot in moreMembers[Int(filterID)] { hits.append((slots[Int(slot)].key, slot, terms)) }
        }
        hits.sort { first, second in
            if let ordered = first.key.orders(before: second.key) { return ordered }
            return slots[Int(first.slot)].id < slots[Int(second.slot)].id
        }
        return hits.map { (slots[Int($0.slot)].id, termLists[Int($0.terms)]) }
    }

    /// How many distinct filters an item is checked against (for metrics and tests).
    public func candidateCount(_ subject: FilterSubject) -> Int {
        var count = 0
        forEachCandidate(of: MatchItem(subject, vocabulary)) { _ in count += 1 }
        return count
    }

    /// Calls `body` once for each filter on the postings of the item's keys, then for each unindexed one.
    private func forEachCandidate(of item: MatchItem, _ body: (UInt32) -> Void) {
        var seen = [UInt64](repeating: 0, count: (filters.count + 63) >> 6)
        func visit(_ kind: IndexKey.Kind, _ values: some Sequence<UInt32>) {
            for value in values {
                guard let posting = postings[IndexKey.make(kind, value)] else { continue }
                for filterID in posting {
                    let word = Int(filterID >> 6)
                    let bit = UInt64(1) << (filterID & 63)
                    if seen[word] & bit == 0 {
                        seen[word] |= bit
                        body(filterID)
                    }
                }
            }
        }
        visit(.region, item.regions)
        visit(.topic, item.topics)
        visit(.country, item.countries)
        if let source = item.source { visit(.source, CollectionOfOne(source)) }
        visit(.lang, item.languages)
        visit(.word, item.wordSet)
        for filterID in unindexed { body(filterID) }
    }

    /// The id of the filter's compiled form, compiling and indexing it when no subscription has it yet.
    private mutating func intern(_ filter: FilterExpression) -> UInt32 {
        let compiled = CompiledFilter(filter, vocabulary: &vocabulary)
        if let existing = filterIDs[compiled] { return existing }
        let keys = (IndexKey.necessary(filter) ?? []).map { IndexKey.make($0.kind, vocabulary.value($0.value)) }
        let filterID: UInt32
        if let free = freeFilters.popLast() {
            filterID = free
            filters[Int(filterID)] = compiled
            keysOfFilter[Int(filterID)] = keys
        } else {
            filterID = UInt32(filters.count)
            filters.append(compiled)
            firstMembers.append(Self.none)
            moreMembers.append([])
            keysOfFilter.append(keys)
        }
        filterIDs[compiled] = filterID
        if keys.isEmpty {
            unindexed.append(filterID)
        } else {
            for key in keys { postings[key, default: []].append(filterID) }
        }
        return filterID
    }

    /// Forgets a filter no subscription uses any more; its id is reused.
    private mutating func release(_ filterID: UInt32) {
        filterIDs[filters[Int(filterID)]] = nil
        let keys = keysOfFilter[Int(filterID)]
        if keys.isEmpty { Self.removeFirst(filterID, from: &unindexed) }
        for key in keys {
            Self.removeFirst(filterID, from: &postings[key, default: []])
            if postings[key]?.isEmpty == true { postings[key] = nil }
        }
        filters[Int(filterID)] = CompiledFilter()
        keysOfFilter[Int(filterID)] = []
        freeFilters.append(filterID)
    }

    private static let none = UInt32.max

    private static func removeFirst(_ element: UInt32, from array: inout [UInt32]) {
        guard let index = array.firstIndex(of: element) else { return }
        array.swapAt(index, array.count - 1)
        array.removeLast()
    }
}

/// A subscription's id and its sort key, side by side (one memory access for both).
private struct Slot: Sendable {
    var id: String
    var key: SortKey

    init(_ id: String) {
        self.id = id
        key = SortKey(id)
    }
}

/// The first 16 bytes of an ASCII subscription id as two big-endian integers: comparing them
/// orders ids as `String` does, without touching the strings, unless the prefixes are equal.
struct SortKey: Sendable {
    private var high: UInt64 = 0
    private var low: UInt64 = 0
    private var isASCII = true

    init(_ id: String) {
        var index = 0
        for byte in id.utf8 {
            if byte >= 0x80 { isASCII = false }
            if index < 8 {
                high |= UInt64(byte) << (56 - 8 * index)
            } else if index < 16 {
                low |= UInt64(byte) << (56 - 8 * (index - 8))
            }
            index += 1
        }
    }

    /// Whether `self` sorts first; nil when only the strings can tell (equal prefixes, or not ASCII).
    func orders(before other: SortKey) -> Bool? {
        guard isASCII, other.isASCII else { return nil }
        if high != other.high { return high < other.high }
        if low != other.low { return low < other.low }
        return nil
    }
}
