import Foundation
import MatchStage
import NewsModel
import RdKafka
import Subscriptions
import Testing

/// What a replay sends for each message, decided without a broker.
struct ReplayRouterTests {
    let parser = FilterParser(regions: ["MENA", "Europe"], topics: ["Politics", "Sports"])

    func message<Event: NewsEvent>(_ event: Event, topic: String, at time: Date = SampleEvents.fetchedAt, key: String? = "k") throws -> KafkaConsumerMessage {
        KafkaConsumerMessage(
            topic: topic, partition: 0, offset: 7, key: key.map { Array($0.utf8) }, value: try EventCodec.encode(event, occurredAt: time),
            headers: KafkaHeader.list(EventHeaders.values(for: Event.self)), timestampMilliseconds: Int64(time.timeIntervalSince1970 * 1000))
    }

    func sent(_ decision: ReplayRouter.Decision) throws -> KafkaProducerMessage {
        guard case .send(let output) = decision else { throw ReplayError("expected a send, got \(decision)") }
        return output
    }

    @Test func aCopyKeepsBytesAndKeyAndCarriesTheReplayHeader() throws {
        let router = try ReplayRouter(sourceTopic: Topics.newsRaw, target: .topic(Topics.newsRaw), parser: parser, replayID: "rpl_1")
        let input = try message(SampleEvents.newsItem, topic: Topics.newsRaw)
        let output = try sent(router.decide(input))
        #expect(output.topic == Topics.newsRaw && output.value == input.value && output.key == input.key)
        #expect(output.headers.filter { $0.key == ReplayRouter.header }.map(\.value) == [Array("rpl_1".utf8)])
        #expect(output.headers.contains { $0.key == EventHeaders.eventType })
        // Replaying a replayed message keeps one replay header: the newest.
        var again = input
        again.headers = output.headers
        let second = try ReplayRouter(sourceTopic: Topics.newsRaw, target: .topic("scratch"), parser: parser, replayID: "rpl_2")
        #expect(try sent(second.decide(again)).headers.filter { $0.key == ReplayRouter.header }.map(\.value) == [Array("rpl_2".utf8)])
    }

    @Test func theWindowIncludesItsStartAndExcludesItsEnd() throws {
        let start = SampleEvents.fetchedAt, end = start.addingTimeInterval(60)
        let router = try ReplayRouter(
            sourceTopic: Topics.newsRaw, target: .topic(Topics.newsRaw), since: start, until: end, parser: parser, replayID: "r")
        #expect(try sent(router.decide(message(SampleEvents.newsItem, topic: Topics.newsRaw, at: start))).topic == Topics.newsRaw)
        #expect(router.decide(try message(SampleEvents.newsItem, topic: Topics.newsRaw, at: start.addingTimeInterval(-0.001))) == .skip(.outsideWindow))
        #expect(router.decide(try message(SampleEvents.newsItem, topic: Topics.newsRaw, at: end)) == .skip(.outsideWindow))
    }

    @Test func eventsGoOnlyWhereTheirTypeIsRead() throws {
        #expect(throws: ReplayError.self) {
            try ReplayRouter(sourceTopic: Topics.newsRaw, target: .topic(Topics.newsClassified), parser: parser, replayID: "r")
        }
        #expect(throws: ReplayError.self) {
            try ReplayRouter(sourceTopic: Topics.newsRaw, target: .subscription("sub_1"), subscription: nil, parser: parser, replayID: "r")
        }
        // A filter needs tags.
        #expect(throws: ReplayError.self) {
            try ReplayRouter(sourceTopic: Topics.newsRaw, target: .topic(Topics.newsRaw), filter: try parser.parse("topic:Sports"), parser: parser, replayID: "r")
        }
        // From a topic outside the pipeline, the check is per message.
        let router = try ReplayRouter(sourceTopic: "scratch", target: .topic(Topics.newsClassified), parser: parser, replayID: "r")
        #expect(router.decide(try message(SampleEvents.newsItem, topic: "scratch")) == .skip(.wrongType))
        #expect(try sent(router.decide(message(SampleEvents.classifiedItem, topic: "scratch"))).topic == Topics.newsClassified)
    }

    @Test func theFilterSelectsClassifiedItemsAndDeliveries() throws {
        let politics = try ReplayRouter(
            sourceTopic: Topics.newsClassified, target: .topic(Topics.newsClassified), filter: try parser.parse("topic:Politics AND region:MENA"),
            parser: parser, replayID: "r")
        let sports = try ReplayRouter(
            sourceTopic: Topics.newsClassified, target: .topic(Topics.newsClassified), filter: try parser.parse("topic:Sports"), parser: parser, replayID: "r")
        let item = try message(SampleEvents.classifiedItem, topic: Topics.newsClassified)
        #expect(try sent(politics.decide(item)).value == item.value)
        #expect(sports.decide(item) == .skip(.filteredOut))
        let deliveries = try ReplayRouter(
            sourceTopic: Topics.alertsDeliveries, target: .topic(Topics.alertsDeliveries), filter: try parser.parse("topic:Sports"), parser: parser, replayID: "r")
        #expect(deliveries.decide(try message(SampleEvents.deliveryRequest, topic: Topics.alertsDeliveries)) == .skip(.filteredOut))
    }

    @Test func oneSubscriptionGetsWhatItsOwnFilterMatchesAsReplays() throws {
        let subscription = Subscription(name: "Lebanon desk", filter: "region:MENA", channel: .webhook(url: "https://example.org/hook"))
        let router = try ReplayRouter(
            sourceTopic: Topics.newsClassified, target: .subscription(subscription.id), subscription: subscription, parser: parser, replayID: "r")
        let output = try sent(router.decide(message(SampleEvents.classifiedItem, topic: Topics.newsClassified)))
        #expect(output.topic == Topics.alertsDeliveries && output.key == Array(subscription.id.utf8))
        let request = try EventCodec.decode(DeliveryRequest.self, from: output.value).data
        #expect(request.subscriptionId == subscription.id && request.isReplay && request.item.item.itemId == SampleEvents.newsItem.itemId)
        // The delivery id is the one the match stage gives the same subscription, story and version.
        #expect(request.deliveryId == DeliveryRequest.make(SampleEvents.classifiedItem, for: subscription, matchedTerms: [], isUpdate: false, isReplay: false).deliveryId)

        let elsewhere = Subscription(name: "Europe", filter: "region:Europe", channel: .webhook(url: "https://example.org/hook"))
        let other = try ReplayRouter(
            sourceTopic: Topics.newsClassified, target: .subscription(elsewhere.id), subscription: elsewhere, parser: parser, replayID: "r")
        #expect(other.decide(try message(SampleEvents.classifiedItem, topic: Topics.newsClassified)) == .skip(.otherSubscription))
        // Deliveries of other subscriptions are not sent to this one.
        #expect(router.decide(try message(SampleEvents.deliveryRequest, topic: Topics.alertsDeliveries)) == .skip(.otherSubscription))
    }

    @Test func aDeadLetterGoesBackAsItsDeliveryWithAFreshAttemptHistory() throws {
        let router = try ReplayRouter(sourceTopic: Topics.alertsDLQ, target: .topic(Topics.alertsDeliveries), parser: parser, replayID: "r")
        let output = try sent(router.decide(message(SampleEvents.deadLetter, topic: Topics.alertsDLQ)))
        let request = try EventCodec.decode(DeliveryRequest.self, from: output.value).data
        let original = try #require(SampleEvents.deadLetter.delivery)
        #expect(request.deliveryId == original.deliveryId && request.attempts.isEmpty && request.notBefore == nil)
        #expect(output.key == Array(original.subscriptionId.utf8))
        let poison = DeadLetter(
            reason: .poison, error: "x", originalTopic: Topics.alertsDeliveries, partition: 0, offset: 1, rawKey: nil, rawPayload: [0xFF],
            delivery: nil, attempts: [], deadLetteredAt: Date())
        #expect(router.decide(try message(poison, topic: Topics.alertsDLQ)) == .skip(.noDelivery))
    }

    @Test func aCheckpointRoundTripsAndKnowsWhatIsLeft() throws {
        var checkpoint = ReplayCheckpoint(
            replayID: "rpl_1", topic: Topics.newsRaw, target: .topic(Topics.newsRaw), since: SampleEvents.fetchedAt, until: nil, filter: nil,
            ratePerSecond: 50, next: [0: 10, 1: 5], end: [0: 20, 1: 5], startedAt: SampleEvents.fetchedAt)
        #expect(checkpoint.remaining == [0: 10] && checkpoint.left == 10 && !checkpoint.isComplete)
        checkpoint.next["0"] = 20
        #expect(checkpoint.isComplete)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try checkpoint.save(path)
        #expect(try ReplayCheckpoint.load(path) == checkpoint)
    }
}
