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

    static let stopWords: Set<String> = [
        "a", "an", "the", "of", "in", "on", "at", "to", "for", "and", "or", "by", "with", "from", "as", "is", "are",
        "was", "were", "be", "has", "have", "had", "it", "its", "that", "this", "after", "over", "into", "says", "said",
    ]
}
