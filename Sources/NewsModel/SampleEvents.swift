import Foundation

/// One realistic, fully populated event of each type, for tests, docs and the smoke run.
public enum SampleEvents {
    static let fetched = Date(timeIntervalSince1970: 1_764_403_200)  // 2025-11-29T08:00:00Z

    public static let newsItem: NewsItem = {
        let guid = "https://english.almayadeen.net/news/politics/arabsalim-airstrike"
        let itemID = NewsItem.makeItemID(sourceID: "almayadeen-ticker", guid: guid)
        return NewsItem(
            itemId: itemID, sourceId: "almayadeen-ticker", sourceKind: .htmlTicker, guid: guid,
            title: "Al Mayadeen's correspondent in South Lebanon: An Israeli airstrike targeted the town of Arabsalim",
            summary: "An Israeli airstrike targeted the town of Arabsalim in South Lebanon, the correspondent reported.",
            url: "https://english.almayadeen.net/news/politics/arabsalim-airstrike",
            publishedAt: fetched.addingTimeInterval(-90), updatedAt: fetched.addingTimeInterval(-30), fetchedAt: fetched,
            language: "en", authors: ["Al Mayadeen English"], categories: ["Politics", "MENA"],
            imageUrl: "https://english.almayadeen.net/images/arabsalim.jpg",
            storyId: StableID.make(prefix: "sty", ["arabsalim airstrike"]), version: 1,
            hints: NewsItem.Hints(region: "MENA", topic: "Politics"))
    }()

    public static let classifiedItem = ClassifiedItem(
        item: newsItem,
        regions: [ScoredLabel(label: "MENA", score: 0.94)],
        topics: [ScoredLabel(label: "Politics", score: 0.81), ScoredLabel(label: "Miscellaneous", score: 0.07)],
        countries: ["LB", "IL"],
        places: [
            PlaceMatch(name: "Lebanon", countryCode: "LB", matchedText: "South Lebanon", field: .title),
            PlaceMatch(name: "Israel", countryCode: "IL", matchedText: "Israeli", field: .title),
        ],
        urgency: .flash,
        explanation: [
            ExplanationStep(kind: .region, tag: "MENA", phrase: "South Lebanon", field: .title, rule: "gazetteer"),
            ExplanationStep(kind: .country, tag: "LB", phrase: "South Lebanon", field: .title, rule: "gazetteer"),
            ExplanationStep(kind: .topic, tag: "Politics", phrase: "airstrike", field: .title, rule: "lexicon"),
            ExplanationStep(kind: .urgency, tag: "flash", phrase: "airstrike", field: .title, rule: "cue:airstrike"),
        ],
        classifierVersion: "2026.11.1",
        classifiedAt: fetched.addingTimeInterval(1))

    public static let deliveryRequest: DeliveryRequest = {
        let subscription = "sub_3f9a1c2b7d"
        return DeliveryRequest(
            deliveryId: DeliveryRequest.makeDeliveryID(subscriptionID: subscription, storyID: newsItem.storyId, version: 1),
            subscriptionId: subscription, channel: .webhook, storyId: newsItem.storyId, version: 1,
            isUpdate: false, isReplay: false, item: classifiedItem,
            match: MatchExplanation(filter: "region:MENA AND (topic:Politics OR \"air strike\")", matchedTerms: ["region:MENA", "topic:Politics"]),
            createdAt: fetched.addingTimeInterval(2),
            attempts: [DeliveryAttempt(attempt: 1, at: fetched.addingTimeInterval(3), outcome: .retry, statusCode: 503, error: "HTTP 503", latencyMs: 41.5)],
            notBefore: fetched.addingTimeInterval(8))
    }()

    public static let deliveryReceipt = DeliveryReceipt(
        deliveryId: deliveryRequest.deliveryId, subscriptionId: deliveryRequest.subscriptionId, storyId: newsItem.storyId,
        channel: .webhook, version: 1, attempt: 2, outcome: .delivered, statusCode: 200, latencyMs: 12.25,
        attemptedAt: fetched.addingTimeInterval(9))

    public static let deadLetter = DeadLetter(
        reason: .retriesExhausted, error: "7 attempts failed; last: HTTP 500 from https://hooks.example.com/alerts",
        originalTopic: "alerts.retry.10h", partition: 3, offset: 1234,
        rawKey: Array(deliveryRequest.subscriptionId.utf8), rawPayload: Array("{\"eventType\":\"alerts.delivery\"}".utf8),
        delivery: deliveryRequest, attempts: deliveryRequest.attempts, deadLetteredAt: fetched.addingTimeInterval(36_000))
}
