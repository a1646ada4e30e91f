import Foundation
import NewsModel
import Testing

@Suite struct RFC3339TimeTests {
    @Test func writesUTCWithMilliseconds() {
        #expect(RFC3339Time.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339Time.format(Date(timeIntervalSince1970: 1_795_911_681.123)) == "2026-11-29T00:21:21.123Z")
        #expect(RFC3339Time.format(Date(timeIntervalSince1970: 1_795_911_681.9996)) == "2026-11-29T00:21:22.000Z")
        #expect(RFC3339Time.format(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
        #expect(RFC3339Time.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
        #expect(RFC3339Time.format(Date(timeIntervalSince1970: -62_135_596_800)) == "0001-01-01T00:00:00.000Z")
    }

    /// Foundation's formatter truncates the fraction (it shows 0.40499999 s as .404), so it is the
    /// oracle for the calendar part only; the milliseconds are checked on their own.
    @Test func agreesWithFoundationsISO8601Formatter() {
        let foundation = Date.ISO8601FormatStyle()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // Whole milliseconds from 1900 to 2100.
            let milliseconds = Int64(state >> 20) % 6_311_390_400_000 - 2_208_988_800_000
            let (seconds, fraction) = (milliseconds - ((milliseconds % 1000) + 1000) % 1000, ((milliseconds % 1000) + 1000) % 1000)
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let text = RFC3339Time.format(date)
            let expected = foundation.format(Date(timeIntervalSince1970: Double(seconds / 1000))).dropLast()
                + "." + String(String(fraction + 1000).dropFirst()) + "Z"
            #expect(text == expected, "\(milliseconds) ms")
            #expect(RFC3339Time.parse(text) == date, "\(text)")
        }
    }

    @Test func readsAnyOffsetAndPrecision() throws {
        let utc = try #require(RFC3339Time.parse("2026-11-29T08:00:00Z"))
        #expect(utc == Date(timeIntervalSince1970: 1_795_939_200))
        #expect(RFC3339Time.parse("2026-11-29T10:00:00+02:00") == utc)
        #expect(RFC3339Time.parse("2026-11-29T03:00:00-05:00") == utc)
        #expect(RFC3339Time.parse("2026-11-29T13:45:00+05:45") == utc)
        #expect(RFC3339Time.parse("2026-11-29T08:00:00+00:00") == utc)
        #expect(RFC3339Time.parse("2026-11-29T08:00:00-00:00") == utc)
        #expect(RFC3339Time.parse("2026-11-29t08:00:00z") == utc)
        #expect(RFC3339Time.parse("2026-11-29T08:00:00.0Z") == utc)
        #expect(RFC3339Time.parse("2026-11-29T08:00:00.5Z").map(RFC3339Time.format) == "2026-11-29T08:00:00.500Z")
        #expect(RFC3339Time.parse("2026-11-29T08:00:00.123456Z").map(RFC3339Time.format) == "2026-11-29T08:00:00.123Z")
        #expect(RFC3339Time.parse("2026-11-29T08:00:00.1235Z").map(RFC3339Time.format) == "2026-11-29T08:00:00.124Z")
        #expect(RFC3339Time.parse("2026-12-31T23:59:59.9999Z").map(RFC3339Time.format) == "2027-01-01T00:00:00.000Z")
        #expect(RFC3339Time.parse("2026-12-31T23:59:60Z").map(RFC3339Time.format) == "2027-01-01T00:00:00.000Z")
        #expect(RFC3339Time.parse("2028-02-29T00:00:00Z") != nil)
        #expect(RFC3339Time.parse("2000-02-29T00:00:00Z") != nil)
    }

    @Test(arguments: [
        "", "29 Nov 2026 08:00", "2026-11-29", "2026-11-29T08:00:00", "2026-11-29 08:00:00Z", "2026-11-29T08:00Z",
        "2026-11-29T08:00:00.Z", "2026-11-29T08:00:00Z ", " 2026-11-29T08:00:00Z", "2026-11-29T08:00:00+0200",
        "2026-11-29T08:00:00+24:00", "2026-11-29T24:00:00Z", "2026-11-29T08:60:00Z", "2026-11-29T08:00:61Z",
        "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-02-29T00:00:00Z", "2100-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z", "2026-11-00T00:00:00Z", "+2026-11-29T08:00:00Z", "２０２６-11-29T08:00:00Z",
    ])
    func refusesWhatIsNotRFC3339(_ text: String) {
        #expect(RFC3339Time.parse(text) == nil)
    }

    @Test func formatThenParseIsStable() {
        for millis in [0, 1, 7, 10, 123, 999] {
            let text = "2026-01-02T03:04:05.\(String(repeating: "0", count: 3 - String(millis).count))\(millis)Z"
            #expect(RFC3339Time.parse(text).map(RFC3339Time.format) == text)
        }
    }

    @Test func outOfRangeAndNonFiniteDatesAreClampedNotCrashes() {
        #expect(RFC3339Time.format(Date.distantFuture) == "4001-01-01T00:00:00.000Z")
        #expect(RFC3339Time.format(Date(timeIntervalSince1970: 1e15)) == "9999-12-31T23:59:59.999Z")
        #expect(RFC3339Time.format(Date(timeIntervalSince1970: -1e15)) == "0001-01-01T00:00:00.000Z")
        #expect(RFC3339Time.format(Date(timeIntervalSince1970: .infinity)) == "9999-12-31T23:59:59.999Z")
        #expect(RFC3339Time.format(Date(timeIntervalSince1970: .nan)) == "1970-01-01T00:00:00.000Z")
    }
}
