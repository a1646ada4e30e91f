import Foundation
@testable import FeedParsing
@testable import Ingest

/// The test fixtures in Tests/IngestTests/Fixtures.
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func text(_ name: String) throws -> String {
        String(decoding: try bytes(name), as: UTF8.self)
    }

    /// A fixture parsed with the default limits.
    static func parse(_ name: String, url: String? = nil, contentType: String? = nil) throws -> ParsedFeed {
        try FeedParser().parse(try bytes(name), url: url, contentType: contentType)
    }
}

/// An RFC 3339 time (with or without fraction) as a Date; traps on a typo in a test.
func utc(_ text: String) -> Date {
    if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
    return try! Date.ISO8601FormatStyle().parse(text)
}

extension Date {
    /// Equal to the millisecond (fractions go through Double).
    func isSameMillisecond(as other: Date) -> Bool {
        abs(timeIntervalSince1970 - other.timeIntervalSince1970) < 0.0005
    }
}
