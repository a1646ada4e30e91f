import Crypto
import Foundation
import NewsModel

/// A webhook signing secret in the Standard Webhooks form: `whsec_` and the
/// base64 of its bytes (24 random bytes when generated here).
public struct WebhookSecret: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses `whsec_<base64>` (padded or not); nil for anything else or an empty key.
    public init?(_ text: String) {
        guard text.hasPrefix("whsec_"), let bytes = WebhookSigner.base64Decoded(text.dropFirst(6)), !bytes.isEmpty else { return nil }
        self.bytes = bytes
    }

    public static func generate() -> WebhookSecret {
        WebhookSecret(bytes: Secrets.randomBytes(24))
    }

    /// `whsec_…`; shown to the subscriber once.
    public var text: String { "whsec_" + Data(bytes).base64EncodedString() }

    public var description: String { "whsec_<redacted>" }
}

/// Signs webhook deliveries as the Standard Webhooks specification says:
/// `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`
/// = `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per active secret
/// separated by spaces (the current one first; the previous one too while a
/// rotation's grace period lasts). Receivers verify with the official
/// `standardwebhooks` / `svix` libraries.
public enum WebhookSigner {
    public static func signature(id: String, timestamp: Int64, body: [UInt8], secret: WebhookSecret) -> String {
        "v1," + Data(mac(prefix: signedPrefix(id: id, timestamp: String(timestamp)), body: body, secret: secret)).base64EncodedString()
    }

    /// The three headers for a delivery.
    public static func headers(id: String, timestamp: Int64, body: [UInt8], secrets: [WebhookSecret]) -> [(String, String)] {
        let time = String(timestamp)
        let prefix = signedPrefix(id: id, timestamp: time)
        var signatures = ""
        for secret in secrets {
            if !signatures.isEmpty { signatures += " " }
            signatures += "v1," + Data(mac(prefix: prefix, body: body, secret: secret)).base64EncodedString()
        }
        return [("webhook-id", id), ("webhook-timestamp", time), ("webhook-signature", signatures)]
    }

    /// Verifies a received delivery from its headers (`header` looks one up by its lower-case
    /// name); false when any of the three is missing.
    public static func verify(
        header: (String) -> String?, body: [UInt8], secrets: [WebhookSecret], now: Int64 = Int64(Date().timeIntervalSince1970)
    ) -> Bool {
        guard let id = header("webhook-id"), let timestamp = header("webhook-timestamp"), let signatures = header("webhook-signature") else {
            return false
        }
        return verify(id: id, timestamp: timestamp, signatures: signatures, body: body, secrets: secrets, now: now)
    }

    /// Verifies a delivery as a receiver would: a v1 signature matches one of `secrets`
    /// and the timestamp is within `tolerance` seconds of `now`.
    public static func verify(
        id: String, timestamp: String, signatures: String, body: [UInt8], secrets: [WebhookSecret],
        now: Int64 = Int64(Date().timeIntervalSince1970), tolerance: Int64 = 300
    ) -> Bool {
        guard let time = Int64(timestamp), abs(now - time) <= tolerance else { return false }
        let offered = signatures.split(separator: " ").compactMap { entry -> [UInt8]? in
            guard entry.hasPrefix("v1,") else { return nil }
            return base64Decoded(entry.dropFirst(3))
        }
        guard !offered.isEmpty else { return false }
        let prefix = signedPrefix(id: id, timestamp: String(time))
        for secret in secrets {
            let expected = mac(prefix: prefix, body: body, secret: secret)
            // The MAC's == with bytes compares in constant time.
            if offered.contains(where: { expected == $0 }) { return true }
        }
        return false
    }

    /// Standard base64, padded or not (`Data(base64Encoded:)` wants the padding).
    static func base64Decoded(_ text: Substring) -> [UInt8]? {
        let body = text.utf8.prefix { $0 != UInt8(ascii: "=") }
        let padded = text.utf8.count - body.count
        // "=" only at the end, at most two, and only to complete the last group.
        guard padded <= 2, text.utf8.dropFirst(body.count).allSatisfy({ $0 == UInt8(ascii: "=") }), body.count % 4 != 1,
              padded == 0 || text.utf8.count % 4 == 0 else { return nil }
        let padding = (4 - body.count % 4) % 4
        return Data(base64Encoded: String(decoding: body, as: UTF8.self) + String(repeating: "=", count: padding)).map(Array.init)
    }

    /// `id.timestamp.`, which the signed message starts with.
    private static func signedPrefix(id: String, timestamp: String) -> [UInt8] {
        var prefix: [UInt8] = []
        prefix.reserveCapacity(id.utf8.count + timestamp.utf8.count + 2)
        prefix.append(contentsOf: id.utf8)
        prefix.append(UInt8(ascii: "."))
        prefix.append(contentsOf: timestamp.utf8)
        prefix.append(UInt8(ascii: "."))
        return prefix
    }

    /// HMAC-SHA256 of `prefix` then `body`, without copying the body into one message.
    private static func mac(prefix: [UInt8], body: [UInt8], secret: WebhookSecret) -> HMAC<SHA256>.MAC {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: secret.bytes))
        hmac.update(data: prefix)
        hmac.update(data: body)
        return hmac.finalize()
    }
}
