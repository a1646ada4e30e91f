import Foundation
import NewsModel

/// Why the classifier could not be built or a file could not be read.
public typealias ClassifierError = CodedError<ClassifierErrorCode>

public enum ClassifierErrorCode: String, Sendable, Hashable {
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
