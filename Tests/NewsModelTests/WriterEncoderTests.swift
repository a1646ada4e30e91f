import Foundation
@testable import NewsModel
import Testing

/// `JSONWriter.encode` on the shapes an `encode(to:)` can take beyond the event types' own
/// (nested containers, `null`s, an encoder asked twice, empty values), against `JSONEncoder`
/// in `EventCodec`'s conventions: the same bytes.
@Suite struct WriterEncoderTests {
    enum Mood: String, Codable { case calm, tense }

    /// Members declared in sorted order, as the writer requires.
    struct Flat: Codable {
        var count = -42
        var flag = true
        var mood = Mood.tense
        var noon = Date(timeIntervalSince1970: 1_795_911_681.5)
        var ratio = 0.1 + 0.2
        var skipped: String?
        var text = "a/b \"q\" \\ \u{1} é 🚨"
    }

    struct Empty: Codable {}

    /// A hand-written `encode(to:)` that nests containers and leaves them open, in sorted key order.
    struct Nested: Encodable {
        enum Keys: String, CodingKey { case a, b, c, d, e, f }
        enum Inner: String, CodingKey { case x, y }

        func encode(to encoder: any Encoder) throws {
            var outer = encoder.container(keyedBy: Keys.self)
            var inner = outer.nestedContainer(keyedBy: Inner.self, forKey: .a)
            try inner.encode(1, forKey: .x)
            try inner.encodeNil(forKey: .y)
            var list = outer.nestedUnkeyedContainer(forKey: .b)
            try list.encode("one")
            var deeper = list.nestedUnkeyedContainer()
            try deeper.encode(2.5)
            try deeper.encodeNil()
            var object = list.nestedContainer(keyedBy: Inner.self)
            try object.encode(false, forKey: .x)
            try list.encode(Empty())
            try outer.encode(["z", nil] as [String?], forKey: .c)
            try outer.encode([Flat](), forKey: .d)
            try outer.encode(Empty(), forKey: .e)
            var again = encoder.container(keyedBy: Keys.self)  // the same object, asked for twice
            try again.encode([[1, 2], [3]], forKey: .f)
        }
    }

    /// A key that JSON must escape.
    struct OddKey: Encodable {
        enum Keys: String, CodingKey { case quoted = "say \"hi\"\\" }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode("x", forKey: .quoted)
        }
    }

    @Test func scalarsEnumsTimesAndMissingOptionalsAreWrittenAsJSONEncoderWritesThem() throws {
        try expectSameBytes(Flat())
        try expectSameBytes([Flat(), Flat(count: 0, flag: false, mood: .calm, ratio: 1e-7, skipped: "", text: "")])
    }

    @Test func nestedContainersAreClosedBeforeTheNextMember() throws {
        try expectSameBytes(Nested())
        #expect(String(decoding: try JSONWriter.encode(Nested(), capacity: 0), as: UTF8.self)
            == #"{"a":{"x":1,"y":null},"b":["one",[2.5,null],{"x":false},{}],"c":["z",null],"d":[],"e":{},"f":[[1,2],[3]]}"#)
    }

    @Test func emptyValuesAndEscapedKeys() throws {
        try expectSameBytes(Empty())
        try expectSameBytes(OddKey())
        try expectSameBytes([[Empty]]([[], [Empty()]]))
    }

    @Test func aNumberJSONCannotCarryIsRefused() {
        #expect(throws: EncodingError.self) { try JSONWriter.encode(Flat(ratio: .nan), capacity: 0) }
        #expect(throws: EncodingError.self) { try JSONWriter.encode([-Double.infinity], capacity: 0) }
    }

    private func expectSameBytes(_ value: some Encodable, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let written = String(decoding: try JSONWriter.encode(value, capacity: 16), as: UTF8.self)
        let encoded = String(decoding: try EventCodec.encodeValue(value), as: UTF8.self)
        #expect(written == encoded, sourceLocation: sourceLocation)
    }
}
