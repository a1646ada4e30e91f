import Foundation

/// One realistic, fully populated event of each type, for tests, documentation and the smoke run.
///
/// They tell one story: a line of Al Mayadeen's BREAKING ticker is ingested, classified
/// as MENA / Politics / flash, matched by a webhook subscription whose endpoint answers
/// HTTP 503, and, after the last retry, dead-lettered. All times are whole milliseconds,
/// so the events encode and decode without loss.
public enum SampleEvents {
    /// 2026-11-29T00:21:21.123Z, when ingest fetched the ticker.
    public static let fetchedAt = instant(1_795_911_681_123)

    /// The ticker line "Al Mayadeen's correspondent in South Lebanon: An Israeli airstrike targeted the town of Arabsalim".
    public static let newsItem: NewsItem = {
        let source = "almayadeen-breaking"
        let title = "Al Mayadeen's correspondent in South Lebanon: An Israeli airstrike targeted the town of Arabsalim"
        // A ticker line has no id or link of its own: its guid is the normalised title.
        let guid = "al mayadeen's correspondent in south lebanon: an israeli airstrike targeted the town of arabsalim"
        return NewsItem(
            itemId: NewsItem.makeItemID(sourceID: source, guid: guid), sourceId: source, sourceKind: .htmlTicker,
            guid: guid, title: title,
            summary: "An Israeli airstrike targeted the town of Arabsalim in South Lebanon, Al Mayadeen's correspondent reported.",
            url: "https://english.almayadeen.net/news/politics", publishedAt: instant(1_795_911_605_000),
            updatedAt: instant(1_795_911_640_000), fetchedAt: fetchedAt, language: "en",
            authors: ["Al Mayadeen English"], categories: ["Breaking", "Politics"],
            imageUrl: "https://english.almayadeen.net/images/breaking-news.jpg",
            storyId: StableID.make(prefix: "sty", ["israeli airstrike arabsalim south lebanon"]), version: 1,
            hints: NewsItem.Hints(region: "MENA", topic: "Politics"))
    }()

    /// ``newsItem`` tagged MENA / Politics / flash, with the phrases that led there.
    public static let classifiedItem = ClassifiedItem(
        item: newsItem,
        classification: Classification(
            regions: [ScoredLabel(label: "MENA", score: 0.94), ScoredLabel(label: "Palestine", score: 0.12)],
            topics: [ScoredLabel(label: "Politics", score: 0.81), ScoredLabel(label: "Miscellaneous", score: 0.07)],
            countries: ["LB", "IL"],
            places: [
                PlaceMatch(name: "Lebanon", countryCode: "LB", matchedText: "South Lebanon", field: .title),
                PlaceMatch(name: "Arab Salim", countryCode: "LB", matchedText: "Arabsalim", field: .title),
                PlaceMatch(name: "Israel", countryCode: "IL", matchedText: "Israeli", field: .summary),
            ],
            urgency: .flash,
            explanation: [
                ExplanationStep(kind: .region, tag: "MENA", phrase: "South Lebanon", field: .title, rule: "gazetteer"),
                ExplanationStep(kind: .country, tag: "LB", phrase: "South Lebanon", field: .title, rule: "gazetteer"),
                ExplanationStep(kind: .country, tag: "IL", phrase: "Israeli", field: .summary, rule: "gazetteer:demonym"),
                ExplanationStep(kind: .topic, tag: "Politics", phrase: "airstrike", field: .title, rule: "lexicon"),
                ExplanationStep(kind: .urgency, tag: "flash", phrase: "airstrike", field: .title, rule: "cue:airstrike"),
                ExplanationStep(kind: .urgency, tag: "flash", phrase: "BREAKING", field: .source, rule: "source:html-ticker"),
            ],
            classifierVersion: "2026.11.1"),
        classifiedAt: instant(1_795_911_681_187))

    /// The attempts of the story's webhook delivery: the endpoint answers 503, then 500, until the
    /// last step of the retry schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h) gives up.
    public static let attempts: [DeliveryAttempt] = {
        let delays: [Int64] = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000]
        var at: Int64 = 1_795_911_681_230
        var attempts: [DeliveryAttempt] = []
        for (index, delay) in delays.enumerated() {
            at += delay
            let last = index == delays.count - 1
            attempts.append(DeliveryAttempt(
                attempt: index + 1, at: instant(at), outcome: last ? .deadLettered : .retry,
                statusCode: index == 0 ? 503 : 500,
                error: index == 0 ? "HTTP 503 Service Unavailable" : "HTTP 500 Internal Server Error",
                latencyMs: 41.5 + Double(index)))
        }
        return attempts
    }()

    static let subscriptionID = "sub_3f9a1c2b7d"

    /// The delivery of ``classifiedItem`` to a webhook subscription, as re-published to
    /// `alerts.retry.5s` after its first attempt failed.
    public static let deliveryRequest = delivery(attemptsSoFar: 1)

    /// The receipt of the first attempt of a replay: HTTP 503, retry in 5 seconds.
    public static let deliveryReceipt: DeliveryReceipt = {
        let first = attempts[0]
        return DeliveryReceipt(
            deliveryId: deliveryRequest.deliveryId, subscriptionId: subscriptionID, storyId: newsItem.storyId,
            channel: .webhook, version: newsItem.version, attempt: first.attempt, outcome: first.outcome,
            statusCode: first.statusCode, error: first.error, latencyMs: first.latencyMs ?? 0, attemptedAt: first.at,
            nextAttemptAt: attempts[1].at, replayedAt: instant(1_795_911_600_250))
    }()

    /// The delivery after its seventh and last attempt, read from `alerts.retry.10h` and dead-lettered
    /// with its whole history and the original message's bytes.
    public static let deadLetter: DeadLetter = {
        let lastRetry = delivery(attemptsSoFar: attempts.count - 1)
        let bytes = (try? EventCodec.encode(lastRetry, occurredAt: attempts[attempts.count - 2].at)) ?? []
        return DeadLetter(
            reason: .retriesExhausted,
            error: "7 attempts failed; the last: HTTP 500 Internal Server Error from https://hooks.example.com/newsflash",
            originalTopic: "alerts.retry.10h", partition: 3, offset: 1234, rawKey: Array(subscriptionID.utf8),
            rawPayload: bytes, delivery: lastRetry, attempts: attempts,
            deadLetteredAt: instant(1_795_911_681_230 + 63_305_000 + 100))
    }()

    /// Every sample, in pipeline order: item, classified item, delivery, receipt, dead letter.
    public static let all: [any NewsEvent] = [newsItem, classifiedItem, deliveryRequest, deliveryReceipt, deadLetter]

    private static func delivery(attemptsSoFar count: Int) -> DeliveryRequest {
        let history = Array(attempts.prefix(count))
        return DeliveryRequest(
            deliveryId: DeliveryRequest.makeDeliveryID(subscriptionID: subscriptionID, storyID: newsItem.storyId, version: 1),
            subscriptionId: subscriptionID, channel: .webhook, storyId: newsItem.storyId, version: newsItem.version,
            isUpdate: false, isReplay: false, item: classifiedItem,
            match: MatchExplanation(
                filter: #"region:MENA AND (topic:Politics OR "air strike" OR airstrike)"#,
                matchedTerms: ["region:MENA", "topic:Politics", "airstrike"]),
            createdAt: instant(1_795_911_681_204), attempts: history,
            notBefore: count < attempts.count ? attempts[count].at : nil)
    }

    /// A time as RFC3339Time.parse makes it, so that samples compare equal after a round trip.
    private static func instant(_ millisecondsSince1970: Int64) -> Date {
        Date(timeIntervalSince1970: Double(millisecondsSince1970) / 1000)
    }
}
