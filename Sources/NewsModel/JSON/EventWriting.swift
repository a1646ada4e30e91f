import Foundation

// The values a notifier writes once per attempt (the receipt, and the parts of an item
// that a webhook body repeats), with ``JSONWriter`` instead of `JSONEncoder`: the same
// bytes as ``EventCodec/encode(_:occurredAt:)``, members in sorted key order.

extension EventCodec {
    /// ``encode(_:occurredAt:)`` of a receipt, without `JSONEncoder`: the same bytes.
    /// - Throws: `EncodingError` when `latencyMs` is not finite.
    public static func encodeReceipt(_ receipt: DeliveryReceipt, occurredAt: Date) throws -> [UInt8] {
        var writer = JSONWriter(capacity: 512)
        writer.beginObject()
        writer.key("data")
        try receipt.writeJSON(to: &writer)
        writer.member("eventId", receipt.eventID)
        writer.member("eventType", DeliveryReceipt.eventType)
        writer.member("occurredAt", occurredAt)
        writer.member("schemaVersion", DeliveryReceipt.schemaVersion)
        writer.endObject()
        return writer.bytes
    }
}

extension DeliveryReceipt {
    func writeJSON(to writer: inout JSONWriter) throws {
        writer.beginObject()
        writer.member("attempt", attempt)
        writer.member("attemptedAt", attemptedAt)
        writer.member("channel", channel.rawValue)
        writer.member("deliveryId", deliveryId)
        writer.member("error", error)
        try writer.member("latencyMs", latencyMs)
        writer.member("nextAttemptAt", nextAttemptAt)
        writer.member("outcome", outcome.rawValue)
        writer.member("replayedAt", replayedAt)
        writer.member("statusCode", statusCode)
        writer.member("storyId", storyId)
        writer.member("subscriptionId", subscriptionId)
        writer.member("version", version)
        writer.endObject()
    }
}

extension NewsItem {
    /// The item as `EventCodec` encodes it.
    public func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("authors", authors)
        writer.member("categories", categories)
        writer.member("fetchedAt", fetchedAt)
        writer.member("guid", guid)
        if let hints {
            writer.key("hints")
            writer.beginObject()
            writer.member("region", hints.region)
            writer.member("topic", hints.topic)
            writer.endObject()
        }
        writer.member("imageUrl", imageUrl)
        writer.member("itemId", itemId)
        writer.member("language", language)
        writer.member("publishedAt", publishedAt)
        writer.member("sourceId", sourceId)
        writer.member("sourceKind", sourceKind.rawValue)
        writer.member("storyId", storyId)
        writer.member("summary", summary)
        writer.member("title", title)
        writer.member("updatedAt", updatedAt)
        writer.member("url", url)
        writer.member("version", version)
        writer.endObject()
    }
}

extension ScoredLabel {
    /// The label as `EventCodec` encodes it.
    /// - Throws: `EncodingError` when the score is not finite.
    public func writeJSON(to writer: inout JSONWriter) throws {
        writer.beginObject()
        writer.member("label", label)
        try writer.member("score", score)
        writer.endObject()
    }
}

extension ExplanationStep {
    /// The step as `EventCodec` encodes it.
    public func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("field", field.rawValue)
        writer.member("kind", kind.rawValue)
        writer.member("phrase", phrase)
        writer.member("rule", rule)
        writer.member("tag", tag)
        writer.endObject()
    }
}
