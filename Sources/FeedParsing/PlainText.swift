/// Turns feed text and HTML fragments into clean plain text: tags stripped
/// (the content of script, style, template and noscript dropped; block-level
/// tags separate words), character references and HTML's common named
/// entities decoded, control characters dropped, white space (including
/// no-break spaces) folded to single spaces and trimmed.
///
/// One pass over UTF-8 bytes into a scratch buffer, then one copy into the
/// String (its UTF-8 unchecked when the caller vouches for the input); never
/// fails on broken markup (an unclosed tag ends the text, a stray `<` or `&`
/// is kept as it is).
public enum PlainText {
    /// - Parameters:
    ///   - maximumCharacters: longer text is cut at a word boundary, with an ellipsis.
    ///   - markup: whether the text is HTML (tags stripped) or plain text that may carry
    ///     character references (tags kept as text: "3 < 5", "a <b> tag").
    public static func from(_ text: String, maximumCharacters: Int = .max, markup: Bool = true) -> String {
        var text = text
        return text.withUTF8 { from(bytes: $0, maximumCharacters: maximumCharacters, markup: markup, inputIsValidUTF8: true) }
    }

    static func from(bytes: [UInt8], maximumCharacters: Int = .max, markup: Bool = true, inputIsValidUTF8: Bool = false) -> String {
        bytes.withUnsafeBufferPointer { from(bytes: $0, maximumCharacters: maximumCharacters, markup: markup, inputIsValidUTF8: inputIsValidUTF8) }
    }

    /// - Parameter inputIsValidUTF8: the caller vouches that `input` is valid UTF-8 (a String's
    ///   bytes, text libxml2 delivered before it reported any error). The text is then valid too
    ///   (every construct writes whole UTF-8 sequences: those it copies, or those it encodes), and
    ///   String does not check it again (about 5% of an RSS parse). Otherwise (decoded
    ///   base64, text after an encoding error) String checks it and repairs what is not UTF-8.
    static func from(
        bytes input: UnsafeBufferPointer<UInt8>, maximumCharacters: Int = .max, markup: Bool = true, inputIsValidUTF8: Bool = false
    ) -> String {
        guard !input.isEmpty else { return "" }
        // Every construct writes at most as many bytes as it reads (a reference of n bytes decodes
        // to at most n; a space is written only for white space or a tag read), except a C1 control
        // read as Windows-1252: two bytes (C2 80) become three (E2 82 AC, "€"). So the output is at
        // most 1.5 times the input; the checks against the capacity only guard that reasoning (the
        // fuzzer found the C1 case when the bound was the input's length).
        var text = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: input.count + input.count / 2 + 8) { out in
            let (written, whole) = write(input, to: out, markup: markup)
            let bytes = UnsafeBufferPointer(rebasing: out[..<written])
            guard inputIsValidUTF8, whole else { return String(decoding: bytes, as: UTF8.self) }
            assert(String(validating: bytes, as: UTF8.self) != nil, "PlainText wrote invalid UTF-8 from valid input")
            return unsafe String(copying: UTF8Span(unchecked: bytes.span))
        }
        if maximumCharacters < .max, text.utf8.count > maximumCharacters, text.count > maximumCharacters {
            text = truncated(text, to: maximumCharacters)
        }
        return text
    }

    /// The plain text of `input` written to `out`: how many bytes, and whether all of the input was
    /// read (false only if `out` was too small, which the capacity `from(bytes:)` allocates rules out).
    private static func write(
        _ input: UnsafeBufferPointer<UInt8>, to out: UnsafeMutableBufferPointer<UInt8>, markup: Bool
    ) -> (written: Int, whole: Bool) {
        let count = input.count
        let capacity = out.count
        let classes = byteClasses
        var written = 0
        var index = 0
        /// A word break: one space, never at the start, never two.
        @inline(__always) func space() {
            if written > 0, out[written - 1] != 0x20, written < capacity {
                out[written] = 0x20
                written += 1
            }
        }
        /// A decoded character, whole or not at all (false when there is no room).
        func append(_ scalar: Unicode.Scalar) -> Bool {
            let units = UTF8.encode(scalar)!
            guard written + units.count <= capacity else { return false }
            for unit in units {
                out[written] = unit
                written += 1
            }
            return true
        }
        let base = input.baseAddress!
        while index < count {
            // Eight bytes at a time while they can be copied as they are; at the first byte that
            // needs a look (see ``stopBytes(_:)``), the plain bytes before it are copied in one go.
            while index &+ 8 <= count, written &+ 8 <= capacity {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                var stops = stopBytes(word)
                if word & 0xFF == 0x20, written == 0 || out[written &- 1] == 0x20 { stops |= 0x80 }
                // Writing all eight is safe: written + 8 <= capacity (the loop's condition).
                UnsafeMutableRawPointer(out.baseAddress! + written).storeBytes(of: word, as: UInt64.self)
                if stops == 0 {
                    written &+= 8
                    index &+= 8
                } else {
                    let plain = stops.trailingZeroBitCount >> 3
                    written &+= plain
                    index &+= plain
                    break
                }
            }
            guard index < count else { break }
            let byte = input[index]
            switch classes[Int(byte)] {
            case 0:  // text
                guard written < capacity else { return (written, false) }
                out[written] = byte
                written += 1
                index += 1
            case 1:  // white space and control characters
                space()
                index += 1
            case 2:  // <
                guard markup, let end = HTMLTag.end(input, from: index) else {
                    guard written < capacity else { return (written, false) }
                    out[written] = byte
                    written += 1
                    index += 1
                    continue
                }
                let kind = HTMLTag.kind(input, from: index + 1, to: end)
                index = end + 1
                switch kind {
                case .rawText(let name): index = HTMLTag.rawTextEnd(input, name: name, from: index)
                case .block: space()
                case .inline: break
                }
            case 3:  // &
                guard let (scalar, length) = decodeReference(input, at: index) else {
                    guard written < capacity else { return (written, false) }
                    out[written] = byte
                    written += 1
                    index += 1
                    continue
                }
                index += length
                if scalar <= 0x20 || scalar == 0xA0 || scalar == 0x2028 || scalar == 0x2029 {
                    if scalar == 0x20 || (scalar >= 0x09 && scalar <= 0x0D) || scalar >= 0xA0 { space() }
                    continue  // other control characters are dropped
                }
                if scalar >= 0x7F && scalar < 0xA0 { continue }
                guard append(Unicode.Scalar(scalar)!) else { return (written, false) }
            default:  // the lead byte of a multi-byte character
                // No-break space (C2 A0) and line/paragraph separators (E2 80 A8/A9) are white space;
                // C1 controls (C2 80…9F) are Windows-1252 characters decoded as Latin-1.
                if byte == 0xC2, index + 1 < count, input[index + 1] == 0xA0 {
                    space()
                    index += 2
                } else if byte == 0xC2, index + 1 < count, input[index + 1] >= 0x80, input[index + 1] < 0xA0 {
                    if let mapped = HTMLEntities.windows1252Controls[UInt32(input[index + 1])] {
                        guard append(Unicode.Scalar(mapped)!) else { return (written, false) }
                    }
                    index += 2
                } else if byte == 0xE2, index + 2 < count, input[index + 1] == 0x80, input[index + 2] == 0xA8 || input[index + 2] == 0xA9 {
                    space()
                    index += 3
                } else if byte == 0xE2, index + 2 < count, written + 3 <= capacity {
                    // Another three-byte character (curly quotes, dashes): copied whole.
                    out[written] = byte
                    out[written + 1] = input[index + 1]
                    out[written + 2] = input[index + 2]
                    written += 3
                    index += 3
                } else {
                    guard written < capacity else { return (written, false) }
                    out[written] = byte
                    written += 1
                    index += 1
                }
            }
        }
        if written > 0, out[written - 1] == 0x20 { written -= 1 }
        return (written, true)
    }

    /// The bytes of a little-endian word that cannot simply be copied, as a mask with the high bit of
    /// each such byte set (zero when all eight can): control characters, `<`, `&`, DEL, C2 lead bytes
    /// (a no-break space or a C1 control may follow), the E2 of a line or paragraph separator (E2 80
    /// A8/A9) or of any sequence that may straddle into the next word, and the second of two spaces.
    /// Other UTF-8 bytes pass: the input is valid UTF-8 and is copied whole.
    @inline(__always)
    static func stopBytes(_ word: UInt64) -> UInt64 {
        let high: UInt64 = 0x8080_8080_8080_8080
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        @inline(__always) func zeroBytes(_ value: UInt64) -> UInt64 { ~(((value & low) &+ low) | value) & high }
        let control = ~((word & low) &+ 0x6060_6060_6060_6060) & ~word & high  // bytes below 0x20
        let special = zeroBytes(word ^ 0x3C3C_3C3C_3C3C_3C3C) | zeroBytes(word ^ 0x2626_2626_2626_2626) | zeroBytes(word ^ low)
            | zeroBytes(word ^ 0xC2C2_C2C2_C2C2_C2C2)
        let e2 = zeroBytes(word ^ 0xE2E2_E2E2_E2E2_E2E2)
        let separatorEnd = ((e2 << 8) & zeroBytes(word ^ high)) << 8 & (zeroBytes(word ^ 0xA8A8_A8A8_A8A8_A8A8) | zeroBytes(word ^ 0xA9A9_A9A9_A9A9_A9A9))
        let straddling = e2 & 0x8080_0000_0000_0000  // an E2 in the last two bytes: its sequence continues in the next word
        let spaces = zeroBytes(word ^ 0x2020_2020_2020_2020)
        return control | special | (separatorEnd >> 16) | straddling | (spaces & (spaces << 8))
    }

    /// 0 text, 1 white space or control, 2 `<`, 3 `&`, 4 a byte of a multi-byte character that may be white space.
    private static let byteClasses: [UInt8] = (0..<256).map { byte in
        switch byte {
        case 0..<0x21, 0x7F: return 1
        case 0x3C: return 2
        case 0x26: return 3
        case 0xC2, 0xE2: return 4
        default: return 0
        }
    }

    /// The text cut at the last word boundary within `maximumCharacters` (counting the ellipsis
    /// that is appended), or at the limit when a single word is longer.
    static func truncated(_ text: String, to maximumCharacters: Int) -> String {
        guard text.count > maximumCharacters else { return text }
        let cut = text.prefix(max(0, maximumCharacters - 1))
        if text[cut.endIndex] == " " { return String(cut) + "…" }
        let boundary = cut.lastIndex(of: " ") ?? cut.endIndex
        return String(cut[..<boundary]) + "…"
    }

    /// Decodes `&name;`, `&#123;` or `&#x1F;` at `start`: (scalar, bytes consumed). The semicolon may be missing.
    /// Numeric references to 0x80–0x9F mean Windows-1252 characters, as browsers read them; invalid
    /// code points become U+FFFD.
    static func decodeReference(_ input: UnsafeBufferPointer<UInt8>, at start: Int) -> (UInt32, Int)? {
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
            let scalar = HTMLEntities.windows1252Controls[value] ?? value
            guard Unicode.Scalar(scalar) != nil, scalar != 0 else { return (0xFFFD, index - start) }
            return (scalar, index - start)
        }
        var key: UInt64 = 0
        var length = 0
        while index < input.count, length < 8 {
            let byte = input[index]
            let isAlphanumeric = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            guard isAlphanumeric else { break }
            key = key << 8 | UInt64(byte)
            length += 1
            index += 1
        }
        guard length > 0, let scalar = HTMLEntities.named[key] else { return nil }
        if index < input.count, input[index] == 0x3B { index += 1 }
        return (scalar, index - start)
    }
}

/// Tags as ``PlainText`` sees them.
enum HTMLTag {
    enum Kind {
        /// Its content is not text (script, style, template, noscript); `name` is the packed lower-case name.
        case rawText(UInt64)
        /// Separates words (p, br, li, div, td, h1, …).
        case block
        /// Does not separate words (a, b, i, span, …), and comments, declarations, processing instructions.
        case inline
    }

    /// Lower-case tag names packed into an integer, one byte per letter (big-endian: "br" is 0x6272).
    private static let rawTextNames: Set<UInt64> = Set(["script", "style", "template", "noscript"].map(packed))
    private static let blockNames: Set<UInt64> = Set([
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "figcaption", "figure",
        "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "img", "li", "nav", "ol", "option", "p", "pre",
        "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "iframe", "video", "audio", "source",
    ].map(packed))

    private static func packed(_ name: String) -> UInt64 {
        name.utf8.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The commonest tags, decided without hashing.
    @inline(__always)
    private static func commonKind(_ name: UInt64) -> Kind? {
        switch name {
        case 0x70, 0x6272, 0x6C69, 0x646976, 0x756C, 0x6F6C: return .block  // p br li div ul ol
        case 0x61, 0x62, 0x69, 0x75, 0x656D, 0x7370616E, 0x7374726F6E67, 0x736D616C6C: return .inline  // a b i u em span strong small
        default: return nil
        }
    }

    /// The index of the `>` closing the tag that opens at `start`, or nil when this `<` does not open a tag.
    /// An unclosed tag runs to the end of the input.
    static func end(_ input: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let next = start + 1
        guard next < input.count else { return nil }
        let first = input[next]
        let opensTag = (first | 0x20 >= 0x61 && first | 0x20 <= 0x7A) || first == 0x2F || first == 0x21 || first == 0x3F
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
            } else if byte == 0x3E {
                return index
            } else if (byte == 0x22 || byte == 0x27), index > next, input[index - 1] == 0x3D || input[index - 1] == 0x20 {
                quote = byte  // an attribute value
            }
            index += 1
        }
        return input.count - 1
    }

    /// What the tag between `start` (after `<`) and `end` (its `>`) does to the text.
    static func kind(_ input: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Kind {
        var index = start
        let closing = index < end && input[index] == 0x2F
        if closing { index += 1 }
        var name: UInt64 = 0
        var length = 0
        while index < end, length < 10 {
            let byte = input[index]
            let isLetter = byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A
            guard isLetter || (byte >= 0x30 && byte <= 0x39) else { break }
            name = name << 8 | UInt64(isLetter ? byte | 0x20 : byte)
            length += 1
            index += 1
        }
        guard length > 0 else { return .inline }
        if let kind = commonKind(name) { return kind }
        if !closing, rawTextNames.contains(name) {
            // <script/> and friends without content.
            return end > start && input[end - 1] == 0x2F ? .inline : .rawText(name)
        }
        return blockNames.contains(name) ? .block : .inline
    }

    /// For script/style/template/noscript: the index after their end tag (or the end of the input).
    static func rawTextEnd(_ input: UnsafeBufferPointer<UInt8>, name: UInt64, from start: Int) -> Int {
        var index = start
        while index + 2 < input.count {
            if input[index] == 0x3C, input[index + 1] == 0x2F {
                var candidate: UInt64 = 0
                var cursor = index + 2
                while cursor < input.count, cursor - index - 2 < 10, input[cursor] | 0x20 >= 0x61, input[cursor] | 0x20 <= 0x7A {
                    candidate = candidate << 8 | UInt64(input[cursor] | 0x20)
                    cursor += 1
                }
                if candidate == name {
                    while cursor < input.count, input[cursor] != 0x3E { cursor += 1 }
                    return min(cursor + 1, input.count)
                }
            }
            index += 1
        }
        return input.count
    }
}
