import Foundation

/// Reads the dates feeds carry: RFC 822/1123 (with obsolete zone names and
/// military zones, with or without weekday or seconds, two-digit years),
/// RFC 3339 / ISO 8601 (with or without fraction, `T` or a space, with or
/// without zone: UTC is assumed), and a few common variants. Returns UTC.
public enum FeedDate {
    public static func parse(_ raw: String) -> Date? {
        let text = raw.trimmed
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count < 80 else { return nil }
        if bytes.count >= 10, bytes[0] >= 0x30, bytes[0] <= 0x39, bytes[4] == 0x2D {
            return iso8601(text)
        }
        return rfc822(bytes)
    }

    // MARK: ISO 8601 / RFC 3339

    private static func iso8601(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for offset in 0..<digits {
                let byte = bytes[index + offset]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            index += digits
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(0x2D), let month = number(2), expect(0x2D), let day = number(2) else { return nil }
        var hour = 0, minute = 0, second = 0
        var fraction = 0.0
        if index < bytes.count, bytes[index] == 0x54 || bytes[index] == 0x74 || bytes[index] == 0x20 {
            index += 1
            guard let h = number(2), expect(0x3A), let m = number(2) else { return nil }
            hour = h
            minute = m
            if expect(0x3A) {
                guard let s = number(2) else { return nil }
                second = s
                if index < bytes.count, bytes[index] == 0x2E || bytes[index] == 0x2C {
                    index += 1
                    var scale = 0.1
                    while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                        fraction += Double(bytes[index] - 0x30) * scale
                        scale /= 10
                        index += 1
                    }
                }
            }
        }
        while index < bytes.count, bytes[index] == 0x20 { index += 1 }
        var offsetSeconds = 0
        if index < bytes.count {
            let sign = bytes[index]
            if sign == 0x5A || sign == 0x7A {
                index += 1
            } else if sign == 0x2B || sign == 0x2D {
                index += 1
                guard let h = number(2) else { return nil }
                _ = expect(0x3A)
                let m = number(2) ?? 0
                offsetSeconds = (h * 3600 + m * 60) * (sign == 0x2D ? -1 : 1)
            } else {
                let rest = String(decoding: bytes[index...], as: UTF8.self)
                guard let zone = zoneOffsets[rest.uppercased()] else { return nil }
                offsetSeconds = zone
                index = bytes.count
            }
        }
        guard index == bytes.count else { return nil }
        return make(year: year, month: month, day: day, hour: hour, minute: minute, second: second, fraction: fraction, offset: offsetSeconds)
    }

    // MARK: RFC 822

    private static let months = ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]

    /// Zone names of RFC 822 plus common ones feeds use; military letters per RFC 1123 (J is not used).
    private static let zoneOffsets: [String: Int] = {
        var zones: [String: Int] = [
            "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600,
            "MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600, "BST": 3600, "CET": 3600,
            "CEST": 7200, "EET": 7200, "EEST": 3 * 3600, "WET": 0, "WEST": 3600, "IST": 19800, "JST": 9 * 3600,
            "AEST": 10 * 3600, "AEDT": 11 * 3600, "MSK": 3 * 3600,
        ]
        for (index, letter) in "ABCDEFGHIKLM".enumerated() { zones[String(letter)] = -(index + 1) * 3600 }
        for (index, letter) in "NOPQRSTUVWXY".enumerated() { zones[String(letter)] = (index + 1) * 3600 }
        return zones
    }()

    private static func rfc822(_ bytes: [UInt8]) -> Date? {
        // Tokens split at spaces, tabs and commas, as byte ranges.
        var tokens: [ArraySlice<UInt8>] = []
        var start = -1
        for (index, byte) in bytes.enumerated() {
            let separator = byte == 0x20 || byte == 0x09 || byte == 0x2C
            if separator {
                if start >= 0 { tokens.append(bytes[start..<index]); start = -1 }
            } else if start < 0 {
                start = index
            }
        }
        if start >= 0 { tokens.append(bytes[start...]) }
        guard tokens.count >= 3 else { return nil }
        if number(tokens[0]) == nil, month(tokens[0]) == nil {
            tokens.removeFirst()  // weekday
        }
        guard tokens.count >= 3 else { return nil }
        var day: Int
        var monthValue: Int
        if let d = number(tokens[0]), let m = month(tokens[1]) {
            day = d
            monthValue = m
        } else if let m = month(tokens[0]), let d = number(tokens[1]) {
            day = d
            monthValue = m
        } else {
            return nil
        }
        guard var year = number(tokens[2]) else { return nil }
        if year < 100 { year += year < 50 ? 2000 : 1900 }
        var position = 3
        var hour = 0, minute = 0, second = 0
        if position < tokens.count, tokens[position].contains(0x3A) {
            let parts = tokens[position].split(separator: 0x3A, omittingEmptySubsequences: false).map { number($0) }
            guard parts.count >= 2, let h = parts[0], let m = parts[1] else { return nil }
            hour = h
            minute = m
            if parts.count > 2 {
                guard let s = parts[2] else { return nil }
                second = s
            }
            position += 1
        }
        var offset = 0
        if position < tokens.count {
            let zone = tokens[position]
            if let sign = zone.first, sign == 0x2B || sign == 0x2D, zone.count == 5, let value = number(zone.dropFirst()) {
                offset = ((value / 100) * 3600 + (value % 100) * 60) * (sign == 0x2D ? -1 : 1)
            } else if let named = zoneOffsets[String(decoding: zone, as: UTF8.self).uppercased()] {
                offset = named
            } else {
                return nil
            }
        }
        return make(year: year, month: monthValue, day: day, hour: hour, minute: minute, second: second, fraction: 0, offset: offset)
    }

    private static func number(_ token: ArraySlice<UInt8>) -> Int? {
        guard !token.isEmpty, token.count <= 9 else { return nil }
        var value = 0
        for byte in token {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// The month of a token starting with its English name or abbreviation.
    private static func month(_ token: ArraySlice<UInt8>) -> Int? {
        guard token.count >= 3 else { return nil }
        let start = token.startIndex
        let key = String(decoding: [token[start] | 0x20, token[start + 1] | 0x20, token[start + 2] | 0x20], as: UTF8.self)
        return months[key]
    }

    private static func make(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, fraction: Double, offset: Int) -> Date? {
        guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute),
              (0...60).contains(second), (1900...2200).contains(year) else { return nil }
        // Days from civil (Howard Hinnant's algorithm), no Calendar needed.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        guard day <= daysIn(month: month, year: year) else { return nil }
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
