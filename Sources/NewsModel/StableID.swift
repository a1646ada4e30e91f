import Crypto

/// Deterministic ids: a prefix, `_`, and the first 20 hex digits (80 bits) of the
/// SHA-256 of the parts' UTF-8 joined by U+001F (unit separator).
///
/// The same parts give the same id on every machine and in every language
/// (`"itm_" + sha256("wire\x1fg-1").hexdigest()[:20]` in Python), so a duplicate is
/// recognisable. The separator keeps `("ab", "c")` and `("a", "bc")` apart.
public enum StableID {
    /// `prefix_` and 20 lower-case hex digits.
    public static func make(prefix: String, _ parts: [String]) -> String {
        let digest = SHA256.hash(data: Array(parts.joined(separator: "\u{1F}").utf8))
        return prefix + "_" + hex(digest.prefix(10))
    }

    /// The full SHA-256 of `text`'s UTF-8 in lower-case hex, e.g. to store API tokens hashed.
    public static func sha256Hex(_ text: String) -> String {
        hex(SHA256.hash(data: Array(text.utf8)))
    }

    /// Lower-case hex digits of `bytes`.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
