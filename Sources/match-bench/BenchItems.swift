import Foundation
import NewsModel
import Subscriptions

/// Classified items for the benchmark: the texts of a labelled headline set (JSON lines with
/// "text", "regions" and "topics", e.g. Tests/ClassifierTests/Fixtures/devset.jsonl) with those
/// labels, countries from the names in the text, and a seeded source, language and urgency.
struct BenchItems {
    var items: [ClassifiedItem]
    /// Distinct words of 6 letters or more in all the file's texts (whatever the item count), sorted.
    var longWords: [String]

    /// Names in a text and the country each stands for (matched on normalised words).
    static let countryNames: [String: String] = [
        "lebanon": "LB", "lebanese": "LB", "israel": "IL", "israeli": "IL", "russia": "RU", "russian": "RU", "ukraine": "UA",
        "ukrainian": "UA", "kyiv": "UA", "trump": "US", "washington": "US", "american": "US", "china": "CN", "chinese": "CN",
        "beijing": "CN", "iran": "IR", "iranian": "IR", "tehran": "IR", "syria": "SY", "syrian": "SY", "gaza": "PS",
        "palestinian": "PS", "venezuela": "VE", "belgium": "BE", "yemen": "YE", "yemeni": "YE", "iraq": "IQ", "iraqi": "IQ",
        "egypt": "EG", "turkey": "TR", "france": "FR", "french": "FR", "germany": "DE", "german": "DE", "britain": "GB",
        "british": "GB", "japan": "JP", "japanese": "JP", "india": "IN", "indian": "IN", "pakistan": "PK", "saudi": "SA",
        "qatar": "QA", "brazil": "BR", "mexico": "MX", "nigeria": "NG", "korea": "KR", "taiwan": "TW", "sudan": "SD",
    ]

    init(path: String, count: Int, seed: UInt64) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw BenchError("cannot read \(path)") }
        var rows: [(text: String, regions: [String], topics: [String])] = []
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let text = object["text"] as? String else { continue }
            rows.append((text, object["regions"] as? [String] ?? [], object["topics"] as? [String] ?? []))
        }
        guard !rows.isEmpty else { throw BenchError("\(path) has no JSON lines with a \"text\" field") }
        var words = Set<String>()
        for row in rows {
            for word in FilterText.normalise(row.text).split(separator: " ") where word.count >= 6 { words.insert(String(word)) }
        }
        longWords = words.sorted()
        var random = SeededGenerator(seed: seed)
        items = (0..<count).map { number in
            let row = rows[number % rows.count]
            var item = SampleEvents.classifiedItem
            item.item.title = row.text
            item.item.summary = ""
            item.item.sourceId = random.skewed(FilterGenerator.sources)
            item.item.language = Int.random(in: 0..<10, using: &random) == 0 ? "en-GB" : "en"
            item.regions = row.regions.map { ScoredLabel(label: $0, score: 0.9) }
            item.topics = row.topics.map { ScoredLabel(label: $0, score: 0.8) }
            let words = FilterText.normalise(row.text).split(separator: " ")
            item.countries = Array(Set(words.compactMap { Self.countryNames[String($0)] })).sorted()
            let roll = Int.random(in: 0..<20, using: &random)
            item.urgency = roll == 0 ? .flash : roll < 5 ? .urgent : .routine
            return item
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The process's peak resident set size (VmHWM in /proc/self/status), in bytes; nil where there is no /proc.
func peakResidentBytes() -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let fields = line.split(separator: " ")
        if fields.count >= 2, let kilobytes = Int(fields[1]) { return kilobytes * 1024 }
    }
    return nil
}
