import NewsModel
import Foundation
import Testing
@testable import Classifier

/// The bundled classifier, loaded once for all tests.
enum Bundled {
    static let classifier = Result { () throws(ClassifierError) -> NewsClassifier in try NewsClassifier.bundled() }

    static func get() throws -> NewsClassifier { try classifier.get() }
}

/// The bundled classifier's tags for one text.
func classify(_ text: String) throws -> Classification { try Bundled.get().classify(text: text) }

/// Each text's countries are the one given and no other.
func expectCountries(_ cases: [(text: String, country: String)], sourceLocation: SourceLocation = #_sourceLocation) throws {
    for (text, country) in cases {
        let countries = try classify(text).countries
        #expect(countries == [country], "\(text): \(countries)", sourceLocation: sourceLocation)
    }
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

/// Runs `work` on a thread of its own and waits for it: a CPU-bound step of many seconds (training
/// a model in a debug build) then holds none of the few threads that every other test's tasks
/// share, whose timers and I/O it would otherwise hold up.
func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
