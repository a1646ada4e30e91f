import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The addresses a process will listen on, checked (and held, for `up`) before anything starts.
///
/// A port another program listens on is otherwise found only when a stage's server binds it: the
/// stages have started by then, and the error (NIO's "bind(descriptor:ptr:bytes:): Address already
/// in use") names neither the address nor the setting. `newsflash run` checks its addresses just
/// before its services start (``StageServices/runGroup(_:listening:shutdowns:logger:)``).
///
/// `up` also holds them from before it starts the local broker and the SMTP sink, which pick free
/// ports of their own: a port `up` means to listen on is free at that moment too, so either could
/// take it. A socket bound to the port (not listening) keeps the kernel from handing it out until
/// ``release()``, just before the stages bind.
final class ListeningPorts {
    /// One address to listen on and the setting that names it ("api.port, --port"; "--api-port").
    struct Endpoint {
        var name: String
        var host: String
        var port: Int
    }

    private var descriptors: [Int32] = []

    /// Binds each endpoint; a port below 1 (`--metrics-port -1`: none; a push port of 0: any) is
    /// skipped. Throws, naming the setting, when a port is taken or given twice.
    init(_ endpoints: [Endpoint]) throws {
        var seen: [Int: String] = [:]
        for endpoint in endpoints where endpoint.port > 0 {
            if let other = seen[endpoint.port] {
                release()
                throw CLIError("\(other) and \(endpoint.name) are both \(endpoint.port); give each its own port")
            }
            seen[endpoint.port] = endpoint.name
            do {
                descriptors.append(try Self.hold(endpoint.host, endpoint.port))
            } catch {
                release()
                throw CLIError(
                    "\(endpoint.host):\(endpoint.port) (\(endpoint.name)) cannot be used: \(error); stop what listens there or choose another port")
            }
        }
    }

    /// Checks that every endpoint can be bound now, and lets them go.
    static func check(_ endpoints: [Endpoint]) throws {
        try ListeningPorts(endpoints).release()
    }

    deinit { release() }

    /// Lets the ports go, for the servers to bind them.
    func release() {
        for descriptor in descriptors { close(descriptor) }
        descriptors.removeAll()
    }

    /// A socket bound to `host`:`port` as a server resolves it (the first address), with
    /// SO_REUSEADDR as the servers set it, so a port a stopped run left in TIME_WAIT is not refused;
    /// one that is listened on is.
    private static func hold(_ host: String, _ port: Int) throws -> Int32 {
        guard port <= 65_535 else { throw CLIError("not a port number") }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &found)
        guard status == 0, let address = found else { throw CLIError("\(host) does not resolve (\(String(cString: gai_strerror(status))))") }
        defer { freeaddrinfo(found) }
        let descriptor = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
        guard descriptor >= 0 else { throw CLIError(String(cString: strerror(errno))) }
        var on: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        guard bind(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else {
            let reason = errno == EADDRINUSE ? "it is in use" : String(cString: strerror(errno))
            close(descriptor)
            throw CLIError(reason)
        }
        return descriptor
    }
}
