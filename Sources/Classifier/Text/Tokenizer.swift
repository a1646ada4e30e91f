/// Splits text into word tokens, folds them for matching, and records how each was written.
///
/// A token is a run of letters, marks and digits. An apostrophe inside a word is dropped
/// ("Sana'a" -> "sanaa"), a possessive "'s" ends the word ("Russia's" -> "russia"), and dotted
/// initials join ("U.S." -> "us", shape `.upper`). Folding is NFKD, nonspacing marks removed,
/// lower case. `Generator/generate_gazetteer.py` mirrors these rules; keep the two in step.
///
/// The scan works on UTF-8 bytes with an ASCII fast path; each folded word is then hashed and looked up by its bytes,
/// so looking a word up in a `TokenVocabulary` costs no allocation.
public enum Tokenizer {
    /// Tokens of `text`, in order, with their folded forms.
    public static func tokenize(_ text: String) -> [TextToken] {
        let scanned = scan(text, vocabulary: .empty)
        return scanned.tokens.elements.indices.map { index in
            let token = scanned.tokens[index]
            return TextToken(
                folded: scanned.folded(index), shape: token.shape, utf8Start: Int(token.utf8Start),
                utf8End: Int(token.utf8End), gapBefore: token.gapBefore)
        }
    }

    /// The folded form of a word or phrase, tokens joined by one space.
    public static func foldedKey(_ text: String) -> String {
        tokenize(text).map(\.folded).joined(separator: " ")
    }

    /// Tokens of `text` with their ids in `vocabulary` (-1 for unknown words).
    static func scan(_ text: String, vocabulary: TokenVocabulary) -> ScannedText {
        var scanned = ScannedText()
        var bytes = ScratchStorage<UInt8>()
        bytes.replace(withUTF8Of: text)
        scan(bytes.elements, vocabulary: vocabulary, into: &scanned)
        return scanned
    }

    /// Scans the UTF-8 `bytes` of a text into `scanned`, reusing its buffers.
    /// (Not an optional vocabulary: wrapping the caller's in an optional copies it, retaining and
    /// releasing each of its arrays, on every call.)
    static func scan(_ bytes: BufferView<UInt8>, vocabulary: TokenVocabulary, into scanned: inout ScannedText) {
        // The scanner owns the token storage for the length of the scan, then gives it back.
        var tokens = ScratchStorage<ScannedToken>()
        swap(&tokens, &scanned.tokens)
        // Folded words are no longer than their bytes, except the NFKD forms of a few non-ASCII
        // letters: with those, the scan may run out of room, and runs again with more.
        var capacity = bytes.count + 16
        while true {
            tokens.removeAll()
            if scanned.foldedBytes.count < capacity { scanned.foldedBytes.resize(to: capacity, filling: 0) }
            var scanner = Scanner(bytes: bytes, out: scanned.foldedBytes.mutableElements, tokens: tokens)
            let done = scanner.run()
            scanned.style = scanner.style.style
            tokens = scanner.takeTokens()
            if done { break }
            capacity *= 4
        }
        swap(&tokens, &scanned.tokens)
        // Ids after the scan, in one loop: the scanner itself holds no copy of the vocabulary.
        let found = scanned.tokens.mutableElements
        let folded = scanned.foldedBytes.elements
        for index in found.indices {
            let entry = vocabulary.entry(in: folded, from: Int(found[index].foldedStart), to: Int(found[index].foldedEnd))
            found[index].id = entry.id
            found[index].tag = entry.tag
        }
    }

    // MARK: - Characters

    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return isASCIIWord(UInt8(value)) }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark,
            .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }

    @inline(__always)
    static func isASCIIWord(_ byte: UInt8) -> Bool {
        isASCIILetter(byte) || isASCIIDigit(byte)
    }

    /// A-Z or a-z: with bit 0x20 set (lower case), a byte from 0x61 to 0x7A.
    @inline(__always)
    static func isASCIILetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) &- 0x61 < 26
    }

    @inline(__always)
    static func isASCIIDigit(_ byte: UInt8) -> Bool {
        byte &- 0x30 < 10
    }

    static func isApostrophe(_ value: UInt32) -> Bool {
        switch value {
        case 0x27, 0x2019, 0x2018, 0x2BC, 0x2BB, 0x60, 0x2BF, 0x2BE, 0xB4: true
        default: false
        }
    }

    static func isSentenceBreak(_ value: UInt32) -> Bool {
        switch value {
        case 0x2E, 0x21, 0x3F, 0x3A, 0x3B, 0x22, 0x201C, 0x201D, 0xAB, 0xBB, 0x2014, 0x2013, 0x7C, 0x2022, 0x0A, 0x0D: true
        default: false
        }
    }

    static func isSpace(_ value: UInt32) -> Bool {
        value == 0x20 || value == 0x09 || (value >= 0x80 && (Unicode.Scalar(value)?.properties.isWhitespace ?? false))
    }

    /// NFKD, nonspacing marks removed, lower case.
    static func fold(_ word: String) -> String {
        var kept = String.UnicodeScalarView()
        for scalar in word.decomposedStringWithCompatibilityMapping.unicodeScalars
        where scalar.properties.generalCategory != .nonspacingMark {
            kept.append(scalar)
        }
        return String(kept).lowercased()
    }
}

/// The tokens of one text and the bytes of their folded forms.
struct ScannedText: ~Copyable {
    var tokens = ScratchStorage<ScannedToken>()
    /// How the text is capitalised, counted as it was scanned.
    var style = CaseStyle.sentence
    /// Token `i`'s folded form is `foldedBytes[tokens[i].foldedStart..<tokens[i].foldedEnd]`; bytes
    /// after the last token's are room the scanner did not use.
    var foldedBytes = ScratchStorage<UInt8>()

    /// The folded form of token `index`.
    func folded(_ index: Int) -> String { tokens[index].folded(in: foldedBytes.elements) }
}

extension TokenShape {
    /// The shape of a word from its letters: none (a number), all of two or more in capitals,
    /// the first one a capital, or none a capital.
    init(letters: Int, upper: Int, firstIsUpper: Bool) {
        self = letters == 0 ? .number : (letters >= 2 && upper == letters ? .upper : (firstIsUpper ? .capitalized : .lower))
    }
}

/// A token as the scanner records it: ids and offsets, no strings.
struct ScannedToken: BitwiseCopyable {
    var id: Int32
    /// What the classifier knows of the word (`WordTag`), from its vocabulary slot; 0 for unknown words.
    var tag: UInt64 = 0
    var shape: TokenShape
    var gapBefore: TokenGap
    var utf8Start, utf8End: Int32
    var foldedStart, foldedEnd: Int32

    var isCapitalized: Bool { shape == .capitalized || shape == .upper }

    /// The token's folded form, from the folded bytes of its text.
    func folded(in foldedBytes: BufferView<UInt8>) -> String {
        String(decoding: foldedBytes[Int(foldedStart)..<Int(foldedEnd)], as: UTF8.self)
    }
}

/// One pass over UTF-8 bytes (see `Tokenizer` for the rules).
private struct Scanner: ~Copyable {
    let bytes: BufferView<UInt8>
    /// Where finished tokens go (the caller's storage, for the length of the scan).
    private var tokens: ScratchStorage<ScannedToken>
    /// The capitals of the tokens so far.
    var style = CaseStyle.Tally()
    /// Folded bytes go to `out[..<outCount]`; `overflow` when they did not fit.
    let out: MutableBufferView<UInt8>
    var outCount = 0
    var overflow = false

    // The word being read.
    var inWord = false
    var wordStart = 0
    var foldedStart = 0
    var scalars = 0
    var letters = 0
    var upper = 0
    var firstIsUpper = false
    var lastIsLetter = false
    var nonASCII = false
    var acronym = false
    var pendingGap = TokenGap.sentenceBreak
    var gap = TokenGap.sentenceBreak

    init(bytes: BufferView<UInt8>, out: MutableBufferView<UInt8>, tokens: consuming ScratchStorage<ScannedToken>) {
        self.bytes = bytes
        self.out = out
        self.tokens = tokens
    }

    /// The tokens found, given back to the caller's storage.
    consuming func takeTokens() -> ScratchStorage<ScannedToken> {
        var taken = ScratchStorage<ScannedToken>()
        swap(&taken, &tokens)
        return taken
    }

    /// Scans all of `bytes` into `tokens` and `out`; false when `out` was too small.
    mutating func run() -> Bool {
        tokens.reserveCapacity(bytes.count / 5 + 2)
        let count = bytes.count
        var index = 0
        while index < count {
            let byte = bytes[index]
            if byte < 0x80 {
                if Tokenizer.isASCIIWord(byte) {
                    if !inWord, let end = wholeASCIIWords(from: index) {
                        index = end
                        continue
                    }
                    index = appendASCIIRun(from: index)
                    continue
                }
                if byte == 0x20 {
                    if inWord { finish(at: index) }  // a space ends a word and changes no gap
                    index += 1
                    continue
                }
                if byte == 0x27 || byte == 0x60 {
                    index = apostrophe(at: index, length: 1)
                    continue
                }
                if byte == 0x2E, acronymContinues(after: index) {
                    acronym = true
                    index += 1
                    continue
                }
                separator(UInt32(byte), at: index)
                index += 1
                continue
            }
            let (scalar, length) = decode(at: index)
            if Tokenizer.isApostrophe(scalar.value) {
                index = apostrophe(at: index, length: length)
            } else if Tokenizer.isWordScalar(scalar) {
                appendNonASCII(scalar, at: index, length: length)
                index += length
            } else {
                separator(scalar.value, at: index)
                index += length
            }
        }
        finish(at: count)
        return !overflow
    }

    // MARK: Words

    @inline(__always)
    private mutating func begin(at index: Int) {
        inWord = true
        wordStart = index
        foldedStart = outCount
        scalars = 0
        letters = 0
        upper = 0
        firstIsUpper = false
        nonASCII = false
        gap = pendingGap
        pendingGap = .space
    }

    /// The common words, done in one go: ASCII letters and digits from `first` (no word open) up
    /// to a byte that cannot go on the word (a space, punctuation other than an apostrophe or the
    /// dot of initials, the end), and the words after it while one space parts them, with the
    /// scanner's state in locals for the whole stretch. Returns where the last word done ends, or
    /// nil when the first word's next byte might continue it (an apostrophe, a dot after a single
    /// character, a non-ASCII byte) or its folded bytes do not fit: the general path then reads
    /// that word from its start. A later word that cannot be done so ends the stretch before it.
    @inline(__always)
    private mutating func wholeASCIIWords(from start: Int) -> Int? {
        let bytes = self.bytes
        let out = self.out
        let high: UInt64 = 0x8080_8080_8080_8080
        var first = start
        var outCount = self.outCount
        var style = self.style
        var gap = pendingGap
        var done: Int?
        while true {
            let foldedStart = outCount
            // The word is no longer than the bytes left, so with that much room it is folded into
            // `out` without checking for room.
            guard foldedStart + (bytes.count - first) <= out.count else { break }
            var end = first
            var letters = 0
            var upper = 0
            // Eight bytes at a time while eight are left, in a register: which bytes are letters
            // or digits, where the run ends, how many letters and capitals (bit 7 of each byte
            // flags it; the bytes are ASCII, so no addition carries into the next byte). The
            // folded chunk is stored whole: bytes past the word are room the next word overwrites.
            var runEnded = false
            while end &+ 8 <= bytes.count {
                let chunk = bytes.loadWord(at: end)
                guard chunk & high == 0 else { break }  // a non-ASCII byte: the byte loop takes over
                let lower = chunk | 0x2020_2020_2020_2020
                let letterBits = (lower &+ 0x1F1F_1F1F_1F1F_1F1F) & ~(lower &+ 0x0505_0505_0505_0505) & high
                let digitBits = (chunk &+ 0x5050_5050_5050_5050) & ~(chunk &+ 0x4646_4646_4646_4646) & high
                let otherBits = ~(letterBits | digitBits) & high
                let run = otherBits.trailingZeroBitCount &>> 3
                // The bits below the first other byte's flag (all of them when there is none).
                let runLetters = letterBits & (otherBits &- 1) & ~otherBits
                letters &+= Self.flagCount(runLetters)
                upper &+= Self.flagCount(runLetters & ~(chunk &<< 2))  // bit 5 (lower case) under bit 7
                out.storeWord(lower, at: foldedStart &+ end &- first)
                end &+= run
                if run < 8 {
                    runEnded = true
                    break
                }
            }
            while !runEnded && end < bytes.count {
                let byte = bytes[end]
                let isLetter = Tokenizer.isASCIILetter(byte)
                guard isLetter || Tokenizer.isASCIIDigit(byte) else { break }
                // Counted without branches: a letter is upper case when its bit 0x20 is clear.
                let letter = isLetter ? 1 : 0
                letters &+= letter
                upper &+= letter & Int(~byte >> 5 & 1)
                out[foldedStart &+ (end &- first)] = byte | 0x20
                end += 1
            }
            let length = end - first
            if end < bytes.count {
                let next = bytes[end]
                if next >= 0x80 || next == 0x27 || next == 0x60 || (next == 0x2E && length == 1) { break }
            }
            outCount = foldedStart + length
            var firstIsUpper = false
            if letters > 0 {
                var firstLetter = first
                while !Tokenizer.isASCIILetter(bytes[firstLetter]) { firstLetter += 1 }
                firstIsUpper = bytes[firstLetter] & 0x20 == 0
            }
            let shape = TokenShape(letters: letters, upper: upper, firstIsUpper: firstIsUpper)
            style.add(shape, length: length)
            tokens.append(ScannedToken(
                id: -1, shape: shape, gapBefore: gap, utf8Start: Int32(first), utf8End: Int32(end),
                foldedStart: Int32(foldedStart), foldedEnd: Int32(outCount)))
            gap = .space
            done = end
            // Goes on past one space to a word: the gap before it is a space, as the general path
            // would find.
            guard end &+ 1 < bytes.count, bytes[end] == 0x20, Tokenizer.isASCIIWord(bytes[end &+ 1]) else { break }
            first = end &+ 1
        }
        if done != nil {
            self.outCount = outCount
            self.style = style
            pendingGap = gap
        }
        return done
    }

    /// How many bytes of `flags` have bit 7 set (no other bit is): the flags moved to bit 0 of
    /// each byte and summed into the top byte by one multiplication.
    @inline(__always)
    private static func flagCount(_ flags: UInt64) -> Int {
        Int(truncatingIfNeeded: ((flags &>> 7) &* 0x0101_0101_0101_0101) &>> 56)
    }

    /// Appends the run of ASCII letters and digits from `first` to the word; returns where it ends.
    /// The loop keeps everything in locals and counts without branches; an ASCII letter or digit
    /// folds to itself with bit 0x20 set. The case of the word's first letter and whether the run
    /// ends in a letter are read off the bytes afterwards.
    @inline(__always)
    private mutating func appendASCIIRun(from first: Int) -> Int {
        if !inWord { begin(at: first) }
        let bytes = self.bytes
        let out = self.out
        var outCount = self.outCount
        var letters = 0, upper = 0
        var overflow = false
        var index = first
        while index < bytes.count {
            let byte = bytes[index]
            let isLetter = Tokenizer.isASCIILetter(byte)
            guard isLetter || Tokenizer.isASCIIDigit(byte) else { break }
            letters &+= isLetter ? 1 : 0
            upper &+= isLetter && byte & 0x20 == 0 ? 1 : 0
            if outCount < out.count {
                out[outCount] = byte | 0x20
                outCount += 1
            } else {
                overflow = true
            }
            index += 1
        }
        if self.letters == 0, letters > 0 {
            var firstLetter = first
            while !Tokenizer.isASCIILetter(bytes[firstLetter]) { firstLetter += 1 }
            firstIsUpper = bytes[firstLetter] & 0x20 == 0
        }
        self.letters += letters
        self.upper += upper
        scalars += index - first
        lastIsLetter = Tokenizer.isASCIILetter(bytes[index - 1])
        self.outCount = outCount
        if overflow { self.overflow = true }
        return index
    }

    private mutating func appendNonASCII(_ scalar: Unicode.Scalar, at index: Int, length: Int) {
        if !inWord { begin(at: index) }
        nonASCII = true
        let properties = scalar.properties
        let isLetter = properties.isAlphabetic
        if isLetter && properties.generalCategory != .nonspacingMark {
            let isUpper = properties.isUppercase
            if letters == 0 { firstIsUpper = isUpper }
            letters += 1
            if isUpper { upper += 1 }
        }
        lastIsLetter = isLetter
        scalars += 1
        for offset in 0..<length { put(bytes[index + offset]) }
    }

    private mutating func finish(at end: Int) {
        guard inWord else { return }
        inWord = false
        acronym = false
        if nonASCII {
            let raw = String(decoding: out[foldedStart..<outCount], as: UTF8.self)
            outCount = foldedStart
            for byte in Tokenizer.fold(raw).utf8 { put(byte) }
        }
        let shape = TokenShape(letters: letters, upper: upper, firstIsUpper: firstIsUpper)
        style.add(shape, length: end - wordStart)
        tokens.append(ScannedToken(
            id: -1, shape: shape, gapBefore: gap, utf8Start: Int32(wordStart), utf8End: Int32(end),
            foldedStart: Int32(foldedStart), foldedEnd: Int32(outCount)))
    }

    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        guard outCount < out.count else {
            overflow = true
            return
        }
        out[outCount] = byte
        outCount += 1
    }

    // MARK: Punctuation

    private mutating func separator(_ value: UInt32, at index: Int) {
        finish(at: index)
        if Tokenizer.isSentenceBreak(value) {
            pendingGap = .sentenceBreak
        } else if !Tokenizer.isSpace(value), pendingGap == .space {
            pendingGap = .punctuation
        }
    }

    /// Handles an apostrophe at `index`; returns where to go on.
    private mutating func apostrophe(at index: Int, length: Int) -> Int {
        let next = index + length
        guard inWord, next < bytes.count, isWord(at: next) else {
            separator(0x27, at: index)
            return next
        }
        let byte = bytes[next]
        if byte == 0x73 || byte == 0x53, next + 1 == bytes.count || !isWord(at: next + 1) {
            finish(at: index)  // possessive 's
            return next + 1
        }
        return next  // inside a word: dropped
    }

    /// "U.S.": a dot after a single letter (or inside initials) and before a letter that ends a word.
    private func acronymContinues(after index: Int) -> Bool {
        guard inWord, scalars == 1 || acronym, lastIsLetter, index + 1 < bytes.count else { return false }
        let (next, length) = decode(at: index + 1)
        guard next.properties.isAlphabetic else { return false }
        let after = index + 1 + length
        return after == bytes.count || !isWord(at: after)
    }

    // MARK: UTF-8

    private func isWord(at index: Int) -> Bool {
        let byte = bytes[index]
        if byte < 0x80 { return Tokenizer.isASCIIWord(byte) }
        return Tokenizer.isWordScalar(decode(at: index).0)
    }

    private func decode(at index: Int) -> (Unicode.Scalar, Int) {
        let lead = bytes[index]
        if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
        var length = 1
        var value: UInt32
        if lead & 0xE0 == 0xC0 {
            length = 2
            value = UInt32(lead & 0x1F)
        } else if lead & 0xF0 == 0xE0 {
            length = 3
            value = UInt32(lead & 0x0F)
        } else {
            length = 4
            value = UInt32(lead & 0x07)
        }
        guard index + length <= bytes.count else { return ("\u{FFFD}", 1) }
        for offset in 1..<length { value = value << 6 | UInt32(bytes[index + offset] & 0x3F) }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }
}

extension Array {
    /// The array in `slot`, emptied but keeping its capacity, and `slot` left empty: a buffer to
    /// fill again without allocating. Always inlined: its buffers are mostly empty or nearly so,
    /// and then the call to a specialised copy costs more than the emptying.
    @inline(__always)
    static func reusing(_ slot: inout [Element]) -> [Element] {
        var taken: [Element] = []
        swap(&taken, &slot)
        // Element by element: for the few elements of most scratch buffers, cheaper than
        // `removeAll(keepingCapacity:)`, which goes through `replaceSubrange`.
        while taken.popLast() != nil {}
        return taken
    }
}
