internal import CLibXML2

/// How a document's bytes are to be decoded, decided before parsing.
///
/// Precedence: a byte order mark; then UTF-16 recognised from the first
/// bytes (`<\0?\0`); then the HTTP Content-Type charset; then the XML
/// declaration's `encoding`; then UTF-8. A charset that contradicts the
/// bytes (UTF-16 named for an ASCII-compatible document) or that libxml2
/// cannot decode is ignored with a warning. Following the WHATWG Encoding
/// standard, ISO-8859-1 is read as its superset Windows-1252 (feeds that say
/// Latin-1 routinely carry Windows "smart quotes"), and US-ASCII as UTF-8
/// whose stray bytes are Windows-1252 (see ``XMLInputRepair``).
struct DocumentEncoding: Equatable {
    enum Kind: Equatable {
        case utf8
        case utf16(littleEndian: Bool)
        /// Another ASCII-compatible encoding libxml2 decodes (its name as libxml2 knows it).
        case other(String)
    }

    var kind: Kind
    /// Bytes of byte order mark to skip.
    var byteOrderMarkLength: Int
    var warning: String?

    static func detect(_ bytes: UnsafeBufferPointer<UInt8>, charset: String?) -> DocumentEncoding {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            return DocumentEncoding(kind: .utf8, byteOrderMarkLength: 3, warning: nil)
        }
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xFE {
            return DocumentEncoding(kind: .utf16(littleEndian: true), byteOrderMarkLength: 2, warning: nil)
        }
        if bytes.count >= 2, bytes[0] == 0xFE, bytes[1] == 0xFF {
            return DocumentEncoding(kind: .utf16(littleEndian: false), byteOrderMarkLength: 2, warning: nil)
        }
        let sniffedUTF16: Bool? = bytes.count >= 4
            ? (bytes[0] == 0x3C && bytes[1] == 0 && bytes[2] != 0 && bytes[3] == 0 ? true
                : bytes[0] == 0 && bytes[1] == 0x3C && bytes[2] == 0 && bytes[3] != 0 ? false : nil)
            : nil
        if let littleEndian = sniffedUTF16 {
            return DocumentEncoding(kind: .utf16(littleEndian: littleEndian), byteOrderMarkLength: 0, warning: nil)
        }
        var warning: String?
        if let charset, !charset.isEmpty {
            switch resolve(label: charset) {
            case .some(.utf16):
                warning = "Content-Type says charset \(charset) but the document is not UTF-16; charset ignored"
            case .some(let kind):
                return DocumentEncoding(kind: kind, byteOrderMarkLength: 0, warning: nil)
            case .none:
                warning = "Content-Type charset \(charset) is not supported; charset ignored"
            }
        }
        if let declared = declaredEncoding(bytes) {
            switch resolve(label: declared) {
            case .some(.utf16):
                break  // a UTF-16 declaration in an 8-bit document: the declaration is wrong
            case .some(let kind):
                return DocumentEncoding(kind: kind, byteOrderMarkLength: 0, warning: warning)
            case .none:
                let message = "encoding \(declared) declared by the document is not supported; read as UTF-8"
                warning = warning.map { $0 + "; " + message } ?? message
            }
        }
        return DocumentEncoding(kind: .utf8, byteOrderMarkLength: 0, warning: warning)
    }

    /// The encoding an encoding label names, or nil when libxml2 cannot decode it.
    static func resolve(label: String) -> Kind? {
        let name = label.trimmed.lowercased()
        switch name {
        case "utf-8", "utf8", "unicode-1-1-utf-8", "us-ascii", "ascii", "ansi_x3.4-1968":
            return .utf8
        case "utf-16", "utf-16le", "utf-16be", "ucs-2", "utf16", "unicode":
            return .utf16(littleEndian: true)  // the bytes decide the order
        case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "cp819", "ibm819", "windows-1252", "cp1252", "x-cp1252":
            return .other("WINDOWS-1252")
        default:
            guard !name.isEmpty, name.utf8.count < 40, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
            return newsflash_xml_encoding_supported(name) != 0 ? .other(name.uppercased()) : nil
        }
    }

    /// The `encoding` of an XML declaration at the start of an ASCII-compatible document.
    static func declaredEncoding(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var index = 0
        while index < bytes.count, index < 64, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D {
            index += 1
        }
        let prefix: [UInt8] = Array("<?xml".utf8)
        guard bytes.count >= index + prefix.count, bytes[index..<(index + prefix.count)].elementsEqual(prefix) else { return nil }
        var end = index
        while end < bytes.count, end - index < 256, bytes[end] != 0x3E { end += 1 }
        let declaration = String(decoding: bytes[index..<end], as: UTF8.self)
        guard let range = declaration.range(of: "encoding") else { return nil }
        var rest = declaration[range.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\t" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return nil }
        rest = rest.dropFirst()
        return rest.firstIndex(of: quote).map { String(rest[..<$0]) }
    }

    /// UTF-16 bytes (after any byte order mark) as UTF-8; unpaired surrogates become U+FFFD.
    static func transcodeUTF16(_ bytes: UnsafeBufferPointer<UInt8>, littleEndian: Bool) -> [UInt8] {
        let units = (0..<(bytes.count / 2)).map { index -> UInt16 in
            let low = UInt16(bytes[2 * index]), high = UInt16(bytes[2 * index + 1])
            return littleEndian ? high << 8 | low : low << 8 | high
        }
        return Array(String(decoding: units, as: UTF16.self).utf8)
    }
}
