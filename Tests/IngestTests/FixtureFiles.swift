import Foundation

enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }
}

func utc(_ text: String) -> Date {
    let style = Date.ISO8601FormatStyle()
    return try! style.parse(text)
}
