import Foundation
import NewsModel

/// One event of each type with every optional field `nil` and every list empty.
enum MinimalEvents {
    static let time = Date(timeIntervalSince1970: 1_795_911_681)

    static let newsItem = NewsItem(
        itemId: NewsItem.makeItemID(sourceID: "wire", guid: "g-1"), sourceId: "wire", sourceKind: .rss, guid: "g-1",
        title: "Quake hits coast", summary: "", fetchedAt: time, storyId: StableID.make(prefix: "sty", ["quake"]))

    static let classifiedItem = ClassifiedItem(
        item: newsItem,
        classification: Classification(
            regions: [], topics: [], countries: [], places: [], urgency: .routine, explanation: [], classifierVersion: "test"),
        classifiedAt: time)

    static let deliveryRequest = DeliveryRequest(
        deliveryId: DeliveryRequest.makeDeliveryID(subscriptionID: "sub_1", storyID: newsItem.storyId, version: 1),
        subscriptionId: "sub_1", channel: .email, storyId: newsItem.storyId, version: 1, isUpdate: false, isReplay: true,
        item: classifiedItem, match: MatchExplanation(filter: "", matchedTerms: []), createdAt: time)

    static let deliveryReceipt = DeliveryReceipt(
        deliveryId: deliveryRequest.deliveryId, subscriptionId: "sub_1", storyId: newsItem.storyId, channel: .email,
        version: 1, attempt: 1, outcome: .delivered, latencyMs: 0, attemptedAt: time)

    static let deadLetter = DeadLetter(
        reason: .poison, error: "not JSON", originalTopic: "news.raw", partition: 0, offset: 0, key: nil, keyEncoding: nil,
        payload: "", payloadEncoding: .utf8, delivery: nil, attempts: [], deadLetteredAt: time)

    static let all: [any NewsEvent] = [newsItem, classifiedItem, deliveryRequest, deliveryReceipt, deadLetter]
}
