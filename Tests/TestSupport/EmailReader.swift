import Foundation
import Testing

/// What Python's email package reads from an .eml file (Tests/Support/read_eml.py): an
/// independent check of the bytes the MIME builder wrote.
public struct ParsedEmail: Decodable, Sendable {
    public var headers: [String: String]
    public var content_type: String
    public var text: String?
    public var html: String?
    public var defects: [String]
    public var max_line: Int
    public var bare_lf: Int

    public static func read(_ files: [URL]) throws -> [ParsedEmail] {
        let python = try #require(Repository.python, "no Python with the project's tools; run Deploy/setup.sh")
        let result = try Subprocess.run(python, [Repository.script("Tests/Support/read_eml.py")] + files.map(\.path))
        #expect(result.status == 0, "read_eml.py failed: \(result.stderr)")
        return try JSONDecoder().decode([ParsedEmail].self, from: Data(result.stdout.utf8))
    }

    public static func read(bytes: [UInt8]) throws -> ParsedEmail {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mailer-\(UUID().uuidString).eml")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try #require(try read([file]).first)
    }
}
