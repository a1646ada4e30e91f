import Foundation

/// Why the classifier could not be built or a file could not be read.
public struct ClassifierError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// A bundled or named resource file is missing or unreadable.
        case resourceMissing
        case malformedGazetteer
        case malformedTopicModel
        case malformedUrgencyRules
        /// A labelled data set (JSON lines) has a bad line.
        case malformedLabelledData
        /// Training was asked for without usable examples.
        case noTrainingData
    }

    public var code: Code
    /// What went wrong and what to do about it.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

extension ClassifierError: LocalizedError {
    public var errorDescription: String? { message }
}

extension TaxonomyError: LocalizedError {
    public var errorDescription: String? { message }
}
