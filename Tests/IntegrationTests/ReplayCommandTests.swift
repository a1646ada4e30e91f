import AsyncHTTPClient
import Foundation
import MatchStage
import NewsModel
import NIOCore
import NIOHTTP1
import Pipeline
import RdKafka
import Subscriptions
import SubscriptionStore
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `newsflash replay` run as an operator runs it, against the real broker.
@Suite(.serialized, TestBroker.available)
struct ReplayCommandTests {
    /// News items with distinct ids; record timestamps `at`.
    static func produce(_ count: Int, to topic: String, at time: Date, tag: String, producer: KafkaProducer) async throws -> [String] {
        var ids: [String] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                var item = SampleEvents.newsItem
                item.guid = "\(tag)-\(index)"
                item.itemId = NewsItem.makeItemID(sourceID: item.sourceId, guid: item.guid)
                item.title = "\(tag) item \(index)"
                ids.append(item.itemId)
                let message = KafkaProducerMessage(
                    topic: topic, key: Array(item.itemId.utf8), value: try EventCodec.encode(item, occurredAt: time),
                    headers: KafkaHeader.list(EventHeaders.values(for: NewsItem.self)), timestampMilliseconds: Int64(time.timeIntervalSince1970 * 1000))
                group.addTask { _ = try await producer.send(message) }
            }
            try await group.waitForAll()
        }
        return ids
    }

    /// Every message on `topic` now.
    static func read(_ topic: String) async throws -> [KafkaConsumerMessage] {
        let reader = RetainedTopicReader(client: try TestBroker.client("replay-check"), topic: topic, logger: TestBroker.logger)
        return try await reader.collect(from: .beginning).messages
    }

    static func itemIDs(_ messages: [KafkaConsumerMessage]) throws -> [String] {
        try messages.map { try EventCodec.decode(NewsItem.self, from: $0.value).data.itemId }
    }

    /// This test's own directory for its files.
    let scratch = ScratchDirectory("replay")

    @Test("a time window is replayed exactly: the window's items once, with their ids and a replay header; a dry run sends nothing")
    func timeWindow() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        let source = try await TestBroker.makeTopic("replay-src", partitions: 2)
        let target = try await TestBroker.makeTopic("replay-dst", partitions: 2)
        let producer = try TestBroker.producer()
        let now = Date()
        let before = try await Self.produce(10, to: source, at: now.addingTimeInterval(-3 * 3600), tag: "before", producer: producer)
        let inside = try await Self.produce(20, to: source, at: now.addingTimeInterval(-2 * 3600), tag: "inside", producer: producer)
        let after = try await Self.produce(10, to: source, at: now.addingTimeInterval(-1 * 3600), tag: "after", producer: producer)
        await producer.shutdown()
        let since = RFC3339Time.format(now.addingTimeInterval(-150 * 60)), until = RFC3339Time.format(now.addingTimeInterval(-90 * 60))
        let directory = scratch.url

        let dry = try await NewsflashCLI.run(
            ["replay", source, "--since", since, "--until", until, "--to", target, "--dry-run", "--bootstrap", bootstrap, "--json"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let lines = dry.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.filter { $0["eventId"] != nil }.count == 20, "\(dry.stdout)")
        #expect(lines.last?["sent"] as? Int == 20 && lines.last?["dryRun"] as? Bool == true, "\(dry.stdout)")
        #expect(try await Self.read(target).isEmpty)

        let checkpoint = directory.appendingPathComponent("replay.json").path
        let run = try await NewsflashCLI.run(
            ["replay", source, "--since", since, "--until", until, "--to", target, "--checkpoint", checkpoint, "--bootstrap", bootstrap])
        #expect(run.status == 0, "\(run.stderr)")
        // The time lookup starts the read at the window: only the 10 after it are read and skipped.
        #expect(run.stdout.contains("complete: sent 20 to \(target)") && run.stdout.contains("skipped 10 outside-window"), "\(run.stdout)")
        let copied = try await Self.read(target)
        #expect(try Self.itemIDs(copied).sorted() == inside.sorted())
        #expect(Set(try Self.itemIDs(copied)).isDisjoint(with: before + after))
        let saved = try ReplayCheckpoint.load(checkpoint)
        #expect(saved.isComplete && saved.sent == 20)
        #expect(copied.allSatisfy { $0.headers.first { $0.key == ReplayRouter.header }?.value == Array(saved.replayID.utf8) })
        // Resuming a complete replay sends nothing more.
        let again = try await NewsflashCLI.run(["replay", "--resume", checkpoint, "--bootstrap", bootstrap])
        #expect(again.status == 0 && again.stdout.contains("is complete"), "\(again.stdout) \(again.stderr)")
        #expect(try await Self.read(target).count == 20)
    }

    @Test("an interrupted replay saves where it got to; resumed, it neither skips nor repeats")
    func interruptAndResume() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        let source = try await TestBroker.makeTopic("replay-src", partitions: 2)
        let target = try await TestBroker.makeTopic("replay-dst", partitions: 2)
        let producer = try TestBroker.producer()
        let ids = try await Self.produce(1_000, to: source, at: Date(), tag: "bulk", producer: producer)
        await producer.shutdown()
        let directory = scratch.url
        let checkpoint = directory.appendingPathComponent("replay.json").path

        // 250 a second: stopped by SIGINT after about 2 s, well before the 4 s it needs.
        let process = Process()
        process.executableURL = NewsflashCLI.executable
        process.arguments = ["replay", source, "--from-offset", "0", "--to", target, "--rate", "250/s", "--checkpoint", checkpoint, "--bootstrap", bootstrap]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        try await withDeadline(.seconds(30), "the first checkpoint with progress") {
            while (try? ReplayCheckpoint.load(checkpoint))?.sent ?? 0 == 0 { try await Task.sleep(for: .milliseconds(50)) }
        }
        process.interrupt()
        try await withDeadline(.seconds(30), "replay to stop") {
            while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        }
        let stderr = String(decoding: Subprocess.readToEnd(errors.fileHandleForReading), as: UTF8.self)
        #expect(process.terminationStatus == 2, "\(stderr)")
        #expect(stderr.contains("resume with: newsflash replay --resume \(checkpoint)"), "\(stderr)")
        let stopped = try ReplayCheckpoint.load(checkpoint)
        #expect(!stopped.isComplete && stopped.sent > 0 && stopped.sent < 1_000, "\(stopped)")
        #expect(try await Self.read(target).count == stopped.sent)

        let resumed = try await NewsflashCLI.run(["replay", "--resume", checkpoint, "--bootstrap", bootstrap])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let copied = try Self.itemIDs(try await Self.read(target))
        #expect(copied.count == 1_000)
        #expect(copied.sorted() == ids.sorted())
    }

    @Test("a replay to one subscription reaches only it, with the delivery ids of the first time")
    func toOneSubscription() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        let initRun = try await NewsflashCLI.run(["topics", "init", "--bootstrap", bootstrap, "--partitions", "2"])
        #expect(initRun.status == 0, "\(initRun.stderr)")
        let source = try await TestBroker.makeTopic("replay-classified", partitions: 2)
        let directory = scratch.url
        let storePath = directory.appendingPathComponent("subscriptions.sqlite").path
        let store = try SQLiteSubscriptionStore(path: storePath)
        let mena = Subscription(name: "MENA desk", filter: "region:MENA", channel: .webhook(url: "https://example.org/mena"))
        let everything = Subscription(name: "Everything", filter: "region:MENA OR region:Europe", channel: .webhook(url: "https://example.org/all"))
        try await store.save(mena)
        try await store.save(everything)
        await store.shutdown()

        // Three MENA items and two European ones.
        let producer = try TestBroker.producer()
        var items: [ClassifiedItem] = []
        for index in 0..<5 {
            var item = SampleEvents.classifiedItem
            item.item.guid = TestBroker.unique("replay-\(index)")
            item.item.itemId = NewsItem.makeItemID(sourceID: item.item.sourceId, guid: item.item.guid)
            item.item.storyId = StableID.make(prefix: "sty", [item.item.guid])
            if index >= 3 { item.classification.regions = [ScoredLabel(label: "Europe", score: 0.9)] }
            items.append(item)
            _ = try await producer.send(KafkaProducerMessage(
                topic: source, key: Array(item.item.itemId.utf8), value: try EventCodec.encode(item, occurredAt: Date()),
                headers: KafkaHeader.list(EventHeaders.values(for: ClassifiedItem.self))))
        }
        await producer.shutdown()

        let before = try await RetainedTopicReader(client: try TestBroker.client("replay-check"), topic: Topics.alertsDeliveries, logger: TestBroker.logger)
            .bounds()
        let run = try await NewsflashCLI.run(
            ["replay", source, "--from-offset", "0", "--to-subscription", mena.id, "--subscriptions", storePath, "--bootstrap", bootstrap,
             "--checkpoint", directory.appendingPathComponent("replay.json").path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("sent 3 to subscription \(mena.id)") && run.stdout.contains("2 other-subscription"), "\(run.stdout)")

        let reader = RetainedTopicReader(client: try TestBroker.client("replay-check"), topic: Topics.alertsDeliveries, logger: TestBroker.logger)
        let fresh = try await reader.collect(from: .offsets(before.mapValues(\.high))).messages
        let requests = try fresh.map { try EventCodec.decode(DeliveryRequest.self, from: $0.value).data }
            .filter { request in items.contains { $0.item.itemId == request.item.item.itemId } }
        #expect(requests.count == 3)
        #expect(requests.allSatisfy { $0.subscriptionId == mena.id && $0.isReplay })
        let expected = Set(items.prefix(3).map { DeliveryRequest.make($0, for: mena, matchedTerms: [], isUpdate: false, isReplay: false).deliveryId })
        #expect(Set(requests.map(\.deliveryId)) == expected)

        let unknown = try await NewsflashCLI.run(
            ["replay", source, "--from-offset", "0", "--to-subscription", "sub_nope", "--subscriptions", storePath, "--bootstrap", bootstrap])
        #expect(unknown.status == 1 && unknown.stderr.contains("no subscription sub_nope"), "\(unknown.stderr)")
    }

    @Test("end offsets are checked against the records: a batch of 300 counts as 300 in topics describe and in a read")
    func endOffsetsOfBatches() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        let topic = try await TestBroker.makeTopic("replay-ends", partitions: 1)
        // Sent at once with a long linger: one batch, whose end the local broker reports as 1.
        let producer = try TestBroker.producer(linger: .milliseconds(200))
        _ = try await Self.produce(300, to: topic, at: Date(), tag: "batch", producer: producer)
        await producer.shutdown()
        let reader = RetainedTopicReader(client: try TestBroker.client("replay-check"), topic: topic, logger: TestBroker.logger)
        #expect(try await reader.bounds()[0]?.high == 300)
        #expect(try await Self.read(topic).count == 300)
        let described = try await NewsflashCLI.run(["topics", "describe", topic, "--bootstrap", bootstrap, "--json"])
        #expect(described.status == 0, "\(described.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(described.stdout.utf8)) as? [String: Any])
        #expect((report["partitions"] as? [[String: Any]])?.first?["messages"] as? Int == 300, "\(described.stdout)")
    }

    @Test("the API's rewind is a job: 202 at once, then completed with what it re-delivered, against the broker")
    func rewindJobThroughTheAPI() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        let initRun = try await NewsflashCLI.run(["topics", "init", "--bootstrap", bootstrap, "--partitions", "2"])
        #expect(initRun.status == 0, "\(initRun.stderr)")
        let directory = scratch.url
        let storePath = directory.appendingPathComponent("subscriptions.sqlite").path
        let store = try SQLiteSubscriptionStore(path: storePath)
        let (key, secret) = try await store.createKey(role: .subscriber)
        // A word no other test's item has.
        let word = "zq" + String(UUID().uuidString.lowercased().filter(\.isLetter).prefix(10))
        var subscription = Subscription(name: "rewind job", filter: word, channel: .webhook(url: "https://example.org/hook"))
        subscription.ownerKeyID = key.id
        try await store.save(subscription)
        await store.shutdown()

        let producer = try TestBroker.producer()
        for index in 0..<4 {
            var item = SampleEvents.classifiedItem
            item.item.guid = TestBroker.unique("rewind-job-\(index)")
            item.item.itemId = NewsItem.makeItemID(sourceID: item.item.sourceId, guid: item.item.guid)
            item.item.storyId = StableID.make(prefix: "sty", [item.item.guid])
            item.item.title = index < 3 ? "Report \(index) on \(word) strike" : "Report \(index) on something else"
            _ = try await producer.send(KafkaProducerMessage(
                topic: Topics.newsClassified, key: Array(item.item.itemId.utf8), value: try EventCodec.encode(item, occurredAt: Date()),
                headers: KafkaHeader.list(EventHeaders.values(for: ClassifiedItem.self))))
        }
        await producer.shutdown()

        let port = UpCommandTests.freePort()
        let process = Process()
        process.executableURL = NewsflashCLI.executable
        process.arguments = ["run", "api", "--port", String(port), "--subscriptions", storePath, "--bootstrap", bootstrap]
        // A receipts group of its own: the shared one would take alerts.receipts from other tests' API (and `up`).
        process.environment = ProcessInfo.processInfo.environment.merging(["NEWSFLASH_API_RECEIPTS_GROUP": TestBroker.unique("receipts")]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        func call(_ method: HTTPMethod, _ path: String, _ body: String? = nil) async throws -> (Int, [String: Any]) {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.method = method
            request.headers.add(name: "authorization", value: "Bearer \(secret)")
            if let body {
                request.headers.add(name: "content-type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: body))
            }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let data = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), (try? JSONSerialization.jsonObject(with: Data(buffer: data)) as? [String: Any]) ?? [:])
        }
        var ready = false
        for _ in 0..<100 where !ready && process.isRunning {
            ready = (try? await call(.GET, "/v1/subscriptions/\(subscription.id)"))?.0 == 200
            if !ready { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(ready, "run api did not answer")
        let since = RFC3339Time.format(Date().addingTimeInterval(-120))
        let (status, job) = try await call(.POST, "/v1/subscriptions/\(subscription.id)/rewind", "{\"since\": \"\(since)\"}")
        #expect(status == 202, "\(job)")
        let id = try #require(job["id"] as? String)
        var state = job
        for _ in 0..<300 where state["state"] as? String == "running" {
            try await Task.sleep(for: .milliseconds(100))
            state = try await call(.GET, "/v1/subscriptions/\(subscription.id)/rewinds/\(id)").1
        }
        #expect(state["state"] as? String == "completed" && state["redelivered"] as? Int == 3, "\(state)")
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<150 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(process.terminationStatus == 0)
    }

    @Test("time lookups hold on the local broker: the first offset at or after a time, also after the last record")
    func timeLookups() async throws {
        let topic = try await TestBroker.makeTopic("replay-time", partitions: 2)
        let producer = try TestBroker.producer()
        let now = Date()
        for hours in [5.0, 4, 3, 2, 1] {
            _ = try await Self.produce(15, to: topic, at: now.addingTimeInterval(-hours * 3600), tag: "h\(Int(hours))", producer: producer)
        }
        await producer.shutdown()
        let all = try await Self.read(topic)
        #expect(all.count == 75)
        let reader = RetainedTopicReader(client: try TestBroker.client("replay-check"), topic: topic, logger: TestBroker.logger)
        for hoursAgo in [5.5, 4.5, 2.5, 1.5, 0.5, -1] {
            let time = now.addingTimeInterval(-hoursAgo * 3600)
            let milliseconds = Int64(time.timeIntervalSince1970 * 1000)
            let bounds = try await reader.bounds(at: time)
            for partition: Int32 in [0, 1] {
                let records = all.filter { $0.partition == partition }
                let expected = records.filter { ($0.timestampMilliseconds ?? 0) >= milliseconds }.map(\.offset).min() ?? (records.map(\.offset).max() ?? -1) + 1
                #expect(bounds[partition]?.atTime == expected, "\(hoursAgo) h ago, partition \(partition)")
            }
        }
    }

    @Test("bad replays are refused before anything is read: wrong event types, missing slice or target, bad offsets")
    func badInput() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        let wrongType = try await NewsflashCLI.run(["replay", Topics.newsRaw, "--since", "1h", "--to", Topics.newsClassified, "--bootstrap", bootstrap])
        #expect(wrongType.status == 1 && wrongType.stderr.contains("cannot be replayed there"), "\(wrongType.stderr)")
        let noTarget = try await NewsflashCLI.run(["replay", Topics.newsRaw, "--since", "1h", "--bootstrap", bootstrap])
        #expect(noTarget.status == 64 && noTarget.stderr.contains("--to TOPIC"), "\(noTarget.stderr)")
        let badOffset = try await NewsflashCLI.run(["replay", Topics.newsRaw, "--from-offset", "x:1", "--to", Topics.newsRaw, "--bootstrap", bootstrap])
        #expect(badOffset.status == 64 && badOffset.stderr.contains("P:N"), "\(badOffset.stderr)")
        let noTopic = try await NewsflashCLI.run(["replay", "no-such-topic", "--since", "1h", "--to", Topics.newsRaw, "--bootstrap", bootstrap])
        #expect(noTopic.status == 1 && noTopic.stderr.contains("no topic named no-such-topic"), "\(noTopic.stderr)")
    }
}
