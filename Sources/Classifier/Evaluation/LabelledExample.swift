import Foundation

/// One line of a labelled data set: `{"text": "...", "regions": ["MENA"], "topics": ["Politics"]}`.
public struct LabelledExample: Sendable, Hashable, Codable {
    public var text: String
    public var regions: [String]
    public var topics: [String]

    public init(text: String, regions: [String], topics: [String]) {
        self.text = text
        self.regions = regions
        self.topics = topics
    }

    /// Parses JSON lines; blank lines are skipped, and a bad line is reported with its number.
    public static func parseLines(_ data: Data, source: String = "input") throws(ClassifierError) -> [LabelledExample] {
        var examples: [LabelledExample] = []
        let decoder = JSONDecoder()
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            do {
                let example = try decoder.decode(LabelledExample.self, from: Data(line))
                examples.append(example)
            } catch {
                throw ClassifierError(.malformedLabelledData, "\(source) line \(lineNumber): expected {\"text\": string, \"regions\": [string], \"topics\": [string]} (\(Self.describe(error)))")
            }
        }
        return examples
    }

    /// A deterministic split for held-out evaluation: example `i` is held out when `i % folds == fold`.
    public static func split(_ examples: [LabelledExample], fold: Int, of folds: Int) -> (train: [LabelledExample], heldOut: [LabelledExample]) {
        var train: [LabelledExample] = []
        var heldOut: [LabelledExample] = []
        for (index, example) in examples.enumerated() {
            if folds > 1 && index % folds == fold { heldOut.append(example) } else { train.append(example) }
        }
        return (train, heldOut)
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context): "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted: "not valid JSON"
        default: "\(error)"
        }
    }
}
