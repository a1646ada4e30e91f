import Foundation
import Logging
import MatchStage
import NewsModel
import Pipeline
import RdKafka
import SubscriptionStore
import Subscriptions
import Testing
import TestSupport

/// The match stage through the real broker: classified items in, one delivery
/// per matching subscription and story out, with updates flagged.
@Suite(.serialized, TestBroker.available)
struct MatchStageTests {
    /// This test's own directory for its subscription database.
    let scratch = ScratchDirectory("match")

    static func classified(_ guid: String, source: String, story: String, version: Int = 1, title: String,
                           regions: [String], topics: [String], urgency: Urgency) -> ClassifiedItem {
        ClassifiedItem(
            item: NewsItem.headline(title, guid: guid, source: source, story: story, version: version),
            classification: Classification(
                regions: regions.map { ScoredLabel(label: $0, score: 0.9) }, topics: topics.map { ScoredLabel(label: $0, score: 0.8) },
                countries: [], places: [], urgency: urgency, explanation: [], classifierVersion: "test"),
            classifiedAt: Date())
    }

    @Test func deliversOncePerStoryFlagsUpdatesAndFollowsChanges() async throws {
        let input = try await TestBroker.makeTopic("classified", partitions: 2)
        let output = try await TestBroker.makeTopic("deliveries", partitions: 2)
        let store = try SQLiteSubscriptionStore(path: scratch.path("subscriptions.sqlite"))
        let mena = Subscription(name: "MENA desk", filter: "region:MENA", channel: .webhook(url: "http://127.0.0.1:9/hook"))
        var sports = Subscription(name: "Sports", filter: #"topic:Sports OR "cup final""#, channel: .email(address: "fan@example.com"))
        sports.confirmedAt = Date()  // double opt-in done
        var unconfirmed = Subscription(name: "Unconfirmed", filter: "topic:Sports", channel: .email(address: "new@example.com"))
        unconfirmed.confirmationSentAt = Date()
        let flashOnly = Subscription(name: "Flash", filter: "region:MENA", channel: .webhook(url: "http://127.0.0.1:9/flash"), minimumUrgency: .flash)
        for subscription in [mena, sports, flashOnly, unconfirmed] { try await store.save(subscription) }
        let directory = SubscriptionDirectory(mirror: SubscriptionMirror(store: store, logger: TestBroker.logger), logger: TestBroker.logger)
        #expect(try await directory.refresh() == 4)
        #expect(await directory.count == 3)  // an email address that has not confirmed gets nothing

        let producer = try TestBroker.producer()
        func publish(_ item: ClassifiedItem) async throws {
            try await TestBroker.send([item], to: input, with: producer)
        }
        let strike = Self.classified("a1", source: "wire", story: "strike", title: "Israeli airstrike hits Arabsalim", regions: ["MENA"], topics: ["Politics"], urgency: .urgent)
        try await publish(strike)
        // The same story from another outlet: no second alert.
        try await publish(Self.classified("b1", source: "other", story: "strike", title: "Airstrike on Arabsalim", regions: ["MENA"], topics: ["Politics"], urgency: .urgent))
        // A new version of the first item: an update, now flash.
        try await publish(Self.classified("a1", source: "wire", story: "strike", version: 2, title: "Airstrike on Arabsalim kills two", regions: ["MENA"], topics: ["Politics"], urgency: .flash))
        try await publish(Self.classified("c1", source: "wire", story: "final", title: "Cup final tonight", regions: ["Europe"], topics: ["Sports"], urgency: .routine))

        let consumer = try TestBroker.groupConsumer(group: TestBroker.unique("match"), topic: input)
        let stageProducer = try TestBroker.producer()
        let stage = StageRunner(name: "match-test", consumer: consumer, producer: stageProducer,
                                processor: MatchProcessor(directory: directory, store: store, outputTopic: output), window: 1, logger: TestBroker.logger)
        let running = Task { try await stage.run() }
        let reader = try TestBroker.partitionConsumer(topic: output, partitions: [0, 1])
        let deliveries = try await TestBroker.read(4, from: reader, timeout: .seconds(60)).map { try EventCodec.decode(DeliveryRequest.self, from: $0.value).data }

        let toMena = deliveries.filter { $0.subscriptionId == mena.id }.sorted { $0.version < $1.version }
        #expect(toMena.map(\.version) == [1, 2])
        #expect(toMena.map(\.isUpdate) == [false, true])
        #expect(Set(toMena.map(\.storyId)).count == 1)
        #expect(toMena.first?.match.matchedTerms == ["region:mena"])
        #expect(toMena.first?.channel == .webhook)
        let toFlash = deliveries.filter { $0.subscriptionId == flashOnly.id }
        #expect(toFlash.map(\.version) == [2])  // only the flash version passes the minimum urgency
        let toSports = deliveries.filter { $0.subscriptionId == sports.id }
        #expect(toSports.count == 1)
        #expect(toSports.first?.channel == .email)

        // Pausing a subscription reaches the running stage through the store.
        var paused = mena
        paused.status = .paused
        try await store.save(paused)
        try await directory.refresh()
        try await publish(Self.classified("d1", source: "wire", story: "new", title: "New MENA story", regions: ["MENA"], topics: ["Politics"], urgency: .flash))
        let after = try await TestBroker.read(1, from: reader, timeout: .seconds(30)).map { try EventCodec.decode(DeliveryRequest.self, from: $0.value).data }
        #expect(after.first?.subscriptionId == flashOnly.id)
        let nothingMore = try? await TestBroker.read(1, from: reader, timeout: .seconds(3))
        #expect(nothingMore == nil)
        await reader.close()
        running.cancel()
        _ = try? await running.value
        await stageProducer.shutdown()
        await consumer.close()
        await producer.shutdown()

        // The deliveries validate against their schema.
        if let python = Repository.python {
            let text = try deliveries.map { String(decoding: try EventCodec.encode($0, occurredAt: Date()), as: UTF8.self) }.joined(separator: "\n")
            let result = try await Subprocess.run(python, [Repository.script("Tests/Support/validate_events.py"), Repository.schemas, "-"], stdin: text + "\n")
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        }
    }

    /// With the default window many items are matched at once; two outlets' items of one story,
    /// and a repeat of an item, still alert once per story (the claim is atomic).
    @Test func manyInFlightAlertOncePerStory() async throws {
        let input = try await TestBroker.makeTopic("classified-window", partitions: 4)
        let output = try await TestBroker.makeTopic("deliveries-window", partitions: 2)
        let store = try SQLiteSubscriptionStore(path: scratch.path("subscriptions.sqlite"))
        let desk = Subscription(name: "MENA desk", filter: "region:MENA", channel: .webhook(url: "http://127.0.0.1:9/hook"))
        try await store.save(desk)
        let directory = SubscriptionDirectory(mirror: SubscriptionMirror(store: store, logger: TestBroker.logger), logger: TestBroker.logger)
        try await directory.refresh()
        let producer = try TestBroker.producer()
        let stories = 60
        for n in 0..<stories {
            let items = [("wire", "w\(n)"), ("other", "o\(n)"), ("wire", "w\(n)")].map { source, guid in  // two outlets, and a repeat
                Self.classified(guid, source: source, story: "story-\(n)", title: "Strike \(n)", regions: ["MENA"], topics: ["Politics"], urgency: .urgent)
            }
            try await TestBroker.send(items, to: input, with: producer)
        }
        let consumer = try TestBroker.groupConsumer(group: TestBroker.unique("match-window"), topic: input)
        let stageProducer = try TestBroker.producer()
        let stage = StageRunner(name: "match-window", consumer: consumer, producer: stageProducer,
                                processor: MatchProcessor(directory: directory, store: store, outputTopic: output),
                                window: MatchProcessor.defaultWindow, logger: TestBroker.logger)
        let running = Task { try await stage.run() }
        let reader = try TestBroker.partitionConsumer(topic: output, partitions: [0, 1])
        // A story's first item alerts; its repeat (same item, same version) is sent again under the same
        // delivery id when it is the claimed one; the other outlet's item never is.
        // One iteration until every story has arrived (an iterator that is dropped takes buffered messages with it).
        let deliveries = try await withDeadline(.seconds(90), "a delivery of each of \(stories) stories") { () -> [DeliveryRequest] in
            var got: [DeliveryRequest] = []
            for try await message in reader.messages {
                got.append(try EventCodec.decode(DeliveryRequest.self, from: message.value).data)
                if Set(got.map(\.storyId)).count == stories { break }
            }
            return got
        }
        let byStory = Dictionary(grouping: deliveries, by: \.storyId)
        #expect(byStory.count == stories)
        for (_, sent) in byStory {
            #expect(Set(sent.map(\.deliveryId)).count == 1)  // one alert per story, repeats under its id
            #expect(Set(sent.map(\.item.item.itemId)).count == 1)  // never the other outlet's item as well
            #expect(sent.allSatisfy { !$0.isUpdate })
        }
        await reader.close()
        running.cancel()
        _ = try? await running.value
        await stageProducer.shutdown()
        await consumer.close()
        await producer.shutdown()
    }

    @Test func rewindRedeliversOneSubscriptionsMatchesAsReplays() async throws {
        let input = try await TestBroker.makeTopic("classified-rewind", partitions: 2)
        let output = try await TestBroker.makeTopic("deliveries-rewind", partitions: 1)
        let producer = try TestBroker.producer()
        let old = Self.classified("r0", source: "wire", story: "old", title: "Old MENA story", regions: ["MENA"], topics: ["Politics"], urgency: .urgent)
        try await producer.send(KafkaProducerMessage(topic: input, key: old.item.itemId, value: try EventCodec.encode(old, occurredAt: Date()),
                                                     timestampMilliseconds: Int64(Date().addingTimeInterval(-7200).timeIntervalSince1970 * 1000)))
        let since = Date().addingTimeInterval(-60)
        let items = [
            Self.classified("r1", source: "wire", story: "s1", title: "Strike in south Lebanon", regions: ["MENA"], topics: ["Politics"], urgency: .urgent),
            Self.classified("r2", source: "wire", story: "s2", title: "Cup final tonight", regions: ["Europe"], topics: ["Sports"], urgency: .routine),
            Self.classified("r3", source: "wire", story: "s3", version: 2, title: "Gaza talks resume", regions: ["MENA", "Palestine"], topics: ["Politics"], urgency: .routine),
        ]
        try await TestBroker.send(items, to: input, with: producer)
        let subscription = Subscription(name: "MENA", filter: "region:MENA", channel: .webhook(url: "http://127.0.0.1:9/hook"))
        let rewinder = Rewinder(client: try TestBroker.client("rewind"), producer: producer, parser: FilterParser(regions: [], topics: []),
                                inputTopic: input, outputTopic: output, logger: TestBroker.logger)
        let outcome = try await rewinder.rewind(subscription, since: since)
        #expect(outcome.state == .completed && outcome.redelivered == 2, "\(outcome)")
        let reader = try TestBroker.partitionConsumer(topic: output, partitions: [0])
        let replays = try await TestBroker.read(2, from: reader, timeout: .seconds(30)).map { try EventCodec.decode(DeliveryRequest.self, from: $0.value).data }
        #expect(Set(replays.map(\.item.item.itemId)) == Set([items[0].item.itemId, items[2].item.itemId]))
        #expect(replays.allSatisfy { $0.isReplay && $0.subscriptionId == subscription.id })
        #expect(replays.first { $0.version == 2 }?.isUpdate == true)
        // The same delivery id as a first-time match, so receivers can drop what they have.
        #expect(replays.first { $0.version == 1 }?.deliveryId == DeliveryRequest.makeDeliveryID(subscriptionID: subscription.id, storyID: items[0].item.storyId, version: 1))
        await reader.close()

        // At most maximumItems read: the rewind says it was truncated.
        let short = Rewinder(client: try TestBroker.client("rewind"), producer: producer, parser: FilterParser(regions: [], topics: []),
                             maximumItems: 1, inputTopic: input, outputTopic: output, logger: TestBroker.logger)
        let truncated = try await short.rewind(subscription, since: since)
        #expect(truncated.state == .truncated && truncated.scanned == 1 && truncated.total >= 3, "\(truncated)")
        await producer.shutdown()
    }

    @Test func receiptsReachTheDeliveryLog() async throws {
        let topic = try await TestBroker.makeTopic("receipts", partitions: 1)
        let store = try SQLiteSubscriptionStore(path: ":memory:")
        let producer = try TestBroker.producer()
        var receipt = SampleEvents.deliveryReceipt
        for attempt in 1...3 {
            receipt.attempt = attempt
            receipt.attemptedAt = Date().addingTimeInterval(Double(attempt))
            // Each receipt twice: at least once upstream, once in the log.
            for _ in 0..<2 {
                try await producer.send(KafkaProducerMessage(topic: topic, key: receipt.subscriptionId, value: try EventCodec.encode(receipt, occurredAt: Date())))
            }
        }
        let consumer = try TestBroker.groupConsumer(group: TestBroker.unique("receipts"), topic: topic)
        let stage = StageRunner(name: "receipts-test", consumer: consumer, producer: producer, processor: ReceiptRecorder(store: store), logger: TestBroker.logger)
        let running = Task { try await stage.run() }
        let subscriptionID = receipt.subscriptionId
        let logged = try await withDeadline(.seconds(30), "three receipts in the log") {
            while true {
                let found = try await store.receipts(subscriptionID: subscriptionID, limit: 10)
                if found.count >= 3 { return found }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(logged.map(\.attempt) == [3, 2, 1])
        running.cancel()
        _ = try? await running.value
        await consumer.close()
        await producer.shutdown()
    }
}
