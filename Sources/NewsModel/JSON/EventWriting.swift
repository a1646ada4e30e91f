import Foundation

// The values a notifier writes once per attempt (the receipt, and the parts of an item
// that a webhook body repeats), with ``JSONWriter`` instead of `JSONEncoder`: the same
// bytes as ``EventCodec/encode(_:occurredAt:)``, members in sorted key order.

extension EventCodec {
    /// ``encode(_:occurredAt:)`` of a receipt, without `JSONEncoder`: the same bytes.
    /// - Throws: `EncodingError` when `latencyMs` is not finite.
    public static func encodeReceipt(_ receipt: DeliveryReceipt, occurredAt: Date) throws -> [UInt8] {
        var writer = JSONWriter(capacity: 512)
        try writer.object(EventEnvelopeKeys.self) { key, writer in
            switch key {
            case .data: try writer.member(key, receipt)
            case .eventId: writer.member(key, receipt.eventID)
            case .eventType: writer.member(key, DeliveryReceipt.eventType)
            case .occurredAt: writer.member(key, occurredAt)
            case .schemaVersion: writer.member(key, DeliveryReceipt.schemaVersion)
            }
        }
        return writer.bytes
    }
}

extension DeliveryReceipt: JSONObjectWriting {
    func writeMember(_ key: CodingKeys, to writer: inout JSONWriter) throws {
        switch key {
        case .attempt: writer.member(key, attempt)
        case .attemptedAt: writer.member(key, attemptedAt)
        case .channel: writer.member(key, channel)
        case .deliveryId: writer.member(key, deliveryId)
        case .error: writer.member(key, error)
        case .latencyMs: try writer.member(key, latencyMs)
        case .nextAttemptAt: writer.member(key, nextAttemptAt)
        case .outcome: writer.member(key, outcome)
        case .replayedAt: writer.member(key, replayedAt)
        case .statusCode: writer.member(key, statusCode)
        case .storyId: writer.member(key, storyId)
        case .subscriptionId: writer.member(key, subscriptionId)
        case .version: writer.member(key, version)
        }
    }
}

extension NewsItem: JSONObjectWriting {
    func writeMember(_ key: CodingKeys, to writer: inout JSONWriter) throws {
        switch key {
        case .authors: writer.member(key, authors)
        case .categories: writer.member(key, categories)
        case .fetchedAt: writer.member(key, fetchedAt)
        case .guid: writer.member(key, guid)
        case .hints: try writer.member(key, hints)
        case .imageUrl: writer.member(key, imageUrl)
        case .itemId: writer.member(key, itemId)
        case .language: writer.member(key, language)
        case .publishedAt: writer.member(key, publishedAt)
        case .sourceId: writer.member(key, sourceId)
        case .sourceKind: writer.member(key, sourceKind)
        case .storyId: writer.member(key, storyId)
        case .summary: writer.member(key, summary)
        case .title: writer.member(key, title)
        case .updatedAt: writer.member(key, updatedAt)
        case .url: writer.member(key, url)
        case .version: writer.member(key, version)
        }
    }
}

extension NewsItem.Hints: JSONObjectWriting {
    func writeMember(_ key: CodingKeys, to writer: inout JSONWriter) {
        switch key {
        case .region: writer.member(key, region)
        case .topic: writer.member(key, topic)
        }
    }
}

extension ScoredLabel: JSONObjectWriting {
    func writeMember(_ key: CodingKeys, to writer: inout JSONWriter) throws {
        switch key {
        case .label: writer.member(key, label)
        case .score: try writer.member(key, score)
        }
    }
}

extension ExplanationStep: JSONObjectWriting {
    func writeMember(_ key: CodingKeys, to writer: inout JSONWriter) {
        switch key {
        case .field: writer.member(key, field)
        case .kind: writer.member(key, kind)
        case .phrase: writer.member(key, phrase)
        case .rule: writer.member(key, rule)
        case .tag: writer.member(key, tag)
        }
    }
}
