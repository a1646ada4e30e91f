import Foundation

extension JSONWriter {
    /// `value` as its synthesized (or own) `encode(to:)` describes it, written straight into
    /// a writer of `capacity` bytes in ``EventCodec``'s conventions, without the tree of boxes
    /// that `JSONEncoder` builds first: the same bytes as `EventCodec.encodeValue(value)` when
    /// the value's `CodingKeys` are declared in sorted order (synthesized `Codable` writes the
    /// members in the order of its keys, where `JSONEncoder` sorts them). A type's members are
    /// thus listed once, in its `CodingKeys`.
    ///
    /// Times are RFC 3339 strings, `nil` optionals are left out (synthesized `encodeIfPresent`),
    /// enums are their raw values. Not for dictionaries, whose keys would come out unsorted, nor
    /// for types that use a super encoder: no event type does either.
    /// - Throws: `EncodingError.invalidValue` for a number that is not finite.
    static func encode(_ value: some Encodable, capacity: Int) throws -> [UInt8] {
        let sink = WriterSink(writer: JSONWriter(capacity: capacity))
        try sink.value(value)
        return sink.writer.bytes
    }
}

/// The writer while a ``JSONWriter/encode(_:capacity:)`` is under way, shared by the encoders
/// and containers it hands out, with the closing brackets of the objects and arrays still open.
///
/// Its two fields skip the runtime's exclusivity checks: one `encode` on one thread uses the
/// sink, and none of its accesses overlaps another. Measured with `newsflash-bench codec` when
/// this was written: a webhook body took 10.7 µs without the checks and 13.3 µs with them on
/// `open` alone.
private final class WriterSink {
    @exclusivity(unchecked) var writer: JSONWriter
    /// Closing brackets, innermost last. A container owns the levels from its own upward:
    /// writing a member or element first closes whatever a nested container left open.
    @exclusivity(unchecked) private var open: [UInt8] = []

    init(writer: JSONWriter) {
        self.writer = writer
        open.reserveCapacity(8)
    }

    /// Opens `bracket`'s object or array at `level`, after closing what was left open there.
    /// Returns the level its members live at.
    func open(_ bracket: UInt8, at level: Int) -> Int {
        close(to: level)
        if bracket == UInt8(ascii: "}") { writer.beginObject() } else { writer.beginArray() }
        open.append(bracket)
        return level + 1
    }

    /// The container of the value at `level`: opened at the first call, the same one again
    /// when an `encode(to:)` asks twice.
    func container(_ bracket: UInt8, at level: Int) -> Int {
        guard open.count > level else { return open(bracket, at: level) }
        close(to: level + 1)
        return level + 1
    }

    func close(to level: Int) {
        while open.count > level {
            if open.removeLast() == UInt8(ascii: "}") { writer.endObject() } else { writer.endArray() }
        }
    }

    func key(_ key: some CodingKey, at level: Int) {
        close(to: level)
        writer.key(key)
    }

    /// One value: the scalars the event types hold, told apart by their type, directly; anything
    /// else by its `encode(to:)`, then closing what it left open.
    func value<Value: Encodable>(_ value: Value) throws {
        if Value.self == String.self {
            writer.string(value as! String)
        } else if Value.self == Date.self {
            writer.date(value as! Date)
        } else if Value.self == Int.self {
            writer.int(value as! Int)
        } else if Value.self == Double.self {
            try writer.double(value as! Double)
        } else if Value.self == Bool.self {
            writer.bool(value as! Bool)
        } else {
            let level = open.count, start = writer.bytes.count
            try value.encode(to: WriterEncoder(sink: self, level: level))
            close(to: level)
            if writer.bytes.count == start {  // encoded nothing: an empty object, as JSONEncoder writes it
                writer.beginObject()
                writer.endObject()
            }
        }
    }
}

private struct WriterEncoder: Encoder {
    let sink: WriterSink
    /// The level of the value this encoder writes.
    let level: Int

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy _: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedWriter(sink: sink, level: sink.container(UInt8(ascii: "}"), at: level)))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedWriter(sink: sink, level: sink.container(UInt8(ascii: "]"), at: level))
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleWriter(sink: sink) }
}

private struct KeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let sink: WriterSink
    /// The level of this object's members.
    let level: Int
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) {
        sink.key(key, at: level)
        sink.writer.null()
    }

    mutating func encode(_ value: some Encodable, forKey key: Key) throws {
        sink.key(key, at: level)
        try sink.value(value)
    }

    // The scalars that synthesized `Codable` passes by their own overloads, written directly.

    mutating func encode(_ value: String, forKey key: Key) {
        sink.key(key, at: level)
        sink.writer.string(value)
    }

    mutating func encodeIfPresent(_ value: String?, forKey key: Key) {
        if let value { encode(value, forKey: key) }
    }

    mutating func encode(_ value: Int, forKey key: Key) {
        sink.key(key, at: level)
        sink.writer.int(value)
    }

    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) {
        if let value { encode(value, forKey: key) }
    }

    mutating func encode(_ value: Bool, forKey key: Key) {
        sink.key(key, at: level)
        sink.writer.bool(value)
    }

    mutating func encode(_ value: Double, forKey key: Key) throws {
        sink.key(key, at: level)
        try sink.writer.double(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy _: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        sink.key(key, at: level)
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(sink: sink, level: sink.open(UInt8(ascii: "}"), at: level)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        sink.key(key, at: level)
        return UnkeyedWriter(sink: sink, level: sink.open(UInt8(ascii: "]"), at: level))
    }

    mutating func superEncoder() -> any Encoder { preconditionFailure("JSONWriter.encode does not support super encoders") }

    mutating func superEncoder(forKey _: Key) -> any Encoder { superEncoder() }
}

private struct UnkeyedWriter: UnkeyedEncodingContainer {
    let sink: WriterSink
    /// The level of this array's elements.
    let level: Int
    private(set) var count = 0
    var codingPath: [any CodingKey] { [] }

    init(sink: WriterSink, level: Int) {
        self.sink = sink
        self.level = level
    }

    mutating func encodeNil() {
        sink.close(to: level)
        sink.writer.null()
        count += 1
    }

    mutating func encode(_ value: some Encodable) throws {
        sink.close(to: level)
        try sink.value(value)
        count += 1
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy _: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        count += 1
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(sink: sink, level: sink.open(UInt8(ascii: "}"), at: level)))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        count += 1
        return UnkeyedWriter(sink: sink, level: sink.open(UInt8(ascii: "]"), at: level))
    }

    mutating func superEncoder() -> any Encoder { preconditionFailure("JSONWriter.encode does not support super encoders") }
}

private struct SingleWriter: SingleValueEncodingContainer {
    let sink: WriterSink
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() { sink.writer.null() }

    mutating func encode(_ value: some Encodable) throws { try sink.value(value) }
}

