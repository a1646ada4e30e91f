/// The topics and the region an item's publisher filed it under: the feed categories it carries
/// ("Sport", "News > Business", "Africa") and the sections of its URL
/// ("https://example.com/sport/football/123", "https://example.com/world/africa/2024/slug",
/// "https://example.co.uk/news/business-60623941") that the
/// taxonomy lists among a topic's or a region's `sections`. A short wire headline often carries its
/// topic in a name only a desk knows ("Leeds edge Saints in late thriller"), and a national desk's
/// story names no country ("Minister resigns over expenses"); the desk that filed it says so
/// outright. A topic section outweighs the words (`NewsClassifier.sectionProbability`); a region
/// section places an item that names no place, as a source's region hint does, and before it. Each
/// is explained as `section:category` or `section:url`.
///
/// The URL's host says whose publisher it is too: a country-code domain ("independent.ie",
/// "nzherald.co.nz", "bbc.co.uk") places an item that names no place, after the section and the
/// source's hint, in its country's regions, explained as `domain:IE` (`domainCountry`). A national
/// outlet's story that names no place is its country's news ("Minister resigns over expenses" on
/// an Irish site); the country-code domains that sites the world over take for their letters
/// (`.tv`, `.io`, `.ai`, `.me`, `.co`...) say nothing and are not read (`vanityDomains`).
struct PublisherSections: Sendable {
    struct Match: Sendable, Hashable {
        enum Kind: Sendable, Hashable {
            case topic, region
            /// A region of the country whose country-code domain the URL's host is in.
            case domainCountry
        }
        var kind: Kind
        /// The topic's or region's index in the taxonomy.
        var index: Int
        /// The category or URL segment as the item carries it (for `domainCountry`, the URL's host).
        var phrase: String
        var rule: String
    }

    /// What a normalised section name files an item under: a topic, a region, or both.
    private struct Target: Sendable {
        var topic: Int?
        var region: Int?
    }

    private let targetBySection: [String: Target]
    /// The longest normalised section name, in UTF-8 bytes: a longer key cannot match, so a text is
    /// normalised only that far.
    private let longestSection: Int
    /// By country-code domain (its two lower-case letters, `domainKey`: "ie", "uk"), the taxonomy's
    /// regions of its country and their rule ("domain:IE"); only countries the taxonomy places, and
    /// no `vanityDomains`.
    private let regionsByDomain: [UInt16: (regions: [Int], rule: String)]

    init(taxonomy: Taxonomy) {
        var map: [String: Target] = [:]
        for (index, topic) in taxonomy.topics.enumerated() {
            for section in topic.sections {
                let key = Self.normalised(section)
                if !key.isEmpty && map[key]?.topic == nil { map[key, default: Target()].topic = index }
            }
        }
        for (index, region) in taxonomy.regions.enumerated() {
            for section in region.sections {
                let key = Self.normalised(section)
                if !key.isEmpty && map[key]?.region == nil { map[key, default: Target()].region = index }
            }
        }
        targetBySection = map
        longestSection = map.keys.map(\.utf8.count).max() ?? 0
        var domains: [UInt16: (regions: [Int], rule: String)] = [:]
        for (country, regions) in taxonomy.regionIndicesByCountry() {
            let domain = country == "GB" ? "uk" : country.lowercased()
            let letters = Array(domain.utf8)
            guard letters.count == 2, letters.allSatisfy(Self.isLetter), !Self.vanityDomains.contains(domain) else { continue }
            domains[Self.domainKey(letters[0], letters[1])] = (regions, "domain:\(country)")
        }
        regionsByDomain = domains
    }

    /// Country-code domains that sites anywhere register for their letters or terms, not their
    /// country: Tuvalu's `.tv`, the Chagos Islands' `.io`, Anguilla's `.ai`, Montenegro's `.me`,
    /// Colombia's `.co` (as "company"), Micronesia's `.fm`, Libya's `.ly`, and the like; and the
    /// free ones (`.tk`, `.ml`, `.ga`, `.cf`, `.gq`). Written from general knowledge of how the
    /// domains are sold.
    static let vanityDomains: Set<String> = [
        "ac", "ag", "ai", "am", "as", "bz", "cc", "cf", "co", "cx", "fm", "ga", "gg", "gq", "gs", "im", "io", "je", "la", "ly",
        "md", "me", "ml", "ms", "nu", "sc", "sh", "so", "st", "tk", "to", "tv", "vc", "vg", "ws",
    ]

    /// A category is read whole and in its parts ("News > Sport > Football", "sport/football":
    /// split at `/ > | , ;`); a URL by the segments of its path but the last (the story's own slug or
    /// number, unless the path ends in "/"), by the last when it is a desk's words and the story's
    /// number ("/news/world-us-canada-60597186", `deskAndNumber`), and by its host's first label when
    /// the host has three or more ("sport.example.co.uk"). The first match of each topic and region, categories first, in order;
    /// and the regions of the country whose country-code domain the host is in ("www.example.ie"),
    /// `domainCountry`, whether or not the taxonomy lists sections.
    ///
    /// On the classify stage's path for every item that carries either, so it reads bytes (through
    /// the kernel's bounds-checked views): no `Character`s, no arrays of parts, no string but the key
    /// looked up (inline when it is short) and the phrase of a match.
    /// `text` and `keyStorage` are the classification scratch's, kept from item to item.
    func matches(
        categories: [String], url: String?, text: inout ScratchStorage<UInt8>, keyStorage: inout ScratchStorage<UInt8>
    ) -> [Match] {
        var found: [Match] = []
        keyStorage.reset(count: longestSection + 1, to: 0)
        let key = keyStorage.mutableElements
        for category in categories.prefix(targetBySection.isEmpty ? 0 : Self.maximumCategories) {
            text.replace(withUTF8Of: category)
            let bytes = text.elements
            look(bytes, 0..<bytes.count, key: key, rule: "section:category", into: &found)
            guard bytes.contains(where: Self.isCategorySeparator) else { continue }
            var start = 0
            for index in 0...bytes.count where index == bytes.count || Self.isCategorySeparator(bytes[index]) {
                look(bytes, start..<index, key: key, rule: "section:category", into: &found)
                start = index + 1
            }
        }
        guard let url else { return found }
        text.replace(withUTF8Of: url)
        let bytes = text.elements
        guard let (host, path) = Self.hostAndPath(bytes) else { return found }
        var dots = 0, firstDot = host.upperBound, lastDot = host.upperBound
        for index in host where bytes[index] == UInt8(ascii: ".") {
            if dots == 0 { firstDot = index }
            lastDot = index
            dots += 1
        }
        if dots >= 2 { look(bytes, host.lowerBound..<firstDot, key: key, rule: "section:url", into: &found) }
        // The host's last label, when it is two letters: a country-code domain.
        if dots >= 1, host.upperBound - lastDot == 3, Self.isLetter(bytes[lastDot + 1]), Self.isLetter(bytes[lastDot + 2]),
           let domain = regionsByDomain[Self.domainKey(bytes[lastDot + 1], bytes[lastDot + 2])] {
            let phrase = bytes.string(from: host.lowerBound, to: host.upperBound)
            for region in domain.regions { found.append(Match(kind: .domainCountry, index: region, phrase: phrase, rule: domain.rule)) }
        }
        guard !targetBySection.isEmpty else { return found }
        // Only segments a "/" ends are sections; the one the path ends with is the story's own.
        var start = path.lowerBound + 1, read = 0
        for index in path.dropFirst() where bytes[index] == UInt8(ascii: "/") {
            defer { start = index + 1 }
            guard start < index, read < Self.maximumSegments else { continue }
            read += 1
            if !bytes[start..<index].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                look(bytes, start..<index, key: key, rule: "section:url", into: &found)
            }
        }
        // The story's own segment, when it is the desk's words and the story's number
        // ("world-us-canada-60597186", "business-60623941"): its words are a section, and a region's
        // without their last words too ("world-asia-india" as "world asia", "uk-england-hampshire" as
        // "uk"). A slug made of the headline's words names no section whole, and a place its first
        // words name is one the headline names too, which places the item first.
        if read < Self.maximumSegments, start < path.upperBound, var words = Self.deskAndNumber(bytes, start..<path.upperBound) {
            look(bytes, words, key: key, rule: "section:url", into: &found)
            while !found.contains(where: { $0.kind == .region }),
                  let hyphen = words.lastIndex(where: { bytes[$0] == UInt8(ascii: "-") }) {
                words = words.lowerBound..<hyphen
                look(bytes, words, key: key, rule: "section:url", into: &found, regionsOnly: true)
            }
        }
        return found
    }

    /// The words of a path segment made of lower-case words and a number of five digits or more,
    /// joined by hyphens ("world-us-canada-60597186": "world-us-canada"), or nil.
    static func deskAndNumber(_ bytes: BufferView<UInt8>, _ segment: Range<Int>) -> Range<Int>? {
        var digits = segment.upperBound
        while digits > segment.lowerBound, bytes[digits - 1] >= UInt8(ascii: "0"), bytes[digits - 1] <= UInt8(ascii: "9") { digits -= 1 }
        let hyphen = digits - 1
        guard segment.upperBound - digits >= 5, hyphen > segment.lowerBound, bytes[hyphen] == UInt8(ascii: "-") else { return nil }
        var previous = UInt8(ascii: "-")
        for index in segment.lowerBound..<hyphen {
            let byte = bytes[index]
            if byte == UInt8(ascii: "-") {
                guard previous != byte else { return nil }
            } else if byte < UInt8(ascii: "a") || byte > UInt8(ascii: "z") {
                return nil
            }
            previous = byte
        }
        return previous == UInt8(ascii: "-") ? nil : segment.lowerBound..<hyphen
    }

    /// Adds what `bytes[range]` names (the first match of each topic and region) to `found`.
    private func look(
        _ bytes: BufferView<UInt8>, _ range: Range<Int>, key: MutableBufferView<UInt8>, rule: String, into found: inout [Match],
        regionsOnly: Bool = false
    ) {
        guard let length = Self.normalise(bytes, range, into: key),
              let target = targetBySection[key.view.string(from: 0, to: length)]
        else { return }
        var trimmed = range
        while trimmed.lowerBound < trimmed.upperBound, bytes[trimmed.lowerBound] == 0x20 { trimmed = (trimmed.lowerBound + 1)..<trimmed.upperBound }
        while trimmed.lowerBound < trimmed.upperBound, bytes[trimmed.upperBound - 1] == 0x20 { trimmed = trimmed.lowerBound..<(trimmed.upperBound - 1) }
        for (kind, index) in [(Match.Kind.topic, regionsOnly ? nil : target.topic), (.region, target.region)] {
            guard let index, !found.contains(where: { $0.kind == kind && $0.index == index }) else { continue }
            found.append(Match(kind: kind, index: index, phrase: bytes.string(from: trimmed.lowerBound, to: trimmed.upperBound), rule: rule))
        }
    }

    static let maximumCategories = 16
    static let maximumSegments = 8

    /// Two ASCII letters of a domain, in lower case, as one number.
    private static func domainKey(_ first: UInt8, _ second: UInt8) -> UInt16 {
        UInt16(first | 0x20) << 8 | UInt16(second | 0x20)
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    private static func isCategorySeparator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "/") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "|") || byte == UInt8(ascii: ",")
            || byte == UInt8(ascii: ";")
    }

    /// Lower case (ASCII), "&" as "and", hyphens, underscores, "+" and white space as one space,
    /// trimmed: "Arts & Culture", "arts-and-culture" and "ARTS_AND_CULTURE" are one section. The
    /// same rule for the taxonomy's sections (`normalised`) and what items carry (`normalise`).
    static func normalised(_ text: String) -> String {
        var bytes = ScratchStorage<UInt8>()
        bytes.replace(withUTF8Of: text)
        // Each byte gives at most four ("&" is " and").
        var key = ScratchStorage<UInt8>()
        key.reset(count: 4 * bytes.count + 1, to: 0)
        let length = normalise(bytes.elements, 0..<bytes.count, into: key.mutableElements) ?? 0
        return key.elements.string(from: 0, to: length)
    }

    /// Normalises `bytes[range]` into `key`; nil when the result would not fit (longer than any section).
    static func normalise(_ bytes: BufferView<UInt8>, _ range: Range<Int>, into key: MutableBufferView<UInt8>) -> Int? {
        var length = 0, pendingSpace = false
        func put(_ byte: UInt8) -> Bool {
            guard length < key.count else { return false }
            key[length] = byte
            length += 1
            return true
        }
        for index in range {
            let byte = bytes[index]
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "+"):
                pendingSpace = length > 0
            case UInt8(ascii: "&"):
                if length > 0 { guard put(0x20) else { return nil } }
                guard put(UInt8(ascii: "a")), put(UInt8(ascii: "n")), put(UInt8(ascii: "d")) else { return nil }
                pendingSpace = true
            default:
                if pendingSpace { guard put(0x20) else { return nil } }
                pendingSpace = false
                guard put(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte) else { return nil }
            }
        }
        return length
    }

    /// An absolute http(s) URL's host (without user or port) and path (from its "/", without query
    /// or fragment), as ranges of `bytes`; nil for anything else.
    static func hostAndPath(_ bytes: BufferView<UInt8>) -> (host: Range<Int>, path: Range<Int>)? {
        func lower(_ index: Int) -> UInt8 { bytes[index] | 0x20 }
        var start = 0
        guard bytes.count > 7, lower(0) == UInt8(ascii: "h"), lower(1) == UInt8(ascii: "t"), lower(2) == UInt8(ascii: "t"),
              lower(3) == UInt8(ascii: "p")
        else { return nil }
        if lower(4) == UInt8(ascii: "s") { start = 5 } else { start = 4 }
        guard bytes.count >= start + 3, bytes[start] == UInt8(ascii: ":"), bytes[start + 1] == UInt8(ascii: "/"),
              bytes[start + 2] == UInt8(ascii: "/")
        else { return nil }
        start += 3
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "?"), bytes[end] != UInt8(ascii: "#") { end += 1 }
        var slash = start
        while slash < end, bytes[slash] != UInt8(ascii: "/") { slash += 1 }
        var hostStart = start, hostEnd = slash
        for index in start..<slash where bytes[index] == UInt8(ascii: "@") { hostStart = index + 1 }
        for index in hostStart..<slash where bytes[index] == UInt8(ascii: ":") { hostEnd = index }
        return (hostStart..<hostEnd, slash..<end)
    }
}

