/// A read-only table of plain values whose storage starts on a cache line (64 bytes), for tables
/// read a row or a slot at a time: an array's elements start 32 bytes into a 16-byte-aligned
/// allocation, so a 64-byte row there spans two cache lines (two misses instead of one) and a
/// 32-byte slot every other time.
final class CacheAlignedTable<Element: BitwiseCopyable>: @unchecked Sendable {
    // @unchecked: the storage is written only in `init`, then only read.
    private let base: UnsafeMutablePointer<Element>
    let count: Int

    static var lineSize: Int { 64 }

    init(_ elements: [Element]) {
        count = elements.count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(1, elements.count) * MemoryLayout<Element>.stride, alignment: max(Self.lineSize, MemoryLayout<Element>.alignment))
        base = raw.bindMemory(to: Element.self, capacity: max(1, elements.count))
        elements.withUnsafeBufferPointer { source in
            if let start = source.baseAddress { base.initialize(from: start, count: source.count) }
        }
    }

    deinit { base.deallocate() }

    /// For the view (`elements`).
    var unsafeBase: UnsafeMutablePointer<Element> { base }
}
