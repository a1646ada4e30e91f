import ArgumentParser
import Foundation
import NewsModel

/// A time on the command line: an RFC 3339 time, or a duration ago (90s, 15m, 2h, 1d).
enum TimeArgument {
    static func parse(_ text: String, _ option: String, now: Date = Date()) throws -> Date {
        if let date = RFC3339Time.parse(text) { return date }
        if let match = text.wholeMatch(of: /([0-9]+)([smhd])/), let amount = Double(match.1) {
            let unit: Double = switch match.2 { case "s": 1; case "m": 60; case "h": 3600; default: 86_400 }
            return now.addingTimeInterval(-amount * unit)
        }
        throw ValidationError("\(option) must be an RFC 3339 time such as 2026-12-03T02:00:00Z or a duration ago such as 15m, 2h, 1d; got '\(text)'")
    }
}
