import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The loopback ports `newsflash up` will listen on, checked and held before anything starts.
///
/// `up` starts the local broker and the SMTP sink on free ports of their own choosing; a port that
/// `up` means to listen on is free at that moment too, so either could take it, and `up` would find
/// it taken only when its stages bind, after printing that it is up. Holding each port (a socket
/// bound to it, not listening) keeps the kernel from handing it out until ``release()``, just
/// before the stages bind. A port another program listens on, or the same port named twice, is a
/// clear error before the broker starts.
final class ListeningPorts {
    private var descriptors: [Int32] = []

    /// - Parameter ports: each port with the option that names it ("--api-port"); a port below 1
    ///   (`--metrics-port -1`: none) is not held.
    init(_ ports: [(option: String, port: Int)]) throws {
        var seen: [Int: String] = [:]
        for (option, port) in ports where port > 0 {
            if let other = seen[port] {
                release()
                throw CLIError("\(other) and \(option) are both \(port); give each its own port")
            }
            seen[port] = option
            do {
                descriptors.append(try Self.hold(port))
            } catch {
                release()
                throw CLIError("127.0.0.1:\(port) (\(option)) cannot be used: \(error); stop what listens there or give \(option) another port")
            }
        }
    }

    deinit { release() }

    /// Lets the ports go, for the stages to bind them.
    func release() {
        for descriptor in descriptors { close(descriptor) }
        descriptors.removeAll()
    }

    /// A socket bound to 127.0.0.1:`port` (SO_REUSEADDR, as the servers that will listen there set
    /// it, so a port a stopped run left in TIME_WAIT is not refused; one that is listened on is).
    private static func hold(_ port: Int) throws -> Int32 {
        guard port <= 65_535 else { throw CLIError("not a port number") }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw CLIError(String(cString: strerror(errno))) }
        var on: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let reason = errno == EADDRINUSE ? "it is in use" : String(cString: strerror(errno))
            close(descriptor)
            throw CLIError(reason)
        }
        return descriptor
    }
}
