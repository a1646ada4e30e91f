import Foundation
import NewsModel
import Testing

/// The hand-written delivery decoder and the receipt encoder (`JSONWriter.encode`), the notifiers'
/// per-attempt path, against `EventCodec`'s Foundation path: the same values, bytes and error codes.
@Suite struct HandWrittenJSONTests {
    static let occurred = Date(timeIntervalSince1970: 1_795_911_681.5)

    /// Every optional field set and unset, update and replay flags, escapes, non-ASCII text and awkward numbers.
    static let deliveries: [DeliveryRequest] = {
        var escaped = SampleEvents.deliveryRequest
        escaped.isUpdate = true
        escaped.isReplay = true
        escaped.version = 3
        escaped.item.item.title = "Quake \"6.1\" – ✓ \\ a/b\n\tline\u{1}\u{1F}\u{7F} 🚨 انفجار في بيروت \u{2028}"
        escaped.item.item.summary = "\r\u{8}\u{C}\0 end"
        escaped.item.item.authors = ["O'Brien, \"Pat\"", "李雷"]
        escaped.item.regions = [ScoredLabel(label: "MENA", score: 1), ScoredLabel(label: "Europe", score: 0)]
        escaped.item.topics = [ScoredLabel(label: "Politics", score: 0.1 + 0.2), ScoredLabel(label: "Disasters", score: 1e-7)]
        escaped.match.matchedTerms = ["\"air strike\"", "région:MENA"]
        escaped.attempts.append(DeliveryAttempt(attempt: 2, at: occurred, outcome: .retry, latencyMs: 123_456.789))
        var noHints = SampleEvents.deliveryRequest
        noHints.item.item.hints = NewsItem.Hints(topic: "Politics")
        noHints.channel = .email
        return [SampleEvents.deliveryRequest, MinimalEvents.deliveryRequest, escaped, noHints]
    }()

    @Test(arguments: deliveries)
    func theDeliveryDecoderReadsWhatCodableWrote(_ delivery: DeliveryRequest) throws {
        let bytes = try EventCodec.encode(delivery, occurredAt: Self.occurred)
        let envelope = try EventCodec.decodeDelivery(bytes)
        #expect(envelope == (try EventCodec.decode(DeliveryRequest.self, from: bytes)))
        #expect(envelope.data == delivery)
        #expect(try EventCodec.encode(envelope) == bytes)
    }

    /// Another producer's spelling: any key order, whitespace, escaped slashes, \u escapes
    /// (a surrogate pair too), explicit nulls, unknown members and numbers in other forms.
    @Test func theDeliveryDecoderReadsOtherProducersJSONAsCodableDoes() throws {
        let item = #"""
            {"title":"Caf\u00e9 \ud83d\udea8 \"q\" a\/b","itemId":"itm_1","sourceId":"wire","sourceKind":"html-ticker","guid":"g",
             "summary":"","fetchedAt":"2026-11-29T02:21:21.5+02:00","authors":[],"categories":["x"],"storyId":"sty_1",
             "version":1.0,"url":null,"hints":{"region":null,"topic":"Politics","extra":[1,{"a":[]}]},"surprise":true}
            """#
        let text = #"""
            { "schemaVersion" : 1, "eventType":"alerts.delivery", "eventId":"dlv_1#0", "occurredAt":"2026-11-29T00:21:21Z",
              "data": { "subscriptionId":"sub_1", "deliveryId":"dlv_1", "channel":"webhook", "storyId":"sty_1", "version":2e0,
                "isUpdate":true, "isReplay":false, "notBefore":null, "createdAt":"2026-11-29T00:21:21.123456Z",
                "match":{"filter":"region:MENA","matchedTerms":[]},
                "attempts":[{"attempt":1,"at":"2026-11-29T00:21:21Z","outcome":"dead-lettered","statusCode":null,"latencyMs":-0.0}],
                "item": {"item":\#(item),"regions":[{"label":"MENA","score":9.4E-1}],"topics":[],"countries":["LB"],
                  "places":[{"name":"Lebanon","countryCode":null,"matchedText":"Lebanon","field":"summary"}],"urgency":"urgent",
                  "explanation":[],"classifierVersion":"v","classifiedAt":"2026-11-29T00:21:21Z"} },
              "trailer": [true, false, null, -12.5e-3, "\u0000"] }
            """#
        let bytes = Array(text.utf8)
        let envelope = try EventCodec.decodeDelivery(bytes)
        #expect(envelope == (try EventCodec.decode(DeliveryRequest.self, from: bytes)))
        #expect(envelope.data.item.item.title == "Café 🚨 \"q\" a/b")
        #expect(envelope.data.version == 2 && envelope.data.item.item.version == 1)
        #expect(envelope.data.item.item.hints == NewsItem.Hints(topic: "Politics"))
        #expect(envelope.data.item.regions[0].score == 0.94)
    }

    @Test(arguments: [
        "", "   ", "{", "[]", "1", "null", #"{"eventType":"alerts.delivery""#, "{} x",
        #"{"eventType":"news.item","schemaVersion":1,"eventId":"x","occurredAt":"2026-11-29T00:21:21Z","data":{}}"#,
        #"{"eventType":"alerts.delivery","schemaVersion":2,"eventId":"x","occurredAt":"2026-11-29T00:21:21Z","data":{}}"#,
        #"{"eventType":"alerts.delivery","schemaVersion":1,"eventId":"x","occurredAt":"2026-11-29T00:21:21Z"}"#,
        #"{"eventType":"alerts.delivery","schemaVersion":1,"eventId":"x","occurredAt":"yesterday","data":{}}"#,
        #"{"eventType":"alerts.delivery","schemaVersion":1,"eventId":"x","occurredAt":"2026-11-29T00:21:21Z","data":{}}"#,
        #"{"eventType":"alerts.delivery","schemaVersion":"1","eventId":"x","occurredAt":"2026-11-29T00:21:21Z","data":{}}"#,
        #"{"eventType":"alerts.delivery","schemaVersion":1,"eventId":null,"occurredAt":"2026-11-29T00:21:21Z","data":{}}"#,
        #"{"eventType":"alerts.delivery" "schemaVersion":1}"#, #"{"eventType":"a\q"}"#, "{\"eventType\":\"a\u{1}\"}",
        #"{"eventType":"\ud800"}"#, #"{"schemaVersion":tru}"#, #"{"eventType":x}"#, #"{"schemaVersion":1,"data":{"a":[[{}]]"#,
        // Found by the event fuzzer: a wrong eventType wins over a field that does not read, before or after it.
        #"{"eventId":"x","eventType":"alerts.receipt","occurredAt":"2ttps://x","schemaVersion":1,"data":{}}"#,
        #"{"occurredAt":"2ttps://x","eventType":"alerts.receipt","eventId":7,"schemaVersion":"1","data":{}}"#,
        #"{"eventType":"alerts.delivery","occurredAt":"2ttps://x","schemaVersion":2,"eventId":"x","data":{}}"#,
    ])
    func theDeliveryDecoderRefusesWhatCodableRefuses(_ text: String) {
        expectSameError(Array(text.utf8))
    }

    /// Nesting costs the reader no stack (JSONDecoder's recursion crashes a debug build's test thread on these).
    @Test func deepNestingIsRefusedWithoutRecursion() {
        for text in [String(repeating: "[", count: 100_000), String(repeating: "[", count: 100) + String(repeating: "]", count: 100)] {
            #expect(throws: EventDecodingError.self) { try EventCodec.decodeDelivery(Array(text.utf8)) }
        }
        let deepUnknownMember = #"{"eventType":"news.item","x":"# + String(repeating: "[", count: 500) + String(repeating: "]", count: 500) + "}"
        do {
            _ = try EventCodec.decodeDelivery(Array(deepUnknownMember.utf8))
            Issue.record("a news.item envelope decoded as a delivery")
        } catch {
            #expect(error.code == .wrongEventType)
        }
    }

    /// JSONDecoder reads past these (or fails on them in its own way); the hand-written decoder
    /// calls them malformed. Poison either way.
    @Test(arguments: [
        // Found by the event fuzzer: JSONDecoder keeps a duplicate member's first value, a reader that assigns as it goes the last.
        #"{"eventType":"alerts.receipt","eventType":"alerts.delivery","schemaVersion":1,"eventId":"x","occurredAt":"2026-11-29T00:21:21Z","data":{}}"#,
        #"{"eventType":"alerts.delivery",}"#, #"{"schemaVersion":01}"#, #"{"schemaVersion":-}"#, #"{"schemaVersion":1.}"#,
        #"{"eventType":"alerts.delivery","schemaVersion":1.5,"eventId":"x","occurredAt":"2026-11-29T00:21:21Z","data":{}}"#,
    ])
    func laxJSONIsRefusedToo(_ text: String) {
        #expect(throws: EventDecodingError.self) { try EventCodec.decode(DeliveryRequest.self, from: Array(text.utf8)) }
        #expect(throws: EventDecodingError.self) { try EventCodec.decodeDelivery(Array(text.utf8)) }
    }

    @Test func brokenFieldsAreRefusedWithTheirPath() throws {
        let good = String(decoding: try EventCodec.encode(SampleEvents.deliveryRequest, occurredAt: Self.occurred), as: UTF8.self)
        let broken = [
            (good.replacingOccurrences(of: #""title":"#, with: #""headline":"#), "missing field data.item.item.title"),
            (good.replacingOccurrences(of: #""channel":"webhook""#, with: #""channel":"pigeon""#), "data.channel"),
            (good.replacingOccurrences(of: #""attempt":1,"#, with: #""attempt":"1","#), "data.attempts[0].attempt is not an integer"),
            (good.replacingOccurrences(of: #""isUpdate":false"#, with: #""isUpdate":null"#), "data.isUpdate is null but required"),
            (good.replacingOccurrences(of: #""createdAt":"2026"#, with: #""createdAt":"1026x"#), "data.createdAt"),
            (good.replacingOccurrences(of: #""score":0.94"#, with: #""score":"high""#), "data.item.regions[0].score is not a number"),
        ]
        for (text, message) in broken {
            let error = expectSameError(Array(text.utf8))
            #expect(error?.code == .invalidField)
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error") should say \(message)")
        }
        // Not UTF-8 inside a string.
        var bytes = Array(good.utf8)
        bytes[bytes.firstRange(of: Array("Al Mayadeen".utf8))!.lowerBound] = 0xFF
        #expect(throws: EventDecodingError.self) { try EventCodec.decodeDelivery(bytes) }
        #expect(throws: EventDecodingError.self) { try EventCodec.decode(DeliveryRequest.self, from: bytes) }
    }

    /// Well-formed and ill-formed UTF-8 in a string: the decoders agree with `String(validating:)`.
    @Test(arguments: [
        [0xC3, 0xA9], [0xE2, 0x9C, 0x93], [0xF0, 0x9F, 0x9A, 0xA8], [0xF4, 0x8F, 0xBF, 0xBF], [0xEF, 0xBF, 0xBF],
        [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xF0, 0x80, 0x80, 0x80],
        [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0x80], [0xBF], [0xC3], [0xE2, 0x9C], [0xF0, 0x9F, 0x9A], [0xFF],
    ] as [[UInt8]])
    func utf8IsCheckedAsTheStandardLibraryChecksIt(_ sequence: [UInt8]) throws {
        let good = try EventCodec.encode(SampleEvents.deliveryRequest, occurredAt: Self.occurred)
        let marker = Array("Arabsalim\",".utf8)
        let at = try #require(good.firstRange(of: marker)).lowerBound
        let bytes = Array(good[..<at]) + sequence + Array(good[at...])
        if let text = String(validating: sequence, as: UTF8.self) {
            let delivery = try EventCodec.decodeDelivery(bytes).data
            #expect(delivery.item.item.title.hasSuffix(text + "Arabsalim"))
            #expect(delivery == (try EventCodec.decode(DeliveryRequest.self, from: bytes)).data)
        } else {
            #expect(throws: EventDecodingError.self) { try EventCodec.decodeDelivery(bytes) }
            #expect(throws: EventDecodingError.self) { try EventCodec.decode(DeliveryRequest.self, from: bytes) }
        }
        // In a key, and in a member that is skipped (JSONDecoder lets some of these through).
        let unknown = Array(#"{"x":""#.utf8) + sequence + Array(#"","#.utf8) + good.dropFirst()
        let key = Array(#"{""#.utf8) + sequence + Array(#"":1,"#.utf8) + good.dropFirst()
        for elsewhere in [unknown, key] {
            if String(validating: sequence, as: UTF8.self) != nil {
                #expect(try EventCodec.decodeDelivery(elsewhere).data == SampleEvents.deliveryRequest)
            } else {
                #expect(throws: EventDecodingError.self) { try EventCodec.decodeDelivery(elsewhere) }
            }
        }
    }

    /// Both decoders fail with the same code; the hand-written one's error is returned.
    @discardableResult
    private func expectSameError(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> EventDecodingError? {
        var codable: EventDecodingError?
        var handWritten: EventDecodingError?
        do { _ = try EventCodec.decode(DeliveryRequest.self, from: bytes) } catch { codable = error }
        do { _ = try EventCodec.decodeDelivery(bytes) } catch { handWritten = error }
        #expect(codable != nil && handWritten != nil, "both refuse \(String(decoding: bytes.prefix(80), as: UTF8.self))", sourceLocation: sourceLocation)
        #expect(codable?.code == handWritten?.code, "\(String(describing: codable)) vs \(String(describing: handWritten))", sourceLocation: sourceLocation)
        return handWritten
    }

    static let receipts: [DeliveryReceipt] = {
        var failed = SampleEvents.deliveryReceipt
        failed.error = "HTTP 503 \"busy\"\n\\ ✓"
        failed.latencyMs = 0.30000000000000004
        var slow = MinimalEvents.deliveryReceipt
        slow.latencyMs = 15_000
        slow.outcome = .deadLettered
        var tiny = MinimalEvents.deliveryReceipt
        tiny.latencyMs = 1e-7
        tiny.statusCode = 204
        var first = SampleEvents.deliveryReceipt
        first.replayedAt = nil
        return [SampleEvents.deliveryReceipt, MinimalEvents.deliveryReceipt, failed, slow, tiny, first]
    }()

    @Test(arguments: receipts)
    func theReceiptEncoderWritesCodablesBytes(_ receipt: DeliveryReceipt) throws {
        let bytes = try EventCodec.encodeReceipt(receipt, occurredAt: Self.occurred)
        #expect(String(decoding: bytes, as: UTF8.self) == String(decoding: try EventCodec.encode(receipt, occurredAt: Self.occurred), as: UTF8.self))
        #expect(try EventCodec.decode(DeliveryReceipt.self, from: bytes).data == receipt)
    }

    @Test func aNumberJSONCannotCarryIsRefused() {
        var receipt = MinimalEvents.deliveryReceipt
        receipt.latencyMs = .nan
        #expect(throws: EncodingError.self) { try EventCodec.encodeReceipt(receipt, occurredAt: Self.occurred) }
        receipt.latencyMs = .infinity
        #expect(throws: EncodingError.self) { try EventCodec.encodeReceipt(receipt, occurredAt: Self.occurred) }
    }

    /// Every control character and the characters JSON escapes, as `JSONSerialization` reads them back.
    @Test func stringsAreEscapedAsRFC8259Requires() throws {
        let text = String((0..<0x80).map { Character(Unicode.Scalar(UInt8($0))) }) + "é✓🚨\u{2028}"
        var writer = JSONWriter()
        writer.beginArray()
        writer.string(text)
        writer.endArray()
        let parsed = try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String]
        #expect(parsed == [text])
        #expect(!writer.bytes.contains { $0 < 0x20 })
    }
}
