import Foundation

/// Writes compact JSON into a byte array in the event conventions of ``EventCodec``
/// (RFC 3339 UTC times with milliseconds, `/` not escaped, numbers as `JSONEncoder`
/// writes them), for the hand-written encoders of what a notifier produces once per
/// attempt: the webhook body and the receipt.
///
/// Objects are written by ``object(_:_:)`` over a type's `CodingKeys` (declared in sorted
/// order, as `EventCodec`'s encoder sorts them), a type's own members by its
/// ``JSONObjectWriting/writeMember(_:to:)``, which switches over the key without a default,
/// so that every field of the type is written; `nil` optionals are left out, as
/// `EventCodec`'s encoder does; tests compare the two byte for byte. Commas are placed by
/// the writer: ``key(_:)`` and every value add one after a previous member or element.
public struct JSONWriter: Sendable {
    /// The JSON so far.
    public private(set) var bytes: [UInt8] = []
    /// A member or element was written at this level: the next one needs a comma.
    private var needsComma = false

    /// `capacity`: the expected size, so that the array grows once at most.
    public init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func beginObject() { open(UInt8(ascii: "{")) }

    public mutating func endObject() { close(UInt8(ascii: "}")) }

    public mutating func beginArray() { open(UInt8(ascii: "[")) }

    public mutating func endArray() { close(UInt8(ascii: "]")) }

    private mutating func open(_ bracket: UInt8) {
        separate()
        bytes.append(bracket)
        needsComma = false
    }

    private mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        needsComma = true
    }

    /// An object of `Key`'s members, in the order of `Key.allCases` (which must be sorted):
    /// `member` writes the member of each key, with ``member(_:_:)`` or ``key(_:)`` and a value.
    public mutating func object<Key: CodingKey & CaseIterable>(
        _ keys: Key.Type, _ member: (Key, inout JSONWriter) throws -> Void
    ) rethrows {
        assert(zip(Key.allCases, Key.allCases.dropFirst()).allSatisfy { $0.stringValue < $1.stringValue }, "\(Key.self) not sorted")
        beginObject()
        for key in Key.allCases { try member(key, &self) }
        endObject()
    }

    /// A member's key (a plain ASCII name, which needs no escaping); its value follows.
    public mutating func key(_ name: some CodingKey) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var name = name.stringValue
        name.withUTF8 { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// A string, escaped as RFC 8259 requires: `"`, `\` and the control characters
    /// (U+0000 to U+001F); everything else as its UTF-8 bytes.
    public mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var clean = 0
            for (position, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean..<position]))
                appendEscape(byte)
                clean = position + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean...]))
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    public mutating func strings(_ values: [String]) {
        array(values) { writer, value in writer.string(value) }
    }

    /// An array whose elements `write` writes.
    public mutating func array<Element>(_ elements: [Element], _ write: (inout JSONWriter, Element) throws -> Void) rethrows {
        beginArray()
        for element in elements { try write(&self, element) }
        endArray()
    }

    public mutating func int(_ value: Int) {
        separate()
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        bytes[start...].reverse()
        needsComma = true
    }

    /// A finite number as `JSONEncoder` writes it: Swift's shortest round-trip form, without a trailing `.0`.
    /// - Throws: `EncodingError.invalidValue` for NaN and infinities, which JSON cannot carry.
    public mutating func double(_ value: Double) throws {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, EncodingError.Context(codingPath: [], debugDescription: "\(value) is not a JSON number"))
        }
        separate()
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: value ? Self.trueLiteral : Self.falseLiteral)
        needsComma = true
    }

    /// An RFC 3339 time (``RFC3339Time/format(_:)``) in a string.
    public mutating func date(_ value: Date) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        RFC3339Time.write(value, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    // MARK: - Members: the key and its value; an optional that is nil is left out.

    public mutating func member(_ key: some CodingKey, _ value: String?) {
        guard let value else { return }
        self.key(key)
        string(value)
    }

    public mutating func member(_ key: some CodingKey, _ value: [String]) {
        self.key(key)
        strings(value)
    }

    public mutating func member(_ key: some CodingKey, _ value: Int?) {
        guard let value else { return }
        self.key(key)
        int(value)
    }

    /// An enum by its raw value, as `Codable` writes it.
    public mutating func member<Value: RawRepresentable<String>>(_ key: some CodingKey, _ value: Value) {
        member(key, value.rawValue)
    }

    public mutating func member(_ key: some CodingKey, _ value: Bool) {
        self.key(key)
        bool(value)
    }

    public mutating func member(_ key: some CodingKey, _ value: Date?) {
        guard let value else { return }
        self.key(key)
        date(value)
    }

    /// - Throws: `EncodingError.invalidValue` for NaN and infinities.
    public mutating func member(_ key: some CodingKey, _ value: Double) throws {
        self.key(key)
        try double(value)
    }

    private static let trueLiteral = Array("true".utf8)
    private static let falseLiteral = Array("false".utf8)

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func appendEscape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            let hex = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
        }
    }
}

/// A value that ``JSONWriter`` writes as one object: a member for each of its `Keys`, in their
/// (sorted) order. ``writeMember(_:to:)`` switches over the key without a default, so a field
/// added to the type does not compile until it is written too.
protocol JSONObjectWriting {
    associatedtype Keys: CodingKey & CaseIterable
    /// Writes the member of `key` with ``JSONWriter/member(_:_:)`` (nothing for a `nil`).
    func writeMember(_ key: Keys, to writer: inout JSONWriter) throws
}

extension JSONObjectWriting {
    /// The value as one JSON object.
    /// - Throws: `EncodingError` when a number is not finite.
    func writeJSON(to writer: inout JSONWriter) throws {
        try writer.object(Keys.self) { key, writer in try writeMember(key, to: &writer) }
    }
}

extension JSONWriter {
    /// A member whose value is an object; none for `nil`.
    mutating func member(_ key: some CodingKey, _ value: (some JSONObjectWriting)?) throws {
        guard let value else { return }
        self.key(key)
        try value.writeJSON(to: &self)
    }

    /// A member whose value is an array of objects.
    mutating func member(_ key: some CodingKey, _ values: [some JSONObjectWriting]) throws {
        self.key(key)
        try array(values) { writer, value in try value.writeJSON(to: &writer) }
    }
}
