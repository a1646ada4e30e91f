import Foundation
import NewsModel
import Notifier
import Testing
import TestSupport

/// The webhook body (written with `JSONWriter.encode`) against `JSONEncoder`'s bytes, and the
/// schema it promises (Schemas/http/webhook-alert.v1.schema.json).
@Suite struct WebhookPayloadTests {
    static let sentAt = Date(timeIntervalSince1970: 1_795_911_681.25)

    static let deliveries: [DeliveryRequest] = {
        let sample = SampleEvents.deliveryRequest
        var escaped = sample
        escaped.isUpdate = true
        escaped.isReplay = true
        escaped.version = 2
        escaped.item.item.version = 2
        escaped.item.item.title = "Quake \"6.1\" – ✓ \\ a/b\n\tline\u{1}\u{1F} 🚨 انفجار في بيروت \u{2028}"
        escaped.item.item.summary = "\r\u{8}\u{C} end"
        escaped.item.item.authors = ["O'Brien, \"Pat\"", "李雷"]
        escaped.item.explanation[0].phrase = "«South Lebanon»"
        escaped.item.topics = [ScoredLabel(label: "Politics", score: 0.1 + 0.2), ScoredLabel(label: "Disasters", score: 1e-7)]
        escaped.item.regions = [ScoredLabel(label: "MENA", score: 1)]
        escaped.match = MatchExplanation(filter: #"region:MENA AND "air strike""#, matchedTerms: ["\"air strike\"", "région:MENA"])
        var minimal = sample
        minimal.isReplay = true
        minimal.item.item = NewsItem(
            itemId: NewsItem.makeItemID(sourceID: "wire", guid: "g-1"), sourceId: "wire", sourceKind: .rss, guid: "g-1",
            title: "Quake hits coast", summary: "", fetchedAt: sentAt, storyId: sample.storyId)
        minimal.item.regions = []
        minimal.item.topics = []
        minimal.item.countries = []
        minimal.item.explanation = []
        minimal.match = MatchExplanation(filter: "region:MENA", matchedTerms: [])
        return [sample, escaped, minimal]
    }()

    static var payloads: [WebhookPayload] {
        deliveries.map { WebhookPayload(type: .alert, subscriptionId: $0.subscriptionId, sentAt: sentAt, alerts: [WebhookPayload.Alert($0)]) }
            + [WebhookPayload(type: .digest, subscriptionId: "sub_3f9a1c2b7d", sentAt: sentAt, alerts: deliveries.map(WebhookPayload.Alert.init))]
    }

    @Test(arguments: payloads)
    func theBodyIsWhatCodableWrote(_ payload: WebhookPayload) throws {
        let body = try payload.encoded()
        let codable = try EventCodec.encodeValue(payload)
        #expect(String(decoding: body, as: UTF8.self) == String(decoding: codable, as: UTF8.self))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? NSDictionary)
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(codable)) as? NSDictionary)
        #expect(parsed == expected)
        #expect(try JSONDecoder.events.decode(WebhookPayload.self, from: Data(body)) == payload)
    }

    @Test func bodiesSignedWithTwoSecretsVerifyWithEither() throws {
        let current = WebhookSecret.generate()
        let previous = WebhookSecret.generate()
        for payload in Self.payloads {
            let body = try payload.encoded()
            let id = payload.alerts[0].deliveryId
            let headers = Dictionary(uniqueKeysWithValues: WebhookSigner.headers(id: id, timestamp: 1_000, body: body, secrets: [current, previous]))
            let signatures = try #require(headers["webhook-signature"])
            #expect(signatures.split(separator: " ").count == 2)
            #expect(signatures.hasPrefix(WebhookSigner.signature(id: id, timestamp: 1_000, body: body, secret: current) + " "))
            for secret in [current, previous] {
                #expect(WebhookSigner.verify(id: id, timestamp: "1000", signatures: signatures, body: body, secrets: [secret], now: 1_000))
            }
            #expect(!WebhookSigner.verify(id: id, timestamp: "1000", signatures: signatures, body: body, secrets: [WebhookSecret.generate()], now: 1_000))
        }
    }

    @Test(.enabled(if: Repository.hasPython, "no Python with jsonschema (set NEWSFLASH_PYTHON or run Deploy/setup.sh)"))
    func everyBodyValidatesAgainstTheWebhookSchema() throws {
        let python = try #require(Repository.python, "CI=true needs the project's Python tools")
        let lines = try Self.payloads.map { String(decoding: try $0.encoded(), as: UTF8.self) }
        let result = try Subprocess.run(
            python, [Repository.script("Tests/Support/validate_json.py"), Repository.script("Schemas/http/webhook-alert.v1.schema.json")],
            stdin: lines.joined(separator: "\n") + "\n")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").filter { $0 == "ok" }.count == lines.count, "\(result.stdout)")
    }

    @Test func secretsAndSignaturesAreStandardBase64() throws {
        for count in [1, 2, 3, 24, 32] {
            let secret = WebhookSecret(bytes: (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ 13) })
            #expect(secret.text == "whsec_" + Data(secret.bytes).base64EncodedString())
            #expect(WebhookSecret(secret.text) == secret)
            // Unpadded, as some tools print secrets.
            #expect(WebhookSecret(secret.text.replacingOccurrences(of: "=", with: "")) == secret)
        }
        #expect(WebhookSecret("whsec_a") == nil)
        #expect(WebhookSecret("whsec_ab*d") == nil)
        #expect(WebhookSecret("whsec_ab=c") == nil)
    }
}

extension JSONDecoder {
    /// Reads what EventCodec writes: RFC 3339 times.
    static var events: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339Time.parse(text) else { throw DecodingError.dataCorruptedError(in: container, debugDescription: text) }
            return date
        }
        return decoder
    }
}
