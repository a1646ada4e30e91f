import Foundation

/// Why ``JSONReader`` stopped: the bytes are not JSON (`malformed`), or they are
/// but a value is missing, of the wrong type or invalid (`invalidField`).
struct JSONReadError: Error, Sendable, Hashable {
    enum Code: Sendable, Hashable {
        case malformed, invalidField
    }

    var code: Code
    /// Says where, with the field's path (`data.item.title`, `data.attempts[1].at`).
    var message: String
}

/// Reads one JSON document (RFC 8259) from the front to the back without building a
/// tree, for the hand-written decoders of the events a notifier reads once per
/// attempt (with Foundation's `JSONDecoder` that was a sixth of the webhook benchmark's CPU).
///
/// The decoders walk it as they would a keyed container: ``beginObject()`` then
/// ``nextKey()`` until it returns nil, one `read…` per value they know and
/// ``skipValue()`` for the rest. Like `JSONDecoder` it refuses malformed JSON and
/// unescaped control characters, and treats `null` as an absent optional. It refuses
/// every string that is not UTF-8, keys and skipped values too (`JSONDecoder` lets
/// some of those through). The reader keeps the path to the current value so that an
/// error says where it is. It only borrows `bytes`: use it inside `withUnsafeBufferPointer`.
struct JSONReader {
    private enum PathComponent {
        /// In an object or array, before its first member.
        case objectStart, arrayStart
        /// The member's key: its bytes in the document (no escapes) or decoded.
        case key(Range<Int>)
        case escapedKey(String)
        case index(Int)
    }

    /// Deeper documents are refused (as `JSONDecoder` refuses them), so that hostile input cannot grow the path without bound.
    static let maximumDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var path: [PathComponent] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        path.reserveCapacity(8)
    }

    /// A place in the document to come back to with ``reset(to:)``.
    struct Mark {
        fileprivate var index: Int
        fileprivate var depth: Int
    }

    /// Where the reader is now.
    var mark: Mark { Mark(index: index, depth: path.count) }

    /// Back to `mark`, taken earlier in the same object or array (e.g. after a decoder
    /// failed inside a value, to skip it instead).
    mutating func reset(to mark: Mark) {
        index = mark.index
        path.removeLast(path.count - mark.depth)
    }

    // MARK: - Objects and arrays

    mutating func beginObject() throws(JSONReadError) {
        try open(UInt8(ascii: "{"), expected: "an object", .objectStart)
    }

    /// The next member's key, with the reader before its value; nil after the closing brace.
    mutating func nextKey() throws(JSONReadError) -> JSONKey? {
        skipWhitespace()
        guard index < bytes.count else { throw malformed("unterminated object") }
        if bytes[index] == UInt8(ascii: "}") {
            index += 1
            path.removeLast()
            return nil
        }
        if case .objectStart = path[path.count - 1] {} else {
            try expect(UInt8(ascii: ","), "',' or '}' after an object member")
            skipWhitespace()
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw malformed("expected a key in quotes") }
        let key: JSONKey
        switch try scanString() {
        case .raw(let range, let isASCII):
            guard isASCII || Self.isUTF8(UnsafeBufferPointer(rebasing: bytes[range])) else { throw malformed("a key is not UTF-8") }
            path[path.count - 1] = .key(range)
            key = JSONKey(bytes: UnsafeBufferPointer(rebasing: bytes[range]))
        case .escaped(let decoded):
            path[path.count - 1] = .escapedKey(decoded)
            key = JSONKey(decoded: decoded)
        }
        skipWhitespace()
        try expect(UInt8(ascii: ":"), "':' after a key")
        return key
    }

    mutating func beginArray() throws(JSONReadError) {
        try open(UInt8(ascii: "["), expected: "an array", .arrayStart)
    }

    /// True with the reader before the next element; false after the closing bracket.
    mutating func nextElement() throws(JSONReadError) -> Bool {
        skipWhitespace()
        guard index < bytes.count else { throw malformed("unterminated array") }
        if bytes[index] == UInt8(ascii: "]") {
            index += 1
            path.removeLast()
            return false
        }
        if case .index(let previous) = path[path.count - 1] {
            try expect(UInt8(ascii: ","), "',' or ']' after an array element")
            path[path.count - 1] = .index(previous + 1)
        } else {
            path[path.count - 1] = .index(0)
        }
        return true
    }

    /// Only whitespace may follow the document.
    mutating func finish() throws(JSONReadError) {
        skipWhitespace()
        guard index == bytes.count else { throw malformed("unexpected characters after the document") }
    }

    // MARK: - Values

    /// True (and the `null` read) when the next value is `null`.
    mutating func readNull() -> Bool {
        skipWhitespace()
        guard bytes.count - index >= 4, bytes[index] == UInt8(ascii: "n"), bytes[index + 1] == UInt8(ascii: "u"),
              bytes[index + 2] == UInt8(ascii: "l"), bytes[index + 3] == UInt8(ascii: "l") else { return false }
        index += 4
        return true
    }

    mutating func readString() throws(JSONReadError) -> String {
        try startValue(UInt8(ascii: "\""), expected: "a string")
        switch try scanString() {
        case .raw(let range, let isASCII):
            return try string(UnsafeBufferPointer(rebasing: bytes[range]), isASCII: isASCII)
        case .escaped(let text):
            return text
        }
    }

    /// An array whose elements `element` reads.
    mutating func readArray<Element>(_ element: (inout JSONReader) throws(JSONReadError) -> Element) throws(JSONReadError) -> [Element] {
        var elements: [Element] = []
        try beginArray()
        while try nextElement() { elements.append(try element(&self)) }
        return elements
    }

    mutating func readStrings() throws(JSONReadError) -> [String] {
        try readArray { reader throws(JSONReadError) in try reader.readString() }
    }

    mutating func readBool() throws(JSONReadError) -> Bool {
        skipWhitespace()
        if take("true") { return true }
        if take("false") { return false }
        throw try mismatch("a boolean")
    }

    /// An integer; like `JSONDecoder`, also `1.0` or `1e3`, but not `1.5`.
    mutating func readInt() throws(JSONReadError) -> Int {
        let number = try scanNumber(expected: "an integer")
        if !number.isFractional, let magnitude = number.smallSignificand {
            return number.isNegative ? -magnitude : magnitude
        }
        let exact = number.isFractional ? Int(exactly: try double(number)) : Int(String(decoding: bytes[number.range], as: UTF8.self))
        guard let exact else { throw invalid("\(pathText()) is not an integer") }
        return exact
    }

    mutating func readDouble() throws(JSONReadError) -> Double {
        try double(try scanNumber(expected: "a number"))
    }

    /// An RFC 3339 time in a string (``RFC3339Time/parse(_:)``).
    mutating func readDate() throws(JSONReadError) -> Date {
        try startValue(UInt8(ascii: "\""), expected: "a string")
        let parsed: Date?
        let text: () -> String
        switch try scanString() {
        case .raw(let range, _):
            let raw = UnsafeBufferPointer(rebasing: bytes[range])
            parsed = RFC3339Time.parse(utf8: raw)
            text = { String(decoding: raw, as: UTF8.self) }
        case .escaped(let decoded):
            parsed = RFC3339Time.parse(decoded)
            text = { decoded }
        }
        guard let parsed else {
            throw invalid("\(pathText()): '\(text())' is not an RFC 3339 time such as 2026-11-29T08:00:00.000Z")
        }
        return parsed
    }

    /// A string that must be one of `Value`'s raw values.
    mutating func readEnum<Value: RawRepresentable>(_ type: Value.Type) throws(JSONReadError) -> Value where Value.RawValue == String {
        let text = try readString()
        guard let value = Value(rawValue: text) else {
            throw invalid("\(pathText()): cannot initialize \(Value.self) from invalid String value \(text)")
        }
        return value
    }

    /// Steps over the next value, checking only that it is well-formed. A loop over the
    /// path rather than recursion, so that nesting costs no stack.
    mutating func skipValue() throws(JSONReadError) {
        let depth = path.count
        repeat {
            skipWhitespace()
            guard index < bytes.count else { throw malformed("expected a value") }
            switch bytes[index] {
            case UInt8(ascii: "{"): try beginObject()
            case UInt8(ascii: "["): try beginArray()
            case UInt8(ascii: "\""): _ = try readString()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try scanNumber(expected: "a value")
            default: guard take("true") || take("false") || readNull() else { throw malformed("expected a value") }
            }
            // On to the next value inside the skipped one, closing what ends on the way.
            var atValue = false
            while !atValue, path.count > depth {
                switch path[path.count - 1] {
                case .objectStart, .key, .escapedKey: atValue = try nextKey() != nil
                case .arrayStart, .index: atValue = try nextElement()
                }
            }
        } while path.count > depth
    }

    /// The whole document is well-formed JSON.
    static func isWellFormed(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var reader = JSONReader(bytes)
        do {
            try reader.skipValue()
            try reader.finish()
            return true
        } catch {
            return false
        }
    }

    // MARK: - Errors

    /// A required member that the object (just read) did not have.
    func missing(_ key: StaticString) -> JSONReadError {
        missing(named: key.description)
    }

    /// A required member that the object (just read) did not have.
    func missing(_ key: some CodingKey) -> JSONReadError {
        missing(named: key.stringValue)
    }

    private func missing(named key: String) -> JSONReadError {
        let parent = pathText(root: "")
        return invalid("missing field \(parent.isEmpty ? "" : parent + ".")\(key)")
    }

    func invalid(_ message: String) -> JSONReadError {
        JSONReadError(code: .invalidField, message: message)
    }

    private func malformed(_ problem: String) -> JSONReadError {
        JSONReadError(code: .malformed, message: "\(problem) at byte \(index)")
    }

    /// The next value is not of the expected type (or is a null where one is required).
    private mutating func mismatch(_ expected: String) throws(JSONReadError) -> JSONReadError {
        if readNull() { return invalid("\(pathText()) is null but required") }
        try skipValue()
        return invalid("\(pathText()) is not \(expected)")
    }

    /// `data.attempts[1].at`; `root` for the document itself.
    private func pathText(root: String = "(root)") -> String {
        var text = ""
        for component in path {
            switch component {
            case .objectStart, .arrayStart: break
            case .key(let range): text += (text.isEmpty ? "" : ".") + String(decoding: bytes[range], as: UTF8.self)
            case .escapedKey(let key): text += (text.isEmpty ? "" : ".") + key
            case .index(let position): text += "[\(position)]"
            }
        }
        return text.isEmpty ? root : text
    }

    // MARK: - Scanning

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(JSONReadError) {
        guard index < bytes.count, bytes[index] == byte else { throw malformed("expected \(what)") }
        index += 1
    }

    private mutating func take(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count,
              memcmp(bytes.baseAddress! + index, literal.utf8Start, count) == 0 else { return false }
        index += count
        return true
    }

    /// Checks that the next value starts with `opening` (else a type mismatch), leaving the reader on it.
    private mutating func startValue(_ opening: UInt8, expected: String) throws(JSONReadError) {
        skipWhitespace()
        guard index < bytes.count else { throw malformed("expected a value") }
        guard bytes[index] == opening else { throw try mismatch(expected) }
    }

    private mutating func open(_ bracket: UInt8, expected: String, _ start: PathComponent) throws(JSONReadError) {
        try startValue(bracket, expected: expected)
        guard path.count < Self.maximumDepth else { throw malformed("too deeply nested") }
        index += 1
        path.append(start)
    }

    private enum ScannedString {
        /// The bytes between the quotes, without escapes (not yet checked to be UTF-8 unless all ASCII).
        case raw(Range<Int>, isASCII: Bool)
        /// Decoded escapes.
        case escaped(String)
    }

    /// Reads a string whose opening quote is at `index`.
    private mutating func scanString() throws(JSONReadError) -> ScannedString {
        index += 1
        let start = index
        var isASCII = true
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index += 1
                return .raw(start..<index - 1, isASCII: isASCII)
            case UInt8(ascii: "\\"):
                return .escaped(try decodeEscapedString(from: start))
            case 0..<0x20:
                throw malformed("unescaped control character in a string")
            case 0x80...:
                isASCII = false
                index += 1
            default:
                index += 1
            }
        }
        throw malformed("unterminated string")
    }

    /// `utf8` as a `String`, refusing bytes that are not UTF-8. Not `String(validating:as:)`:
    /// it is generic and looked up type metadata on every call, a quarter of the decoding time.
    private func string(_ utf8: UnsafeBufferPointer<UInt8>, isASCII: Bool) throws(JSONReadError) -> String {
        guard isASCII || Self.isUTF8(utf8) else { throw malformed("a string is not UTF-8") }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Well-formed UTF-8 (Unicode 15, table 3-7): no overlong forms, surrogates or scalars above U+10FFFF.
    static func isUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        func continuation(_ offset: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool {
            index + offset < bytes.count && range.contains(bytes[index + offset])
        }
        while index < bytes.count {
            let lead = bytes[index]
            switch lead {
            case 0x00...0x7F:
                index += 1
            case 0xC2...0xDF:
                guard continuation(1) else { return false }
                index += 2
            case 0xE0...0xEF:
                let second: ClosedRange<UInt8> = lead == 0xE0 ? 0xA0...0xBF : lead == 0xED ? 0x80...0x9F : 0x80...0xBF
                guard continuation(1, second), continuation(2) else { return false }
                index += 3
            case 0xF0...0xF4:
                let second: ClosedRange<UInt8> = lead == 0xF0 ? 0x90...0xBF : lead == 0xF4 ? 0x80...0x8F : 0x80...0xBF
                guard continuation(1, second), continuation(2), continuation(3) else { return false }
                index += 4
            default:
                return false
            }
        }
        return true
    }

    /// The rest of a string that has escapes, from its first byte at `start`.
    private mutating func decodeEscapedString(from start: Int) throws(JSONReadError) -> String {
        var decoded = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return try decoded.withUnsafeBufferPointer { utf8 throws(JSONReadError) in try string(utf8, isASCII: false) }
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { break }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"): decoded.append(contentsOf: try unicodeEscape().utf8)
                default: throw malformed("invalid escape in a string")
                }
            case 0..<0x20:
                throw malformed("unescaped control character in a string")
            default:
                decoded.append(byte)
            }
        }
        throw malformed("unterminated string")
    }

    /// The scalar of `\uXXXX` (after the `u`), or of a `\uD8xx\uDCxx` surrogate pair.
    private mutating func unicodeEscape() throws(JSONReadError) -> String {
        let first = try hexQuad()
        var value = UInt32(first)
        if (0xD800..<0xDC00).contains(first) {
            guard take("\\u") else { throw malformed("a high surrogate escape without its low surrogate") }
            let second = try hexQuad()
            guard (0xDC00..<0xE000).contains(second) else { throw malformed("a high surrogate escape without its low surrogate") }
            value = 0x10000 + (UInt32(first - 0xD800) << 10) + UInt32(second - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(value) else { throw malformed("a lone low surrogate escape") }
        return String(Character(scalar))
    }

    private mutating func hexQuad() throws(JSONReadError) -> UInt16 {
        guard bytes.count - index >= 4 else { throw malformed("a short \\u escape") }
        var value: UInt16 = 0
        for byte in bytes[index..<index + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw malformed("a \\u escape with a non-hex digit")
            }
            value = value << 4 | UInt16(digit)
        }
        index += 4
        return value
    }

    private struct ScannedNumber {
        var range: Range<Int>
        var isNegative: Bool
        /// It has a fraction or an exponent.
        var isFractional: Bool
        /// Its digits without the sign and point when there are at most 15 (then the
        /// conversion below is exact), and the power of ten to scale them by.
        var smallSignificand: Int?
        var exponent: Int
    }

    /// A number in the JSON grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func scanNumber(expected: String) throws(JSONReadError) -> ScannedNumber {
        skipWhitespace()
        let start = index
        guard index < bytes.count, bytes[index] == UInt8(ascii: "-") || isDigit(bytes[index]) else { throw try mismatch(expected) }
        let isNegative = bytes[index] == UInt8(ascii: "-")
        if isNegative { index += 1 }
        var significand = 0
        var digits = 0
        var exponent = 0
        func digit(_ byte: UInt8) { significand = significand &* 10 &+ Int(byte - UInt8(ascii: "0")); digits += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw malformed("expected a digit") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) { digit(bytes[index]); index += 1 }
        }
        var isFractional = false
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isFractional = true
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw malformed("expected a digit after '.'") }
            while index < bytes.count, isDigit(bytes[index]) { digit(bytes[index]); exponent -= 1; index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isFractional = true
            index += 1
            var sign = 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { throw malformed("expected a digit in an exponent") }
            var written = 0
            while index < bytes.count, isDigit(bytes[index]) {
                written = min(written * 10 + Int(bytes[index] - UInt8(ascii: "0")), 100_000)
                index += 1
            }
            exponent += sign * written
        }
        return ScannedNumber(
            range: start..<index, isNegative: isNegative, isFractional: isFractional, smallSignificand: digits <= 15 ? significand : nil,
            exponent: exponent)
    }

    /// Exact for up to 15 significant digits and a power of ten up to 22 (both are then exact
    /// doubles, and one correctly rounded multiplication or division is the correctly rounded
    /// result); other numbers go through the standard library's parser.
    private func double(_ number: ScannedNumber) throws(JSONReadError) -> Double {
        if let significand = number.smallSignificand, (-22...22).contains(number.exponent) {
            let magnitude = Double(significand)
            let value = number.exponent < 0 ? magnitude / Self.powersOfTen[-number.exponent] : magnitude * Self.powersOfTen[number.exponent]
            return number.isNegative ? -value : value
        }
        guard let value = Double(String(decoding: bytes[number.range], as: UTF8.self)), value.isFinite else {
            throw invalid("\(pathText()): the number does not fit in a Double")
        }
        return value
    }

    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}

/// A member's key as ``JSONReader/nextKey()`` read it; decoders match it against names
/// in a `switch` (`case "title":`) without making a `String`.
struct JSONKey {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let decoded: String?

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        self.decoded = nil
    }

    init(decoded: String) {
        self.bytes = UnsafeBufferPointer(start: nil, count: 0)
        self.decoded = decoded
    }

    /// The case of `Key` whose name this key is, if any (its bytes compared with the names' bytes,
    /// no string made), refusing a member that `seen` (one bit per case) says came before: for a
    /// duplicate member `JSONDecoder` keeps the first and a reader that assigns as it goes the
    /// last, so a document with one is broken JSON here (found by the event fuzzer).
    func named<Key: JSONMemberKey>(in _: Key.Type, seen: inout UInt64) throws(JSONReadError) -> Key? {
        let found = if let decoded { Key.members.entry(named: Array(decoded.utf8)) } else { Key.members.entry(named: bytes) }
        guard let (key, index) = found else { return nil }
        let bit: UInt64 = 1 << UInt64(index)
        guard seen & bit == 0 else { throw JSONReadError(code: .malformed, message: "the member \(key.stringValue) appears twice") }
        seen |= bit
        return key
    }

    static func ~= (name: StaticString, key: JSONKey) -> Bool {
        let count = name.utf8CodeUnitCount
        if let decoded = key.decoded {
            return decoded.utf8.elementsEqual(UnsafeBufferPointer(start: name.utf8Start, count: count))
        }
        return key.bytes.count == count && memcmp(key.bytes.baseAddress!, name.utf8Start, count) == 0
    }
}

/// A type's `CodingKeys`, whose names the hand-written reader finds by their bytes.
protocol JSONMemberKey: CodingKey, CaseIterable, Sendable {
    /// `JSONMemberTable(Self.self)`, made once.
    static var members: JSONMemberTable<Self> { get }
}

/// The names of a `CodingKeys` type as bytes, grouped by length.
struct JSONMemberTable<Key: JSONMemberKey>: Sendable {
    private let names: [(bytes: [UInt8], key: Key)]

    init(_: Key.Type) {
        names = Key.allCases.map { (Array($0.stringValue.utf8), $0) }
        precondition(names.count <= 64, "a member table tracks at most 64 members")
    }

    /// The case named `bytes`, and its position among the cases (its bit in a `seen` mask).
    func entry(named bytes: UnsafeBufferPointer<UInt8>) -> (key: Key, index: Int)? {
        for (index, name) in names.enumerated() where name.bytes.count == bytes.count {
            if name.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }) { return (name.key, index) }
        }
        return nil
    }

    /// The same for a name that had escapes in the document.
    func entry(named bytes: [UInt8]) -> (key: Key, index: Int)? {
        bytes.withUnsafeBufferPointer { entry(named: $0) }
    }
}
