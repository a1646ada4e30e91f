import Foundation

/// SplitMix64: a small, fast, seeded generator, so that a run's subscriptions and items can be
/// generated again (the linear scan regenerates the same filters after the index is dropped).
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An element drawn with a skew towards the front (about Zipf with exponent 1), as popular
    /// names and places are asked for far more often than the tail.
    mutating func skewed<T>(_ elements: [T]) -> T {
        let u = Double.random(in: 0..<1, using: &self)
        let index = Int(pow(Double(elements.count + 1), u)) - 1
        return elements[min(max(index, 0), elements.count - 1)]
    }
}
