// The classifier's kernel: the only code of the module that touches memory through pointers
// (`KernelBoundaryTests` holds every other file to that). Everything outside `Kernel/` reads and
// writes a scanned item through these views, whose every access is bounds-checked, also in a
// release build.
//
// What the kernel buys, measured with `classifier-bench` against the same code on arrays: a
// classification keeps its tokens, hits and bytes from item to item in storage that counts no
// references (an array property of a class is retained and released on every read, and checked for
// sharing on every append), and the tokenizer and the vocabulary's hash read and write eight bytes
// at a time.
//
// What it does not check: a view is a pointer and a count, valid until the storage it came from
// next changes. The views of one item live in one `classify` call, made after the scan that fills
// their storage and dropped before the next one (`NewsClassifier.classify`); nothing stores them.

/// A read-only view of plain values owned by a `ScratchStorage`, a `CacheAlignedTable` or an
/// array (`withBufferView`): valid until that storage next changes.
struct BufferView<Element: BitwiseCopyable>: RandomAccessCollection {
    private let base: UnsafePointer<Element>?
    let count: Int

    /// Only the kernel makes views, over storage it owns or borrows.
    fileprivate init(base: UnsafePointer<Element>?, count: Int) {
        self.base = base
        self.count = count
    }

    /// No elements.
    init() { self.init(base: nil, count: 0) }

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    @inline(__always)
    subscript(index: Int) -> Element {
        precondition(UInt(bitPattern: index) < UInt(bitPattern: count), "BufferView index out of range")
        return base.unsafelyUnwrapped[index]
    }

    func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R? {
        try body(UnsafeBufferPointer(start: base, count: count))
    }
}

/// A view whose elements can be changed in place (sorted, compacted, written by the tokenizer),
/// over a `ScratchStorage`: valid until that storage next changes size.
struct MutableBufferView<Element: BitwiseCopyable>: RandomAccessCollection, MutableCollection {
    private let base: UnsafeMutablePointer<Element>?
    let count: Int

    fileprivate init(base: UnsafeMutablePointer<Element>?, count: Int) {
        self.base = base
        self.count = count
    }

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    @inline(__always)
    subscript(index: Int) -> Element {
        get {
            precondition(UInt(bitPattern: index) < UInt(bitPattern: count), "MutableBufferView index out of range")
            return base.unsafelyUnwrapped[index]
        }
        nonmutating set {
            precondition(UInt(bitPattern: index) < UInt(bitPattern: count), "MutableBufferView index out of range")
            base.unsafelyUnwrapped[index] = newValue
        }
    }

    /// The same elements, read-only.
    var view: BufferView<Element> { BufferView(base: base.map { UnsafePointer($0) }, count: count) }

    /// Sets every element to `value`.
    func fill(with value: Element) {
        guard let base else { return }
        base.update(repeating: value, count: count)
    }

    func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R? {
        try body(UnsafeBufferPointer(start: base, count: count))
    }

    mutating func withContiguousMutableStorageIfAvailable<R>(
        _ body: (inout UnsafeMutableBufferPointer<Element>) throws -> R
    ) rethrows -> R? {
        var buffer = UnsafeMutableBufferPointer(start: base, count: count)
        return try body(&buffer)
    }
}

extension Array where Element: BitwiseCopyable {
    /// Calls `body` with a view of the array's elements, valid only during the call.
    func withBufferView<R>(_ body: (BufferView<Element>) throws -> R) rethrows -> R {
        try withUnsafeBufferPointer { try body(BufferView(base: $0.baseAddress, count: $0.count)) }
    }
}

// MARK: - Words of bytes

extension BufferView where Element == UInt8 {
    /// The eight bytes from `offset`, as a little-endian word (`offset + 8 <= count`).
    @inline(__always)
    func loadWord(at offset: Int) -> UInt64 {
        precondition(offset >= 0 && offset <= count &- 8, "BufferView word out of range")
        return UInt64(littleEndian: UnsafeRawPointer(base.unsafelyUnwrapped + offset).loadUnaligned(as: UInt64.self))
    }

    /// The bytes `start..<end`, which are whole UTF-8 scalars, as a string.
    func string(from start: Int, to end: Int) -> String {
        precondition(start >= 0 && start <= end && end <= count, "BufferView range out of range")
        guard end > start else { return "" }
        let source = base.unsafelyUnwrapped + start
        // Copied into a string of that capacity: its check of the bytes (short phrases, mostly
        // ASCII) costs less than `String(decoding:as:)`, which also prepares to repair them.
        return String(unsafeUninitializedCapacity: end - start) { buffer in
            buffer.baseAddress.unsafelyUnwrapped.initialize(from: source, count: end - start)
            return end - start
        }
    }
}

extension MutableBufferView where Element == UInt8 {
    /// Stores `word` little-endian into the eight bytes from `offset` (`offset + 8 <= count`).
    @inline(__always)
    func storeWord(_ word: UInt64, at offset: Int) {
        precondition(offset >= 0 && offset <= count &- 8, "MutableBufferView word out of range")
        UnsafeMutableRawPointer(base.unsafelyUnwrapped + offset).storeBytes(of: word.littleEndian, as: UInt64.self)
    }
}

extension MutableBufferView where Element == Double {
    /// Adds `value` times the `width` elements of `table` from `start` to this view's first `width`
    /// elements, eight at a time (`width` a multiple of 8).
    @inline(__always)
    func add(_ value: Double, times table: BufferView<Double>, from start: Int, width: Int) {
        precondition(width & 7 == 0 && width <= count && start >= 0 && start <= table.count &- width, "row out of range")
        var offset = 0
        while offset < width {
            storeEight(loadEight(at: offset) + table.loadEight(at: start &+ offset) * value, at: offset)
            offset &+= 8
        }
    }
}

extension BufferView where Element == Double {
    /// The eight elements from `start`, as one vector (`start + 8 <= count`): a row of weights
    /// added in registers instead of through memory.
    @inline(__always)
    func loadEight(at start: Int) -> SIMD8<Double> {
        precondition(start >= 0 && start <= count &- 8, "BufferView row out of range")
        return UnsafeRawPointer(base.unsafelyUnwrapped + start).loadUnaligned(as: SIMD8<Double>.self)
    }
}

extension MutableBufferView where Element == Double {
    /// The eight elements from `start`, as one vector (`start + 8 <= count`).
    @inline(__always)
    func loadEight(at start: Int) -> SIMD8<Double> { view.loadEight(at: start) }

    /// Stores `values` into the eight elements from `start` (`start + 8 <= count`).
    @inline(__always)
    func storeEight(_ values: SIMD8<Double>, at start: Int) {
        precondition(start >= 0 && start <= count &- 8, "MutableBufferView row out of range")
        UnsafeMutableRawPointer(base.unsafelyUnwrapped + start).storeBytes(of: values, as: SIMD8<Double>.self)
    }
}

// MARK: - Storage the kernel owns

extension ScratchStorage {
    /// The elements, valid until the storage next changes.
    var elements: BufferView<Element> { BufferView(base: unsafeBase.map { UnsafePointer($0) }, count: count) }

    /// The elements to change in place, valid until the storage next changes size.
    var mutableElements: MutableBufferView<Element> { MutableBufferView(base: unsafeBase, count: count) }
}

extension CacheAlignedTable {
    /// The elements, valid while the table lives.
    var elements: BufferView<Element> { BufferView(base: UnsafePointer(unsafeBase), count: count) }
}
