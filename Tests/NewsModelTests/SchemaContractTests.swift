import Foundation
import NewsModel
import Testing
import TestSupport

/// The Swift types and Schemas/events agree, checked with Python's reference validator.
@Suite(.enabled(if: Repository.hasPython, "the project's Python tools are not installed: run Deploy/setup.sh"))
struct SchemaContractTests {
    func validator(_ arguments: [String], stdin: String? = nil) throws -> Subprocess.Result {
        let python = try #require(Repository.python, "no Python with jsonschema (NEWSFLASH_PYTHON or .venv); CI=true requires it")
        return try Subprocess.run(python, [Repository.script("Tests/Support/validate_events.py"), Repository.schemas] + arguments, stdin: stdin)
    }

    func lines(_ events: [any NewsEvent]) throws -> String {
        try events.map { event in
            String(decoding: try encodeAny(event), as: UTF8.self)
        }.joined(separator: "\n") + "\n"
    }

    func encodeAny(_ event: any NewsEvent) throws -> [UInt8] {
        func open<Event: NewsEvent>(_ event: Event) throws -> [UInt8] { try EventCodec.encode(event, occurredAt: Date()) }
        return try open(event)
    }

    @Test func schemasAreValidAndTheirSharedPartsIdentical() throws {
        let result = try validator(["--check-schemas"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.components(separatedBy: "ok schema").count - 1 == 5)
    }

    @Test func schemaFilesAreGeneratedFromTheirSource() throws {
        let python = try #require(Repository.python)
        let result = try Subprocess.run(python, [Repository.script("Schemas/tools/build_schemas.py"), "--check"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    @Test func everySampleEventValidates() throws {
        let events: [any NewsEvent] = [
            SampleEvents.newsItem, SampleEvents.classifiedItem, SampleEvents.deliveryRequest,
            SampleEvents.deliveryReceipt, SampleEvents.deadLetter,
        ]
        let result = try validator(["-"], stdin: try lines(events))
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        for type in ["news.item", "news.classified", "alerts.delivery", "alerts.receipt", "alerts.dead-letter"] {
            #expect(result.stdout.contains("ok \(type) "), "no valid \(type)")
        }
    }

    @Test func aMinimalItemValidates() throws {
        let item = NewsItem(
            itemId: NewsItem.makeItemID(sourceID: "wire", guid: "1"), sourceId: "wire", sourceKind: .push, guid: "1",
            title: "T", summary: "", fetchedAt: Date(), storyId: StableID.make(prefix: "sty", ["t"]))
        let result = try validator(["-"], stdin: try lines([item]))
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    @Test func theValidatorRejectsWhatTheSchemaForbids() throws {
        var item = SampleEvents.newsItem
        item.url = "ftp://example.com/x"  // only http(s)
        item.sourceId = "Not An Id"
        let bad = try lines([item])
        let extra = bad.replacingOccurrences(of: "\"version\":1", with: "\"version\":1,\"surprise\":true")
        let result = try validator(["-"], stdin: bad + extra)
        #expect(result.status != 0)
        #expect(result.stdout.contains("data/url"))
        #expect(result.stdout.contains("data/sourceId"))
        #expect(result.stdout.contains("surprise"))
    }

    @Test func badTimesAreCaughtByFormatChecking() throws {
        let text = try lines([SampleEvents.deliveryReceipt]).replacingOccurrences(of: "T08:00:09.000Z", with: "T25:99:09.000Z")
        let result = try validator(["-"], stdin: text)
        #expect(result.status != 0)
        #expect(result.stdout.contains("attemptedAt"))
    }
}
