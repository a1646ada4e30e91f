/// A message that cannot be built as given: a line break in a header, a bad address, a bad header name.
public struct EmailMessageError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { "EmailMessageError: \(message)" }
}
