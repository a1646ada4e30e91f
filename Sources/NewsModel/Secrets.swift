/// Comparing and making secret text (API keys, push tokens, confirmation and unsubscribe tokens,
/// signing secrets), once for every module.
public enum Secrets {
    /// Whether two strings are equal, in time that depends only on their length (so a timing
    /// attacker learns nothing about how much of a guessed token was right). Empty never matches.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        guard left.count == right.count, !right.isEmpty else { return false }
        var difference: UInt8 = 0
        for index in 0..<left.count { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    /// `count` bytes from the system's cryptographically secure generator.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
