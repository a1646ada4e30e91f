import Foundation

/// A payload that travels on a Kafka topic inside an ``EventEnvelope``.
///
/// Each conforming type has a JSON Schema in `Schemas/events/<schemaName>.schema.json`
/// and is encoded and decoded with ``EventCodec``.
public protocol NewsEvent: Codable, Sendable, Hashable {
    /// The envelope's `eventType`, e.g. `news.item`.
    static var eventType: String { get }
    /// The envelope's `schemaVersion`.
    static var schemaVersion: Int { get }
    /// The schema's file stem and the `newsflash-schema` header, e.g. `news-item.v1`.
    static var schemaName: String { get }
    /// A stable id: the same event, published again (a retry, a replay), has the same id.
    var eventID: String { get }
}

/// What every event on every topic looks like:
/// `{"eventType", "schemaVersion", "eventId", "occurredAt", "data"}`.
///
/// Decoding checks the envelope before the payload: an envelope of another event type
/// or schema version throws an ``EventDecodingError`` (`wrongEventType`,
/// `unsupportedSchemaVersion`) without looking at `data`.
public struct EventEnvelope<Payload: NewsEvent>: Codable, Sendable, Hashable {
    public var eventType: String
    public var schemaVersion: Int
    /// The payload's ``NewsEvent/eventID``.
    public var eventId: String
    /// When the event happened (was produced); written as RFC 3339 UTC.
    public var occurredAt: Date
    public var data: Payload

    /// The envelope of `data`: its type, version and id come from `Payload`.
    public init(data: Payload, occurredAt: Date) {
        self.init(eventId: data.eventID, occurredAt: occurredAt, data: data)
    }

    /// An envelope of `Payload`'s type and version (decoders check those before they read the rest).
    init(eventId: String, occurredAt: Date, data: Payload) {
        eventType = Payload.eventType
        schemaVersion = Payload.schemaVersion
        self.eventId = eventId
        self.occurredAt = occurredAt
        self.data = data
    }

    typealias CodingKeys = EventEnvelopeKeys

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let eventType = try container.decode(String.self, forKey: .eventType)
        guard eventType == Payload.eventType else { throw EventDecodingError.wrongEventType(eventType, expected: Payload.self) }
        let schemaVersion = try container.decode(Int.self, forKey: .schemaVersion)
        guard schemaVersion == Payload.schemaVersion else {
            throw EventDecodingError.unsupportedSchemaVersion(schemaVersion, expected: Payload.self)
        }
        self.init(
            eventId: try container.decode(String.self, forKey: .eventId),
            occurredAt: try container.decode(Date.self, forKey: .occurredAt),
            data: try container.decode(Payload.self, forKey: .data))
    }
}

/// The members of every envelope (``EventEnvelope``), in sorted order.
enum EventEnvelopeKeys: String, CodingKey {
    case data, eventId, eventType, occurredAt, schemaVersion
}
