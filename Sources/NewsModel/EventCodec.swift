import Foundation

/// Encodes events to the bytes on a topic and decodes them back, checking the envelope.
///
/// Output is compact UTF-8 JSON with sorted keys, so the same event always gives the
/// same bytes; optional fields that are `nil` are left out (never `null`); times are
/// RFC 3339 UTC with milliseconds (``RFC3339Time``). Decoding accepts any RFC 3339
/// offset, with or without fractional seconds. Every function is pure and safe to call
/// from any thread.
public enum EventCodec {
    /// The envelope for `event`, produced at `occurredAt`, as JSON bytes.
    /// - Throws: `EncodingError` when a number is not finite (a NaN score or latency).
    public static func encode<Payload: NewsEvent>(_ event: Payload, occurredAt: Date) throws -> [UInt8] {
        try encode(EventEnvelope(data: event, occurredAt: occurredAt))
    }

    /// `envelope` as JSON bytes, exactly as it stands (a decoded envelope re-encodes to the same bytes).
    public static func encode<Payload: NewsEvent>(_ envelope: EventEnvelope<Payload>) throws -> [UInt8] {
        Array(try encoder.encode(envelope))
    }

    /// ``encode(_:occurredAt:)`` of a receipt, which a notifier writes once per attempt, with
    /// ``JSONWriter/encode(_:capacity:)`` instead of `JSONEncoder`: the same bytes (tests compare them).
    /// - Throws: `EncodingError` when `latencyMs` is not finite.
    public static func encodeReceipt(_ receipt: DeliveryReceipt, occurredAt: Date) throws -> [UInt8] {
        try JSONWriter.encode(EventEnvelope(data: receipt, occurredAt: occurredAt), capacity: 512)
    }

    /// Any value in the event conventions (sorted keys, RFC 3339 dates, no `null`s), e.g. a payload alone.
    public static func encodeValue<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        Array(try encoder.encode(value))
    }

    /// What ``encodeValue(_:)`` wrote, read back (RFC 3339 dates).
    public static func decodeValue<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        try decoder.decode(type, from: Data(bytes))
    }

    /// Decodes an event of type `Payload`, checking the envelope's `eventType` and `schemaVersion` first.
    /// - Throws: ``EventDecodingError`` whose ``EventDecodingError/code`` says what is wrong (not JSON,
    ///   another event type, an unsupported version, a missing or invalid field) and whose message says where.
    public static func decode<Payload: NewsEvent>(
        _ type: Payload.Type, from bytes: [UInt8]
    ) throws(EventDecodingError) -> EventEnvelope<Payload> {
        do {
            return try decoder.decode(EventEnvelope<Payload>.self, from: Data(bytes))
        } catch let error as EventDecodingError {
            throw error
        } catch let error as DecodingError {
            throw describe(error, decoding: Payload.self)
        } catch {
            throw EventDecodingError(code: .malformedJSON, message: "not a \(Payload.eventType) event: \(error)")
        }
    }

    /// The envelope's `eventType` and `schemaVersion`, without decoding the payload;
    /// `nil` when `bytes` are not a JSON object with both. For routing and dead-lettering.
    public static func peekType(_ bytes: [UInt8]) -> (eventType: String, schemaVersion: Int)? {
        struct Header: Decodable {
            let eventType: String
            let schemaVersion: Int
        }
        guard let header = try? JSONDecoder().decode(Header.self, from: Data(bytes)) else { return nil }
        return (header.eventType, header.schemaVersion)
    }

    /// Built once: every produced and consumed event goes through these, and a JSON
    /// coder that is configured once and never mutated may be shared across threads.
    private static let encoder = makeEncoder()
    private static let decoder = makeDecoder()

    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339Time.format(date))
        }
        return encoder
    }

    static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339Time.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "'\(text)' is not an RFC 3339 time such as 2026-11-29T08:00:00.000Z")
            }
            return date
        }
        return decoder
    }

    private static func describe<Payload: NewsEvent>(_ error: DecodingError, decoding: Payload.Type) -> EventDecodingError {
        func path(_ codingPath: [any CodingKey]) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += (text.isEmpty ? "" : ".") + key.stringValue
                }
            }
            return text.isEmpty ? "(root)" : text
        }
        let invalid = { (message: String) in
            EventDecodingError(code: .invalidField, message: "\(Payload.eventType) event: \(message)")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return invalid("missing field \(path(context.codingPath + [key]))")
        case .valueNotFound(_, let context):
            return invalid("\(path(context.codingPath)) is null but required")
        case .typeMismatch(let type, let context):
            return invalid("\(path(context.codingPath)) is not \(article(type)): \(context.debugDescription)")
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            // Only the JSON parser fails at the root: the bytes are not JSON.
            let cause = context.underlyingError.map { ": \($0)" } ?? ""
            return EventDecodingError(
                code: .malformedJSON, message: "not JSON (expected a \(Payload.eventType) envelope object)\(cause)")
        case .dataCorrupted(let context):
            return invalid("\(path(context.codingPath)): \(context.debugDescription)")
        @unknown default:
            return invalid("\(error)")
        }
    }

    private static func article(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        case is [String: Any].Type: "an object"
        case is [Any].Type: "an array"
        default: "a \(type)"
        }
    }
}
