/// Why bytes could not be decoded as an event; thrown by ``EventCodec/decode(_:from:)``.
///
/// Switch on ``code`` to decide what to do (a consumer dead-letters all of them as poison);
/// ``message`` says, for a person, what was wrong and where.
public struct EventDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// Not JSON at all (a syntax error, not UTF-8, empty).
        case malformedJSON
        /// A well-formed envelope of another event type: the message is on the wrong topic
        /// or the consumer expects the wrong type.
        case wrongEventType
        /// The right event type in a schema version this build does not read.
        case unsupportedSchemaVersion
        /// JSON, but a field is missing, has the wrong type or an invalid value.
        case invalidField
    }

    public var code: Code
    public var message: String

    public var description: String { "cannot decode event (\(code.rawValue)): \(message)" }

    static func wrongEventType<Payload: NewsEvent>(_ found: String, expected: Payload.Type) -> EventDecodingError {
        EventDecodingError(
            code: .wrongEventType,
            message: "eventType is '\(found)' but this reader takes '\(Payload.eventType)' only; check the topic it reads")
    }

    static func unsupportedSchemaVersion<Payload: NewsEvent>(_ found: Int, expected: Payload.Type) -> EventDecodingError {
        EventDecodingError(
            code: .unsupportedSchemaVersion,
            message: "\(Payload.eventType) schemaVersion \(found) is not supported; this build reads version "
                + "\(Payload.schemaVersion) (\(Payload.schemaName)); upgrade the reader or re-publish the event as version \(Payload.schemaVersion)")
    }
}
