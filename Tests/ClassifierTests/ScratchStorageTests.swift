import Testing
@testable import Classifier

struct ScratchStorageTests {
    @Test func replacingWithNothingBeforeAnythingIsStoredLeavesItEmpty() {
        var storage = ScratchStorage<UInt8>()
        let empty: [UInt8] = []
        // An empty array's buffer has no address, an empty string's bytes have one: both.
        empty.withUnsafeBufferPointer { storage.replace(with: $0) }
        #expect(storage.count == 0)
        var text = ""
        text.withUTF8 { storage.replace(with: $0) }
        "".utf8.withContiguousStorageIfAvailable { storage.replace(with: $0) }
        #expect(storage.count == 0)
    }

    @Test func keepsItsElementsAcrossGrowthAndReuse() {
        var storage = ScratchStorage<Int32>()
        for value in 0..<100 { storage.append(Int32(value)) }
        #expect(Array(storage.elements) == (0..<100).map(Int32.init))
        storage.removeAll()
        [7, 8, 9].withUnsafeBufferPointer { storage.replace(with: $0) }
        #expect(Array(storage.elements) == [7, 8, 9])
        storage.truncate(to: 1)
        #expect(Array(storage.elements) == [7])
    }

    @Test func anEmptyTitleClassifiesOnAFreshClassifier() throws {
        // A new classifier has a new scratch, whose storage has no address yet.
        let classifier = try Bundled.get().replacingTopicModel(try Bundled.get().topicModel)
        let result = classifier.classify(text: "")
        #expect(result.regions.isEmpty)
        #expect(result.topics.map(\.label) == ["Miscellaneous"])
    }
}
