import Foundation

/// One line of a labelled data set: `{"text": "...", "regions": ["MENA"], "topics": ["Politics"]}`,
/// optionally with the item's `"categories"` and `"url"`.
///
/// `"regions": null` (or the key left out) means the example has no region label: its regions are
/// not judged (a set labelled by an outlet's topic desks says nothing about places); the same for
/// topics. An empty list is a label: "no region". `"secondaryRegions"` (optional) lists regions the
/// item also concerns without being about them (a second country it names): `--primary` scoring
/// does not count them wrong when predicted.
public struct LabelledExample: Sendable, Hashable, Codable {
    public var text: String
    public var regions: [String]
    public var topics: [String]
    /// Regions the item also concerns; predicting them is not wrong under primary scoring.
    public var secondaryRegions: [String] = []
    /// Whether the example carries a region label (else its regions are not judged).
    public var judgesRegions = true
    /// Whether the example carries a topic label (else its topics are not judged or trained on).
    public var judgesTopics = true
    /// The publisher's categories and the item's URL, when the set carries them: evaluation
    /// classifies with them (`PublisherSections`); training reads the text alone.
    public var categories: [String] = []
    public var url: String?

    /// What the classifier reads of the example: its text as a title, with its categories and URL.
    public var input: ClassificationInput { ClassificationInput(title: text, categories: categories, url: url) }

    public init(text: String, regions: [String], topics: [String]) {
        self.text = text
        self.regions = regions
        self.topics = topics
    }

    private enum CodingKeys: String, CodingKey {
        case text, regions, topics, secondaryRegions, categories, url
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        text = try container.decode(String.self, forKey: .text)
        let regions = try container.decodeIfPresent([String].self, forKey: .regions)
        let topics = try container.decodeIfPresent([String].self, forKey: .topics)
        self.regions = regions ?? []
        self.topics = topics ?? []
        secondaryRegions = try container.decodeIfPresent([String].self, forKey: .secondaryRegions) ?? []
        categories = try container.decodeIfPresent([String].self, forKey: .categories) ?? []
        url = try container.decodeIfPresent(String.self, forKey: .url)
        judgesRegions = regions != nil
        judgesTopics = topics != nil
        guard judgesRegions || judgesTopics else {
            throw DecodingError.keyNotFound(CodingKeys.regions, .init(codingPath: [], debugDescription: "an example needs regions or topics"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(text, forKey: .text)
        try container.encode(judgesRegions ? regions : nil, forKey: .regions)
        try container.encode(judgesTopics ? topics : nil, forKey: .topics)
        if !secondaryRegions.isEmpty { try container.encode(secondaryRegions, forKey: .secondaryRegions) }
        if !categories.isEmpty { try container.encode(categories, forKey: .categories) }
        try container.encodeIfPresent(url, forKey: .url)
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
                throw ClassifierError(.malformedLabelledData, "\(source) line \(lineNumber): expected {\"text\": string, \"regions\": [string] or null, \"topics\": [string] or null} (\(Self.describe(error)))")
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
