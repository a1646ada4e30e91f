import Glibc

/// Repairs what libxml2 would drop or stumble over in real feeds, in one
/// pass before it parses them:
///
/// - a bare `&` ("Markets rally & bonds slip", "AT&T") becomes `&amp;`;
/// - HTML named entities XML does not define (`&nbsp;`, `&mdash;`, …) become
///   numeric references; unknown ones are kept as text;
/// - numeric references to 0x80–0x9F become the Windows-1252 characters they
///   stand for in practice; references to characters XML forbids become
///   U+FFFD (or a space for control characters); `&#X41;` (an upper-case X,
///   which HTML allows and XML does not) is read as `&#x41;`;
/// - control characters XML forbids become spaces (libxml2 would glue the
///   words around them);
/// - when the document is UTF-8, bytes that are not valid UTF-8 are read as
///   Windows-1252 (a feed declared UTF-8 with a few Latin-1 or Windows
///   characters keeps them instead of losing the rest of the text).
///
/// CDATA sections keep their `&`. For ASCII-compatible encodings only (UTF-16
/// is transcoded to UTF-8 first). A clean feed costs one scan and no copy.
enum XMLInputRepair {
    struct Report: Equatable {
        var ampersands = 0
        var entities = 0
        var controlCharacters = 0
        var invalidUTF8 = 0

        var isEmpty: Bool { self == Report() }

        /// A line for the feed's warnings.
        var summary: String {
            var parts: [String] = []
            if ampersands > 0 { parts.append("\(ampersands) unescaped '&'") }
            if entities > 0 { parts.append("\(entities) HTML or invalid character references") }
            if controlCharacters > 0 { parts.append("\(controlCharacters) control characters") }
            if invalidUTF8 > 0 { parts.append("\(invalidUTF8) bytes that were not UTF-8 (read as Windows-1252)") }
            return "repaired " + parts.joined(separator: ", ")
        }
    }

    /// The repaired bytes (nil when nothing needed repair) and what was repaired.
    static func repair(_ bytes: UnsafeBufferPointer<UInt8>, utf8: Bool) -> ([UInt8]?, Report) {
        let attention = utf8 ? attentionUTF8 : attentionOther
        var report = Report()
        var output: [UInt8] = []
        var repaired = false
        var copied = 0
        var index = 0
        let count = bytes.count
        /// The next CDATA section (its '&' are text); empty at the end when there is none.
        var cdata = nextCDATA(in: bytes, from: 0)

        func replace(_ length: Int, with replacement: [UInt8]) {
            if !repaired {
                repaired = true
                output.reserveCapacity(count + count / 64 + 64)
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<index]))
            output.append(contentsOf: replacement)
            index += length
            copied = index
        }

        while index < count {
            let byte = bytes[index]
            guard attention[Int(byte)] else {
                index += 1
                continue
            }
            if byte >= 0x80 {
                let length = validUTF8Length(bytes, at: index)
                if length > 0 {
                    index += length
                } else {
                    report.invalidUTF8 += 1
                    replace(1, with: windows1252UTF8(byte))
                }
            } else if byte == 0x26 {  // &
                while index >= cdata.upperBound, cdata.upperBound < count { cdata = nextCDATA(in: bytes, from: cdata.upperBound) }
                if cdata.contains(index) {
                    index += 1  // '&' is text inside CDATA
                    continue
                }
                let (replacement, length, isBare) = fixReference(bytes, at: index)
                if let replacement {
                    if isBare { report.ampersands += 1 } else { report.entities += 1 }
                    replace(length, with: replacement)
                } else {
                    index += length
                }
            } else {  // a control character other than tab, line feed, carriage return
                report.controlCharacters += 1
                replace(1, with: [0x20])
            }
        }
        guard repaired else { return (nil, report) }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<count]))
        return (output, report)
    }

    /// Bytes that need a look: `&`, forbidden controls, and (in UTF-8) bytes of multi-byte sequences.
    private static let attentionOther: [Bool] = (0..<256).map { byte in
        byte == 0x26 || (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D)
    }
    private static let attentionUTF8: [Bool] = (0..<256).map { byte in attentionOther[byte] || byte >= 0x80 }

    /// The first CDATA section (from `<![CDATA[` to after `]]>`) at or after `start`.
    private static func nextCDATA(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Range<Int> {
        guard let open = find("<![CDATA[", in: bytes, from: start) else { return bytes.count..<bytes.count }
        let close = find("]]>", in: bytes, from: open + 9).map { $0 + 3 } ?? bytes.count
        return open..<close
    }

    /// The index of the first occurrence of `literal` at or after `start` (memchr for its first byte).
    static func find(_ literal: StaticString, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let needle = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        var index = start
        while index + needle.count <= bytes.count {
            guard let hit = memchr(base + index, Int32(needle[0]), bytes.count - index) else { return nil }
            let position = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            guard position + needle.count <= bytes.count else { return nil }
            if memcmp(base + position, needle.baseAddress!, needle.count) == 0 { return position }
            index = position + 1
        }
        return nil
    }

    /// The length of the valid UTF-8 sequence at `index` (no overlongs, surrogates or code points above U+10FFFF), or 0.
    static func validUTF8Length(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let first = bytes[index]
        let length: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch first {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: return 0
        }
        guard index + length <= bytes.count else { return 0 }
        let second = bytes[index + 1]
        guard second >= lower, second <= upper else { return 0 }
        for offset in 2..<max(2, length) where bytes[index + offset] & 0xC0 != 0x80 { return 0 }
        return length
    }

    /// A Windows-1252 byte (0x80…0xFF) as UTF-8.
    private static func windows1252UTF8(_ byte: UInt8) -> [UInt8] {
        let scalar = HTMLEntities.windows1252Controls[UInt32(byte)] ?? UInt32(byte)
        return Array(String(Character(Unicode.Scalar(scalar)!)).utf8)
    }

    /// What to write instead of the `&` at `start` (nil: keep), how many bytes that covers or to skip,
    /// and whether it was a bare ampersand.
    private static func fixReference(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> ([UInt8]?, Int, Bool) {
        let escaped: [UInt8] = [0x26, 0x61, 0x6D, 0x70, 0x3B]  // &amp;
        var index = start + 1
        if index < bytes.count, bytes[index] == 0x23 {  // a character reference: keep it if it is complete and allowed
            index += 1
            let hex = index < bytes.count && bytes[index] | 0x20 == 0x78
            // XML allows only a lower-case x; HTML (and feedparser) read `&#X41;` too.
            let upperX = hex && bytes[index] == 0x58
            if hex { index += 1 }
            let digitsStart = index
            var value: UInt32 = 0
            while index < bytes.count, index - digitsStart < 8, let digit = digitValue(bytes[index], hex: hex) {
                value = value &* (hex ? 16 : 10) &+ digit
                index += 1
            }
            guard index > digitsStart, index < bytes.count, bytes[index] == 0x3B else { return (escaped, 1, true) }
            let length = index + 1 - start
            if let mapped = HTMLEntities.windows1252Controls[value] { return (Array("&#\(mapped);".utf8), length, false) }
            if value == 0x09 || value == 0x0A || value == 0x0D { return (nil, length, false) }
            if value < 0x20 || (value >= 0x7F && value < 0xA0) { return ([0x20], length, false) }
            if (value >= 0xD800 && value < 0xE000) || value == 0xFFFE || value == 0xFFFF || value > 0x10FFFF {
                return (Array("&#65533;".utf8), length, false)
            }
            return (upperX ? Array("&#\(value);".utf8) : nil, length, false)
        }
        let nameStart = index
        var key: UInt64 = 0
        while index < bytes.count, index - nameStart < 9, isNameByte(bytes[index]) {
            key = key << 8 | UInt64(bytes[index])
            index += 1
        }
        guard index > nameStart, index - nameStart <= 8, index < bytes.count, bytes[index] == 0x3B else { return (escaped, 1, true) }
        let length = index + 1 - start
        if HTMLEntities.isXMLPredefined(key) { return (nil, length, false) }
        if let scalar = HTMLEntities.named[key] { return (Array("&#\(scalar);".utf8), length, false) }
        return (escaped, 1, true)  // an unknown entity: keep it as text
    }

    private static func digitValue(_ byte: UInt8, hex: Bool) -> UInt32? {
        if byte >= 0x30, byte <= 0x39 { return UInt32(byte - 0x30) }
        if hex, byte | 0x20 >= 0x61, byte | 0x20 <= 0x66 { return UInt32(byte | 0x20) - 0x61 + 10 }
        return nil
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
    }
}
