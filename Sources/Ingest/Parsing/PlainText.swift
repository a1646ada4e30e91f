/// Turns feed text and HTML fragments into clean plain text: tags stripped
/// (the content of script, style and template dropped), character references
/// and common named entities decoded, white space folded to single spaces.
///
/// Works on UTF-8 bytes in one pass; never fails on broken markup (an
/// unclosed tag ends the text, a stray `<` or `&` is kept as is).
public enum PlainText {
    public static func from(_ text: String, maximumCharacters: Int = .max) -> String {
        var utf8 = Array(text.utf8)
        return from(utf8: &utf8, maximumCharacters: maximumCharacters)
    }

    static func from(utf8 input: inout [UInt8], maximumCharacters: Int) -> String {
        // Output is never longer than input plus one byte per decoded reference's expansion
        // (a reference of n >= 3 bytes decodes to at most 4): input.count + 4 bounds it.
        let count = input.count
        var text = input.withUnsafeBufferPointer { source in
            String(unsafeUninitializedCapacity: count + 4) { out in
                var written = 0
                var index = 0
                var pendingSpace = false
                @inline(__always) func emit(_ byte: UInt8) {
                    if pendingSpace, written > 0 {
                        out[written] = 0x20
                        written += 1
                    }
                    pendingSpace = false
                    out[written] = byte
                    written += 1
                }
                while index < count {
                    let byte = source[index]
                    switch byte {
                    case 0x3C:  // <
                        guard let end = tagEnd(input, from: index) else {
                            emit(byte)
                            index += 1
                            continue
                        }
                        let name = tagName(input, from: index + 1, to: end)
                        if !name.isEmpty, let skipTo = rawTextEnd(input, name: name, from: end + 1) {
                            index = skipTo
                        } else {
                            index = end + 1
                        }
                        if blockTags.contains(name) { pendingSpace = true }
                    case 0x26:  // &
                        if let (scalar, length) = decodeReference(input, at: index) {
                            if scalar == 0x20 || scalar == 0xA0 {
                                pendingSpace = true
                            } else {
                                for unit in UTF8.encode(Unicode.Scalar(scalar)!)! { emit(unit) }
                            }
                            index += length
                        } else {
                            emit(byte)
                            index += 1
                        }
                    case 0x20, 0x09, 0x0A, 0x0D, 0x0C:
                        pendingSpace = true
                        index += 1
                    default:
                        emit(byte)
                        index += 1
                    }
                }
                return written
            }
        }
        if maximumCharacters < .max, text.utf8.count > maximumCharacters, text.count > maximumCharacters {
            let cut = text.prefix(maximumCharacters)
            let boundary = cut.lastIndex(of: " ") ?? cut.endIndex
            text = String(cut[..<boundary]) + "…"
        }
        return text
    }

    /// Plain text from raw UTF-8 bytes (e.g. a libxml2 text node).
    static func from(bytes: [UInt8], maximumCharacters: Int = .max) -> String {
        var input = bytes
        return from(utf8: &input, maximumCharacters: maximumCharacters)
    }

    /// Tags whose content is not text.
    private static let rawTextTags: Set<String> = ["script", "style", "template", "noscript"]
    /// Tags that separate words.
    private static let blockTags: Set<String> = [
        "br", "p", "/p", "div", "/div", "li", "/li", "ul", "/ul", "ol", "/ol", "tr", "/tr", "td", "/td", "th", "/th",
        "h1", "/h1", "h2", "/h2", "h3", "/h3", "h4", "/h4", "h5", "/h5", "h6", "/h6", "blockquote", "/blockquote",
        "hr", "img", "section", "/section", "article", "/article", "figure", "/figure", "figcaption", "/figcaption",
    ]

    /// The index of the `>` closing the tag that opens at `start`, or nil when this `<` does not open a tag.
    private static func tagEnd(_ input: [UInt8], from start: Int) -> Int? {
        let next = start + 1
        guard next < input.count else { return nil }
        let first = input[next]
        let opensTag = (first >= 0x41 && first <= 0x5A) || (first >= 0x61 && first <= 0x7A) || first == 0x2F || first == 0x21 || first == 0x3F
        guard opensTag else { return nil }
        if first == 0x21, next + 2 < input.count, input[next + 1] == 0x2D, input[next + 2] == 0x2D {  // <!-- comment -->
            var index = next + 3
            while index + 2 < input.count {
                if input[index] == 0x2D, input[index + 1] == 0x2D, input[index + 2] == 0x3E { return index + 2 }
                index += 1
            }
            return input.count - 1
        }
        var quote: UInt8 = 0
        var index = next
        while index < input.count {
            let byte = input[index]
            if quote != 0 {
                if byte == quote { quote = 0 }
            } else if byte == 0x22 || byte == 0x27 {
                quote = byte
            } else if byte == 0x3E {
                return index
            }
            index += 1
        }
        return input.count - 1  // unclosed tag: drop the rest
    }

    /// Lower-cased tag name with a leading "/" for end tags.
    private static func tagName(_ input: [UInt8], from start: Int, to end: Int) -> String {
        var name: [UInt8] = []
        var index = start
        if index < end, input[index] == 0x2F {
            name.append(0x2F)
            index += 1
        }
        while index < end, name.count < 16 {
            let byte = input[index]
            let isLetter = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            guard isLetter else { break }
            name.append(byte | 0x20)
            index += 1
        }
        return String(decoding: name, as: UTF8.self)
    }

    /// For script/style/template/noscript: the index after their end tag.
    private static func rawTextEnd(_ input: [UInt8], name: String, from start: Int) -> Int? {
        guard rawTextTags.contains(name) else { return nil }
        let closing = Array("</\(name)".utf8)
        var index = start
        while index + closing.count <= input.count {
            var matches = true
            for offset in 0..<closing.count where (input[index + offset] | (offset > 1 ? 0x20 : 0)) != closing[offset] {
                matches = false
                break
            }
            if matches {
                var end = index + closing.count
                while end < input.count, input[end] != 0x3E { end += 1 }
                return min(end + 1, input.count)
            }
            index += 1
        }
        return input.count
    }

    /// Decodes `&name;`, `&#123;` or `&#x1F;` at `start`: (scalar, bytes consumed).
    static func decodeReference(_ input: [UInt8], at start: Int) -> (UInt32, Int)? {
        var index = start + 1
        guard index < input.count else { return nil }
        if input[index] == 0x23 {  // #
            index += 1
            var hex = false
            if index < input.count, input[index] | 0x20 == 0x78 {
                hex = true
                index += 1
            }
            var value: UInt32 = 0
            var digits = 0
            while index < input.count, digits < 8 {
                let byte = input[index]
                let digit: UInt32
                switch byte {
                case 0x30...0x39: digit = UInt32(byte - 0x30)
                case 0x61...0x66 where hex: digit = UInt32(byte - 0x61 + 10)
                case 0x41...0x46 where hex: digit = UInt32(byte - 0x41 + 10)
                default: digit = 99
                }
                guard digit < 99 else { break }
                value = value * (hex ? 16 : 10) + digit
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            if index < input.count, input[index] == 0x3B { index += 1 }
            let scalar = windows1252Controls[value] ?? value
            guard Unicode.Scalar(scalar) != nil, scalar != 0 else { return (0xFFFD, index - start) }
            return (scalar, index - start)
        }
        var name: [UInt8] = []
        while index < input.count, name.count < 10 {
            let byte = input[index]
            let isAlnum = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            guard isAlnum else { break }
            name.append(byte)
            index += 1
        }
        guard !name.isEmpty, let scalar = namedEntities[String(decoding: name, as: UTF8.self)] else { return nil }
        if index < input.count, input[index] == 0x3B { index += 1 }
        return (scalar, index - start)
    }

    /// Numeric references in 0x80...0x9F mean Windows-1252 characters in practice.
    private static let windows1252Controls: [UInt32: UInt32] = [
        0x80: 0x20AC, 0x82: 0x201A, 0x83: 0x0192, 0x84: 0x201E, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021, 0x88: 0x02C6,
        0x89: 0x2030, 0x8A: 0x0160, 0x8B: 0x2039, 0x8C: 0x0152, 0x8E: 0x017D, 0x91: 0x2018, 0x92: 0x2019, 0x93: 0x201C,
        0x94: 0x201D, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02DC, 0x99: 0x2122, 0x9A: 0x0161, 0x9B: 0x203A,
        0x9C: 0x0153, 0x9E: 0x017E, 0x9F: 0x0178,
    ]

    /// The named entities that occur in news feeds (XML's five and HTML's common ones).
    private static let namedEntities: [String: UInt32] = [
        "amp": 0x26, "lt": 0x3C, "gt": 0x3E, "quot": 0x22, "apos": 0x27, "nbsp": 0xA0, "ndash": 0x2013, "mdash": 0x2014,
        "lsquo": 0x2018, "rsquo": 0x2019, "sbquo": 0x201A, "ldquo": 0x201C, "rdquo": 0x201D, "bdquo": 0x201E,
        "hellip": 0x2026, "laquo": 0xAB, "raquo": 0xBB, "lsaquo": 0x2039, "rsaquo": 0x203A, "copy": 0xA9, "reg": 0xAE,
        "trade": 0x2122, "deg": 0xB0, "plusmn": 0xB1, "times": 0xD7, "divide": 0xF7, "euro": 0x20AC, "pound": 0xA3,
        "yen": 0xA5, "cent": 0xA2, "sect": 0xA7, "para": 0xB6, "middot": 0xB7, "bull": 0x2022, "dagger": 0x2020,
        "frac12": 0xBD, "frac14": 0xBC, "frac34": 0xBE, "iexcl": 0xA1, "iquest": 0xBF, "shy": 0xAD, "prime": 0x2032,
        "Prime": 0x2033, "zwj": 0x200D, "zwnj": 0x200C, "lrm": 0x200E, "rlm": 0x200F, "thinsp": 0x2009, "ensp": 0x2002,
        "emsp": 0x2003, "aacute": 0xE1, "Aacute": 0xC1, "agrave": 0xE0, "Agrave": 0xC0, "acirc": 0xE2, "auml": 0xE4,
        "Auml": 0xC4, "atilde": 0xE3, "aring": 0xE5, "aelig": 0xE6, "ccedil": 0xE7, "Ccedil": 0xC7, "eacute": 0xE9,
        "Eacute": 0xC9, "egrave": 0xE8, "Egrave": 0xC8, "ecirc": 0xEA, "euml": 0xEB, "iacute": 0xED, "Iacute": 0xCD,
        "igrave": 0xEC, "icirc": 0xEE, "iuml": 0xEF, "ntilde": 0xF1, "Ntilde": 0xD1, "oacute": 0xF3, "Oacute": 0xD3,
        "ograve": 0xF2, "ocirc": 0xF4, "ouml": 0xF6, "Ouml": 0xD6, "otilde": 0xF5, "oslash": 0xF8, "Oslash": 0xD8,
        "uacute": 0xFA, "Uacute": 0xDA, "ugrave": 0xF9, "ucirc": 0xFB, "uuml": 0xFC, "Uuml": 0xDC, "yacute": 0xFD,
        "yuml": 0xFF, "szlig": 0xDF, "oelig": 0x153, "OElig": 0x152, "scaron": 0x161, "Scaron": 0x160,
    ]
}
