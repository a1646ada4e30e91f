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
    static func classified(_ guid: String, source: String, story: String, version: Int = 1, title: String,
                           regions: [String], topics: [String], urgency: Urgency) -> ClassifiedItem {
        let item = NewsItem(
            itemId: NewsItem.makeItemID(sourceID: source, guid: guid), sourceId: source, sourceKind: .rss, guid: guid, title: title,
            summary: "", fetchedAt: Date(), language: "en", storyId: StableID.make(prefix: "sty", [story]), version: version)
        return ClassifiedItem(
            item: item, regions: regions.map { ScoredLabel(label: $0, score: 0.9) }, topics: topics.map { ScoredLabel(label: $0, score: 0.8) },
            countries: [], places: [], urgency: urgency, explanation: [], classifierVersion: "test", classifiedAt: Date())
    }

    @Test func deliversOncePerStoryFlagsUpdatesAndFollowsChanges() async throws {
        let input = try await TestBroker.makeTopic("classified", partitions: 2)
        let output = try await TestBroker.makeTopic("deliveries", partitions: 2)
        let store = try SQLiteSubscriptionStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("subs-\(UUID().uuidString).sqlite").path)
        let mena = Subscription(name: "MENA desk", filter: "region:MENA", channel: .webhook(url: "http://127.0.0.1:9/hook"))
        let sports = Subscription(name: "Sports", filter: #"topic:Sports OR "cup final""#, channel: .email(address: "fan@example.com"))
        let flashOnly = Subscription(name: "Flash", filter: "region:MENA", channel: .webhook(url: "http://127.0.0.1:9/flash"), minimumUrgency: .flash)
        for subscription in [mena, sports, flashOnly] { try await store.save(subscription) }
        let directory = SubscriptionDirectory(store: store, logger: TestBroker.logger)
        #expect(try await directory.refresh() == 3)

        let producer = try TestBroker.producer()
        func publish(_ item: ClassifiedItem) async throws {
            try await producer.send(KafkaProducerMessage(topic: input, key: item.item.itemId, value: try EventCodec.encode(item, occurredAt: Date())))
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
            let result = try Subprocess.run(python, [Repository.script("Tests/Support/validate_events.py"), Repository.schemas, "-"], stdin: text + "\n")
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        }
    }
}
