import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a webhook URL may not be called.
public struct EndpointRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Resolves a webhook URL's host once, checks every address with the
/// ``AddressPolicy`` and returns the one to connect to. The sender connects to
/// exactly that address (no second lookup), so a DNS answer that changes
/// between the check and the connection (rebinding) cannot reach a refused address.
public struct EndpointResolver: Sendable {
    public var policy: AddressPolicy

    public init(policy: AddressPolicy) {
        self.policy = policy
    }

    public struct Endpoint: Sendable, Hashable {
        public var scheme: String
        /// The host as written in the URL (for Host and TLS SNI).
        public var host: String
        public var port: Int
        /// The vetted address to connect to.
        public var address: IPAddress
    }

    public func vet(_ urlText: String) async throws(EndpointRefusal) -> Endpoint {
        guard let components = URLComponents(string: urlText), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
              var host = components.host, !host.isEmpty
        else { throw EndpointRefusal(message: "\(urlText) is not an absolute http(s) URL") }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        let addresses: [IPAddress]
        if let literal = IPAddress(host) {
            addresses = [literal]
        } else if let numeric = Self.legacyNumericIPv4(host) {
            // 2130706433, 0x7f.1, 017700000001: forms that some resolvers read as IPv4.
            addresses = [numeric]
        } else {
            addresses = try await Self.resolve(host)
        }
        guard !addresses.isEmpty else { throw EndpointRefusal(message: "\(host) has no addresses") }
        for address in addresses {
            guard let reason = policy.refusal(address) else { continue }
            // The message reaches the subscriber (the delivery log): for a name, never say what it
            // resolved to, or the refusal becomes an oracle for internal DNS.
            if IPAddress(host) != nil || Self.legacyNumericIPv4(host) != nil { throw EndpointRefusal(message: "refused \(host): \(reason)") }
            throw EndpointRefusal(message: "refused \(host): it resolves to a refused address (loopback, private, link-local, multicast or reserved)")
        }
        return Endpoint(scheme: scheme, host: host, port: port, address: addresses[0])
    }

    /// Hosts made only of digits, dots and hex prefixes are IPv4 in inet_aton's
    /// loose syntax; read them as it would so that no spelling escapes the policy.
    static func legacyNumericIPv4(_ host: String) -> IPAddress? {
        guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == "x" || $0 == "X" }),
              host.first?.isNumber == true else { return nil }
        var address = in_addr()
        guard inet_aton(host, &address) != 0 else { return nil }
        let value = UInt32(bigEndian: address.s_addr)
        return IPAddress(bytes: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)])
    }

    /// getaddrinfo on a Dispatch thread (it blocks).
    static func resolve(_ host: String) async throws(EndpointRefusal) -> [IPAddress] {
        let result: Result<[IPAddress], EndpointRefusal> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var hints = addrinfo()
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                var list: UnsafeMutablePointer<addrinfo>?
                let status = getaddrinfo(host, nil, &hints, &list)
                guard status == 0, let first = list else {
                    continuation.resume(returning: .failure(EndpointRefusal(message: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")))
                    return
                }
                defer { freeaddrinfo(list) }
                var addresses: [IPAddress] = []
                var cursor: UnsafeMutablePointer<addrinfo>? = first
                while let entry = cursor {
                    if let socketAddress = entry.pointee.ai_addr {
                        if entry.pointee.ai_family == AF_INET {
                            socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                                withUnsafeBytes(of: pointer.pointee.sin_addr) { addresses.append(IPAddress(bytes: Array($0))) }
                            }
                        } else if entry.pointee.ai_family == AF_INET6 {
                            socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                                withUnsafeBytes(of: pointer.pointee.sin6_addr) { addresses.append(IPAddress(bytes: Array($0))) }
                            }
                        }
                    }
                    cursor = entry.pointee.ai_next
                }
                var unique: [IPAddress] = []
                for address in addresses where !unique.contains(address) { unique.append(address) }
                continuation.resume(returning: .success(unique))
            }
        }
        return try result.get()
    }
}
