/// Quoted-printable (RFC 2045 6.7) for UTF-8 text: line breaks become CRLF, encoded lines are at
/// most 76 characters (soft breaks `=` CRLF), `=`, control and non-ASCII bytes and a space or tab
/// at the end of a line are `=XX`.
enum QuotedPrintable {
    static let maxLine = 76

    static func encode(_ text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        return normalized.split(separator: "\n", omittingEmptySubsequences: false)
            .map { encodeLine(Array($0.utf8)) }
            .joined(separator: "\r\n")
    }

    private static func encodeLine(_ bytes: [UInt8]) -> String {
        var out = ""
        var lineLength = 0
        for (index, byte) in bytes.enumerated() {
            let isLast = index == bytes.count - 1
            let literal =
                (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                || ((byte == 32 || byte == 9) && !isLast)
            let token = literal ? String(UnicodeScalar(byte)) : "=" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            // Keep room for the "=" of a soft break, unless this token ends the line.
            let limit = isLast ? maxLine : maxLine - 1
            if lineLength + token.count > limit {
                out += "=\r\n"
                lineLength = 0
            }
            out += token
            lineLength += token.count
        }
        return out
    }
}
