import Foundation
import NewsModel

/// Reads a taxonomy configuration (JSON) and checks it, with errors that say what to fix.
///
///     {"format": "newsflash-taxonomy", "formatVersion": 1, "version": "default-1",
///      "regions": [{"label": "MENA", "countries": ["LB", ...], "phrases": ["Middle East", ...], "sections": ["middle east", ...]}, ...],
///      "placeRegions": [{"place": "Jerusalem", "regions": ["MENA", "Palestine"]}],
///      "topics": [{"label": "Sports", "keywords": ["football", "FIFA:U", ...], "sections": ["sport", ...]}, ...],
///      "fallbackTopic": "Miscellaneous"}
public enum TaxonomyLoader {
    public static let format = "newsflash-taxonomy"
    public static let supportedFormatVersion = 1

    private struct File: Decodable {
        struct Region: Decodable {
            var label: String
            var countries: [String]
            var phrases: [String]?
            var sections: [String]?
        }
        struct Topic: Decodable {
            var label: String
            var keywords: [String]?
            var sections: [String]?
        }
        struct PlaceRegions: Decodable {
            var place: String
            var regions: [String]
        }
        var format: String?
        var formatVersion: Int?
        var version: String?
        var regions: [Region]?
        var topics: [Topic]?
        var placeRegions: [PlaceRegions]?
        var fallbackTopic: String?
    }

    /// Parses and checks a taxonomy; `source` names the file in error messages.
    public static func load(_ data: Data, source: String = "taxonomy") throws(TaxonomyError) -> Taxonomy {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw TaxonomyError(.malformedJSON, "\(source): wrong type at \(path(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, context) {
            throw TaxonomyError(.malformedJSON, "\(source): missing key '\(key.stringValue)' at \(path(context.codingPath))")
        } catch {
            throw TaxonomyError(.malformedJSON, "\(source) is not valid JSON: \(error.localizedDescription)")
        }
        if let format = file.format, format != self.format {
            throw TaxonomyError(.unsupportedFormat, "\(source): format is '\(format)', expected '\(self.format)'")
        }
        if let version = file.formatVersion, version != supportedFormatVersion {
            throw TaxonomyError(.unsupportedFormat, "\(source): formatVersion \(version) is not supported; this classifier reads \(supportedFormatVersion)")
        }
        guard let regions = file.regions, !regions.isEmpty else {
            throw TaxonomyError(.noRegions, "\(source): 'regions' must list at least one region")
        }
        guard let topics = file.topics, !topics.isEmpty else {
            throw TaxonomyError(.noTopics, "\(source): 'topics' must list at least one topic")
        }
        try checkLabels(regions.map(\.label), what: "region", source: source)
        try checkLabels(topics.map(\.label), what: "topic", source: source)
        for region in regions {
            for code in region.countries where !GazetteerParser.isCountryCode(code) {
                throw TaxonomyError(.invalidCountryCode, "\(source): region '\(region.label)' lists '\(code)', which is not an ISO 3166-1 alpha-2 code in capitals (e.g. \"LB\")")
            }
            for phrase in region.phrases ?? [] where Tokenizer.tokenize(phrase).isEmpty {
                throw TaxonomyError(.emptyPhrase, "\(source): region '\(region.label)' has a phrase with no words: '\(phrase)'")
            }
        }
        for topic in topics {
            for keyword in topic.keywords ?? [] where Tokenizer.tokenize(keyword).isEmpty {
                throw TaxonomyError(.emptyPhrase, "\(source): topic '\(topic.label)' has a keyword with no words: '\(keyword)'")
            }
        }
        try checkSections(topics.map { ($0.label, $0.sections ?? []) }, what: "topic", source: source)
        try checkSections(regions.map { ($0.label, $0.sections ?? []) }, what: "region", source: source)
        let regionLabels = Set(regions.map(\.label))
        for entry in file.placeRegions ?? [] {
            for label in entry.regions where !regionLabels.contains(label) {
                throw TaxonomyError(.unknownLabel, "\(source): placeRegions for '\(entry.place)' names region '\(label)', which is not among the regions (\(regions.map(\.label).joined(separator: ", ")))")
            }
        }
        if let fallback = file.fallbackTopic, !topics.contains(where: { $0.label == fallback }) {
            throw TaxonomyError(.unknownLabel, "\(source): fallbackTopic '\(fallback)' is not among the topics (\(topics.map(\.label).joined(separator: ", ")))")
        }
        return Taxonomy(
            version: file.version ?? "unversioned",
            regions: regions.map { Taxonomy.Region(label: $0.label, countries: $0.countries, phrases: $0.phrases ?? [], sections: $0.sections ?? []) },
            topics: topics.map { Taxonomy.Topic(label: $0.label, keywords: $0.keywords ?? [], sections: $0.sections ?? []) },
            placeRegions: (file.placeRegions ?? []).map { Taxonomy.PlaceRegions(place: $0.place, regions: $0.regions) },
            fallbackTopic: file.fallbackTopic)
    }

    /// Each section names something (`PublisherSections.normalised`) and files an item under one
    /// topic, and one region.
    private static func checkSections(_ lists: [(label: String, sections: [String])], what: String, source: String) throws(TaxonomyError) {
        var owner: [String: String] = [:]
        for (label, sections) in lists {
            for section in sections {
                let key = PublisherSections.normalised(section)
                if key.isEmpty {
                    throw TaxonomyError(.emptyPhrase, "\(source): \(what) '\(label)' has a section with no letters: '\(section)'")
                }
                if let other = owner.updateValue(label, forKey: key), other != label {
                    throw TaxonomyError(.duplicateSection, "\(source): section '\(section)' is listed for \(what)s '\(other)' and '\(label)'; a section can file an item under one \(what)")
                }
            }
        }
    }

    private static func checkLabels(_ labels: [String], what: String, source: String) throws(TaxonomyError) {
        var seen = Set<String>()
        for label in labels {
            if label.trimmingCharacters(in: .whitespaces).isEmpty {
                throw TaxonomyError(.emptyLabel, "\(source): a \(what) has an empty label")
            }
            if !seen.insert(label).inserted {
                throw TaxonomyError(.duplicateLabel, "\(source): \(what) '\(label)' is listed twice; merge the two entries")
            }
        }
    }

    private static func path(_ codingPath: [CodingKey]) -> String {
        codingPath.isEmpty ? "the top level" : codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}

/// A taxonomy configuration that cannot be used, and why.
public typealias TaxonomyError = CodedError<TaxonomyErrorCode>

public enum TaxonomyErrorCode: String, Sendable, Hashable {
    case malformedJSON, unsupportedFormat, noRegions, noTopics, emptyLabel, duplicateLabel
    case invalidCountryCode, emptyPhrase, unknownLabel, duplicateSection
}
