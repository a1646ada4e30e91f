/// An error of one of Newsflash's libraries: a code to act on and a message that says what went
/// wrong and what to do about it (the whole of its description). Each library names its own
/// (`ClassifierError`, `SubscriptionStoreError`) by its enum of codes.
public struct CodedError<Code: Sendable & Hashable>: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: Code
    /// What went wrong and what to do about it.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

#if canImport(Foundation)
import Foundation

extension CodedError: LocalizedError {
    public var errorDescription: String? { message }
}
#endif
