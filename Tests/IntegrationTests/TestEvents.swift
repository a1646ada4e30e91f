import Foundation
import NewsModel
import Pipeline
import RdKafka

extension NewsItem {
    /// A headline as a source of `kind` brings it: the item id from `source` and `guid` (as ingest
    /// makes it), its story `story`'s (by default the guid's alone), fetched now.
    static func headline(
        _ title: String, guid: String, source: String = "test", kind: SourceKind = .rss, url: String? = nil,
        categories: [String] = [], language: String? = "en", hints: Hints? = nil, story: String? = nil, version: Int = 1
    ) -> NewsItem {
        NewsItem(
            itemId: NewsItem.makeItemID(sourceID: source, guid: guid), sourceId: source, sourceKind: kind, guid: guid, title: title,
            summary: "", url: url, fetchedAt: Date(), language: language, categories: categories,
            storyId: StableID.make(prefix: "sty", [story ?? guid]), version: version, hints: hints)
    }
}

extension TestBroker {
    /// Sends `events` to `topic` one after another as the stages publish them (`StageOutput`: the
    /// envelope stamped `occurredAt` and the event type's headers), each keyed by `key`.
    static func send<Event: NewsEvent>(
        _ events: [Event], to topic: String, key: (Event) -> String, occurredAt: Date = Date(), with producer: KafkaProducer
    ) async throws {
        for event in events {
            try await producer.send(try StageOutput(topic: topic, key: key(event), event: event, occurredAt: occurredAt).producerMessage)
        }
    }

    /// Sends news items keyed by their item id, as ingest publishes them to `news.raw`.
    static func send(_ items: [NewsItem], to topic: String, with producer: KafkaProducer) async throws {
        try await send(items, to: topic, key: \.itemId, with: producer)
    }

    /// Sends classified items keyed by their item's id, as the classify stage publishes them.
    static func send(_ items: [ClassifiedItem], to topic: String, with producer: KafkaProducer) async throws {
        try await send(items, to: topic, key: \.item.itemId, with: producer)
    }
}
