import Foundation

/// Resolves links against a base and keeps only absolute http(s) URLs.
///
/// The common shapes (an absolute URL, `/path`, `path` against an absolute
/// base) are handled on bytes without Foundation; everything else (`../`,
/// `?query`, `//host/path`, characters that need escaping) goes through
/// `URL(string:relativeTo:)`. Returns nil for anything that is not http(s)
/// with a host (`javascript:`, `mailto:`, `data:`, unresolvable relatives).
public enum URLResolver {
    public static func absolute(_ raw: String, base: String?) -> String? {
        absolute(raw, against: base.map(Base.init))
    }

    /// A base URL prepared once for many links: its origin (`https://host:port`) and directory
    /// (up to the last `/` of the path) when it is a plain absolute http(s) URL.
    struct Base {
        let text: String
        let origin: String?
        let directory: String?

        init(_ base: String) {
            var text = base.trimmed
            self.text = text
            guard URLResolver.isPlainAbsolute(text) else {
                origin = nil
                directory = nil
                return
            }
            (origin, directory) = text.withUTF8 { bytes -> (String, String) in
                let hostStart = URLResolver.schemeLength(bytes)!
                var pathStart = hostStart
                while pathStart < bytes.count, bytes[pathStart] != 0x2F, bytes[pathStart] != 0x3F, bytes[pathStart] != 0x23 { pathStart += 1 }
                let origin = String(decoding: bytes[..<pathStart], as: UTF8.self)
                var pathEnd = pathStart
                while pathEnd < bytes.count, bytes[pathEnd] != 0x3F, bytes[pathEnd] != 0x23 { pathEnd += 1 }
                var lastSlash = pathEnd - 1
                while lastSlash >= pathStart, bytes[lastSlash] != 0x2F { lastSlash -= 1 }
                let directory = lastSlash < pathStart ? origin + "/" : String(decoding: bytes[...lastSlash], as: UTF8.self)
                return (origin, directory)
            }
        }
    }

    static func absolute(_ raw: String, against base: Base?) -> String? {
        let text = raw.trimmed
        guard !text.isEmpty, text.utf8.count < 4096 else { return nil }
        if isPlainAbsolute(text) { return text }
        if let base, let origin = base.origin, let directory = base.directory, isPlainPath(text) {
            return text.utf8.first == 0x2F ? origin + text : directory + text
        }
        return resolveWithFoundation(text, base: base?.text)
    }

    private static func resolveWithFoundation(_ text: String, base: String?) -> String? {
        var baseURL = base.flatMap { URL(string: $0) }
        if let candidate = baseURL, !isHTTP(candidate) { baseURL = nil }
        var reference = text
        if reference.hasPrefix("//"), baseURL == nil { reference = "https:" + reference }
        let url = URL(string: reference, relativeTo: baseURL)
            ?? reference.addingPercentEncoding(withAllowedCharacters: allowed).flatMap { URL(string: $0, relativeTo: baseURL) }
        guard let absolute = url?.absoluteURL, isHTTP(absolute) else { return nil }
        return absolute.absoluteString
    }

    private static func isHTTP(_ url: URL) -> Bool {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else { return false }
        return !(url.host ?? "").isEmpty
    }

    /// Characters kept as they are when a link needs escaping (URL syntax plus `%` of existing escapes).
    private static let allowed: CharacterSet = {
        var set = CharacterSet.urlQueryAllowed
        set.insert(charactersIn: "#%")
        return set
    }()

    /// Bytes allowed unescaped in a URL (RFC 3986 reserved and unreserved characters, plus `%`).
    private static let urlByte: [Bool] = (0..<256).map { value in
        guard value > 0x20, value < 0x7F else { return false }
        return !"\"<>\\^`{|} ".utf8.contains(UInt8(value))
    }

    /// `http://` or `https://` (any case), a host, only characters that need no escaping, no dot segments.
    static func isPlainAbsolute(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard let hostStart = schemeLength(bytes), hostStart < bytes.count else { return false }
            let first = bytes[hostStart]
            guard first != 0x2F, first != 0x3F, first != 0x23, first != 0x40 else { return false }
            for byte in bytes[hostStart...] where !urlByte[Int(byte)] { return false }
            return !hasDotSegment(bytes, from: hostStart)
        }
    }

    /// The length of `http://` or `https://` at the start (case-insensitive), or nil.
    static func schemeLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard bytes.count >= 8, bytes[0] | 0x20 == 0x68, bytes[1] | 0x20 == 0x74, bytes[2] | 0x20 == 0x74, bytes[3] | 0x20 == 0x70 else { return nil }
        var index = 4
        if bytes[index] | 0x20 == 0x73 { index += 1 }
        guard bytes.count > index + 2, bytes[index] == 0x3A, bytes[index + 1] == 0x2F, bytes[index + 2] == 0x2F else { return nil }
        return index + 3
    }

    /// Whether the path has a `.` or `..` segment (`/./`, `/../`, or at the end), before any query or fragment.
    private static func hasDotSegment(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        var index = start
        var segmentStart = -1
        while index <= bytes.count {
            let byte: UInt8 = index < bytes.count ? bytes[index] : 0x2F
            if byte == 0x3F || byte == 0x23 { return isDotSegment(bytes, segmentStart, index) }
            if byte == 0x2F {
                if isDotSegment(bytes, segmentStart, index) { return true }
                segmentStart = index + 1
            }
            index += 1
        }
        return false
    }

    private static func isDotSegment(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard start >= 0 else { return false }
        let length = end - start
        return (length == 1 && bytes[start] == 0x2E) || (length == 2 && bytes[start] == 0x2E && bytes[start + 1] == 0x2E)
    }

    /// `/path` or `path`: no scheme, no dot segments, no `//host`, query-only or fragment-only forms,
    /// only characters that need no escaping.
    private static func isPlainPath(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes -> Bool in
            guard let first = bytes.first, first != 0x3F, first != 0x23, first != 0x2E else { return false }
            if bytes.count >= 2, bytes[0] == 0x2F, bytes[1] == 0x2F { return false }  // //host/path
            for byte in bytes {
                if byte == 0x2F || byte == 0x3F || byte == 0x23 { break }
                if byte == 0x3A { return false }  // a scheme such as mailto: or javascript:
            }
            for byte in bytes where !urlByte[Int(byte)] { return false }
            return !hasDotSegment(bytes, from: 0)
        }
    }
}

extension String {
    /// Without leading and trailing ASCII white space (no Foundation bridging: this is on the hot path).
    public var trimmed: String {
        let utf8 = self.utf8
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C }
        guard let first = utf8.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = utf8.lastIndex(where: { !isSpace($0) })!
        if first == utf8.startIndex, last == utf8.index(before: utf8.endIndex) { return self }
        return String(self[first...last])
    }

    var nilIfEmpty: String? { isEmpty ? nil : self }
}
