/// The Kafka header names (and the content type) that every event carries.
public enum EventHeaders {
    /// `content-type`; its value is always ``jsonContentType``.
    public static let contentType = "content-type"
    /// The value of ``contentType``.
    public static let jsonContentType = "application/json"
    /// `newsflash-event-type`: the envelope's `eventType`, e.g. `news.item`.
    public static let eventType = "newsflash-event-type"
    /// `newsflash-schema`: the schema's name, e.g. `news-item.v1` (file `Schemas/events/news-item.v1.schema.json`).
    public static let schema = "newsflash-schema"
    /// `traceparent`: W3C trace context, when the producer has one.
    public static let traceparent = "traceparent"

    /// The headers for an event of type `Payload`, as (name, value) pairs in a fixed order.
    public static func values<Payload: NewsEvent>(for type: Payload.Type, traceparent: String? = nil) -> [(String, String)] {
        var headers = [(contentType, jsonContentType), (eventType, Payload.eventType), (schema, Payload.schemaName)]
        if let traceparent { headers.append((EventHeaders.traceparent, traceparent)) }
        return headers
    }
}
