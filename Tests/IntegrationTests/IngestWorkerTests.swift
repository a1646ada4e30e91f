import Foundation
@testable import FeedParsing
import HTTPTypes
import Hummingbird
import Ingest
import Logging
import NewsModel
import NIOCore
import RdKafka
import ServiceLifecycleTestKit
import Synchronization
import TestSupport
import Testing

/// The ingest worker end to end: a real HTTP server serves feeds, the worker
/// publishes to the real broker, and the tests read back what was published.
@Suite(.serialized, TestBroker.available)
struct IngestWorkerTests {
    static func rss(_ items: [(guid: String, title: String)]) -> String {
        let entries = items.map { "<item><guid>\($0.guid)</guid><title>\($0.title)</title><link>https://wire.example.com/\($0.guid)</link></item>" }
        return "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title><link>https://wire.example.com/</link>\(entries.joined())</channel></rss>"
    }

    struct Fixture {
        let server: TestFeedServer
        let topic: String
        /// Holds the ingest state; removed with the fixture.
        let scratch: ScratchDirectory
        var statePath: String { scratch.path("ingest.sqlite") }

        static func make() async throws -> Fixture {
            let scratch = ScratchDirectory("ingest")
            return Fixture(
                server: try await TestFeedServer.start(), topic: try await TestBroker.makeTopic("ingest", partitions: 2), scratch: scratch)
        }

        /// A worker as after a (re)start: a fresh store handle on the same file, a fresh fetcher.
        /// The request timeout is generous unless a test is about it: with the whole suite running
        /// on two cores, a fetch from the local server has taken over 3 s.
        func worker(
            _ sources: [SourceConfiguration], maxResponseBytes: Int = 10 * 1024 * 1024, requestTimeoutSeconds: Double = 20
        ) async throws -> (IngestWorker, () async -> Void) {
            var configuration = IngestConfiguration(sources: sources)
            configuration.requestTimeoutSeconds = requestTimeoutSeconds
            configuration.maxResponseBytes = maxResponseBytes
            let producer = try TestBroker.producer()
            let fetcher = FeedFetcher(configuration: configuration)
            let worker = try await IngestWorker(
                configuration: configuration, store: try IngestStore(path: statePath), producer: producer, fetcher: fetcher,
                topic: topic, logger: TestBroker.logger)
            return (worker, {
                await producer.shutdown()
                await fetcher.shutdown()
            })
        }

        func published(_ count: Int) async throws -> [NewsItem] {
            let reader = try TestBroker.partitionConsumer(topic: topic, partitions: [0, 1])
            let messages = try await TestBroker.read(count, from: reader)
            await reader.close()
            return try messages.map { try EventCodec.decode(NewsItem.self, from: $0.value).data }
        }

        func source(_ id: String, _ name: String) -> SourceConfiguration {
            SourceConfiguration(id: id, kind: .auto, url: server.url(name), pollIntervalSeconds: 60, language: "en")
        }
    }

    @Test("a source's own headers follow a redirect within its origin and are dropped on one to another origin")
    func customHeadersStayWithTheirOrigin() async throws {
        let seen = Mutex<[String: String?]>([:])
        let rss = #"<rss version="2.0"><channel><title>t</title><item><title>x</title><guid>1</guid></item></channel></rss>"#
        func record(_ router: Router<BasicRequestContext>, _ name: String) {
            router.get(RouterPath(stringLiteral: name)) { request, _ -> Response in
                seen.withLock { $0[name] = request.headers[HTTPField.Name("X-Api-Key")!] }
                return Response(status: .ok, headers: [.contentType: "application/rss+xml"], body: ResponseBody(byteBuffer: ByteBuffer(string: rss)))
            }
        }
        let other = Router()
        record(other, "elsewhere")
        let (otherPort, otherTask) = try await serve(other)
        defer { otherTask.cancel() }
        let home = Router()
        record(home, "final")
        home.get("same") { _, _ in Response(status: .found, headers: [.location: "/final"]) }
        home.get("away") { _, _ in Response(status: .temporaryRedirect, headers: [.location: "http://127.0.0.1:\(otherPort)/elsewhere"]) }
        home.get("loop") { _, _ in Response(status: .found, headers: [.location: "/loop"]) }
        let (homePort, homeTask) = try await serve(home)
        defer { homeTask.cancel() }
        let fetcher = FeedFetcher(configuration: IngestConfiguration(sources: []))
        let key = ["X-Api-Key": "source-secret-123"]

        let same = try await fetcher.fetch("http://127.0.0.1:\(homePort)/same", headers: key, etag: nil, lastModified: nil)
        guard case .content(let document) = same else { throw DeadlineExceeded(what: "no content from /same") }
        #expect(document.finalURL == "http://127.0.0.1:\(homePort)/final")
        #expect(seen.withLock { $0["final"] } == "source-secret-123")
        // Before, the client followed this redirect with the source's headers attached.
        _ = try await fetcher.fetch("http://127.0.0.1:\(homePort)/away", headers: key, etag: nil, lastModified: nil)
        #expect(seen.withLock { $0.keys.contains("elsewhere") })
        #expect(seen.withLock { $0["elsewhere"] } == .some(nil), "the API key went to another origin")
        await #expect(throws: FetchError.self) {
            _ = try await fetcher.fetch("http://127.0.0.1:\(homePort)/loop", headers: key, etag: nil, lastModified: nil)
        }
        await fetcher.shutdown()
    }

    @Test("a feed's items reach news.raw exactly once across two polls and a worker restart")
    func exactlyOnceAcrossPollsAndRestart() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.server.stop() }
        await fixture.server.documents.set("main.xml", Self.rss([
            ("a1", "Parliament dissolved ahead of elections"), ("a2", "Magnitude 6.1 earthquake strikes off Chile coast"),
            ("a3", "Central bank holds interest rates at 4.5%"),
        ]))
        let source = fixture.source("wire", "main.xml")
        let (first, closeFirst) = try await fixture.worker([source])
        let poll1 = await first.poll(source)
        #expect(poll1.outcome == .published, "\(poll1.error ?? "")")
        #expect(poll1.published == 3)
        let poll2 = await first.poll(source)
        #expect(poll2.outcome == .notModified)  // ETag answered with 304
        await closeFirst()

        // Restart, and the server loses its ETag: a full fetch, but nothing is published again.
        await fixture.server.documents.touch("main.xml")
        let (second, closeSecond) = try await fixture.worker([source])
        let poll3 = await second.poll(source)
        #expect(poll3.outcome == .published, "\(poll3.error ?? "")")
        #expect(poll3.published == 0)
        #expect(poll3.unchanged == 3)
        await closeSecond()

        let items = try await fixture.published(3)
        #expect(Set(items.map(\.guid)) == ["a1", "a2", "a3"])
        #expect(Set(items.map(\.itemId)).count == 3)
        #expect(items.allSatisfy { $0.sourceId == "wire" && $0.version == 1 && $0.language == "en" })
        // Nothing more arrives.
        let reader = try TestBroker.partitionConsumer(topic: fixture.topic, partitions: [0, 1])
        let extra = try? await TestBroker.read(4, from: reader, timeout: .seconds(3))
        await reader.close()
        #expect(extra == nil)
    }

    @Test("an edited item becomes a new version of the same story")
    func editedItemIsANewVersion() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.server.stop() }
        await fixture.server.documents.set("main.xml", Self.rss([("e1", "Quake hits Chile")]))
        let source = fixture.source("wire", "main.xml")
        let (worker, close) = try await fixture.worker([source])
        #expect(await worker.poll(source).published == 1)
        await fixture.server.documents.set("main.xml", Self.rss([("e1", "Quake of magnitude 6.1 hits Chile, two dead")]))
        let edit = await worker.poll(source)
        #expect(edit.published == 1)
        #expect(edit.newVersions == 1)
        await close()
        let items = try await fixture.published(2).sorted { $0.version < $1.version }
        #expect(items.map(\.version) == [1, 2])
        #expect(items[0].itemId == items[1].itemId)
        #expect(items[0].storyId == items[1].storyId)
        #expect(items[1].title == "Quake of magnitude 6.1 hits Chile, two dead")
    }

    @Test("two sources carrying the same story share its storyId")
    func twoSourcesShareAStory() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.server.stop() }
        await fixture.server.documents.set("a.xml", Self.rss([("x1", "Israeli airstrike targets town of Arabsalim in South Lebanon")]))
        await fixture.server.documents.set("b.xml", Self.rss([
            ("y1", "Al Mayadeen's correspondent in South Lebanon: An Israeli airstrike targeted the town of Arabsalim"),
            ("y2", "Central bank holds interest rates at 4.5%"),
        ]))
        let a = fixture.source("outlet-a", "a.xml")
        let b = fixture.source("outlet-b", "b.xml")
        let (worker, close) = try await fixture.worker([a, b])
        #expect(await worker.poll(a).published == 1)
        #expect(await worker.poll(b).published == 2)
        await close()
        let items = try await fixture.published(3)
        let strike = items.filter { $0.title.contains("Arabsalim") }
        #expect(strike.count == 2)
        #expect(Set(strike.map(\.storyId)).count == 1)
        #expect(Set(strike.map(\.sourceId)) == ["outlet-a", "outlet-b"])
        let bank = try #require(items.first { $0.title.contains("bank") })
        #expect(bank.storyId != strike[0].storyId)
    }

    @Test("a failing source is reported, honours Retry-After, and never stops the others")
    func failuresAreIsolatedAndReported() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.server.stop() }
        await fixture.server.documents.set("main.xml", Self.rss([("ok1", "Floods force evacuation in northern Italy")]))
        let broken = fixture.source("broken", "broken")
        let busy = fixture.source("busy", "busy")
        let moved = fixture.source("moved", "moved")
        let (worker, close) = try await fixture.worker([broken, busy, moved])
        var reports: [PollReport] = []
        for _ in 0..<5 { reports.append(await worker.poll(broken)) }
        let last = try #require(reports.last)
        #expect(last.outcome == .failed)
        #expect(last.error?.contains("HTTP 500") == true)
        #expect(last.nextPollIn >= 60 * 16 * 0.9)  // backoff: 60 s x 2^4, with jitter
        let busyReport = await worker.poll(busy)
        #expect(busyReport.nextPollIn >= 120)  // Retry-After
        let movedReport = await worker.poll(moved)  // follows the redirect to main.xml
        #expect(movedReport.published == 1, "\(movedReport.error ?? "")")
        await close()
        let state = try await IngestStore(path: fixture.statePath).state(of: "broken")
        #expect(state.consecutiveFailures == 5)
        #expect(state.lastError?.contains("HTTP 500") == true)
        #expect(state.lastSuccessAt == nil)
        #expect(try await fixture.published(1).first?.sourceId == "moved")
    }

    @Test("a poll that runs longer than the limit is reported as a stall (liveness), and clears when it ends")
    func aLongPollIsReportedAsAStall() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.server.stop() }
        let slow = fixture.source("slow", "slow")  // the server answers after 6 s
        let (worker, close) = try await fixture.worker([slow], requestTimeoutSeconds: 20)
        #expect(worker.stall(after: .zero) == nil, "a worker that has not started is not stuck")
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                try await withDeadline(.seconds(30), "the long poll to be reported") {
                    while worker.stall(after: .seconds(1)) == nil { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(worker.stall(after: .seconds(1))?.hasPrefix("source slow: a poll running for") == true)
                #expect(worker.stall(after: .seconds(600)) == nil, "within the limit it is not stuck")
                // After the answer the next poll is a minute away: nothing is overdue.
                try await withDeadline(.seconds(30), "the stall to clear") {
                    while worker.stall(after: .seconds(1)) != nil { try await Task.sleep(for: .milliseconds(100)) }
                }
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        await close()
    }

    @Test("slow responses time out and oversized bodies are refused, without stopping the worker")
    func timeoutsAndSizeLimits() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.server.stop() }
        // The answer would come after 30 s: far past the 3 s timeout, so a loaded machine cannot blur the two
        // (a CI-like run measured 5.6 s against a 6 s answer).
        let slow = fixture.source("slow", "slow?seconds=30")
        let huge = fixture.source("huge", "huge")
        let (worker, close) = try await fixture.worker([slow, huge], maxResponseBytes: 1_000_000, requestTimeoutSeconds: 3)
        let clock = ContinuousClock()
        let start = clock.now
        let slowReport = await worker.poll(slow)
        #expect(clock.now - start < .seconds(15))  // the 3 s total timeout, not the server's 30 s
        #expect(slowReport.outcome == .failed)
        #expect(slowReport.error?.contains("timed out") == true, "\(slowReport.error ?? "")")
        let hugeReport = await worker.poll(huge)
        #expect(hugeReport.outcome == .failed)
        #expect(hugeReport.error?.contains("limit of 1000000") == true, "\(hugeReport.error ?? "")")
        await close()
    }
}
