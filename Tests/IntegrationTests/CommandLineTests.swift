import AsyncHTTPClient
import Foundation
import NewsModel
import NIOCore
import Pipeline
import RdKafka
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The `newsflash` executable, run as an operator would, against the real broker.
@Suite(.serialized, TestBroker.available)
struct CommandLineTests {
    @Test("topics init creates every pipeline topic, idempotently; topics list shows them")
    func topicsInitAndList() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        for _ in 0..<2 {
            let initRun = try await NewsflashCLI.run(["topics", "init", "--bootstrap", bootstrap, "--partitions", "2"])
            #expect(initRun.status == 0, "\(initRun.stderr)")
            #expect(initRun.stdout.contains("news.raw"))
            #expect(initRun.stdout.contains("alerts.retry.10h"))
        }
        let list = try await NewsflashCLI.run(["topics", "list", "--bootstrap", bootstrap, "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        let names = Set(list.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return object["name"] as? String
        })
        for topic in ["news.raw", "news.classified", "alerts.deliveries", "alerts.receipts", "alerts.dlq", "subscriptions.changes",
                      "alerts.retry.5s", "alerts.retry.5m", "alerts.retry.30m", "alerts.retry.2h", "alerts.retry.5h", "alerts.retry.10h"] {
            #expect(names.contains(topic), "topics list misses \(topic)")
        }
    }

    @Test("smoke produces news.item events and reads them back; tail prints them")
    func smokeAndTail() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        let topic = try await TestBroker.makeTopic("smoke", partitions: 2)
        let smoke = try await NewsflashCLI.run(["smoke", "--bootstrap", bootstrap, "--topic", topic, "--count", "12"])
        #expect(smoke.status == 0, "\(smoke.stderr)")
        #expect(smoke.stdout.contains("12 news.item events acknowledged"))

        let tail = try await NewsflashCLI.run(["tail", topic, "--bootstrap", bootstrap, "--from", "beginning", "--max", "12", "--json", "--idle", "20"])
        #expect(tail.status == 0, "\(tail.stderr)")
        let lines = tail.stdout.split(separator: "\n")
        #expect(lines.count == 12)
        let firstLine = try #require(lines.first)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(firstLine.utf8)) as? [String: Any])
        let value = try #require(first["value"] as? [String: Any])
        #expect(value["eventType"] as? String == "news.item")
        #expect((first["headers"] as? [String: String])?["newsflash-schema"] == "news-item.v1")
    }

    @Test("tail decodes events by type (a dead letter with its delivery and attempts); --since, --partition and --filter narrow it")
    func tailDecodesAndNarrows() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        let topic = try await TestBroker.makeTopic("tail", partitions: 2)
        let producer = try TestBroker.producer()
        let now = Date()
        for (index, (region, partition, hoursAgo)) in [("MENA", 0, 2.0), ("MENA", 0, 0), ("MENA", 1, 0), ("Europe", 1, 0)].enumerated() {
            var item = SampleEvents.classifiedItem
            item.item.title = "Tail item \(index)"
            item.classification.regions = [ScoredLabel(label: region, score: 0.9)]
            let time = now.addingTimeInterval(-hoursAgo * 3600)
            try await producer.send(KafkaProducerMessage(
                topic: topic, partition: Int32(partition), value: try EventCodec.encode(item, occurredAt: time),
                headers: KafkaHeader.list(EventHeaders.values(for: ClassifiedItem.self)), timestampMilliseconds: Int64(time.timeIntervalSince1970 * 1000)))
        }
        try await producer.send(KafkaProducerMessage(
            topic: topic, partition: 1, value: try EventCodec.encode(SampleEvents.deadLetter, occurredAt: now),
            headers: KafkaHeader.list(EventHeaders.values(for: DeadLetter.self))))
        await producer.shutdown()
        func tail(_ arguments: [String]) async throws -> [Substring] {
            let run = try await NewsflashCLI.run(["tail", topic, "--bootstrap", bootstrap, "--idle", "3"] + arguments)
            #expect(run.status == 0, "\(run.stderr)")
            return run.stdout.split(separator: "\n")
        }
        let everything = try await tail(["--from", "beginning"])
        #expect(everything.filter { $0.contains(" news.classified ") }.count == 4, "\(everything)")
        let letter = try #require(SampleEvents.deadLetter.delivery)
        #expect(everything.contains { $0.contains("alerts.dead-letter \(SampleEvents.deadLetter.eventID) retries-exhausted") }, "\(everything)")
        #expect(everything.contains { $0.contains("  delivery \(letter.deliveryId) to \(letter.subscriptionId)") }, "\(everything)")
        #expect(everything.filter { $0.hasPrefix("  attempt ") }.count == SampleEvents.deadLetter.attempts.count, "\(everything)")

        let mena = try await tail(["--from", "beginning", "--filter", "region:MENA"])
        // The three MENA items, and the dead letter, whose delivery's item is MENA's.
        #expect(mena.filter { $0.contains(" news.classified ") && $0.contains("regions=MENA") }.count == 3, "\(mena)")
        #expect(!mena.contains { $0.contains("regions=Europe") })
        let recent = try await tail(["--since", "30m"])
        #expect(recent.filter { $0.contains(" news.classified ") }.count == 3 && !recent.contains { $0.contains("Tail item 0") }, "\(recent)")
        let second = try await tail(["--from", "beginning", "--partition", "1", "--raw"])
        #expect(second.count == 3 && second.allSatisfy { $0.hasPrefix("\(topic)[1]@") }, "\(second)")
        let json = try await tail(["--from", "beginning", "--partition", "1", "--json"])
        let objects = json.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.contains { ($0["original"] as? [String: Any])?["eventType"] as? String == "alerts.delivery" }, "\(json)")
    }

    @Test("groups list and describe show a live group's committed offsets, lag and member; topics describe counts the messages")
    func groupsAndTopicDescription() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        let topic = try await TestBroker.makeTopic("groups", partitions: 2)
        let group = TestBroker.unique("groups")
        let producer = try TestBroker.producer()
        for index in 0..<100 {
            try await producer.send(KafkaProducerMessage(topic: topic, partition: Int32(index % 2), value: Array("m\(index)".utf8)))
        }
        await producer.shutdown()

        let described = try await NewsflashCLI.run(["topics", "describe", topic, "--bootstrap", bootstrap, "--json"])
        #expect(described.status == 0, "\(described.stderr)")
        let topicObject = try #require(try JSONSerialization.jsonObject(with: Data(described.stdout.utf8)) as? [String: Any])
        let partitions = try #require(topicObject["partitions"] as? [[String: Any]])
        #expect(partitions.count == 2)
        #expect(partitions.compactMap { $0["messages"] as? Int }.reduce(0, +) == 100)
        #expect(partitions.compactMap { $0["high"] as? Int } == [50, 50])
        let table = try await NewsflashCLI.run(["topics", "describe", topic, "--bootstrap", bootstrap])
        #expect(table.stdout.contains("2 partitions, 100 messages"), "\(table.stdout)")

        // A member that has processed (and committed) 40 of the 100, and stays in the group.
        let consumer = try TestBroker.groupConsumer(group: group, topic: topic)
        let processed = try await TestBroker.read(40, from: consumer, store: true)
        try await consumer.commit()
        let perPartition = Dictionary(grouping: processed, by: \.partition).mapValues { ($0.map(\.offset).max() ?? -1) + 1 }

        let list = try await NewsflashCLI.run(["groups", "list", "--bootstrap", bootstrap, "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        let listed = list.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let entry = try #require(listed.first { $0["group"] as? String == group }, "\(list.stdout)")
        #expect(entry["members"] as? Int == 1)

        let describe = try await NewsflashCLI.run(["groups", "describe", group, "--bootstrap", bootstrap, "--json"])
        #expect(describe.status == 0, "\(describe.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(describe.stdout.utf8)) as? [String: Any])
        let rows = try #require(report["partitions"] as? [[String: Any]])
        #expect(rows.count == 2)
        for row in rows {
            let partition = try #require(row["partition"] as? Int)
            let committed = perPartition[Int32(partition)] ?? 0
            if committed > 0 { #expect(row["committed"] as? Int == Int(committed)) }
            #expect(row["end"] as? Int == 50)
            #expect(row["lag"] as? Int == 50 - Int(committed))
        }
        #expect(report["totalLag"] as? Int == 60)
        let members = try #require(report["members"] as? [[String: Any]])
        #expect(members.count == 1)
        let text = try await NewsflashCLI.run(["groups", "describe", group, "--bootstrap", bootstrap])
        #expect(text.stdout.contains("total lag 60"), "\(text.stdout)")
        print(text.stdout)

        // A reset under a live member is refused; so is a command that does not say whether to execute.
        let refused = try await NewsflashCLI.run(["groups", "reset", group, "--to-earliest", "--execute", "--bootstrap", bootstrap])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("active member"), "\(refused.stderr)")
        let ambiguous = try await NewsflashCLI.run(["groups", "reset", group, "--to-earliest", "--bootstrap", bootstrap])
        #expect(ambiguous.status == 64)

        await consumer.close()
        try await resetOffsets(group: group, topic: topic, committedBefore: perPartition, bootstrap: bootstrap)

        let unknown = try await NewsflashCLI.run(["groups", "describe", TestBroker.unique("no-such-group"), "--bootstrap", bootstrap])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no consumer group named"), "\(unknown.stderr)")
    }

    /// `groups reset` on the stopped group of `groupsAndTopicDescription`: a dry run changes
    /// nothing; each --execute moves the committed offsets where it says.
    func resetOffsets(group: String, topic: String, committedBefore: [Int32: Int64], bootstrap: String) async throws {
        func committed() async throws -> [Int32: Int64] {
            let admin = try TestBroker.admin()
            let offsets = try await admin.groupOffsets(group)
            await admin.close()
            return Dictionary(offsets.filter { $0.offset >= 0 }.map { ($0.partition, $0.offset) }, uniquingKeysWith: { $1 })
        }
        func reset(_ arguments: [String]) async throws -> [[String: Any]] {
            // A member that just left may still be listed for a moment.
            var run = try await NewsflashCLI.run(["groups", "reset", group, "--bootstrap", bootstrap, "--json"] + arguments)
            for _ in 0..<20 where run.status == 1 && run.stderr.contains("active member") {
                try await Task.sleep(for: .milliseconds(500))
                run = try await NewsflashCLI.run(["groups", "reset", group, "--bootstrap", bootstrap, "--json"] + arguments)
            }
            #expect(run.status == 0, "\(run.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            return try #require(object["partitions"] as? [[String: Any]])
        }
        let before = try await committed()
        #expect(before == committedBefore.filter { $0.value > 0 })

        let dry = try await reset(["--to-earliest", "--dry-run"])
        #expect(dry.allSatisfy { $0["new"] as? Int == 0 })
        #expect(try await committed() == before)

        _ = try await reset(["--to-earliest", "--execute"])
        #expect(try await committed() == before.mapValues { _ in 0 })

        let shifted = try await reset(["--shift-by", "7", "--topic", topic, "--execute"])
        #expect(shifted.count == 2)
        #expect(try await committed() == [0: 7, 1: 7])

        _ = try await reset(["--to-offset", "1000", "--execute"])  // kept within the partition: its end
        #expect(try await committed() == [0: 50, 1: 50])

        let later = RFC3339Time.format(Date().addingTimeInterval(3600))
        _ = try await reset(["--to-datetime", later, "--execute"])  // no message that late: the end
        #expect(try await committed() == [0: 50, 1: 50])

        // Ten more messages after `middle`: a reset to `middle` lands on the first of them in each
        // partition, though the broker's own answer is earlier (Tansu answers 0).
        _ = try await reset(["--to-earliest", "--execute"])
        try await Task.sleep(for: .milliseconds(50))
        let middle = Date()
        try await Task.sleep(for: .milliseconds(50))
        let producer = try TestBroker.producer()
        for index in 0..<10 {
            try await producer.send(KafkaProducerMessage(topic: topic, partition: Int32(index % 2), value: Array("late\(index)".utf8)))
        }
        await producer.shutdown()
        let atMiddle = try await reset(["--to-datetime", RFC3339Time.format(middle), "--execute"])
        #expect(atMiddle.allSatisfy { $0["current"] as? Int == 0 })
        #expect(try await committed() == [0: 50, 1: 50])
    }

    @Test("dlq list and show read the dead letters on alerts.dlq with their attempt history; --reason and --since filter")
    func deadLetters() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        let initRun = try await NewsflashCLI.run(["topics", "init", "--bootstrap", bootstrap, "--partitions", "2"])
        #expect(initRun.status == 0, "\(initRun.stderr)")
        // Two letters of this test's own (other tests may have left letters on the shared topic).
        var exhausted = SampleEvents.deadLetter
        exhausted.originalTopic = TestBroker.unique("dlq-source")
        exhausted.deadLetteredAt = Date()
        let poison = DeadLetter(
            reason: .poison, error: "not an alerts.delivery event", originalTopic: TestBroker.unique("dlq-source"), partition: 1, offset: 9,
            rawKey: nil, rawPayload: [0xFF, 0x00, 0x7B], delivery: nil, attempts: [], deadLetteredAt: Date())
        let producer = try TestBroker.producer()
        for letter in [exhausted, poison] {
            try await producer.send(KafkaProducerMessage(topic: Topics.alertsDLQ, value: try EventCodec.encode(letter, occurredAt: letter.deadLetteredAt)))
        }
        await producer.shutdown()

        let list = try await NewsflashCLI.run(["dlq", "list", "--bootstrap", bootstrap, "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        let listed = list.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let ids = Set(listed.compactMap { $0["id"] as? String })
        #expect(ids.isSuperset(of: [exhausted.eventID, poison.eventID]), "\(list.stdout)")
        let ours = try #require(listed.first { $0["id"] as? String == exhausted.eventID })
        let data = try #require(ours["data"] as? [String: Any])
        #expect((data["attempts"] as? [Any])?.count == exhausted.attempts.count)
        #expect((data["delivery"] as? [String: Any])?["subscriptionId"] as? String == exhausted.delivery?.subscriptionId)

        let poisonOnly = try await NewsflashCLI.run(["dlq", "list", "--bootstrap", bootstrap, "--reason", "poison"])
        #expect(poisonOnly.status == 0, "\(poisonOnly.stderr)")
        #expect(poisonOnly.stdout.contains(poison.eventID) && !poisonOnly.stdout.contains(exhausted.eventID), "\(poisonOnly.stdout)")
        let later = RFC3339Time.format(Date().addingTimeInterval(3600))
        let none = try await NewsflashCLI.run(["dlq", "list", "--bootstrap", bootstrap, "--since", later])
        #expect(none.status == 0 && !none.stdout.contains(poison.eventID) && !none.stdout.contains(exhausted.eventID), "\(none.stdout)")

        let shown = try await NewsflashCLI.run(["dlq", "show", exhausted.eventID, "--bootstrap", bootstrap])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("attempts: \(exhausted.attempts.count)"), "\(shown.stdout)")
        #expect(shown.stdout.contains("subscription \(exhausted.delivery?.subscriptionId ?? "?")"), "\(shown.stdout)")
        let poisonShown = try await NewsflashCLI.run(["dlq", "show", poison.eventID, "--bootstrap", bootstrap])
        #expect(poisonShown.status == 0, "\(poisonShown.stderr)")
        #expect(poisonShown.stdout.contains("payload (base64)"), "\(poisonShown.stdout)")
        let missing = try await NewsflashCLI.run(["dlq", "show", "no-such/0/0", "--bootstrap", bootstrap])
        #expect(missing.status == 1 && missing.stderr.contains("no dead letter no-such/0/0"), "\(missing.stderr)")
    }

    @Test("dlq retry re-delivers a letter's delivery (same delivery id, fresh attempts) and takes it out of the pending view; purge removes")
    func deadLetterRetryAndPurge() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        let initRun = try await NewsflashCLI.run(["topics", "init", "--bootstrap", bootstrap, "--partitions", "2"])
        #expect(initRun.status == 0, "\(initRun.stderr)")
        var retried = SampleEvents.deadLetter
        retried.originalTopic = TestBroker.unique("dlq-retry")
        retried.deadLetteredAt = Date()
        var delivery = try #require(retried.delivery)
        delivery.subscriptionId = TestBroker.unique("sub")
        retried.delivery = delivery
        var purged = SampleEvents.deadLetter
        purged.originalTopic = TestBroker.unique("dlq-purge")
        purged.deadLetteredAt = Date()
        let poison = DeadLetter(
            reason: .poison, error: "not an alerts.delivery event", originalTopic: TestBroker.unique("dlq-poison"), partition: 0, offset: 3,
            rawKey: nil, rawPayload: [0xFF], delivery: nil, attempts: [], deadLetteredAt: Date())
        let producer = try TestBroker.producer()
        for letter in [retried, purged, poison] {
            try await producer.send(KafkaProducerMessage(topic: Topics.alertsDLQ, value: try EventCodec.encode(letter, occurredAt: letter.deadLetteredAt)))
        }
        await producer.shutdown()
        func pending() async throws -> Set<String> {
            let list = try await NewsflashCLI.run(["dlq", "list", "--bootstrap", bootstrap, "--json"])
            #expect(list.status == 0, "\(list.stderr)")
            return Set(list.stdout.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["id"] as? String })
        }
        #expect(try await pending().isSuperset(of: [retried.eventID, purged.eventID, poison.eventID]))
        let deliveries = RetainedTopicReader(client: try TestBroker.client("dlq-check"), topic: Topics.alertsDeliveries, logger: TestBroker.logger)
        let before = try await deliveries.bounds().mapValues(\.high)

        let dry = try await NewsflashCLI.run(["dlq", "retry", retried.eventID, "--dry-run", "--bootstrap", bootstrap])
        #expect(dry.status == 0 && dry.stdout.contains("would retry \(retried.eventID)"), "\(dry.stdout) \(dry.stderr)")
        #expect(try await pending().contains(retried.eventID))
        let poisonRetry = try await NewsflashCLI.run(["dlq", "retry", poison.eventID, "--bootstrap", bootstrap])
        #expect(poisonRetry.status == 1 && poisonRetry.stderr.contains("cannot be retried"), "\(poisonRetry.stderr)")

        let retry = try await NewsflashCLI.run(["dlq", "retry", retried.eventID, "--bootstrap", bootstrap])
        #expect(retry.status == 0, "\(retry.stderr)")
        let sent = try await deliveries.collect(from: .offsets(before)).messages
            .compactMap { try? EventCodec.decode(DeliveryRequest.self, from: $0.value).data }
            .filter { $0.subscriptionId == delivery.subscriptionId }
        #expect(sent.count == 1)
        #expect(sent.first?.deliveryId == delivery.deliveryId && sent.first?.attempts.isEmpty == true)

        let purge = try await NewsflashCLI.run(["dlq", "purge", purged.eventID, poison.eventID, "--bootstrap", bootstrap])
        #expect(purge.status == 0 && purge.stdout.contains("purged 2"), "\(purge.stdout) \(purge.stderr)")
        #expect(try await pending().isDisjoint(with: [retried.eventID, purged.eventID, poison.eventID]))
        let all = try await NewsflashCLI.run(["dlq", "list", "--all", "--bootstrap", bootstrap])
        #expect(all.stdout.split(separator: "\n").contains { $0.contains(retried.eventID) && $0.contains("\tretried\t") }, "\(all.stdout)")
        #expect(all.stdout.split(separator: "\n").contains { $0.contains(purged.eventID) && $0.contains("\tpurged\t") }, "\(all.stdout)")
        // A letter no longer pending is not retried twice.
        let again = try await NewsflashCLI.run(["dlq", "retry", retried.eventID, "--bootstrap", bootstrap])
        #expect(again.status == 1 && again.stderr.contains("no pending dead letter"), "\(again.stderr)")
    }

    @Test("every command takes the global options: --log-level and --log-format are no usage error anywhere")
    func globalOptionsEverywhere() async throws {
        let feed = Repository.root.appendingPathComponent("Tests/IngestTests/Fixtures/atom03-escaped.xml").path
        let commands: [([String], String?)] = [
            (["version"], nil), (["config", "describe"], nil), (["classify", "Floods in Paris"], nil),
            (["classify", "text", "--json"], "Floods in Paris\n"), (["feed", "parse", feed], nil),
            (["sources", "hash-token"], "0123456789abcdef0123\n"),
        ]
        for (arguments, input) in commands {
            let run = try await Subprocess.run(NewsflashCLI.executable, arguments + ["--log-level", "info", "--log-format", "json"], stdin: input)
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
            let bad = try await Subprocess.run(NewsflashCLI.executable, arguments + ["--log-level", "loud"], stdin: input)
            #expect(bad.status == 64 && bad.stderr.contains("--log-level must be one of"), "\(arguments): \(bad.stderr)")
        }
    }

    @Test("--log-format json writes one JSON object a line with the metadata as fields")
    func jsonLogs() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        let run = try await NewsflashCLI.run(["topics", "list", "--bootstrap", bootstrap, "--log-format", "json", "--log-level", "info"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String], "\(line)")
            #expect(object["level"] != nil && object["message"] != nil && object["time"] != nil)
        }
        #expect(lines.contains { $0.contains("\"librdkafka.version\"") })
        #expect(try await NewsflashCLI.run(["topics", "list", "--log-format", "xml"]).stderr.contains("--log-format must be text or json"))
    }

    @Test("bad input is refused with a message, not a crash")
    func badInput() async throws {
        let tail = try await NewsflashCLI.run(["tail", "news.raw", "--from", "yesterday"])
        #expect(tail.status != 0)
        #expect(tail.stderr.contains("--from must be"))
        let config = try await NewsflashCLI.run(["topics", "list", "--kafka-config", "novalue"])
        #expect(config.status != 0)
        #expect(config.stderr.contains("key=value"))
        // The notifiers check their settings before they touch the broker.
        let cases: [([String], String)] = [
            (["run", "notify-webhook", "--allow-address", "not-a-range"], "is not a CIDR range"),
            (["run", "notify-email", "--smtp-url", "ftp://mail.example.com", "--from", "a@example.com"], "the SMTP URL must look like"),
            (["run", "notify-email", "--smtp-url", "smtp://mail.example.com"], "notifyEmail.from is required: give \"from\" in the file's"),
            (["run", "notify-email", "--smtp-url", "smtp://mail.example.com", "--from", "not an address"], "notifyEmail.from is not an email address"),
            (["run", "notify-email", "--smtp-url", "smtp://mail.example.com", "--from", "a@example.com", "--public-url", "ftp://x"],
             "notifyEmail.publicURL must be an absolute http(s) URL"),
            (["run", "notify-webhook", "--retry-scale", "3"], "notifyWebhook.retryScale from --retry-scale must be a number above 0 and at most 1"),
            (["run", "classify", "--window", "0"], "classify.window from --window must be an integer from 1"),
        ]
        var environment = ProcessInfo.processInfo.environment
        for name in ["NEWSFLASH_SMTP_URL", "NEWSFLASH_MAIL_FROM", "NEWSFLASH_PUBLIC_URL", "NEWSFLASH_WEBHOOK_ALLOW"] { environment[name] = nil }
        for (arguments, message) in cases {
            let run = try await NewsflashCLI.run(arguments, environment: environment, timeout: 20)
            #expect(run.status != 0, "\(arguments)")
            #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
        }
    }

    @Test("a port another program listens on stops a stage before it starts, naming the address and the setting")
    func aTakenPortIsNamedBeforeTheStageStarts() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        let scratch = ScratchDirectory("taken-port")
        defer { scratch.remove() }
        let listener = try TakenPort()  // another program's port, until the test ends
        defer { withExtendedLifetime(listener) {} }
        let taken = listener.port
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("NEWSFLASH_") }
        let cases: [([String], String)] = [
            (["run", "api", "--no-kafka", "--port", String(taken), "--subscriptions", scratch.path("subscriptions.sqlite")],
             "127.0.0.1:\(taken) (api.port, --port) cannot be used: it is in use; stop what listens there or choose another port"),
            (["run", "classify", "--bootstrap", bootstrap, "--metrics-port", String(taken)],
             "127.0.0.1:\(taken) (metrics.port, --metrics-port) cannot be used: it is in use"),
        ]
        for (arguments, message) in cases {
            let run = try await NewsflashCLI.run(arguments, environment: environment, timeout: 30)
            #expect(run.status != 0, "\(arguments)")
            #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
            #expect(!run.stderr.contains("bind(descriptor"), "\(arguments): \(run.stderr)")
        }
    }

    @Test("kafka.properties in the file and NEWSFLASH_KAFKA_* variables are librdkafka properties; a variable wins over the file, --kafka-config over both")
    func kafkaPropertiesFromTheEnvironment() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kafka-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"{"kafka": {"properties": {"security.protocol": "from-file"}}}"#.utf8).write(to: file)
        var environment = ProcessInfo.processInfo.environment
        let fromFile = try await NewsflashCLI.run(
            ["topics", "list", "--config", file.path, "--bootstrap", "127.0.0.1:1", "--log-level", "critical"], environment: environment)
        #expect(fromFile.status != 0)
        #expect(fromFile.stderr.contains("Invalid value \"from-file\" for configuration property \"security.protocol\""), "\(fromFile.stderr)")
        environment["NEWSFLASH_CONFIG"] = file.path
        environment["NEWSFLASH_KAFKA_SECURITY_PROTOCOL"] = "bogus"
        let fromEnvironment = try await NewsflashCLI.run(["topics", "list", "--bootstrap", "127.0.0.1:1", "--log-level", "critical"], environment: environment)
        #expect(fromEnvironment.status != 0)
        #expect(fromEnvironment.stderr.contains("Invalid value \"bogus\" for configuration property \"security.protocol\""), "\(fromEnvironment.stderr)")
        let overridden = try await NewsflashCLI.run(
            ["topics", "list", "--bootstrap", "127.0.0.1:1", "--kafka-config", "security.protocol=plaintext", "--log-level", "critical"],
            environment: environment)
        #expect(overridden.status != 0)
        #expect(overridden.stderr.contains("cannot reach Kafka at 127.0.0.1:1"), "\(overridden.stderr)")
    }

    @Test("an unreachable broker is reported clearly")
    func unreachableBroker() async throws {
        let run = try await NewsflashCLI.run(["topics", "list", "--bootstrap", "127.0.0.1:1", "--log-level", "critical"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("cannot reach Kafka at 127.0.0.1:1"))
    }

    @Test("with Debian's librdkafka 2.0.2 the CLI refuses to start and names the fix")
    func oldLibrdkafkaIsRefused() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        // Without the .local/lib override the system librdkafka is loaded.
        var environment = ProcessInfo.processInfo.environment
        environment["LD_LIBRARY_PATH"] = nil
        let version = try await NewsflashCLI.run(["version"], environment: environment)
        try #require(version.status == 0, "\(version.stderr)")
        guard version.stdout.contains("librdkafka 2.0.") || version.stdout.contains("librdkafka 2.1.") else {
            // The system librdkafka is new enough here; nothing to refuse.
            return
        }
        #expect(version.stdout.contains("warning:"))
        let run = try await NewsflashCLI.run(["topics", "list", "--bootstrap", bootstrap, "--log-level", "critical"], environment: environment)
        #expect(run.status != 0)
        #expect(run.stderr.contains("cannot read this broker's ApiVersions reply"))
        #expect(run.stderr.contains("Deploy/local-broker.sh install"))
    }
}

extension CommandLineTests {
    @Test("run ingest with only a push source serves until SIGTERM and exits 0; its settings come from the file, the environment and flags")
    func pushOnlyIngestRunsUntilStopped() async throws {
        let bootstrap = try #require(TestBroker.bootstrap)
        let scratch = ScratchDirectory("push-only")
        defer { scratch.remove() }
        let directory = scratch.url
        let config = directory.appendingPathComponent("newsflash.json")
        let port = UpCommandTests.freePort(), filesMetricsPort = UpCommandTests.freePort()
        let state = directory.appendingPathComponent("s.sqlite").path
        // The push port and the state from the file, the topic from the environment, the rest as flags.
        try Data(#"""
            {"ingest": {"sources": [{"id": "partner", "kind": "push", "pushTokenSHA256": "\#(String(repeating: "ab", count: 32))"}],
                        "pushPort": \#(port), "state": "\#(state)"},
             "metrics": {"port": \#(filesMetricsPort)}}
            """#.utf8).write(to: config)
        let topic = TestBroker.unique("push-only")
        let process = Process()
        process.executableURL = NewsflashCLI.executable
        process.environment = ProcessInfo.processInfo.environment.merging(["NEWSFLASH_INGEST_TOPIC": topic, "NEWSFLASH_METRICS_PORT": "-1"]) { $1 }
        process.arguments = ["run", "ingest", "--bootstrap", bootstrap, "--config", config.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Serving: a push with a wrong token is refused with 401.
        var answered: Int?
        for _ in 0..<100 where answered == nil && process.isRunning {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/push/partner")
            request.method = .POST
            request.headers.add(name: "authorization", value: "Bearer wrong-token-0123456789")
            request.body = .bytes(ByteBuffer(string: "{}"))
            answered = try? await Int(HTTPClient.shared.execute(request, timeout: .seconds(5)).status.code)
            if answered == nil { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(answered == 401)
        // $NEWSFLASH_METRICS_PORT=-1 wins over the file's port: nothing listens there.
        let metrics = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(filesMetricsPort)/metrics"), timeout: .seconds(2))
        #expect(metrics == nil, "the file's metrics port was used although the environment said -1")
        try await Task.sleep(for: .seconds(2))
        #expect(process.isRunning, "ingest with nothing to poll exited by itself (status \(process.terminationStatus))")
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<150 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!process.isRunning, "no exit within 15 s of SIGTERM")
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: state), "the state named in the file was not used")
    }
}

/// Runs the built `newsflash` executable (next to the test bundle in .build/<config>/).
enum NewsflashCLI {
    static var executable: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("newsflash")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return Repository.root.appendingPathComponent(".build/debug/newsflash")
    }

    /// Runs `newsflash` with `arguments`; a crash of the command (whatever its output) fails the
    /// calling test, with the signal and what the command wrote to stderr.
    static func run(
        _ arguments: [String], environment: [String: String]? = nil, timeout: TimeInterval = 60, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Subprocess.Result {
        checked(try Subprocess.run(executable, arguments, environment: childEnvironment(environment), timeout: timeout), arguments, sourceLocation)
    }

    /// The same, off the cooperative pool (``Subprocess``'s async run): what async tests call.
    static func run(
        _ arguments: [String], environment: [String: String]? = nil, timeout: TimeInterval = 60, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Subprocess.Result {
        checked(try await Subprocess.run(executable, arguments, environment: childEnvironment(environment), timeout: timeout), arguments, sourceLocation)
    }

    private static func checked(_ result: Subprocess.Result, _ arguments: [String], _ sourceLocation: SourceLocation) -> Subprocess.Result {
        if result.crashed {
            Issue.record("newsflash \(arguments.joined(separator: " ")) crashed with signal \(result.signal ?? 0); stderr: \(result.stderr)", sourceLocation: sourceLocation)
        }
        return result
    }

    /// The child's environment, with Swift's crash backtracer off unless the caller set it: a
    /// crashing child's backtracer inherits its output pipes, and one left behind (its crashed
    /// process killed at the time limit) kept them open, so the test waited on them for good and
    /// CI hung. The crash still shows: a signal's exit status, and the runtime's message.
    static func childEnvironment(_ environment: [String: String]?) -> [String: String] {
        var environment = environment ?? ProcessInfo.processInfo.environment
        if environment["SWIFT_BACKTRACE"] == nil { environment["SWIFT_BACKTRACE"] = "enable=no" }
        return environment
    }
}
