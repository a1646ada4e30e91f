import Foundation

/// The SASL tokens of AUTH PLAIN (RFC 4616) and AUTH LOGIN.
enum SMTPAuthentication {
    static func plain(username: String, password: String) -> String {
        base64Bytes([0] + Array(username.utf8) + [0] + Array(password.utf8))
    }

    static func base64(_ text: String) -> String { base64Bytes(Array(text.utf8)) }

    static func base64Bytes(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }
}
