import Crypto
import Foundation

/// A webhook signing secret in the Standard Webhooks form: `whsec_` and the
/// base64 of its bytes (24 random bytes when generated here).
public struct WebhookSecret: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses `whsec_<base64>`; nil for anything else or an empty key.
    public init?(_ text: String) {
        guard text.hasPrefix("whsec_") else { return nil }
        var encoded = String(text.dropFirst(6))
        while encoded.count % 4 != 0 { encoded += "=" }
        guard let data = Data(base64Encoded: encoded), !data.isEmpty else { return nil }
        bytes = Array(data)
    }

    public static func generate() -> WebhookSecret {
        var generator = SystemRandomNumberGenerator()
        return WebhookSecret(bytes: (0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) })
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
        var message = Array("\(id).\(timestamp).".utf8)
        message += body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret.bytes))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The three headers for a delivery.
    public static func headers(id: String, timestamp: Int64, body: [UInt8], secrets: [WebhookSecret]) -> [(String, String)] {
        [
            ("webhook-id", id),
            ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", secrets.map { signature(id: id, timestamp: timestamp, body: body, secret: $0) }.joined(separator: " ")),
        ]
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
        let offered = signatures.split(separator: " ").compactMap { entry -> Data? in
            let parts = entry.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1" else { return nil }
            return Data(base64Encoded: String(parts[1]))
        }
        for secret in secrets {
            var message = Array("\(id).\(time).".utf8)
            message += body
            for candidate in offered
            where HMAC<SHA256>.isValidAuthenticationCode(candidate, authenticating: message, using: SymmetricKey(data: secret.bytes)) {
                return true
            }
        }
        return false
    }
}
