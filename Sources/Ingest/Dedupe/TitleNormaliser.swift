import Foundation

/// The normal form of a headline used for identity and similarity: lower case,
/// diacritics removed, punctuation dropped, white space folded, and the
/// attribution prefix of wire and ticker lines ("Al Mayadeen's correspondent:",
/// "BREAKING:") removed.
public enum TitleNormaliser {
    public static func normalise(_ title: String) -> String {
        let folded = title.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
        var words: [Substring] = []
        var current = ""
        for scalar in folded.unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if scalar == "'" || scalar == "\u{2019}" {
                continue  // "Russia's" -> "russias"
            } else if !current.isEmpty {
                words.append(Substring(current))
                current = ""
            }
        }
        if !current.isEmpty { words.append(Substring(current)) }
        while let first = words.first, ["breaking", "update", "updated", "live", "urgent", "exclusive"].contains(first) {
            words.removeFirst()
        }
        return words.joined(separator: " ")
    }

    /// The words of a normalised title without common function words.
    public static func contentWords(_ normalised: String) -> [Substring] {
        normalised.split(separator: " ").filter { !stopWords.contains(String($0)) }
    }

    /// A light suffix stripper so that "evacuated", "evacuation" and "evacuates" meet.
    public static func stem(_ word: Substring) -> Substring {
        for suffix in ["ations", "ation", "ings", "ing", "ied", "ies", "ed", "es", "s"] where word.count > suffix.count + 2 && word.hasSuffix(suffix) {
            return word.dropLast(suffix.count)
        }
        return word
    }

    /// Names in a headline: capitalised words after the first (headlines capitalise
    /// their first word anyway), normalised and stemmed, with common aliases folded
    /// ("United States" -> "us"). Two headlines that each name something the other
    /// does not (Italy / Spain, Sudan / Haiti) are about different stories.
    public static func names(in title: String) -> Set<String> {
        var text = title
        for (alias, canonical) in aliases {
            text = text.replacingOccurrences(of: alias, with: canonical, options: [.caseInsensitive])
        }
        var names = Set<String>()
        let words = text.split(whereSeparator: { $0 == " " || $0 == ":" || $0 == "," || $0 == ";" || $0 == "\n" })
        for word in words.dropFirst() {
            guard let first = word.unicodeScalars.first, CharacterSet.uppercaseLetters.contains(first) else { continue }
            guard let normalised = normalise(String(word)).split(separator: " ").first, !stopWords.contains(String(normalised)) else { continue }
            names.insert(String(stem(normalised)))
        }
        return names
    }

    private static let aliases = [
        ("United States", "US"), ("U.S.", "US"), ("United Kingdom", "UK"), ("World Health Organization", "WHO"),
        ("European Union", "EU"), ("United Nations", "UN"),
    ]

    static let stopWords: Set<String> = [
        "a", "an", "the", "of", "in", "on", "at", "to", "for", "and", "or", "by", "with", "from", "as", "is", "are",
        "was", "were", "be", "has", "have", "had", "it", "its", "that", "this", "after", "over", "into", "says", "said",
    ]
}
