import Foundation

/// The normal form of a headline, for item identity and story similarity:
/// lower case, diacritics and width folded, apostrophes dropped ("Russia's"
/// → "russias"), other punctuation a word break, white space folded, and
/// leading flags ("BREAKING:", "UPDATE", "LIVE") removed.
/// `normalise("BREAKING: Quake Hits Chile!")` is `"quake hits chile"`.
public enum TitleNormaliser {
    public static func normalise(_ title: String) -> String {
        words(of: title).joined(separator: " ")
    }

    /// The words of the normal form. With `forFeatures` (shingles and names), "Russia's" is "russia"
    /// and numbers keep their separators ("200,000" is "200000", "4.5" stays "4.5"); identity keeps the
    /// older form ("russias", "200 000") so that keys stored before stay valid.
    public static func words(of title: String, forFeatures: Bool = false) -> [String] {
        let folded = title.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
        var words: [String] = []
        var current = ""
        let scalars = Array(folded.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            if CharacterSet.alphanumerics.contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if scalar == "'" || scalar == "\u{2019}" {
                let possessive = index < scalars.count && scalars[index] == "s"
                    && (index + 1 == scalars.count || !CharacterSet.alphanumerics.contains(scalars[index + 1]))
                if forFeatures, possessive { index += 1 }
                continue
            } else if forFeatures, scalar == "," || scalar == ".", let last = current.unicodeScalars.last, ("0"..."9").contains(last),
                      index < scalars.count, ("0"..."9").contains(scalars[index]) {
                if scalar == "." { current.unicodeScalars.append(scalar) }
                continue
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        while let first = words.first, flags.contains(first) { words.removeFirst() }
        return words
    }

    /// The shingles of a normalised title: its content words (no function words), stemmed, with
    /// number words as digits ("twelve" → "12").
    public static func contentWords(_ normalised: String) -> [Substring] {
        normalised.split(separator: " ").filter { !stopWords.contains(String($0)) }
    }

    /// One shingle: a content word, stemmed, or a number word as digits.
    public static func shingle(_ word: Substring) -> String {
        if let digits = numberWords[String(word)] { return digits }
        return String(stem(word))
    }

    /// A light suffix stripper so that "evacuated", "evacuation" and "evacuates" meet.
    public static func stem(_ word: Substring) -> Substring {
        for suffix in ["ations", "ation", "ings", "ing", "ied", "ies", "ed", "es", "s"] where word.count > suffix.count + 2 && word.hasSuffix(suffix) {
            return word.dropLast(suffix.count)
        }
        return word
    }

    public static let flags: Set<String> = ["breaking", "update", "updated", "live", "urgent", "exclusive"]

    public static let stopWords: Set<String> = [
        "a", "an", "the", "of", "in", "on", "at", "to", "for", "and", "or", "by", "with", "from", "as", "is", "are",
        "was", "were", "be", "been", "has", "have", "had", "it", "its", "that", "this", "after", "over", "into", "says",
        "said", "say", "will", "would", "could", "can", "not", "no", "but", "than", "amid", "about", "up", "out", "off",
        "new", "his", "her", "their", "he", "she", "they", "we", "you", "i", "who", "what", "how", "why",
        // French and Spanish articles and prepositions, for the wires in those languages.
        "le", "la", "les", "un", "une", "des", "du", "de", "et", "en", "au", "aux", "el", "los", "las", "y", "del", "por", "para",
    ]

    static let numberWords: [String: String] = [
        "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
        "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14", "fifteen": "15", "twenty": "20",
        "hundred": "100",
    ]
}
