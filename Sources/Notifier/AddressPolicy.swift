/// Which addresses a webhook may be delivered to (SSRF protection).
///
/// The sender resolves the host itself, checks every address with this policy
/// and connects to a vetted address (no second lookup, so DNS rebinding
/// fails). Refused: loopback, private (RFC 1918), link-local, carrier-grade
/// NAT, multicast, unspecified, broadcast and reserved IPv4, unique-local and
/// link-local (and the old site-local) IPv6, IPv4-compatible and local-use NAT64 addresses, the
/// IPv4-mapped, NAT64 and 6to4 forms of refused IPv4 addresses,
/// documentation ranges, and cloud metadata addresses. `allowed` lists
/// exceptions (CIDR), for the local demo and tests on loopback.
public struct AddressPolicy: Sendable, Hashable {
    public struct Range: Sendable, Hashable {
        let bytes: [UInt8]
        let prefixLength: Int

        /// `a.b.c.d/n` or an IPv6 `x::y/n`; nil when not a CIDR.
        public init?(_ text: String) {
            let parts = text.split(separator: "/")
            guard let address = IPAddress(String(parts[0])) else { return nil }
            let length = parts.count > 1 ? Int(parts[1]) : address.bytes.count * 8
            guard let length, (0...(address.bytes.count * 8)).contains(length) else { return nil }
            bytes = address.bytes
            prefixLength = length
        }

        func contains(_ address: IPAddress) -> Bool {
            guard address.bytes.count == bytes.count else { return false }
            var remaining = prefixLength
            for index in 0..<bytes.count where remaining > 0 {
                let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
                if address.bytes[index] & mask != bytes[index] & mask { return false }
                remaining -= 8
            }
            return true
        }
    }

    public var allowed: [Range]

    public init(allowed: [String] = []) {
        self.allowed = allowed.compactMap(Range.init)
    }

    /// The local demo and tests: loopback allowed.
    public static let allowLoopback = AddressPolicy(allowed: ["127.0.0.0/8", "::1/128"])

    private static let refusedIPv4 = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
        "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
    ].compactMap(Range.init)

    private static let refusedIPv6 = [
        "::/96", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8", "2001:db8::/32", "fd00:ec2::254/128", "100::/64",
        "64:ff9b:1::/48",
    ].compactMap(Range.init)

    /// IPv4-compatible (::a.b.c.d, deprecated) and NAT64 local-use: refused whatever they embed.
    private static let refusedBeforeEmbedded = [Range("::/96"), Range("64:ff9b:1::/48")].compactMap { $0 }

    /// Why an address is refused, or nil when it may be used.
    public func refusal(_ address: IPAddress) -> String? {
        if allowed.contains(where: { $0.contains(address) }) { return nil }
        if address.bytes.count == 4 {
            return Self.refusedIPv4.contains(where: { $0.contains(address) }) ? "\(address) is a loopback, private, link-local, shared, multicast or reserved address" : nil
        }
        if Self.refusedBeforeEmbedded.contains(where: { $0.contains(address) }) {
            return "\(address) is an IPv4-compatible or local-use NAT64 address"
        }
        // IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:AABB:CCDD::) carry an
        // IPv4 address: judge that.
        if let embedded = address.embeddedIPv4 {
            return refusal(embedded).map { "\(address) maps to \(embedded), which is refused: \($0)" }
        }
        return Self.refusedIPv6.contains(where: { $0.contains(address) }) ? "\(address) is a loopback, unique-local, link-local, multicast or reserved address" : nil
    }
}

/// An IPv4 or IPv6 address as bytes.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(_ text: String) {
        if text.contains(":") {
            guard let bytes = Self.parseIPv6(text) else { return nil }
            self.bytes = bytes
        } else {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var bytes: [UInt8] = []
            for part in parts {
                guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let value = UInt8(part) else { return nil }
                bytes.append(value)
            }
            self.bytes = bytes
        }
    }

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    var embeddedIPv4: IPAddress? {
        guard bytes.count == 16 else { return nil }
        let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
        let nat64 = bytes[0..<12].elementsEqual([0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0])
        if mapped || nat64 { return IPAddress(bytes: Array(bytes[12..<16])) }
        // 6to4, 2002::/16: the IPv4 address is bytes 2 to 5.
        if bytes[0] == 0x20, bytes[1] == 0x02 { return IPAddress(bytes: Array(bytes[2..<6])) }
        return nil
    }

    public var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
    }

    private static func parseIPv6(_ text: String) -> [UInt8]? {
        var text = text
        if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }  // zone id
        // A trailing dotted IPv4 part (::ffff:1.2.3.4) becomes two hex groups.
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let v4 = IPAddress(String(text[text.index(after: lastColon)...])), v4.bytes.count == 4 else { return nil }
            let high = String(UInt16(v4.bytes[0]) << 8 | UInt16(v4.bytes[1]), radix: 16)
            let low = String(UInt16(v4.bytes[2]) << 8 | UInt16(v4.bytes[3]), radix: 16)
            text = String(text[...lastColon]) + high + ":" + low
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            guard !part.isEmpty else { return [] }
            var result: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard !group.isEmpty, group.count <= 4, let value = UInt16(group, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        guard let head = groups(halves[0]), let rest = halves.count == 2 ? groups(halves[1]) : [] else { return nil }
        let all: [UInt16]
        if halves.count == 2 {
            guard head.count + rest.count < 8 else { return nil }
            all = head + Array(repeating: 0, count: 8 - head.count - rest.count) + rest
        } else {
            guard head.count == 8 else { return nil }
            all = head
        }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}
