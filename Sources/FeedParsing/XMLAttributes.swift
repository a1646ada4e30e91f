internal import CLibXML2
import Glibc

/// The attributes of a libxml2 SAX2 start-element event: `count` entries of
/// five pointers each (local name, prefix, namespace URI, value start, value
/// end; values are not NUL-terminated). Valid only during the callback.
struct XMLAttributes {
    let entries: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    let count: Int

    func localNameIs(_ index: Int, _ name: StaticString) -> Bool {
        guard let entries, let local = entries[5 * index] else { return false }
        return strcmp(UnsafeRawPointer(local).assumingMemoryBound(to: CChar.self), UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)) == 0
    }

    /// Whether the attribute has the `xml:` prefix (xml:base, xml:lang).
    func isXMLNamespaced(_ index: Int) -> Bool {
        guard let entries, let prefix = entries[5 * index + 1] else { return false }
        return prefix[0] == 0x78 && prefix[1] == 0x6D && prefix[2] == 0x6C && prefix[3] == 0
    }

    func value(_ index: Int) -> String {
        guard let entries, let start = entries[5 * index + 3], let end = entries[5 * index + 4], end >= start else { return "" }
        return String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
    }

    /// The value of the first attribute with this local name, in any namespace.
    func value(named name: StaticString) -> String? {
        for index in 0..<count where localNameIs(index, name) { return value(index) }
        return nil
    }

    /// The value's bytes, without leading and trailing ASCII white space, of the first attribute with this local name.
    func trimmedBytes(named name: StaticString) -> UnsafeBufferPointer<UInt8>? {
        guard let entries else { return nil }
        for index in 0..<count where localNameIs(index, name) {
            guard var start = entries[5 * index + 3], var end = entries[5 * index + 4], end >= start else { return nil }
            while start < end, start.pointee == 0x20 || start.pointee == 0x09 || start.pointee == 0x0A || start.pointee == 0x0D { start += 1 }
            while end > start, (end - 1).pointee == 0x20 || (end - 1).pointee == 0x09 || (end - 1).pointee == 0x0A || (end - 1).pointee == 0x0D { end -= 1 }
            return UnsafeBufferPointer(start: start, count: end - start)
        }
        return nil
    }

    /// Which part of a value a literal is compared with.
    enum Part {
        case whole, prefix, suffix
    }

    /// Whether the attribute's trimmed value equals (or, as `.prefix` or `.suffix`, starts or ends
    /// with) a lower-case ASCII literal, ignoring ASCII case; nil when the attribute is absent. No
    /// String is made.
    func value(named name: StaticString, matches literal: StaticString, as part: Part = .whole) -> Bool? {
        guard let bytes = trimmedBytes(named: name) else { return nil }
        let length = literal.utf8CodeUnitCount
        guard part == .whole ? bytes.count == length : bytes.count >= length else { return false }
        let start = part == .suffix ? bytes.count - length : 0
        let expected = literal.utf8Start
        for offset in 0..<length {
            let byte = bytes[start + offset]
            let lower = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            if lower != expected[offset] { return false }
        }
        return true
    }
}
