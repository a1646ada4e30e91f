import Foundation

/// Encodes events to the bytes on a topic and decodes them back, checking the envelope.
///
/// Output is compact JSON with sorted keys (the same event gives the same bytes);
/// times are RFC 3339 UTC with milliseconds. Decoding accepts any RFC 3339 offset,
/// with or without fractional seconds.
public enum EventCodec {
    public static func encode<Payload: NewsEvent>(_ event: Payload, occurredAt: Date) throws -> [UInt8] {
        try encode(EventEnvelope(data: event, occurredAt: occurredAt))
    }

    public static func encode<Payload: NewsEvent>(_ envelope: EventEnvelope<Payload>) throws -> [UInt8] {
        Array(try makeEncoder().encode(envelope))
    }

    /// Encodes any value with the event conventions (sorted keys, RFC 3339 dates).
    public static func encodeValue<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        Array(try makeEncoder().encode(value))
    }

    /// Decodes an event of type `Payload`.
    /// - Throws: ``EventDecodingError`` saying what is wrong (not JSON, another event type,
    ///   an unsupported version, a missing or invalid field).
    public static func decode<Payload: NewsEvent>(_ type: Payload.Type, from bytes: [UInt8]) throws(EventDecodingError) -> EventEnvelope<Payload> {
        guard let header = peek(bytes) else {
            throw EventDecodingError(code: .malformedJSON, message: "not a JSON event envelope (no eventType/schemaVersion)")
        }
        guard header.eventType == Payload.eventType else {
            throw EventDecodingError(code: .wrongEventType, message: "expected \(Payload.eventType), got \(header.eventType)")
        }
        guard header.schemaVersion == Payload.schemaVersion else {
            throw EventDecodingError(
                code: .unsupportedSchemaVersion,
                message: "\(Payload.eventType) schemaVersion \(header.schemaVersion) is not supported (this build reads \(Payload.schemaVersion))")
        }
        do {
            return try makeDecoder().decode(EventEnvelope<Payload>.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw EventDecodingError(code: .invalidField, message: describe(error))
        } catch {
            throw EventDecodingError(code: .malformedJSON, message: "\(error)")
        }
    }

    /// The envelope's type and version, without decoding the payload; `nil` if it is not an envelope.
    public static func peek(_ bytes: [UInt8]) -> (eventType: String, schemaVersion: Int)? {
        struct Header: Decodable {
            let eventType: String
            let schemaVersion: Int
        }
        guard let header = try? JSONDecoder().decode(Header.self, from: Data(bytes)) else { return nil }
        return (header.eventType, header.schemaVersion)
    }

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
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an RFC 3339 time")
            }
            return date
        }
        return decoder
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "(root)" : keys.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field \(path(context)).\(key.stringValue)".replacingOccurrences(of: "(root).", with: "")
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

/// Why an event could not be decoded.
public struct EventDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case malformedJSON
        case wrongEventType
        case unsupportedSchemaVersion
        case invalidField
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "cannot decode event (\(code.rawValue)): \(message)" }
}

/// RFC 3339 times: written in UTC with milliseconds, read with any offset and precision.
///
/// Times are kept to the millisecond: `parse(format(t))` gives back `format(t)`
/// exactly, so an event decoded and encoded again has the same bytes.
public enum RFC3339Time {
    private static let seconds = Date.ISO8601FormatStyle()
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// `2026-11-29T08:00:00.123Z`.
    public static func format(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (whole, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let (wholeSeconds, fractionMilliseconds) = fraction < 0 ? (whole - 1, fraction + 1000) : (whole, fraction)
        let base = seconds.format(Date(timeIntervalSince1970: TimeInterval(wholeSeconds)))
        let digits = String(fractionMilliseconds)
        return base.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    /// Reads RFC 3339 (`Z` or `±hh:mm`, any fraction), rounded to the millisecond.
    public static func parse(_ text: String) -> Date? {
        let normalised = text.replacingOccurrences(of: "t", with: "T").replacingOccurrences(of: "z", with: "Z")
        guard let date = (try? withFraction.parse(normalised)) ?? (try? seconds.parse(normalised)) else { return nil }
        return Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }
}
