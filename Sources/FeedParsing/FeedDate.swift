import Foundation

/// Reads the dates feeds carry and returns them in UTC.
///
/// - RFC 3339 / ISO 8601 / W3CDTF: `2026-11-29T08:15:00Z`, with or without
///   seconds, a fraction of any length, `T`, `t` or a space; offsets `+05:30`,
///   `+0530`, `+05`, `Z`, or a zone name; a date alone or year and month
///   (midnight UTC); `2026/11/29 08:15:00`; basic format `20261129T081500Z`.
///   A time without a zone is taken as UTC.
/// - RFC 822 / 1123 / 2822 and what feeds make of them: optional weekday (short
///   or long), day and month in either order (`29 Nov 2026`, `Nov 29, 2026`,
///   `November 29 2026`, `29-Nov-2026`), two-digit years (00–49 → 20xx, 50–99
///   → 19xx, RFC 5322 §4.3), time with or without seconds, `AM`/`PM`, the year
///   after the time (`Sun Nov 29 08:15:00 2026`), zones as `+0000`, `-05:00`,
///   `GMT+1`, `UTC-05:00`, RFC 822's names (`UT`, `GMT`, `EST`, `EDT`, `CST`,
///   `CDT`, `MST`, `MDT`, `PST`, `PDT`), common abbreviations (`BST`, `CET`,
///   `CEST`, `JST`, `AEST`, …) and a trailing comment (`-0800 (PST)`).
///   Military letters: `Z` is UTC; the others are read as `-0000` (UTC, local
///   offset unknown) as RFC 5322 §4.3 prescribes, because RFC 822 gave them
///   the wrong sign (RFC 1123 §5.2.14) and nobody can tell which convention a
///   sender followed.
///
/// Pure and allocation-free on the common paths; returns nil for anything it
/// cannot read with certainty (impossible dates, unknown zones, years outside
/// 1900…2200).
public enum FeedDate {
    public static func parse(_ raw: String) -> Date? {
        var text = raw
        return text.withUTF8 { parse(bytes: $0) }
    }

    static func parse(bytes raw: UnsafeBufferPointer<UInt8>) -> Date? {
        var start = 0
        var end = raw.count
        while start < end, isSpace(raw[start]) { start += 1 }
        while end > start, isSpace(raw[end - 1]) { end -= 1 }
        guard end > start, end - start < 96 else { return nil }
        let bytes = UnsafeBufferPointer(rebasing: raw[start..<end])
        if bytes.count >= 8, isDigit(bytes[0]), isDigit(bytes[1]), isDigit(bytes[2]), isDigit(bytes[3]) {
            var reader = ISO8601Reader(bytes: bytes)
            if let date = reader.read() { return date }
        }
        return RFC822Reader(bytes: bytes).read()
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }

    /// Seconds since 1970 of a civil date and time at a UTC offset; nil when the date does not exist.
    static func make(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, nanoseconds: Int, offset: Int) -> Date? {
        guard (1900...2200).contains(year), (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              (0...24).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        if hour == 24, minute != 0 || second != 0 || nanoseconds != 0 { return nil }  // 24:00 is the end of the day
        // Days from civil (Howard Hinnant's algorithm), no Calendar needed.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1e9)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// UTC offsets in seconds of the zone names feeds use, keyed by the upper-case name packed into an integer.
    static let zoneOffsets: [UInt64: Int] = {
        let hours: [(String, Double)] = [
            ("UT", 0), ("UTC", 0), ("GMT", 0), ("Z", 0), ("WET", 0), ("WEST", 1), ("BST", 1), ("IST", 5.5), ("CET", 1),
            ("CEST", 2), ("MET", 1), ("MEST", 2), ("EET", 2), ("EEST", 3), ("MSK", 3), ("MSD", 4), ("EST", -5), ("EDT", -4),
            ("CST", -6), ("CDT", -5), ("MST", -7), ("MDT", -6), ("PST", -8), ("PDT", -7), ("AKST", -9), ("AKDT", -8),
            ("HST", -10), ("AST", -4), ("ADT", -3), ("NST", -3.5), ("NDT", -2.5), ("JST", 9), ("KST", 9), ("HKT", 8),
            ("SGT", 8), ("PHT", 8), ("WIB", 7), ("ICT", 7), ("PKT", 5), ("GST", 4), ("SAST", 2), ("CAT", 2), ("EAT", 3),
            ("WAT", 1), ("AWST", 8), ("ACST", 9.5), ("ACDT", 10.5), ("AEST", 10), ("AEDT", 11), ("NZST", 12), ("NZDT", 13),
            ("BRT", -3), ("ART", -3), ("CLT", -4), ("COT", -5), ("PET", -5),
        ]
        var zones: [UInt64: Int] = [:]
        for (name, offset) in hours { zones[pack(name.utf8)] = Int(offset * 3600) }
        // Military letters other than Z: -0000 (RFC 5322 §4.3; see the type's documentation).
        for letter in "ABCDEFGHIKLMNOPQRSTUVWXY".utf8 { zones[pack(CollectionOfOne(letter))] = 0 }
        return zones
    }()

    /// Up to 8 letters, upper-cased, as an integer key; 0 when there are more or other bytes.
    static func pack<Letters: Collection<UInt8>>(_ letters: Letters) -> UInt64 {
        guard !letters.isEmpty, letters.count <= 8 else { return 0 }
        var key: UInt64 = 0
        for byte in letters {
            guard isLetter(byte) else { return 0 }
            key = key << 8 | UInt64(byte & 0xDF)
        }
        return key
    }
}

/// Reads RFC 3339 / ISO 8601 dates (see ``FeedDate``).
private struct ISO8601Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    private mutating func number(_ digits: Int) -> Int? {
        guard index + digits <= bytes.count else { return nil }
        var value = 0
        for offset in 0..<digits {
            let byte = bytes[index + offset]
            guard FeedDate.isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        index += digits
        return value
    }

    private mutating func skip(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    mutating func read() -> Date? {
        guard let year = number(4) else { return nil }
        let basic = index < bytes.count && FeedDate.isDigit(bytes[index])  // 20261129T081500Z
        let dateSeparator: UInt8 = basic ? 0 : (index < bytes.count ? bytes[index] : 0)
        guard basic || dateSeparator == 0x2D || dateSeparator == 0x2F else { return nil }
        if !basic { index += 1 }
        guard let month = number(2) else { return nil }
        var day = 1
        if basic || skip(dateSeparator) {
            guard let value = number(2) else { return nil }
            day = value
        }
        var hour = 0, minute = 0, second = 0, nanoseconds = 0
        if index < bytes.count, bytes[index] == 0x54 || bytes[index] == 0x74 || bytes[index] == 0x20 {
            index += 1
            while index < bytes.count, bytes[index] == 0x20 { index += 1 }
            guard let h = number(2) else { return nil }
            hour = h
            let timeSeparator = !basic
            if timeSeparator { guard skip(0x3A) else { return nil } }
            guard let m = number(2) else { return nil }
            minute = m
            if timeSeparator ? skip(0x3A) : (index < bytes.count && FeedDate.isDigit(bytes[index])) {
                guard let s = number(2) else { return nil }
                second = s
                if index < bytes.count, bytes[index] == 0x2E || bytes[index] == 0x2C {
                    index += 1
                    var scale = 100_000_000
                    let fractionStart = index
                    while index < bytes.count, FeedDate.isDigit(bytes[index]) {
                        nanoseconds += Int(bytes[index] - 0x30) * scale
                        scale /= 10
                        index += 1
                    }
                    guard index > fractionStart else { return nil }
                }
            }
        }
        while index < bytes.count, bytes[index] == 0x20 { index += 1 }
        var offset = 0
        if index < bytes.count {
            guard let zone = ZoneReader.read(bytes, from: &index) else { return nil }
            offset = zone
        }
        guard index == bytes.count else { return nil }
        return FeedDate.make(year: year, month: month, day: day, hour: hour, minute: minute, second: second, nanoseconds: nanoseconds, offset: offset)
    }
}

/// Reads a zone at `index`: `Z`, `±hh[:mm]`, `±hhmm`, a name, or a name followed by an offset (`GMT+1`).
private enum ZoneReader {
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, from index: inout Int) -> Int? {
        var position = index
        var offset = 0
        if position < bytes.count, FeedDate.isLetter(bytes[position]) {
            let start = position
            while position < bytes.count, FeedDate.isLetter(bytes[position]) { position += 1 }
            guard let named = FeedDate.zoneOffsets[FeedDate.pack(bytes[start..<position])] else { return nil }
            offset = named
        }
        if position < bytes.count, bytes[position] == 0x2B || bytes[position] == 0x2D {
            let sign = bytes[position] == 0x2D ? -1 : 1
            position += 1
            var digits = (0, 0, 0, 0)
            var count = 0
            var sawColon = false
            while position < bytes.count, count < 4 {
                let byte = bytes[position]
                if FeedDate.isDigit(byte) {
                    let digit = Int(byte - 0x30)
                    switch count {
                    case 0: digits.0 = digit
                    case 1: digits.1 = digit
                    case 2: digits.2 = digit
                    default: digits.3 = digit
                    }
                    count += 1
                } else if byte == 0x3A, !sawColon, count == 2 {
                    sawColon = true
                } else {
                    break
                }
                position += 1
            }
            let hours: Int
            let minutes: Int
            switch count {
            case 1: (hours, minutes) = (digits.0, 0)
            case 2: (hours, minutes) = (digits.0 * 10 + digits.1, 0)
            case 3 where !sawColon: (hours, minutes) = (digits.0, digits.1 * 10 + digits.2)  // +530
            case 4: (hours, minutes) = (digits.0 * 10 + digits.1, digits.2 * 10 + digits.3)
            default: return nil
            }
            guard hours <= 18, minutes < 60 else { return nil }
            offset += sign * (hours * 3600 + minutes * 60)
        }
        guard position > index else { return nil }
        index = position
        return offset
    }
}

/// The day and a short year, in the order they came (no array: this runs for every date).
private struct SmallNumbers {
    var first = 0
    var second = 0
    var count = 0

    mutating func append(_ value: Int) {
        if count == 0 { first = value } else if count == 1 { second = value }
        count += 1
    }
}

/// Reads RFC 822 style dates and their relatives (see ``FeedDate``).
private struct RFC822Reader {
    let bytes: UnsafeBufferPointer<UInt8>

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    private static let months: [UInt64: Int] = {
        var months: [UInt64: Int] = [:]
        for (index, name) in ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"].enumerated() {
            months[FeedDate.pack(name.utf8)] = index + 1
        }
        return months
    }()

    private static let weekdays: Set<UInt64> = Set(["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"].map { FeedDate.pack($0.utf8) })

    func read() -> Date? {
        var day: Int?
        var month: Int?
        var year: Int?
        var hour = 0, minute = 0, second = 0, nanoseconds = 0
        var sawTime = false
        var meridiem = 0  // 1 AM, 2 PM
        var offset = 0
        var sawZone = false
        var smallNumbers = SmallNumbers()
        var index = 0
        /// Reads one zone (a name or a signed offset) from `start`; false when it is a second zone
        /// or not a zone.
        @inline(__always) func readZone(at start: Int) -> Bool {
            guard !sawZone else { return false }
            var position = start
            guard let zone = ZoneReader.read(bytes, from: &position) else { return false }
            offset = zone
            sawZone = true
            index = position
            return true
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x09 || byte == 0x2C || byte == 0x2E && !sawTime {
                index += 1
                continue
            }
            if byte == 0x28 {  // a comment such as (PST): ignore the rest
                break
            }
            if FeedDate.isDigit(byte) {
                var value = 0
                let start = index
                while index < bytes.count, FeedDate.isDigit(bytes[index]), index - start < 5 {
                    value = value * 10 + Int(bytes[index] - 0x30)
                    index += 1
                }
                let length = index - start
                if index < bytes.count, bytes[index] == 0x3A {  // a time
                    guard !sawTime, length <= 2 else { return nil }
                    guard let time = readTime(hour: value, from: &index) else { return nil }
                    (hour, minute, second, nanoseconds) = time
                    sawTime = true
                } else if index < bytes.count, bytes[index] == 0x2D, month == nil, length <= 2 {  // 29-Nov-2026
                    smallNumbers.append(value)
                    index += 1
                } else if length == 4 {
                    guard year == nil else { return nil }
                    year = value
                } else if length <= 2 || length == 3 {
                    if length <= 2, index < bytes.count, FeedDate.isLetter(bytes[index]) {
                        // 29th, 1st: an ordinal day
                        while index < bytes.count, FeedDate.isLetter(bytes[index]) { index += 1 }
                    }
                    smallNumbers.append(value + (length == 3 ? 1900 : 0))
                } else {
                    return nil
                }
                if index < bytes.count, bytes[index] == 0x2D, month != nil, year == nil, !sawTime {
                    index += 1  // 29-Nov-2026: the dash after the month was taken; this one follows the day
                }
                continue
            }
            if FeedDate.isLetter(byte) {
                let start = index
                while index < bytes.count, FeedDate.isLetter(bytes[index]) { index += 1 }
                let word = bytes[start..<index]
                if word.count >= 3, let value = Self.months[FeedDate.pack(word.prefix(3))], month == nil,
                   word.count == 3 || isMonthName(word, month: value) {
                    month = value
                    if index < bytes.count, bytes[index] == 0x2D { index += 1 }
                    continue
                }
                if word.count >= 3, Self.weekdays.contains(FeedDate.pack(word.prefix(3))), month == nil || day == nil, !sawZone {
                    continue  // weekday
                }
                if sawTime, meridiem == 0, word.count == 2, word.last! & 0xDF == 0x4D, word.first! & 0xDF == 0x41 || word.first! & 0xDF == 0x50 {
                    meridiem = word.first! & 0xDF == 0x41 ? 1 : 2  // AM or PM
                    continue
                }
                guard readZone(at: start) else { return nil }
                continue
            }
            if byte == 0x2B || byte == 0x2D {
                guard readZone(at: index) else { return nil }
                continue
            }
            return nil
        }
        guard let month else { return nil }
        // The day is the first small number; a second one is a two-digit (or three-digit) year.
        guard smallNumbers.count >= 1 else { return nil }
        day = smallNumbers.first
        if year == nil {
            guard smallNumbers.count == 2 else { return nil }
            let short = smallNumbers.second
            year = short >= 1900 ? short : (short < 50 ? 2000 + short : 1900 + short)
        } else if smallNumbers.count != 1 {
            return nil
        }
        if meridiem != 0 {
            guard (1...12).contains(hour) else { return nil }
            hour = hour % 12 + (meridiem == 2 ? 12 : 0)
        }
        return FeedDate.make(year: year!, month: month, day: day!, hour: hour, minute: minute, second: second, nanoseconds: nanoseconds, offset: offset)
    }

    /// Whether a word longer than three letters is the month's full English name.
    private func isMonthName(_ word: Slice<UnsafeBufferPointer<UInt8>>, month: Int) -> Bool {
        let names = ["JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER"]
        let name = names[month - 1].utf8
        if word.count == 4, month == 9 { return word.map { $0 & 0xDF }.elementsEqual("SEPT".utf8) }
        return word.count == name.count && zip(word, name).allSatisfy { $0 & 0xDF == $1 }
    }

    /// `hh:mm[:ss[.fraction]]` after the hour's digits; `index` is at the first colon.
    private func readTime(hour: Int, from index: inout Int) -> (Int, Int, Int, Int)? {
        func twoDigits() -> Int? {
            guard index + 2 <= bytes.count, FeedDate.isDigit(bytes[index]), FeedDate.isDigit(bytes[index + 1]) else { return nil }
            defer { index += 2 }
            return Int(bytes[index] - 0x30) * 10 + Int(bytes[index + 1] - 0x30)
        }
        index += 1
        guard let minute = twoDigits() else { return nil }
        var second = 0
        var nanoseconds = 0
        if index < bytes.count, bytes[index] == 0x3A {
            index += 1
            guard let value = twoDigits() else { return nil }
            second = value
            if index < bytes.count, bytes[index] == 0x2E || bytes[index] == 0x2C {
                index += 1
                var scale = 100_000_000
                while index < bytes.count, FeedDate.isDigit(bytes[index]) {
                    nanoseconds += Int(bytes[index] - 0x30) * scale
                    scale /= 10
                    index += 1
                }
            }
        }
        return (hour, minute, second, nanoseconds)
    }
}
