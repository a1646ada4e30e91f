/// All active subscriptions' filters, indexed so that an item is checked only
/// against the filters it could match, and cheaply.
///
/// Subscriptions with the same filter share one filter id, checked once per item. Each distinct
/// filter is rewritten as clauses (``Clauses``, disjunctive normal form: any clause whose literals
/// all hold) and each clause is filed on the posting of one of its positive literals (a region,
/// topic, country, source, language tag or word of the text), with the rest of its literals inline
/// in the posting entry. So an item reads the postings of its own keys, one after the other in
/// memory, and tests at most three literals an entry: `region:MENA AND topic:Politics` costs one
/// array membership test; `earthquake` none. Filters too large to rewrite are filed under keys
/// every match must have (``IndexKey/necessary(_:)``) and their compiled tree (``CompiledFilter``)
/// is evaluated; filters with a clause of no positive literal (only `NOT`, only urgency) are
/// evaluated for every item.
///
/// ``match(_:)`` gives the matching filters (each stands for its subscribers), not a list per subscriber:
/// its cost grows with the distinct filters that match, not with the subscriptions behind them.
/// ``forEachSubscription(in:_:)`` lists the subscriptions, working out the matched terms once per filter.
/// Strings are interned to 32-bit ids (``MatchVocabulary``).
/// A value type: build or update it on one task, read it from any.
public struct MatchIndex: Sendable {
    private var vocabulary = MatchVocabulary()
    private var slotsByID: [String: UInt32] = [:]
    /// By slot: the subscription's id ("" for a free slot) and its filter's id.
    private var subscriptionIDs: [String] = []
    private var filterOfSlot: [UInt32] = []
    private var freeSlots: [UInt32] = []
    /// By filter id: the compiled filter, the slots that use it (the first apart, as most filters
    /// have one subscription: one memory access fewer per match) and how many, and the posting
    /// keys it is filed under (empty: never filed, or unindexed).
    private var filters: [CompiledFilter] = []
    private var firstMembers: [UInt32] = []
    private var moreMembers: [[UInt32]] = []
    private var memberCounts: [UInt32] = []
    private var keysOfFilter: [[UInt64]] = []
    private var filterIDs: [CompiledFilter: UInt32] = [:]
    private var freeFilters: [UInt32] = []
    /// Key (``IndexKey``) to the clauses filed under it.
    private var postings: [UInt64: Posting] = [:]
    private var unindexed: [UInt32] = []

    public init() {}

    /// How many subscriptions are indexed.
    public var count: Int { slotsByID.count }

    /// How many distinct filters they have.
    public var filterCount: Int { filterIDs.count }

    /// Adds or replaces a subscription's filter.
    public mutating func upsert(_ subscriptionID: String, filter: FilterExpression) {
        remove(subscriptionID)
        let filterID = intern(filter)
        let slot: UInt32
        if let free = freeSlots.popLast() {
            slot = free
            subscriptionIDs[Int(slot)] = subscriptionID
            filterOfSlot[Int(slot)] = filterID
        } else {
            slot = UInt32(subscriptionIDs.count)
            subscriptionIDs.append(subscriptionID)
            filterOfSlot.append(filterID)
        }
        slotsByID[subscriptionID] = slot
        if firstMembers[Int(filterID)] == Self.none {
            firstMembers[Int(filterID)] = slot
        } else {
            moreMembers[Int(filterID)].append(slot)
        }
        memberCounts[Int(filterID)] += 1
    }

    public mutating func remove(_ subscriptionID: String) {
        guard let slot = slotsByID.removeValue(forKey: subscriptionID) else { return }
        let filterID = filterOfSlot[Int(slot)]
        subscriptionIDs[Int(slot)] = ""
        freeSlots.append(slot)
        if firstMembers[Int(filterID)] == slot {
            firstMembers[Int(filterID)] = moreMembers[Int(filterID)].popLast() ?? Self.none
        } else {
            Self.removeFirst(slot, from: &moreMembers[Int(filterID)])
        }
        memberCounts[Int(filterID)] -= 1
        if memberCounts[Int(filterID)] == 0 { release(filterID) }
    }

    /// The filters an item matches. Valid for this index as it is: list its subscriptions with
    /// ``forEachSubscription(in:_:)`` before the index changes.
    public func match(_ subject: FilterSubject) -> MatchSet {
        var checked = 0
        return scan(MatchItem(subject, vocabulary), checked: &checked)
    }

    /// Calls `body` with each subscription of the set and the terms that matched (the terms are
    /// worked out once per filter and shared by its subscriptions), filter by filter.
    public func forEachSubscription(in set: MatchSet, _ body: (_ subscriptionID: String, _ matchedTerms: [String]) throws -> Void) rethrows {
        for filterID in set.filterIDs {
            let terms = filters[Int(filterID)].matchedTerms(set.item, vocabulary)
            try body(subscriptionIDs[Int(firstMembers[Int(filterID)])], terms)
            for slot in moreMembers[Int(filterID)] { try body(subscriptionIDs[Int(slot)], terms) }
        }
    }

    /// How many subscriptions the set's filters have (one memory access a filter, which is why
    /// ``match(_:)`` does not count them).
    public func subscriptionCount(in set: MatchSet) -> Int {
        set.filterIDs.reduce(0) { $0 + Int(memberCounts[Int($1)]) }
    }

    /// The subscriptions whose filters match, with the terms that matched, sorted by id.
    public func matches(_ subject: FilterSubject) -> [(subscriptionID: String, matchedTerms: [String])] {
        var result: [(subscriptionID: String, matchedTerms: [String])] = []
        let set = match(subject)
        result.reserveCapacity(subscriptionCount(in: set))
        forEachSubscription(in: set) { result.append(($0, $1)) }
        return result.sorted { $0.subscriptionID < $1.subscriptionID }
    }

    /// How many posting entries and unindexed filters an item is checked against (for metrics and tests).
    public func candidateCount(_ subject: FilterSubject) -> Int {
        var checked = 0
        _ = scan(MatchItem(subject, vocabulary), checked: &checked)
        return checked
    }

    /// Reads the postings of the item's keys, then checks the unindexed filters. A filter is
    /// marked when it matches (one of its clauses did), so that its other clauses are skipped.
    private func scan(_ item: MatchItem, checked: inout Int) -> MatchSet {
        var matched: [UInt32] = []
        var seen = [UInt64](repeating: 0, count: (filters.count + 63) >> 6)
        func check(_ filterID: UInt32, _ holds: () -> Bool) {
            let word = Int(filterID >> 6)
            let bit = UInt64(1) << (filterID & 63)
            guard seen[word] & bit == 0 else { return }
            checked += 1
            guard holds() else { return }
            seen[word] |= bit
            matched.append(filterID)
        }
        func visit(_ kind: IndexKey.Kind, _ values: some Sequence<UInt32>) {
            for value in values {
                guard let posting = postings[IndexKey.make(kind, value)] else { continue }
                for filterID in posting.exact { check(filterID) { true } }
                for entry in posting.checked {
                    check(entry.filterID) {
                        entry.holds(item, vocabulary) ?? filters[Int(entry.filterID)].matches(item, vocabulary)
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
        for filterID in unindexed { check(filterID) { filters[Int(filterID)].matches(item, vocabulary) } }
        return MatchSet(filterIDs: matched, item: item)
    }

    /// The id of the filter's compiled form, compiling and filing it when no subscription has it yet.
    private mutating func intern(_ filter: FilterExpression) -> UInt32 {
        let compiled = CompiledFilter(filter, vocabulary: &vocabulary)
        if let existing = filterIDs[compiled] { return existing }
        let filterID: UInt32
        if let free = freeFilters.popLast() {
            filterID = free
            filters[Int(filterID)] = compiled
        } else {
            filterID = UInt32(filters.count)
            filters.append(compiled)
            firstMembers.append(Self.none)
            moreMembers.append([])
            memberCounts.append(0)
            keysOfFilter.append([])
        }
        filterIDs[compiled] = filterID
        // rest nil: evaluate the compiled filter.
        var entries: [(key: UInt64, rest: [Literal]?)] = []
        if let clauses = Clauses(filter, vocabulary: &vocabulary) {
            if clauses.isIndexable {
                entries = clauses.clauses.map { clause in (clause.key!, Clauses.rest(of: clause)) }
            } else {
                unindexed.append(filterID)
            }
        } else if let keys = IndexKey.necessary(filter) {
            entries = keys.map { (IndexKey.make($0.kind, vocabulary.value($0.value)), nil) }
        } else {
            unindexed.append(filterID)
        }
        for (key, rest) in entries { postings[key, default: Posting()].append(filterID, rest: rest) }
        keysOfFilter[Int(filterID)] = entries.map(\.key)
        return filterID
    }

    /// Forgets a filter no subscription uses any more; its id is reused.
    private mutating func release(_ filterID: UInt32) {
        filterIDs[filters[Int(filterID)]] = nil
        let keys = keysOfFilter[Int(filterID)]
        if keys.isEmpty { Self.removeFirst(filterID, from: &unindexed) }
        for key in Set(keys) {
            postings[key]?.remove(filterID)
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

/// The filters that matched an item, from ``MatchIndex/match(_:)``.
public struct MatchSet: Sendable {
    /// In the order they were found.
    let filterIDs: [UInt32]
    /// The item as the filters saw it, to work out the matched terms.
    let item: MatchItem

    /// How many distinct filters matched.
    public var filterCount: Int { filterIDs.count }
}

/// The clauses filed under one key: those the key alone decides (only their filter ids), and
/// those with more literals to test. Kept apart so that the common exact case is a plain loop.
struct Posting: Sendable {
    var exact: [UInt32] = []
    var checked: [PostingEntry] = []

    var isEmpty: Bool { exact.isEmpty && checked.isEmpty }

    mutating func append(_ filterID: UInt32, rest: [Literal]?) {
        if let rest, rest.isEmpty {
            exact.append(filterID)
        } else {
            checked.append(PostingEntry(filterID, rest: rest))
        }
    }

    mutating func remove(_ filterID: UInt32) {
        exact.removeAll { $0 == filterID }
        checked.removeAll { $0.filterID == filterID }
    }
}

/// A clause on a posting with the literals besides the posting's key that it needs, inline (up
/// to three, packed as ``LiteralTest``s: 32 bytes an entry), or a mark that the filter's compiled
/// tree must be evaluated.
struct PostingEntry: Sendable {
    let filterID: UInt32
    private let restCount: UInt32
    private let first: LiteralTest
    private let second: LiteralTest
    private let third: LiteralTest

    private static let evaluateTree = UInt32.max

    /// `rest` nil, or longer than three: the entry evaluates the whole filter.
    init(_ filterID: UInt32, rest: [Literal]?) {
        self.filterID = filterID
        let tests = rest.map { $0.map(LiteralTest.init) } ?? []
        restCount = rest != nil && tests.count <= 3 ? UInt32(tests.count) : Self.evaluateTree
        first = tests.count > 0 ? tests[0] : .none
        second = tests.count > 1 ? tests[1] : .none
        third = tests.count > 2 ? tests[2] : .none
    }

    /// Whether the clause holds for an item that has the posting's key; nil when only the filter's tree can tell.
    @inline(__always)
    func holds(_ item: borrowing MatchItem, _ vocabulary: borrowing MatchVocabulary) -> Bool? {
        guard restCount != Self.evaluateTree else { return nil }
        // Unused tests hold; testing all three avoids a jump on the count.
        return first.holds(item, vocabulary) && second.holds(item, vocabulary) && third.holds(item, vocabulary)
    }
}

/// A ``Literal`` packed into 64 bits for the posting entries: most are "the item has key K"
/// (a field value or a word), tested in the item's key table; phrases and urgency are the rest.
struct LiteralTest: Sendable {
    private let bits: UInt64

    private static let negatedBit: UInt64 = 1 << 63
    private static let phraseBit: UInt64 = 1 << 62
    private static let urgencyBit: UInt64 = 1 << 61
    private static let payload: UInt64 = (1 << 61) - 1

    /// Always holds (no item has that key): fills the unused places of an entry.
    static let none = LiteralTest(bits: negatedBit | IndexKey.never)

    private init(bits: UInt64) { self.bits = bits }

    init(_ literal: Literal) {
        var bits: UInt64 = switch literal.operation {
        case .phrase: Self.phraseBit | UInt64(literal.value)
        case .urgency: Self.urgencyBit | UInt64(literal.value)
        case .and, .or, .not: preconditionFailure("not a literal")
        default: IndexKey.make(literal.operation.keyKind!, literal.value)
        }
        if literal.isNegated { bits |= Self.negatedBit }
        self.bits = bits
    }

    @inline(__always)
    func holds(_ item: borrowing MatchItem, _ vocabulary: borrowing MatchVocabulary) -> Bool {
        let hit: Bool
        if bits & (Self.phraseBit | Self.urgencyBit) == 0 {
            hit = item.keys.contains(bits & Self.payload)
        } else if bits & Self.phraseBit != 0 {
            hit = item.hasPhrase(vocabulary.phrases[Int(bits & Self.payload)])
        } else {
            hit = CompiledFilter.urgencyHolds(UInt32(truncatingIfNeeded: bits & Self.payload), item.urgency)
        }
        return hit != (bits & Self.negatedBit != 0)
    }
}
