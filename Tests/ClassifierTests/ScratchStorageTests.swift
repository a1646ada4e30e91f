import Foundation
import Testing
@testable import Classifier

struct ScratchStorageTests {
    @Test func replacingWithNothingBeforeAnythingIsStoredLeavesItEmpty() {
        var storage = ScratchStorage<UInt8>()
        // An empty view has no address, an empty string's bytes have one: both.
        storage.replace(with: BufferView())
        #expect(storage.count == 0)
        storage.replace(withUTF8Of: "")
        #expect(storage.count == 0)
        #expect(storage.elements.isEmpty)
    }

    @Test func keepsItsElementsAcrossGrowthAndReuse() {
        var storage = ScratchStorage<Int32>()
        for value in 0..<100 { storage.append(Int32(value)) }
        #expect(Array(storage.elements) == (0..<100).map(Int32.init))
        storage.removeAll()
        [7, 8, 9].withBufferView { storage.replace(with: $0) }
        #expect(Array(storage.elements) == [7, 8, 9])
        storage.truncate(to: 1)
        #expect(Array(storage.elements) == [7])
        storage.reset(count: 3, to: 5)
        #expect(Array(storage.elements) == [5, 5, 5])
    }

    @Test func bridgedStringsAreCopiedToo() {
        var storage = ScratchStorage<UInt8>()
        // A string from NSString may not have contiguous UTF-8.
        let bridged = NSString(string: "Zürich ✓") as String
        storage.replace(withUTF8Of: bridged)
        #expect(Array(storage.elements) == Array("Zürich ✓".utf8))
    }

    @Test func wordsAndRowsReadWhatTheBytesSay() {
        var storage = ScratchStorage<UInt8>()
        storage.replace(withUTF8Of: "abcdefghij")
        #expect(storage.elements.loadWord(at: 2) == UInt64(littleEndian: 0x6a69_6867_6665_6463))
        storage.mutableElements.storeWord(0x4847_4645_4443_4241, at: 1)
        #expect(storage.elements.string(from: 0, to: 10) == "aABCDEFGHj")
        #expect(storage.elements.string(from: 3, to: 3) == "")

        var sums = ScratchStorage<Double>()
        sums.reset(count: 8, to: 1)
        let table = (0..<16).map(Double.init)
        table.withBufferView { sums.mutableElements.add(2, times: $0, from: 8, width: 8) }
        #expect(Array(sums.elements) == (8..<16).map { 1 + 2 * Double($0) })
    }

    @Test func viewsRefuseReadsOutsideTheirElements() async {
        // Bounds are checked in every build: a read past the end stops the process, it does not
        // read the storage's room.
        await #expect(processExitsWith: .failure) {
            var storage = ScratchStorage<UInt8>()
            storage.replace(withUTF8Of: "abc")
            storage.reserveCapacity(64)
            _ = storage.elements[3]
        }
        await #expect(processExitsWith: .failure) {
            var storage = ScratchStorage<UInt8>()
            storage.replace(withUTF8Of: "abcdefg")
            _ = storage.elements.loadWord(at: 0)  // 7 bytes: no word of 8
        }
        await #expect(processExitsWith: .failure) {
            var storage = ScratchStorage<UInt8>()
            storage.replace(withUTF8Of: "abc")
            storage.mutableElements[-1] = 0
        }
    }

    @Test func anEmptyTitleClassifiesOnAFreshClassifier() throws {
        // A new classifier has a new scratch, whose storage has no address yet.
        let classifier = try Bundled.get().replacingTopicModel(try Bundled.get().topicModel)
        let result = classifier.classify(text: "")
        #expect(result.regions.isEmpty)
        #expect(result.topics.map(\.label) == ["Miscellaneous"])
    }
}

/// The classifier's pointer code stays in `Sources/Classifier/Kernel/`: every other file reads and
/// writes through the kernel's bounds-checked views.
struct KernelBoundaryTests {
    @Test func noFileOutsideTheKernelTouchesMemoryThroughPointers() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/Classifier").standardized
        let pattern = try Regex(#"Unsafe[A-Z]|Unmanaged|unsafe|@exclusivity|unchecked\(|withUnsafe"#)
        var checked = 0
        var offenders: [String] = []
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift", !file.path.contains("/Kernel/") else { continue }
            checked += 1
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            for (number, line) in lines.enumerated() where line.contains(pattern) {
                offenders.append("\(file.lastPathComponent):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(checked > 20)
        #expect(offenders.isEmpty, "pointer code outside Kernel/:\n\(offenders.joined(separator: "\n"))")
    }
}
