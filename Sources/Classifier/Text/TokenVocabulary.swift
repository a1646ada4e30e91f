/// Folded words the classifier knows, each with an integer id, looked up by the bytes and hash
/// the tokenizer computes as it scans (no `String` is made per word of a text).
///
/// Open addressing, words hashed 8 bytes at a time. Built once, then only read; safe to share between tasks.
public struct TokenVocabulary: Sendable {
    /// One hash table slot: the word's full hash, its first 8 bytes, its id, where its bytes are
    /// (start << 8 | length, length 255 meaning "see `lengths`") and the owner's tag for it, so that
    /// looking up a word of up to 8 bytes reads one slot and nothing else.
    struct Slot {
        var hash: UInt64
        var prefix: UInt64
        var id: Int32
        var place: UInt32
        var tag: UInt64
    }

    private var arena: [UInt8] = []
    private var starts: [Int32] = []
    private var lengths: [Int32] = []
    private var hashes: [UInt64] = []
    private var slots: [Slot] = Array(repeating: Slot.empty, count: 1 << 12)
    /// The slots again, each in one cache line, from `freeze()` until the next change: what
    /// lookups read then (a slot of an array's storage spans two lines every other time).
    private var frozen: CacheAlignedTable<Slot>?

    public init() {}

    /// A vocabulary of no words: every lookup answers (-1, 0).
    static let empty = TokenVocabulary()

    /// How many words.
    public var count: Int { starts.count }

    /// The hash and first 8 bytes (little-endian, zero-padded) of the word `buffer[start..<end]`,
    /// mixing 8 bytes at a time, so a word of up to 8 bytes costs one step. The bytes after the word
    /// in `buffer` are read too, and masked off: a chunk with 8 bytes left in `buffer` is loaded in
    /// one go instead of being put together a byte at a time.
    @inline(__always)
    static func hashAndPrefix(_ buffer: BufferView<UInt8>, from start: Int, to end: Int) -> (hash: UInt64, prefix: UInt64) {
        let length = end - start
        var hash = UInt64(length) &* 0x9E37_79B9_7F4A_7C15
        // Most words: 1 to 8 bytes with 8 readable, one load, one masking shift (the loop's step).
        if UInt(bitPattern: length &- 1) < 8, buffer.count &- start >= 8 {
            let chunk = buffer.loadWord(at: start) & (~0 &>> (64 &- 8 &* UInt64(length)))
            hash = (hash ^ chunk) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 31
            return (hash, chunk)
        }
        var prefix: UInt64 = 0
        var index = start
        while index < end {
            let chunkEnd = min(index + 8, end)
            var chunk: UInt64 = 0
            if index + 8 <= buffer.count {
                chunk = buffer.loadWord(at: index)
                if chunkEnd - index < 8 { chunk &= (1 &<< (8 &* UInt64(chunkEnd - index))) &- 1 }
            } else {
                for offset in index..<chunkEnd { chunk |= UInt64(buffer[offset]) << (8 * UInt64(offset - index)) }
            }
            if index == start { prefix = chunk }
            hash = (hash ^ chunk) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 31
            index = chunkEnd
        }
        return (hash, prefix)
    }

    /// The id of a folded word, adding it if new.
    @discardableResult
    public mutating func intern(_ folded: String) -> Int32 {
        let bytes = Array(folded.utf8)
        let (existing, hash) = bytes.withBufferView { view in
            (entry(in: view, from: 0, to: view.count).id, Self.hashAndPrefix(view, from: 0, to: view.count).hash)
        }
        if existing >= 0 { return existing }
        if (count + 1) * 2 > slots.count { grow() }
        let newID = Int32(count)
        starts.append(Int32(arena.count))
        lengths.append(Int32(bytes.count))
        hashes.append(hash)
        arena.append(contentsOf: bytes)
        place(newID)
        return newID
    }

    /// The id of a folded word, or -1.
    public func id(of folded: String) -> Int32 {
        Array(folded.utf8).withBufferView { entry(in: $0, from: 0, to: $0.count).id }
    }

    /// The id and tag of the folded word `buffer[start..<end]`, or (-1, 0); the bytes after it in
    /// `buffer` speed up the hashing (see `hashAndPrefix`).
    @inline(__always)
    func entry(in buffer: BufferView<UInt8>, from start: Int, to end: Int) -> (id: Int32, tag: UInt64) {
        let (hash, prefix) = Self.hashAndPrefix(buffer, from: start, to: end)
        @inline(__always)
        func probe(_ slots: BufferView<Slot>) -> (id: Int32, tag: UInt64) {
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
            while true {
                let entry = slots[slot]
                if entry.id < 0 { return (-1, 0) }
                if entry.hash == hash && entry.prefix == prefix && matches(entry, buffer, from: start, to: end) { return (entry.id, entry.tag) }
                slot = (slot + 1) & mask
            }
        }
        if let frozen { return probe(frozen.elements) }
        return slots.withBufferView { probe($0) }
    }

    /// Makes lookups read a cache-aligned copy of the table; call when the last word and tag are in
    /// (any change after drops the copy).
    mutating func freeze() {
        frozen = CacheAlignedTable(slots)
    }

    /// Sets the tag a lookup of word `id` returns with it (the owner's facts about the word).
    mutating func setTag(_ tag: UInt64, for id: Int32) {
        frozen = nil
        let mask = slots.count - 1
        let hash = hashes[Int(id)]
        var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
        while slots[slot].id != id { slot = (slot + 1) & mask }
        slots[slot].tag = tag
    }

    /// The tag of word `id`.
    func tag(of id: Int32) -> UInt64 {
        let mask = slots.count - 1
        let hash = hashes[Int(id)]
        var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
        while slots[slot].id != id { slot = (slot + 1) & mask }
        return slots[slot].tag
    }



    /// The word with this id.
    public func word(_ id: Int32) -> String {
        let start = Int(starts[Int(id)])
        return String(decoding: arena[start..<(start + Int(lengths[Int(id)]))], as: UTF8.self)
    }

    @inline(__always)
    private func matches(_ entry: Slot, _ buffer: BufferView<UInt8>, from start: Int, to end: Int) -> Bool {
        var length = Int(entry.place & 0xFF)
        if length == 0xFF { length = Int(lengths[Int(entry.id)]) }
        guard length == end - start else { return false }
        if length <= 8 { return true }  // the prefix was the whole word
        let stored = Int(entry.place >> 8)
        for offset in 0..<length where arena[stored + offset] != buffer[start + offset] { return false }
        return true
    }

    private mutating func place(_ id: Int32) {
        frozen = nil
        let hash = hashes[Int(id)]
        let length = Int(lengths[Int(id)])
        let start = Int(starts[Int(id)])
        precondition(start < 1 << 24, "vocabulary arena over 16 MiB")
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
        while slots[slot].id >= 0 { slot = (slot + 1) & mask }
        let prefix = arena.withBufferView { Self.hashAndPrefix($0, from: start, to: start + length).prefix }
        slots[slot] = Slot(hash: hash, prefix: prefix, id: id, place: UInt32(start) << 8 | UInt32(min(length, 0xFF)), tag: 0)
    }

    private mutating func grow() {
        var tags = [UInt64](repeating: 0, count: count)
        for slot in slots where slot.id >= 0 { tags[Int(slot.id)] = slot.tag }
        slots = Array(repeating: Slot.empty, count: slots.count * 2)
        for id in 0..<count {
            place(Int32(id))
            if tags[id] != 0 { setTag(tags[id], for: Int32(id)) }
        }
    }
}

extension TokenVocabulary.Slot {
    static let empty = TokenVocabulary.Slot(hash: 0, prefix: 0, id: -1, place: 0, tag: 0)
}

/// An open-addressing map from 64-bit keys to non-negative 32-bit values (trie transitions,
/// bigram rows). Built once, then only read.
struct IntegerMap: Sendable {
    /// Key and value side by side, so a probe reads one cache line.
    private struct Entry {
        var key: UInt64
        var value: Int32
    }

    private var entries: [Entry]
    private(set) var count = 0

    init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        entries = Array(repeating: Entry(key: 0, value: -1), count: size)
    }

    @inline(__always)
    private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    @inline(__always)
    func value(_ key: UInt64) -> Int32 {
        let mask = entries.count - 1
        var slot = Self.slot(key, mask)
        while true {
            let entry = entries[slot]
            if entry.value < 0 { return -1 }
            if entry.key == key { return entry.value }
            slot = (slot + 1) & mask
        }
    }

    mutating func set(_ key: UInt64, _ value: Int32) {
        precondition(value >= 0)
        if (count + 1) * 2 > entries.count { grow() }
        let mask = entries.count - 1
        var slot = Self.slot(key, mask)
        while entries[slot].value >= 0 {
            if entries[slot].key == key {
                entries[slot].value = value
                return
            }
            slot = (slot + 1) & mask
        }
        entries[slot] = Entry(key: key, value: value)
        count += 1
    }

    private mutating func grow() {
        let old = entries
        entries = Array(repeating: Entry(key: 0, value: -1), count: old.count * 2)
        count = 0
        for entry in old where entry.value >= 0 { set(entry.key, entry.value) }
    }

    @inline(__always)
    static func pack(_ high: Int32, _ low: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: high)) << 32 | UInt64(UInt32(bitPattern: low))
    }
}
