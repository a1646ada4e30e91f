/// Repairs the most common breakage in real feeds before libxml2 sees it:
/// a bare `&` ("Markets rally & bonds slip") becomes `&amp;`, and HTML named
/// entities that XML does not define (`&nbsp;`, `&mdash;`, …) become numeric
/// references. libxml2's recovery would drop both.
///
/// Only for ASCII-compatible encodings (UTF-8, ISO-8859-x, Windows-125x);
/// UTF-16 documents are passed through unchanged. Returns nil when nothing
/// needed repair, so a clean feed costs one scan and no copy.
enum AmpersandRepair {
    static func repair(_ bytes: [UInt8]) -> [UInt8]? {
        if bytes.count >= 2, (bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF) { return nil }
        if bytes.count >= 2, bytes[0] == 0 || bytes[1] == 0 { return nil }
        var output: [UInt8]?
        var copied = 0
        var index = 0
        let count = bytes.count
        let cdataOpen = Array("<![CDATA[".utf8)
        while index < count {
            if bytes[index] == 0x3C, index + cdataOpen.count <= count, bytes[index..<(index + cdataOpen.count)].elementsEqual(cdataOpen) {
                index = cdataEnd(bytes, from: index + cdataOpen.count)  // CDATA is literal text: leave it alone
                continue
            }
            guard bytes[index] == 0x26 else {
                index += 1
                continue
            }
            let (replacement, consumed) = fix(bytes, at: index)
            if let replacement {
                if output == nil { output = []; output!.reserveCapacity(count + 64) }
                output!.append(contentsOf: bytes[copied..<index])
                output!.append(contentsOf: replacement)
                copied = index + consumed
            }
            index += max(consumed, 1)
        }
        guard var repaired = output else { return nil }
        repaired.append(contentsOf: bytes[copied..<count])
        return repaired
    }

    /// The index after the `]]>` that closes a CDATA section.
    private static func cdataEnd(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index + 2 < bytes.count {
            if bytes[index] == 0x5D, bytes[index + 1] == 0x5D, bytes[index + 2] == 0x3E { return index + 3 }
            index += 1
        }
        return bytes.count
    }

    /// amp, lt, gt, quot, apos — compared as bytes (this runs for every '&' of a feed).
    private static func isXMLEntity(_ name: ArraySlice<UInt8>) -> Bool {
        switch name.count {
        case 2: return name.elementsEqual([0x6C, 0x74]) || name.elementsEqual([0x67, 0x74])
        case 3: return name.elementsEqual([0x61, 0x6D, 0x70])
        case 4: return name.elementsEqual([0x71, 0x75, 0x6F, 0x74]) || name.elementsEqual([0x61, 0x70, 0x6F, 0x73])
        default: return false
        }
    }

    /// What to write instead of the `&` at `start` (nil: keep), and how many bytes it covers.
    private static func fix(_ bytes: [UInt8], at start: Int) -> ([UInt8]?, Int) {
        var index = start + 1
        if index < bytes.count, bytes[index] == 0x23 {  // character reference: keep if complete
            index += 1
            let hex = index < bytes.count && bytes[index] | 0x20 == 0x78
            if hex { index += 1 }
            let digitsStart = index
            while index < bytes.count, index - digitsStart < 8, isDigit(bytes[index], hex: hex) { index += 1 }
            if index > digitsStart, index < bytes.count, bytes[index] == 0x3B { return (nil, index + 1 - start) }
            return (Array("&amp;".utf8), 1)
        }
        let nameStart = index
        while index < bytes.count, index - nameStart < 12, isNameByte(bytes[index]) { index += 1 }
        guard index > nameStart, index < bytes.count, bytes[index] == 0x3B else { return (Array("&amp;".utf8), 1) }
        if isXMLEntity(bytes[nameStart..<index]) { return (nil, index + 1 - start) }
        // An HTML entity: as a numeric reference when known, else escaped as text.
        if let (scalar, _) = PlainText.decodeReference(Array(bytes[start...index]), at: 0) {
            return (Array("&#\(scalar);".utf8), index + 1 - start)
        }
        return (Array("&amp;".utf8), 1)
    }

    private static func isDigit(_ byte: UInt8, hex: Bool) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (hex && ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66))
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
    }
}
