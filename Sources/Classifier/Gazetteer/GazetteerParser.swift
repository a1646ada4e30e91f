/// Reads the gazetteer resource: tab-separated lines, `#` header lines first.
///
///     #newsflash-gazetteer<TAB>1
///     #version<TAB>gaz-83c95137ce10
///     E<TAB>kind<TAB>name<TAB>CC[,CC...]<TAB>population      (entities, numbered from 0 in order)
///     A<TAB>entity<TAB>spelling<TAB>flags                     (U capitals, T trap, S surname, A alternate)
public enum GazetteerParser {
    public static let format = "newsflash-gazetteer"
    public static let supportedFormatVersion = 1

    public static func parse(_ text: String) throws(ClassifierError) -> Gazetteer {
        var version = ""
        var formatSeen = false
        var entities: [Gazetteer.Entity] = []
        var aliases: [Gazetteer.Alias] = []
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.isEmpty { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            switch fields[0] {
            case "#\(format)":
                guard fields.count >= 2, Int(fields[1]) == supportedFormatVersion else {
                    throw malformed(lineNumber, "format version \(fields.dropFirst().first ?? "missing") is not \(supportedFormatVersion)")
                }
                formatSeen = true
            case "#version":
                version = fields.count > 1 ? String(fields[1]) : ""
            case "E":
                guard fields.count == 5, let kind = Gazetteer.EntityKind(rawValue: String(fields[1])),
                    let population = Int(fields[4])
                else { throw malformed(lineNumber, "an entity line needs: E, kind, name, countries, population") }
                let countries = fields[3].split(separator: ",").map(String.init)
                guard countries.allSatisfy(isCountryCode) else {
                    throw malformed(lineNumber, "country codes must be ISO 3166-1 alpha-2 in capitals, got '\(fields[3])'")
                }
                entities.append(Gazetteer.Entity(kind: kind, name: String(fields[2]), countries: countries, population: population))
            case "A":
                guard fields.count == 4, let entity = Int(fields[1]), entity >= 0, entity < entities.count else {
                    throw malformed(lineNumber, "an alias line needs: A, the number of an entity listed above it, spelling, flags")
                }
                let flags = fields[3]
                aliases.append(Gazetteer.Alias(
                    entity: entity, text: String(fields[2]), requiresCapitals: flags.contains("U"),
                    isTrap: flags.contains("T"), isSurname: flags.contains("S"), isAlternate: flags.contains("A"),
                    isWeak: flags.contains("W")))
            default:
                if fields[0].hasPrefix("#") { continue }
                throw malformed(lineNumber, "unknown line type '\(fields[0].prefix(20))'")
            }
        }
        guard formatSeen else {
            throw ClassifierError(.malformedGazetteer, "the gazetteer does not start with '#\(format)<TAB>\(supportedFormatVersion)'; regenerate it with Sources/Classifier/Generator/generate_gazetteer.py")
        }
        return Gazetteer(version: version, entities: entities, aliases: aliases)
    }

    static func isCountryCode<S: StringProtocol>(_ code: S) -> Bool {
        code.utf8.count == 2 && code.utf8.allSatisfy { $0 >= 0x41 && $0 <= 0x5A }
    }

    private static func malformed(_ line: Int, _ detail: String) -> ClassifierError {
        ClassifierError(.malformedGazetteer, "gazetteer line \(line): \(detail); regenerate it with Sources/Classifier/Generator/generate_gazetteer.py")
    }
}
