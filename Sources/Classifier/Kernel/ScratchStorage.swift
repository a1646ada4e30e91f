/// Plain values (tokens, hits, bytes, scores) that a classification scratch fills for each item and
/// keeps for the next: emptied, not freed, and read through a `BufferView` (see `BufferView.swift`).
///
/// Why not an array: a scratch is a class, and every read of an array property of a class retains
/// and releases the array's buffer (the class could change it meanwhile), and every append checks
/// that the buffer is not shared. Over the dozen reads and appends of each word of a headline,
/// that reference counting was a sizeable part of classifying. This storage is noncopyable, so it
/// has one owner and no reference count; `elements` is valid until the storage next changes.
struct ScratchStorage<Element: BitwiseCopyable>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>?
    /// For the views (`elements`, `mutableElements`).
    var unsafeBase: UnsafeMutablePointer<Element>? { base }
    private var capacity = 0
    private(set) var count = 0

    init() {}

    deinit { base?.deallocate() }

    subscript(index: Int) -> Element {
        get {
            precondition(index >= 0 && index < count, "ScratchStorage index out of range")
            return base.unsafelyUnwrapped[index]
        }
        set {
            precondition(index >= 0 && index < count, "ScratchStorage index out of range")
            base.unsafelyUnwrapped[index] = newValue
        }
    }

    /// Empties the storage, keeping its room.
    mutating func removeAll() { count = 0 }

    /// Keeps the first `newCount` elements.
    mutating func truncate(to newCount: Int) {
        precondition(newCount >= 0 && newCount <= count)
        count = newCount
    }

    @inline(__always)
    mutating func append(_ element: Element) {
        if count == capacity { grow(to: count + 1) }
        (base.unsafelyUnwrapped + count).initialize(to: element)
        count += 1
    }

    /// Replaces the elements with `elements`.
    mutating func replace(with elements: BufferView<Element>) {
        elements.withContiguousStorageIfAvailable { replace(with: $0) }
    }

    private mutating func replace(with elements: UnsafeBufferPointer<Element>) {
        count = 0
        // An empty buffer may have an address while this storage has none yet.
        guard let source = elements.baseAddress, !elements.isEmpty else { return }
        if elements.count > capacity { grow(to: elements.count) }
        base.unsafelyUnwrapped.initialize(from: source, count: elements.count)
        count = elements.count
    }

    /// Makes the count `newCount`, every element `value`.
    @inline(__always)
    mutating func reset(count newCount: Int, to value: Element) {
        precondition(newCount >= 0)
        if newCount > capacity { grow(to: newCount) }
        base?.initialize(repeating: value, count: newCount)
        count = newCount
    }

    /// Makes the count `newCount`: fewer elements are cut off, new ones are `value`.
    mutating func resize(to newCount: Int, filling value: Element) {
        precondition(newCount >= 0)
        if newCount > capacity { grow(to: newCount) }
        if newCount > count { (base.unsafelyUnwrapped + count).initialize(repeating: value, count: newCount - count) }
        count = newCount
    }

    /// Room for at least `minimumCapacity` elements.
    mutating func reserveCapacity(_ minimumCapacity: Int) {
        if minimumCapacity > capacity { grow(to: minimumCapacity) }
    }

    private mutating func grow(to minimum: Int) {
        let newCapacity = max(minimum, 2 * capacity, 16)
        let grown = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        if let base {
            grown.moveInitialize(from: base, count: count)
            base.deallocate()
        }
        base = grown
        capacity = newCapacity
    }
}

extension ScratchStorage where Element == UInt8 {
    /// Replaces the elements with the UTF-8 bytes of `text`, read in place when the string is native
    /// (`withUTF8` would need a copy of the string to work on: a retain and release).
    mutating func replace(withUTF8Of text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ replace(with: $0) }) == nil {
            Array(text.utf8).withUnsafeBufferPointer { replace(with: $0) }
        }
    }
}
