import Foundation
import NewsModel
import Testing
import TestSupport

/// The Swift types and Schemas/events agree, checked with Python's reference validator
/// (Tests/Support/validate_events.py). Skipped where the project's Python is not installed;
/// in CI (CI=true) a missing Python is a failure.
@Suite(.enabled(if: Repository.hasPython, "no Python with jsonschema (set NEWSFLASH_PYTHON or run Deploy/setup.sh)"))
struct SchemaContractTests {
    let occurred = Date(timeIntervalSince1970: 1_795_911_681.5)

    @Test func everySampleEventValidates() throws {
        try withTemporaryDirectory { directory in
            let lines = directory.appendingPathComponent("samples.jsonl")
            try Data(try jsonLines(SampleEvents.all + MinimalEvents.all).utf8).write(to: lines)
            // One event spread over many lines is a file of its own kind.
            let pretty = directory.appendingPathComponent("dead-letter.json")
            let object = try JSONSerialization.jsonObject(with: Data(try encode(SampleEvents.deadLetter)))
            try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: pretty)

            let result = try validate([lines.path, pretty.path])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let ok = result.stdout.split(separator: "\n").filter { $0.hasPrefix("ok ") }
            #expect(ok.count == 11, "\(result.stdout)")
            for event in SampleEvents.all {
                #expect(ok.contains { $0 == "ok \(type(of: event).eventType) \(event.eventID)" }, "no ok line for \(event.eventID)")
            }
        }
    }

    @Test func theValidatorRejectsWrongFields() throws {
        try withTemporaryDirectory { directory in
            let good = String(decoding: try encode(SampleEvents.newsItem), as: UTF8.self)
            let bad = [
                // Not an http(s) URL: the schema's pattern.
                good.replacingOccurrences(of: #""url":"https://english.almayadeen.net/news/politics""#, with: #""url":"ftp://example.com/x""#),
                // A field the schema does not know.
                good.replacingOccurrences(of: #""version":1"#, with: #""version":1,"surprise":true"#),
                // Passes the pattern, fails the date-time format: only format checking catches it.
                good.replacingOccurrences(of: "2026-11-29T00:21:21.123Z", with: "2026-11-29T25:99:21.123Z"),
                // Passes the pattern, fails the uri format (a space).
                good.replacingOccurrences(of: "images/breaking-news.jpg", with: "images/breaking news.jpg"),
                // An unknown schema version.
                good.replacingOccurrences(of: #""schemaVersion":1"#, with: #""schemaVersion":7"#),
            ]
            let file = directory.appendingPathComponent("bad.jsonl")
            try Data((good + "\n" + bad.joined(separator: "\n") + "\n").utf8).write(to: file)

            let result = try validate([file.path])
            #expect(result.status != 0)
            let output = result.stdout
            #expect(output.contains("ok news.item \(SampleEvents.newsItem.eventID)"), "the good line still validates")
            #expect(output.contains("INVALID \(file.path):2: data/url: "), "\(output)")
            #expect(output.contains("INVALID \(file.path):3: data: Additional properties are not allowed ('surprise'"), "\(output)")
            #expect(output.contains("INVALID \(file.path):4: data/fetchedAt: '2026-11-29T25:99:21.123Z' is not a 'date-time'"), "\(output)")
            #expect(output.contains("INVALID \(file.path):5: data/imageUrl: "), "\(output)")
            #expect(output.contains("INVALID \(file.path):6: eventType: no schema"), "\(output)")
        }
    }

    @Test func everySchemaIsValidAndItsSharedDefinitionsAreIdentical() throws {
        let result = try run(["Tests/Support/validate_events.py", Repository.schemas, "--check-schemas"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").filter { $0.hasPrefix("ok schema ") }.count == 5, "\(result.stdout)")
    }

    @Test func checkSchemasFindsADriftedCopyAndAMissingDescription() throws {
        try withTemporaryDirectory { directory in
            for name in try FileManager.default.contentsOfDirectory(atPath: Repository.schemas) where name.hasSuffix(".schema.json") {
                try FileManager.default.copyItem(
                    atPath: Repository.schemas + "/" + name, toPath: directory.appendingPathComponent(name).path)
            }
            let request = directory.appendingPathComponent("delivery-request.v1.schema.json")
            let text = try String(contentsOf: request, encoding: .utf8)
                .replacingOccurrences(of: #""description": "Confidence in 0..1.""#, with: #""description": "Confidence.""#)
                .replacingOccurrences(of: #""description": "The payload.""#, with: #""comment": "none""#)
            try Data(text.utf8).write(to: request)

            let result = try run(["Tests/Support/validate_events.py", directory.path, "--check-schemas"])
            #expect(result.status != 0)
            #expect(result.stdout.contains("delivery-request.v1.schema.json: $defs/ScoredLabel differs"), "\(result.stdout)")
            #expect(result.stdout.contains("delivery-request.v1.schema.json: /properties/data: no description"), "\(result.stdout)")
        }
    }

    @Test func schemaFilesAreGeneratedFromTheirSource() throws {
        let result = try run(["Schemas/tools/build_schemas.py", "--check"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    // MARK: - Helpers

    private func run(_ arguments: [String]) throws -> Subprocess.Result {
        let python = try #require(Repository.python, "no Python at NEWSFLASH_PYTHON or .venv/bin/python; CI=true requires it")
        var arguments = arguments
        arguments[0] = Repository.script(arguments[0])
        return try Subprocess.run(python, arguments, timeout: 60)
    }

    private func validate(_ files: [String]) throws -> Subprocess.Result {
        try run(["Tests/Support/validate_events.py", Repository.schemas] + files)
    }

    private func encode(_ event: any NewsEvent) throws -> [UInt8] {
        func open<Event: NewsEvent>(_ event: Event) throws -> [UInt8] { try EventCodec.encode(event, occurredAt: occurred) }
        return try open(event)
    }

    private func jsonLines(_ events: [any NewsEvent]) throws -> String {
        try events.map { String(decoding: try encode($0), as: UTF8.self) + "\n" }.joined()
    }

    private func withTemporaryDirectory(_ body: (URL) throws -> Void) throws {
        let scratch = ScratchDirectory("newsmodel-tests")
        defer { scratch.remove() }
        let directory = scratch.url
        try body(directory)
    }
}
