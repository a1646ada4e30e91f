import Foundation
import NewsModel
import Testing

@Suite struct ModelTests {
    @Test func eventIDsFollowTheSpec() {
        let item = SampleEvents.newsItem
        #expect(item.eventID == "\(item.itemId)#v1")
        #expect(SampleEvents.classifiedItem.eventID == item.eventID)
        let request = SampleEvents.deliveryRequest
        #expect(request.eventID == "\(request.deliveryId)#1")
        #expect(MinimalEvents.deliveryRequest.eventID == "\(MinimalEvents.deliveryRequest.deliveryId)#0")
        // A replay's attempts keep ids of their own, so the delivery log shows them beside the first delivery's.
        #expect(SampleEvents.deliveryReceipt.eventID == "\(request.deliveryId)#r1795911600250a1")
        var first = SampleEvents.deliveryReceipt
        first.replayedAt = nil
        #expect(first.eventID == "\(request.deliveryId)#a1")
        var replay = request
        replay.isReplay = true
        replay.createdAt = Date(timeIntervalSince1970: 1_795_911_681.5)
        #expect(request.replayedAt == nil)
        #expect(replay.replayedAt == replay.createdAt)
        #expect(SampleEvents.deadLetter.eventID == "alerts.retry.10h/3/1234")
    }

    @Test func typesNameTheirSchemas() {
        #expect(NewsItem.schemaName == "news-item.v1" && NewsItem.eventType == "news.item")
        #expect(ClassifiedItem.schemaName == "classified-item.v1" && ClassifiedItem.eventType == "news.classified")
        #expect(DeliveryRequest.schemaName == "delivery-request.v1" && DeliveryRequest.eventType == "alerts.delivery")
        #expect(DeliveryReceipt.schemaName == "delivery-receipt.v1" && DeliveryReceipt.eventType == "alerts.receipt")
        #expect(DeadLetter.schemaName == "dead-letter.v1" && DeadLetter.eventType == "alerts.dead-letter")
    }

    @Test func urgencyIsOrderedRoutineUrgentFlash() {
        #expect(Urgency.routine < .urgent)
        #expect(Urgency.urgent < .flash)
        #expect(!(Urgency.flash < .flash))
        #expect([Urgency.flash, .routine, .urgent].sorted() == [.routine, .urgent, .flash])
    }

    @Test func topicNames() {
        #expect(Topics.retryTopics == [
            "alerts.retry.5s", "alerts.retry.5m", "alerts.retry.30m", "alerts.retry.2h", "alerts.retry.5h", "alerts.retry.10h",
        ])
        #expect(Topics.pipeline.count == 13)
        #expect(Set(Topics.pipeline).count == 13)
        #expect(Topics.pipeline.starts(with: ["news.raw", "news.classified", "alerts.deliveries", "alerts.receipts", "alerts.dlq"]))
        #expect(Topics.pipeline.contains("subscriptions.changes"))
    }

    @Test func headersOfAnEvent() {
        let plain = EventHeaders.values(for: DeliveryRequest.self)
        #expect(plain.map(\.0) == ["content-type", "newsflash-event-type", "newsflash-schema"])
        #expect(plain.map(\.1) == ["application/json", "alerts.delivery", "delivery-request.v1"])
        let traced = EventHeaders.values(for: NewsItem.self, traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        #expect(traced.last?.0 == "traceparent")
        #expect(traced.last?.1 == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    }

    @Test func aDeadLetterKeepsNonUTF8BytesAsBase64() {
        let letter = DeadLetter(
            reason: .poison, error: "not JSON", originalTopic: "news.raw", partition: 0, offset: 9,
            rawKey: [0xff, 0x00], rawPayload: [0xc3, 0x28], delivery: nil, attempts: [],
            deadLetteredAt: Date(timeIntervalSince1970: 0))
        #expect(letter.payloadEncoding == .base64 && letter.payload == "wyg=")
        #expect(letter.keyEncoding == .base64 && letter.key == "/wA=")
        #expect(letter.rawPayload == [0xc3, 0x28])
        #expect(letter.rawKey == [0xff, 0x00])
        #expect(letter.eventID == "news.raw/0/9")
    }

    @Test func aDeadLetterKeepsUTF8BytesAsText() throws {
        let letter = SampleEvents.deadLetter
        #expect(letter.keyEncoding == .utf8 && letter.key == SampleEvents.deliveryRequest.subscriptionId)
        #expect(letter.payloadEncoding == .utf8)
        let raw = try #require(letter.rawPayload)
        let original = try EventCodec.decode(DeliveryRequest.self, from: raw)
        #expect(original.data == letter.delivery, "the payload is the dead-lettered delivery, byte for byte")
        #expect(original.data.attempts.count == 6 && letter.attempts.count == 7)
        #expect(letter.attempts.last?.outcome == .deadLettered)
        let noKey = MinimalEvents.deadLetter
        #expect(noKey.rawKey == nil && noKey.rawPayload == [])
    }

    @Test func theSampleStoryHangsTogether() {
        let item = SampleEvents.newsItem
        #expect(item.title == "Al Mayadeen's correspondent in South Lebanon: An Israeli airstrike targeted the town of Arabsalim")
        #expect(item.itemId == NewsItem.makeItemID(sourceID: item.sourceId, guid: item.guid))
        let request = SampleEvents.deliveryRequest
        #expect(request.deliveryId == DeliveryRequest.makeDeliveryID(
            subscriptionID: request.subscriptionId, storyID: item.storyId, version: item.version))
        #expect(request.item == SampleEvents.classifiedItem)
        #expect(request.notBefore == SampleEvents.deliveryReceipt.nextAttemptAt)
        #expect(SampleEvents.classifiedItem.regions.map(\.score) == SampleEvents.classifiedItem.regions.map(\.score).sorted(by: >))
        #expect(SampleEvents.classifiedItem.topics.map(\.score) == SampleEvents.classifiedItem.topics.map(\.score).sorted(by: >))
        #expect(SampleEvents.attempts.map(\.attempt) == Array(1...7))
        #expect(zip(SampleEvents.attempts, SampleEvents.attempts.dropFirst()).allSatisfy { $0.at < $1.at })
    }
}
