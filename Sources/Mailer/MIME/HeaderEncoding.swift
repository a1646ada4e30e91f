import Foundation

/// Header lines as RFC 5322 wants them: checked for injection, non-ASCII as RFC 2047 encoded
/// words, folded at spaces to 78 characters where possible and never beyond 998.
enum HeaderEncoding {
    static let foldAt = 78
    static let maxLine = 998

    /// Refuses CR, LF and NUL, which would end the header (header injection).
    static func checkNoLineBreaks(_ value: String, in what: String) throws {
        if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
            throw EmailMessageError("\(what) contains a line break or NUL, which is not allowed in a header")
        }
    }

    /// A field name: printable ASCII without ":" (RFC 5322 3.6.8).
    static func checkName(_ name: String) throws {
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ (33...126).contains($0.value) && $0 != ":" }) else {
            throw EmailMessageError("not a usable header name: \(name.debugDescription)")
        }
    }

    /// `Name: value` folded, with CRLF at the end. `value` must already be encoded.
    static func line(_ name: String, _ value: String) throws -> String {
        try checkName(name)
        try checkNoLineBreaks(value, in: "the \(name) header")
        var lines: [String] = []
        var current = name + ":"
        for word in value.split(separator: " ", omittingEmptySubsequences: false) {
            if current.utf8.count + 1 + word.utf8.count > foldAt && current != name + ":" {
                lines.append(current)
                current = ""
            }
            current += " " + word
        }
        lines.append(current)
        guard lines.allSatisfy({ $0.utf8.count <= maxLine }) else {
            throw EmailMessageError("the \(name) header has a word too long to fit a line of \(maxLine) characters")
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Free text (a subject): as it is when printable ASCII, else RFC 2047 encoded words.
    static func unstructured(_ text: String) -> String {
        if isPlainASCII(text) && !text.contains("=?") { return text }
        return encodedWords(text)
    }

    /// `=?UTF-8?B?...?=` words of at most 75 characters, split between characters, separated by spaces.
    static func encodedWords(_ text: String) -> String {
        var words: [String] = []
        var chunk: [UInt8] = []
        // 45 bytes are 60 base64 characters: with "=?UTF-8?B?" and "?=", 72 in all.
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 && !chunk.isEmpty {
                words.append(encodedWord(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(encodedWord(chunk)) }
        return words.joined(separator: " ")
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?" + Data(bytes).base64EncodedString() + "?="
    }

    /// `name <address>`, the name quoted or encoded as needed.
    static func mailbox(_ address: EmailAddress) -> String {
        guard let name = address.name, !name.isEmpty else { return address.address }
        let atext = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "!#$%&'*+-/=?^_`{|}~ "))
        let display: String
        if !isPlainASCII(name) || name.contains("=?") {
            display = encodedWords(name)
        } else if name.unicodeScalars.allSatisfy({ atext.contains($0) }) {
            display = name
        } else {
            display = "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return "\(display) <\(address.address)>"
    }

    static func isPlainASCII(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) || $0 == "\t" }
    }

    /// RFC 5322 date-time in UTC: `Sun, 29 Nov 2026 03:00:00 +0000`.
    static func date(_ date: Date) -> String {
        date.formatted(
            Date.VerbatimFormatStyle(
                format: "\(weekday: .abbreviated), \(day: .twoDigits) \(month: .abbreviated) \(year: .defaultDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits):\(second: .twoDigits) +0000",
                locale: Locale(identifier: "en_US_POSIX"), timeZone: .gmt, calendar: Calendar(identifier: .gregorian)))
    }
}
