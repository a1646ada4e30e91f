import Foundation
@testable import NewsModel
import Testing

@Suite struct EventCodecTests {
    let occurred = Date(timeIntervalSince1970: 1_764_403_200.5)

    @Test func everyEventTypeRoundTrips() throws {
        try roundTrip(SampleEvents.newsItem)
        try roundTrip(SampleEvents.classifiedItem)
        try roundTrip(SampleEvents.deliveryRequest)
        try roundTrip(SampleEvents.deliveryReceipt)
        try roundTrip(SampleEvents.deadLetter)
    }

    func roundTrip<Event: NewsEvent>(_ event: Event) throws {
        let bytes = try EventCodec.encode(event, occurredAt: occurred)
        let envelope = try EventCodec.decode(Event.self, from: bytes)
        #expect(envelope.data == event)
        #expect(envelope.eventType == Event.eventType)
        #expect(envelope.eventId == event.eventID)
        #expect(envelope.occurredAt == occurred)
        #expect(try EventCodec.encode(envelope) == bytes, "decode then encode must give the same bytes")
    }

    @Test func knownEventHasExactlyThisShape() throws {
        let item = NewsItem(
            itemId: "itm_00000000000000000001", sourceId: "wire", sourceKind: .rss, guid: "g-1", title: "Quake hits coast",
            summary: "", fetchedAt: Date(timeIntervalSince1970: 1_764_403_200), storyId: "sty_00000000000000000001")
        let text = String(decoding: try EventCodec.encode(item, occurredAt: Date(timeIntervalSince1970: 1_764_403_200.25)), as: UTF8.self)
        #expect(text == """
            {"data":{"authors":[],"categories":[],"fetchedAt":"2025-11-29T08:00:00.000Z","guid":"g-1",\
            "itemId":"itm_00000000000000000001","sourceId":"wire","sourceKind":"rss","storyId":"sty_00000000000000000001",\
            "summary":"","title":"Quake hits coast","version":1},"eventId":"itm_00000000000000000001#v1",\
            "eventType":"news.item","occurredAt":"2025-11-29T08:00:00.250Z","schemaVersion":1}
            """)
    }

    @Test func wrongEventTypeIsRefused() throws {
        let bytes = try EventCodec.encode(SampleEvents.deliveryReceipt, occurredAt: occurred)
        #expect(throws: EventDecodingError.self) { try EventCodec.decode(NewsItem.self, from: bytes) }
        do {
            _ = try EventCodec.decode(NewsItem.self, from: bytes)
        } catch {
            #expect(error.code == .wrongEventType)
            #expect(error.message.contains("alerts.receipt"))
        }
    }

    @Test func unsupportedVersionIsRefused() throws {
        let text = String(decoding: try EventCodec.encode(SampleEvents.newsItem, occurredAt: occurred), as: UTF8.self)
            .replacingOccurrences(of: "\"schemaVersion\":1", with: "\"schemaVersion\":2")
        do {
            _ = try EventCodec.decode(NewsItem.self, from: Array(text.utf8))
            Issue.record("version 2 was accepted")
        } catch {
            #expect(error.code == .unsupportedSchemaVersion)
        }
    }

    @Test func malformedAndIncompleteEventsSayWhy() throws {
        do {
            _ = try EventCodec.decode(NewsItem.self, from: Array("{not json".utf8))
            Issue.record("malformed JSON was accepted")
        } catch {
            #expect(error.code == .malformedJSON)
        }
        let missing = #"{"eventType":"news.item","schemaVersion":1,"eventId":"x","occurredAt":"2026-11-29T08:00:00Z","data":{"itemId":"itm_1"}}"#
        do {
            _ = try EventCodec.decode(NewsItem.self, from: Array(missing.utf8))
            Issue.record("an incomplete item was accepted")
        } catch {
            #expect(error.code == .invalidField)
            #expect(error.message.contains("data"))
        }
        let badDate = #"{"eventType":"news.item","schemaVersion":1,"eventId":"x","occurredAt":"yesterday","data":{}}"#
        do {
            _ = try EventCodec.decode(NewsItem.self, from: Array(badDate.utf8))
            Issue.record("a bad time was accepted")
        } catch {
            #expect(error.code == .invalidField)
            #expect(error.message.contains("RFC 3339"))
        }
    }

    @Test func optionalFieldsAreOmittedNotNull() throws {
        let text = String(decoding: try EventCodec.encode(SampleEvents.deliveryReceipt, occurredAt: occurred), as: UTF8.self)
        #expect(!text.contains("null"))
        #expect(!text.contains("nextAttemptAt"))
    }

    @Test func peekReadsTheEnvelopeOnly() throws {
        let bytes = try EventCodec.encode(SampleEvents.classifiedItem, occurredAt: occurred)
        let header = try #require(EventCodec.peek(bytes))
        #expect(header.eventType == "news.classified")
        #expect(header.schemaVersion == 1)
        #expect(EventCodec.peek(Array("[]".utf8)) == nil)
    }
}

@Suite struct RFC3339TimeTests {
    @Test func writesUTCWithMilliseconds() {
        #expect(RFC3339Time.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339Time.format(Date(timeIntervalSince1970: 1_764_403_200.123)) == "2025-11-29T08:00:00.123Z")
        #expect(RFC3339Time.format(Date(timeIntervalSince1970: 1_764_403_200.9996)) == "2025-11-29T08:00:01.000Z")
        #expect(RFC3339Time.format(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
    }

    @Test func readsOffsetsAndPrecisions() throws {
        let utc = try #require(RFC3339Time.parse("2025-11-29T08:00:00Z"))
        #expect(RFC3339Time.parse("2025-11-29T10:00:00+02:00") == utc)
        #expect(RFC3339Time.parse("2025-11-29T03:00:00-05:00") == utc)
        #expect(RFC3339Time.parse("2025-11-29t08:00:00z") == utc)
        #expect(RFC3339Time.parse("2025-11-29T08:00:00.123456Z").map(RFC3339Time.format) == "2025-11-29T08:00:00.123Z")
        #expect(RFC3339Time.parse("29 Nov 2025 08:00") == nil)
        #expect(RFC3339Time.parse("") == nil)
    }

    @Test func formatThenParseIsStable() throws {
        for millis in [0, 1, 7, 123, 999] {
            let text = "2026-01-02T03:04:05.\(String(format: "%03d", millis))Z"
            #expect(RFC3339Time.parse(text).map(RFC3339Time.format) == text)
        }
    }
}

@Suite struct StableIDTests {
    @Test func sha256MatchesKnownVectors() {
        #expect(StableID.hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(StableID.hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(StableID.hex(SHA256.hash(long)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(StableID.hex(SHA256.hash([UInt8](repeating: 0x61, count: 1000))).hasPrefix("41edece42d63e8d9bf515a9ba6932e1c"))
    }

    @Test func idsAreStableAndDistinct() {
        let first = NewsItem.makeItemID(sourceID: "wire", guid: "g-1")
        #expect(first == NewsItem.makeItemID(sourceID: "wire", guid: "g-1"))
        #expect(first != NewsItem.makeItemID(sourceID: "wire", guid: "g-2"))
        #expect(first != NewsItem.makeItemID(sourceID: "wir", guid: "eg-1"))  // the separator keeps parts apart
        #expect(first.hasPrefix("itm_") && first.count == 24)
        let delivery = DeliveryRequest.makeDeliveryID(subscriptionID: "s", storyID: "t", version: 1)
        #expect(delivery != DeliveryRequest.makeDeliveryID(subscriptionID: "s", storyID: "t", version: 2))
        #expect(delivery.hasPrefix("dlv_"))
    }

    @Test func urgencyIsOrdered() {
        #expect(Urgency.routine < .urgent)
        #expect(Urgency.urgent < .flash)
        #expect(Urgency.allCases.max() == .flash)
    }

    @Test func deadLetterKeepsNonUTF8BytesAsBase64() {
        let letter = DeadLetter(
            reason: .poison, error: "not JSON", originalTopic: "news.raw", partition: 0, offset: 9,
            rawKey: [0xff, 0x00], rawPayload: [0xc3, 0x28], delivery: nil, attempts: [], deadLetteredAt: Date())
        #expect(letter.payloadEncoding == .base64)
        #expect(letter.keyEncoding == .base64)
        #expect(letter.rawPayload == [0xc3, 0x28])
        #expect(letter.eventID == "news.raw/0/9")
    }
}
