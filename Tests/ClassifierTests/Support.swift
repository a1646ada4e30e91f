import NewsModel
import Foundation
import Testing
@testable import Classifier

/// The bundled classifier, loaded once for all tests.
enum Bundled {
    static let classifier = Result { () throws(ClassifierError) -> NewsClassifier in try NewsClassifier.bundled() }

    static func get() throws -> NewsClassifier { try classifier.get() }
}

/// A labelled fixture file of this test target.
func fixture(_ name: String) throws -> Data {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
    return try Data(contentsOf: url)
}

extension Classification {
    var regionLabels: Set<String> { Set(regions.map(\.label)) }
    var topicLabels: Set<String> { Set(topics.map(\.label)) }
}
