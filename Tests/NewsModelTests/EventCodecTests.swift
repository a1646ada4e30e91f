import Foundation
import NewsModel
import Testing

@Suite struct EventCodecTests {
    let occurred = Date(timeIntervalSince1970: 1_795_911_681.5)

    @Test(arguments: SampleEvents.all + MinimalEvents.all)
    func everyEventRoundTrips(_ event: any NewsEvent) throws {
        try roundTrip(event)
    }

    private func roundTrip<Event: NewsEvent>(_ event: Event) throws {
        let bytes = try EventCodec.encode(event, occurredAt: occurred)
        let envelope = try EventCodec.decode(Event.self, from: bytes)
        #expect(envelope.data == event)
        #expect(envelope.eventType == Event.eventType)
        #expect(envelope.schemaVersion == Event.schemaVersion)
        #expect(envelope.eventId == event.eventID)
        #expect(envelope.occurredAt == occurred)
        #expect(try EventCodec.encode(envelope) == bytes, "decode then encode must give the same bytes")
    }

    @Test func aKnownEventHasExactlyThisShape() throws {
        let item = NewsItem(
            itemId: "itm_00000000000000000001", sourceId: "wire", sourceKind: .rss, guid: "g-1", title: "Quake hits coast",
            summary: "", url: "https://example.com/a/b", fetchedAt: Date(timeIntervalSince1970: 1_795_911_681),
            storyId: "sty_00000000000000000001", hints: NewsItem.Hints(region: "Asia"))
        let text = String(
            decoding: try EventCodec.encode(item, occurredAt: Date(timeIntervalSince1970: 1_795_911_681.25)), as: UTF8.self)
        #expect(text == """
            {"data":{"authors":[],"categories":[],"fetchedAt":"2026-11-29T00:21:21.000Z","guid":"g-1",\
            "hints":{"region":"Asia"},"itemId":"itm_00000000000000000001","sourceId":"wire","sourceKind":"rss",\
            "storyId":"sty_00000000000000000001","summary":"","title":"Quake hits coast","url":"https://example.com/a/b",\
            "version":1},"eventId":"itm_00000000000000000001#v1","eventType":"news.item",\
            "occurredAt":"2026-11-29T00:21:21.250Z","schemaVersion":1}
            """)
    }

    @Test func optionalFieldsAreOmittedNotNull() throws {
        let text = String(decoding: try EventCodec.encode(MinimalEvents.deliveryRequest, occurredAt: occurred), as: UTF8.self)
        #expect(!text.contains("null"))
        for absent in ["\"url\"", "publishedAt", "updatedAt", "language", "imageUrl", "hints", "notBefore"] {
            #expect(!text.contains(absent), "\(absent) is nil and must be left out")
        }
        let receipt = String(decoding: try EventCodec.encode(MinimalEvents.deliveryReceipt, occurredAt: occurred), as: UTF8.self)
        for absent in ["statusCode", "\"error\"", "nextAttemptAt"] {
            #expect(!receipt.contains(absent), "\(absent) is nil and must be left out")
        }
    }

    @Test func absentOptionalFieldsDecodeAsNil() throws {
        let text = #"""
            {"eventType":"news.item","schemaVersion":1,"eventId":"itm_1#v1","occurredAt":"2026-11-29T00:21:21Z",
             "data":{"itemId":"itm_1","sourceId":"wire","sourceKind":"atom","guid":"g","title":"T","summary":"",
                     "fetchedAt":"2026-11-29T00:21:21Z","authors":[],"categories":[],"storyId":"sty_1","version":2}}
            """#
        let item = try EventCodec.decode(NewsItem.self, from: Array(text.utf8)).data
        #expect(item.url == nil && item.publishedAt == nil && item.updatedAt == nil && item.language == nil)
        #expect(item.imageUrl == nil && item.hints == nil)
        #expect(item.version == 2)
        #expect(item.eventID == "itm_1#v2")
    }

    @Test func timesWithOffsetsAndWithoutFractionDecode() throws {
        let text = #"""
            {"eventType":"news.item","schemaVersion":1,"eventId":"itm_1#v1","occurredAt":"2026-11-29T02:21:21.5+02:00",
             "data":{"itemId":"itm_1","sourceId":"wire","sourceKind":"rss","guid":"g","title":"T","summary":"",
                     "publishedAt":"2026-11-28T19:21:21-05:00","updatedAt":"2026-11-29T00:21:21.123456789Z",
                     "fetchedAt":"2026-11-29T00:21:21Z","authors":[],"categories":[],"storyId":"sty_1","version":1}}
            """#
        let envelope = try EventCodec.decode(NewsItem.self, from: Array(text.utf8))
        let base = Date(timeIntervalSince1970: 1_795_911_681)
        #expect(envelope.occurredAt == Date(timeIntervalSince1970: 1_795_911_681.5))
        #expect(envelope.data.fetchedAt == base)
        #expect(envelope.data.publishedAt == base)
        #expect(envelope.data.updatedAt == Date(timeIntervalSince1970: 1_795_911_681.123))
        let again = String(decoding: try EventCodec.encode(envelope), as: UTF8.self)
        #expect(again.contains(#""occurredAt":"2026-11-29T00:21:21.500Z""#))
        #expect(again.contains(#""publishedAt":"2026-11-29T00:21:21.000Z""#))
        #expect(again.contains(#""updatedAt":"2026-11-29T00:21:21.123Z""#))
    }

    @Test func anotherEventTypeIsRefusedBeforeItsPayloadIsRead() throws {
        let receipt = try EventCodec.encode(SampleEvents.deliveryReceipt, occurredAt: occurred)
        let error = try #require(decodingError(NewsItem.self, receipt))
        #expect(error.code == .wrongEventType)
        #expect(error.message.contains("alerts.receipt") && error.message.contains("news.item"))
        let garbagePayload = #"{"eventType":"alerts.receipt","schemaVersion":1,"data":42}"#
        #expect(decodingError(NewsItem.self, Array(garbagePayload.utf8))?.code == .wrongEventType)
    }

    @Test func anUnsupportedSchemaVersionIsRefused() throws {
        let text = String(decoding: try EventCodec.encode(SampleEvents.newsItem, occurredAt: occurred), as: UTF8.self)
            .replacingOccurrences(of: #""schemaVersion":1"#, with: #""schemaVersion":2"#)
        let error = try #require(decodingError(NewsItem.self, Array(text.utf8)))
        #expect(error.code == .unsupportedSchemaVersion)
        #expect(error.message.contains("schemaVersion 2"))
    }

    @Test(arguments: ["{not json", "", "{\"eventType\":\"news.item\",", "\u{FEFF}nul"])
    func malformedJSONIsRefused(_ text: String) {
        #expect(decodingError(NewsItem.self, Array(text.utf8))?.code == .malformedJSON)
    }

    @Test func bytesThatAreNotUTF8AreMalformed() {
        #expect(decodingError(NewsItem.self, [0xff, 0xfe, 0x7b])?.code == .malformedJSON)
    }

    @Test func aMissingOrInvalidFieldIsNamed() throws {
        let envelope = #"{"eventType":"news.item","schemaVersion":1,"eventId":"x","occurredAt":"2026-11-29T08:00:00Z","data":"#
        let missing = try #require(decodingError(NewsItem.self, Array((envelope + #"{"itemId":"itm_1"}}"#).utf8)))
        #expect(missing.code == .invalidField)
        #expect(missing.message.contains("missing field data."))

        let item = String(decoding: try EventCodec.encode(SampleEvents.newsItem, occurredAt: occurred), as: UTF8.self)
        let badKind = try #require(decodingError(
            NewsItem.self, Array(item.replacingOccurrences(of: #""html-ticker""#, with: #""fax""#).utf8)))
        #expect(badKind.code == .invalidField)
        #expect(badKind.message.contains("data.sourceKind"))

        let badTime = #"{"eventType":"news.item","schemaVersion":1,"eventId":"x","occurredAt":"yesterday","data":{}}"#
        let time = try #require(decodingError(NewsItem.self, Array(badTime.utf8)))
        #expect(time.code == .invalidField)
        #expect(time.message.contains("occurredAt") && time.message.contains("RFC 3339"))

        let nested = String(decoding: try EventCodec.encode(SampleEvents.deadLetter, occurredAt: occurred), as: UTF8.self)
            .replacingOccurrences(of: #""statusCode":500"#, with: #""statusCode":"500""#)
        let typeMismatch = try #require(decodingError(DeadLetter.self, Array(nested.utf8)))
        #expect(typeMismatch.code == .invalidField)
        #expect(typeMismatch.message.contains("data.delivery.attempts[1].statusCode is not an integer"), "\(typeMismatch.message)")
    }

    @Test(arguments: ["{}", "[]", "42", #"{"eventType":"news.item"}"#, #"{"eventType":7,"schemaVersion":1}"#])
    func anEnvelopeWithoutTypeOrVersionIsAnInvalidField(_ text: String) {
        #expect(decodingError(NewsItem.self, Array(text.utf8))?.code == .invalidField)
    }

    @Test func peekTypeReadsTheEnvelopeOnly() throws {
        let bytes = try EventCodec.encode(SampleEvents.classifiedItem, occurredAt: occurred)
        let header = try #require(EventCodec.peekType(bytes))
        #expect(header.eventType == "news.classified")
        #expect(header.schemaVersion == 1)
        let future = #"{"eventType":"news.item","schemaVersion":9,"data":{"whatever":true}}"#
        #expect(EventCodec.peekType(Array(future.utf8))?.schemaVersion == 9)
        #expect(EventCodec.peekType(Array("[]".utf8)) == nil)
        #expect(EventCodec.peekType(Array("{not json".utf8)) == nil)
    }

    @Test func encodingIsStableAndSorted() throws {
        let first = try EventCodec.encode(SampleEvents.deadLetter, occurredAt: occurred)
        let second = try EventCodec.encode(SampleEvents.deadLetter, occurredAt: occurred)
        #expect(first == second)
        let text = String(decoding: first, as: UTF8.self)
        #expect(text.hasPrefix(#"{"data":{"attempts":["#))
        #expect(text.contains("https://hooks.example.com/newsflash"), "slashes are not escaped")
        #expect(!text.contains("\n"), "one event, one line")
    }

    @Test func aNonFiniteNumberIsAnErrorNotACrash() {
        var receipt = SampleEvents.deliveryReceipt
        receipt.latencyMs = .nan
        #expect(throws: EncodingError.self) { try EventCodec.encode(receipt, occurredAt: occurred) }
    }

    private func decodingError<Event: NewsEvent>(_ type: Event.Type, _ bytes: [UInt8]) -> EventDecodingError? {
        do {
            _ = try EventCodec.decode(type, from: bytes)
            return nil
        } catch {
            return error
        }
    }
}
