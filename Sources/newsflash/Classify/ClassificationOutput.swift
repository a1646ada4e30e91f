import Classifier
import Foundation
import NewsModel

/// One classification as a single JSON line: the text, then the tag fields of `news.classified`.
enum ClassificationJSON {
    private struct Line: Encodable {
        var text: String
        var result: Classification

        enum CodingKeys: String, CodingKey { case text }

        func encode(to encoder: Encoder) throws {
            try result.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(text, forKey: .text)
        }
    }

    static func line(text: String, _ result: Classification) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(Line(text: text, result: result)), as: UTF8.self)
    }
}

/// One classification for a person to read.
enum ClassificationText {
    static func render(text: String, _ result: Classification) -> String {
        func tags(_ list: [ScoredLabel]) -> String {
            list.isEmpty ? "-" : list.map { "\($0.label) \(String(format: "%.2f", $0.score))" }.joined(separator: ", ")
        }
        var lines = [
            "text:      \(text)",
            "regions:   \(tags(result.regions))",
            "topics:    \(tags(result.topics))",
            "countries: \(result.countries.isEmpty ? "-" : result.countries.joined(separator: ", "))",
            "places:    \(result.places.isEmpty ? "-" : result.places.map { place in "\(place.name)\(place.countryCode.map { " (\($0))" } ?? "") as \"\(place.matchedText)\"" }.joined(separator: ", "))",
            "urgency:   \(result.urgency.rawValue)",
            "because:",
        ]
        for step in result.explanation {
            let phrase = step.phrase.isEmpty ? "" : "\"\(step.phrase)\" "
            lines.append("  \(step.kind.rawValue) \(step.tag) <- \(phrase)in \(step.field.rawValue) by \(step.rule)")
        }
        lines.append("version:   \(result.classifierVersion)")
        return lines.joined(separator: "\n")
    }
}
