/// A mailbox: an address and an optional display name ("Newsflash <alerts@example.com>").
public struct EmailAddress: Sendable, Hashable {
    public var address: String
    public var name: String?

    /// - Throws: ``EmailMessageError`` when the address is not usable (see ``isValid(_:)``).
    public init(_ address: String, name: String? = nil) throws {
        guard Self.isValid(address) else {
            throw EmailMessageError("not a usable email address: \(address.debugDescription)")
        }
        if let name { try HeaderEncoding.checkNoLineBreaks(name, in: "the display name of \(address)") }
        self.address = address
        self.name = name
    }

    /// A minimal check, not RFC 5321 in full: one "@" with something on both sides, printable
    /// ASCII only (no SMTPUTF8: an internationalized domain must come as punycode), and no
    /// spaces, angle brackets, quotes, commas, semicolons or control characters.
    public static func isValid(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, address.utf8.count <= 254 else { return false }
        return address.unicodeScalars.allSatisfy { scalar in
            (0x21...0x7E).contains(scalar.value) && !"<>\"(),;:\\[]".unicodeScalars.contains(scalar)
        }
    }
}
