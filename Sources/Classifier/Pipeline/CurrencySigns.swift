import NewsModel

/// Currency signs that stand for one country, or (the euro's) for Europe: "Bus lane cameras make
/// £31m" is British news although it names no place. Read only when nothing in the item names a
/// place or a region, so a sign never outvotes a name ("Tesco sells its Thai arm for £8bn" is
/// Thailand's and Britain's by the names, not by the sign); a sign outvotes a weak name
/// (`Gazetteer.Alias.isWeak`: "Google fined €4bn" is Europe's news). A sign right after a letter is another
/// currency's ("E£" Egypt's, "L£" Lebanon's, "S£" Syria's) and is not read. The dollar, the yen
/// and yuan (¥) and the peso are many countries' signs and imply none.
struct CurrencySigns: Sendable {
    private struct Sign: Sendable {
        var bytes: [UInt8]
        var text: String
        var target: PlaceMention.Target
    }

    static let countrySigns: [(sign: String, country: String)] = [
        ("£", "GB"), ("₹", "IN"), ("₩", "KR"), ("₽", "RU"), ("₺", "TR"), ("₪", "IL"), ("₦", "NG"), ("₱", "PH"), ("₴", "UA"),
    ]
    static let regionSigns: [(sign: String, region: String)] = [("€", "Europe")]
    static let rule = "currency-sign"

    private let signs: [Sign]

    /// The signs whose country has a country entry in `gazetteer`, or whose region is in `regions`.
    init(gazetteer: Gazetteer, regions: [String: Int]) {
        var signs: [Sign] = []
        for (sign, country) in Self.countrySigns {
            guard let entity = gazetteer.entities.firstIndex(where: { $0.kind == .country && $0.countries == [country] }) else { continue }
            signs.append(Sign(bytes: Array(sign.utf8), text: sign, target: .entity(entity)))
        }
        for (sign, region) in Self.regionSigns {
            guard let index = regions[region] else { continue }
            signs.append(Sign(bytes: Array(sign.utf8), text: sign, target: .region(index)))
        }
        self.signs = signs
    }

    /// The first sign in `fields` (title first) as a mention, placed at the token after it.
    func mention(in fields: FieldList) -> PlaceMention? {
        for (fieldIndex, field) in fields.enumerated() where field.hasNonASCII {
            for sign in signs {
                guard let token = field.tokenAfter(sign: sign.bytes) else { continue }
                return PlaceMention(
                    fieldIndex: fieldIndex, field: field.field, start: token, end: token, matchedText: sign.text, target: sign.target,
                    rule: Self.rule, isSurname: false)
            }
        }
        return nil
    }
}
