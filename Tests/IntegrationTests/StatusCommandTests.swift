import Foundation
import NewsModel
import RdKafka
import SubscriptionStore
import Testing
import TestSupport

/// `newsflash status` against the real broker and a SQLite store.
@Suite(.serialized, TestBroker.available)
struct StatusCommandTests {
    @Test("status --json shows a stopped stage's growing lag and the age of its oldest unprocessed message, and failing endpoints")
    func stoppedStageLag() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        let initRun = try await NewsflashCLI.run(["topics", "init", "--bootstrap", bootstrap, "--partitions", "2"])
        #expect(initRun.status == 0, "\(initRun.stderr)")
        let topic = try await TestBroker.makeTopic("status", partitions: 2)
        let group = TestBroker.unique("status")
        let scratch = ScratchDirectory("status")
        defer { scratch.remove() }
        let storePath = scratch.path("subscriptions.sqlite")
        let store = try SQLiteSubscriptionStore(path: storePath)
        _ = try await store.recordEndpointResult(subscriptionID: "sub_failing", success: false, at: Date(timeIntervalSince1970: 1_800_000_000))
        await store.shutdown()

        // The classify stage of this test: its group on its own input topic.
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("NEWSFLASH_") }
        environment["NEWSFLASH_CLASSIFY_GROUP"] = group
        environment["NEWSFLASH_CLASSIFY_INPUT"] = topic
        environment["NEWSFLASH_SUBSCRIPTIONS"] = storePath
        func classify() async throws -> [String: Any] {
            let run = try await NewsflashCLI.run(["status", "--json", "--sample", "1", "--bootstrap", bootstrap], environment: environment, timeout: 120)
            #expect(run.status == 0, "\(run.stderr)")
            let screen = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
            #expect((screen["broker"] as? [String: Any])?["reachable"] as? Bool == true)
            let failing = (screen["failingEndpoints"] as? [[String: Any]])?.compactMap { $0["subscriptionId"] as? String }
            #expect(failing == ["sub_failing"], "\(screen)")
            #expect((screen["deadLetters"] as? [String: Any])?["pending"] is Int, "\(screen)")
            let stages = try #require(screen["stages"] as? [[String: Any]])
            return try #require(stages.first { $0["stage"] as? String == "classify" }, "\(stages)")
        }

        // Before the stage ever ran, everything on its input is unprocessed.
        let producer = try TestBroker.producer()
        for index in 0..<40 {
            try await producer.send(KafkaProducerMessage(topic: topic, partition: Int32(index % 2), value: Array("m\(index)".utf8)))
        }
        let never = try await classify()
        #expect(never["state"] is NSNull && never["lag"] as? Int == 40, "\(never)")

        // The stage processes all 40 and stops.
        let consumer = try TestBroker.groupConsumer(group: group, topic: topic)
        _ = try await TestBroker.read(40, from: consumer, store: true)
        try await consumer.commit()
        await consumer.close()
        let caughtUp = try await classify()
        #expect(caughtUp["lag"] as? Int == 0 && caughtUp["oldestUnprocessedAt"] is NSNull, "\(caughtUp)")

        // Stopped, its lag grows with what arrives, and the oldest waiting message is dated.
        let before = Date()
        for index in 0..<30 {
            try await producer.send(KafkaProducerMessage(topic: topic, partition: Int32(index % 2), value: Array("n\(index)".utf8)))
        }
        let behind = try await classify()
        #expect(behind["lag"] as? Int == 30 && behind["members"] as? Int == 0, "\(behind)")
        let oldest = try #require((behind["oldestUnprocessedAt"] as? String).flatMap(RFC3339Time.parse), "\(behind)")
        #expect(oldest >= before.addingTimeInterval(-1) && oldest <= Date())
        for index in 0..<20 {
            try await producer.send(KafkaProducerMessage(topic: topic, partition: Int32(index % 2), value: Array("o\(index)".utf8)))
        }
        await producer.shutdown()
        let further = try await classify()
        #expect(further["lag"] as? Int == 50, "\(further)")

        let table = try await NewsflashCLI.run(["status", "--sample", "1", "--bootstrap", bootstrap], environment: environment, timeout: 120)
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.split(separator: "\n").contains { $0.hasPrefix("classify\t\(group)\t\(topic)") && $0.contains("STOPPED WITH LAG") }, "\(table.stdout)")
        #expect(table.stdout.contains("failing endpoints: sub_failing"), "\(table.stdout)")
    }

    /// Run with a path where nothing is, a reading command once made an empty ingest state or
    /// subscription store there and reported from it: no endpoint failing, every source never polled.
    @Test("status, sources status and the store's reading commands create no ingest state or store where there is none")
    func readingCommandsCreateNothing() async throws {
        let scratch = ScratchDirectory("status-none")
        defer { scratch.remove() }
        let state = scratch.path("ingest.sqlite"), store = scratch.path("subscriptions.sqlite"), config = scratch.path("newsflash.json")
        try Data(#"{"ingest": {"sources": [{"id": "wire", "kind": "rss", "url": "http://127.0.0.1:9/feed.xml"}], "state": "\#(state)"}}"#.utf8)
            .write(to: URL(fileURLWithPath: config))
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("NEWSFLASH_") }
        environment["NEWSFLASH_SUBSCRIPTIONS"] = store
        environment["NEWSFLASH_CONFIG"] = config
        let status = try await NewsflashCLI.run(["status", "--sample", "0.5", "--bootstrap", "127.0.0.1:1"], environment: environment, timeout: 120)
        #expect(status.stdout.contains("cannot show ingest state: no file at \(state) (ingest.state)"), "\(status.stdout)")
        #expect(status.stdout.contains("cannot show subscription store: no SQLite subscription store at \(store)"), "\(status.stdout)")
        let sources = try await NewsflashCLI.run(["sources", "status"], environment: environment)
        #expect(sources.status == 0, "\(sources.stderr)")
        #expect(sources.stdout.hasPrefix("wire: never polled"), "\(sources.stdout)")
        #expect(sources.stderr.contains("no ingest state at \(state)"), "\(sources.stderr)")
        for arguments in [["subscriptions", "list"], ["keys", "list"], ["secrets", "reseal"], ["secrets", "rotate-key"]] {
            let run = try await NewsflashCLI.run(arguments, environment: environment)
            #expect(run.status != 0 && run.stderr.contains("no SQLite subscription store at \(store)"), "\(arguments): \(run.stderr)")
        }
        // Nor the key file that would be made beside the store.
        for path in [state, store, scratch.path("secrets.key")] { #expect(!FileManager.default.fileExists(atPath: path), "\(path)") }
        // A command that makes something still makes the store.
        let added = try await NewsflashCLI.run(
            ["subscriptions", "add", "--name", "desk", "--filter", "topic:Sports", "--webhook", "https://example.org/hook"], environment: environment)
        #expect(added.status == 0, "\(added.stderr)")
        let listed = try await NewsflashCLI.run(["subscriptions", "list"], environment: environment)
        #expect(listed.status == 0 && listed.stdout.contains("desk"), "\(listed.stdout) \(listed.stderr)")
    }

    @Test("status says when the broker cannot be reached, and exits 1")
    func unreachableBroker() async throws {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("NEWSFLASH_") }
        let scratch = ScratchDirectory("status")
        defer { scratch.remove() }
        environment["NEWSFLASH_SUBSCRIPTIONS"] = scratch.path("subscriptions.sqlite")
        let run = try await NewsflashCLI.run(["status", "--sample", "0.5", "--bootstrap", "127.0.0.1:1"], environment: environment, timeout: 120)
        #expect(run.status == 1, "\(run.stdout) \(run.stderr)")
        #expect(run.stdout.contains("broker 127.0.0.1:1: UNREACHABLE"), "\(run.stdout)")
    }
}
