/// Expands the harmless internal entities a document's DTD declares, and
/// refuses the dangerous ones.
///
/// Some real feeds declare an entity or two in an internal subset
/// (`<!DOCTYPE rss [<!ENTITY wire "Example Wire">]>`) and use `&wire;` in
/// their text. libxml2 is never asked to expand entities (that is how XML
/// bombs and external entities get in); instead, when a parse stops at an
/// entity declaration (see ``XMLFeedReader``), this reads the internal subset
/// itself and, only if every entity in it is harmless, writes the document
/// again without the DOCTYPE and with each reference replaced by its text.
///
/// Harmless means: a general entity whose value is a quoted literal of at most
/// ``maximumValueBytes`` bytes holding text and character references only.
/// Refused, with the reason: parameter entities (`<!ENTITY % …>`, `%name;`),
/// external and unparsed entities (`SYSTEM`, `PUBLIC`, `NDATA`), values that
/// refer to other entities or hold markup (nesting is what makes a billion
/// laughs), more than ``maximumEntities`` declarations, and expansions that
/// would add more than ``maximumAddedBytes`` bytes (quadratic blow-up).
/// `<!ELEMENT>`, `<!ATTLIST>`, `<!NOTATION>`, comments and processing
/// instructions in the subset are dropped with it.
enum XMLInternalEntities {
    static let maximumEntities = 64
    static let maximumValueBytes = 1_024
    static let maximumAddedBytes = 256 * 1_024

    struct Expansion {
        var bytes: [UInt8]
        var entities: Int
        var references: Int
    }

    /// Why a document's DTD was refused, e.g. "an external entity (SYSTEM)".
    struct Refusal: Error, Equatable {
        var reason: String
    }

    /// The document rewritten with its internal entities expanded, or why not.
    static func expand(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<Expansion, Refusal> {
        var scanner = Scanner(bytes: bytes)
        guard let doctypeStart = scanner.findDoctype() else {
            return .failure(Refusal(reason: "entities outside a DOCTYPE in the prolog"))
        }
        let entities: [[UInt8]: [UInt8]]
        switch scanner.readDoctype() {
        case .success(let declared): entities = declared
        case .failure(let refusal): return .failure(refusal)
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[..<doctypeStart]))
        let bodyStart = scanner.index
        var added = 0
        var references = 0
        var index = bodyStart
        var copied = bodyStart
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x3C, let skip = Scanner.skippedSection(bytes, at: index) {  // CDATA and comments keep their '&'
                index = skip
                continue
            }
            guard byte == 0x26 else {
                index += 1
                continue
            }
            var end = index + 1
            while end < bytes.count, end - index <= 65, Scanner.isNameByte(bytes[end]) { end += 1 }
            guard end < bytes.count, bytes[end] == 0x3B, end > index + 1,
                  let value = entities[Array(UnsafeBufferPointer(rebasing: bytes[(index + 1)..<end]))] else {
                index += 1
                continue
            }
            added += value.count
            guard added <= maximumAddedBytes else {
                return .failure(Refusal(reason: "entities whose expansion would add more than \(maximumAddedBytes / 1_024) KiB (an expansion bomb)"))
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<index]))
            output.append(contentsOf: value)
            references += 1
            index = end + 1
            copied = index
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
        return .success(Expansion(bytes: output, entities: entities.count, references: references))
    }

    /// A cursor over the prolog and the internal subset.
    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        /// Moves past the XML declaration, comments, processing instructions and white space to
        /// `<!DOCTYPE`, returning where it starts; nil when the prolog has none.
        mutating func findDoctype() -> Int? {
            while index < bytes.count {
                skipSpace()
                if matches("<?") {
                    guard let end = find("?>", from: index + 2) else { return nil }
                    index = end + 2
                } else if matches("<!--") {
                    guard let end = find("-->", from: index + 4) else { return nil }
                    index = end + 3
                } else if matches("<!DOCTYPE") {
                    let start = index
                    index += 9
                    return start
                } else {
                    return nil
                }
            }
            return nil
        }

        /// Reads the rest of the DOCTYPE (name, external id, internal subset, `>`), leaving the index after it.
        mutating func readDoctype() -> Result<[[UInt8]: [UInt8]], Refusal> {
            var entities: [[UInt8]: [UInt8]] = [:]
            var declarations = 0
            while index < bytes.count, bytes[index] != 0x5B, bytes[index] != 0x3E {  // name and external id, up to '[' or '>'
                if bytes[index] == 0x22 || bytes[index] == 0x27 {
                    guard skipQuoted() else { return .failure(Refusal(reason: "an unterminated DOCTYPE")) }
                } else {
                    index += 1
                }
            }
            guard index < bytes.count else { return .failure(Refusal(reason: "an unterminated DOCTYPE")) }
            if bytes[index] == 0x5B {
                index += 1
                subset: while true {
                    skipSpace()
                    guard index < bytes.count else { return .failure(Refusal(reason: "an unterminated internal subset")) }
                    if bytes[index] == 0x5D {
                        index += 1
                        break subset
                    } else if bytes[index] == 0x25 {
                        return .failure(Refusal(reason: "a parameter entity reference"))
                    } else if matches("<!--") {
                        guard let end = find("-->", from: index + 4) else { return .failure(Refusal(reason: "an unterminated comment")) }
                        index = end + 3
                    } else if matches("<?") {
                        guard let end = find("?>", from: index + 2) else { return .failure(Refusal(reason: "an unterminated processing instruction")) }
                        index = end + 2
                    } else if matches("<!ENTITY") {
                        index += 8
                        declarations += 1
                        guard declarations <= maximumEntities else {
                            return .failure(Refusal(reason: "more than \(maximumEntities) entities"))
                        }
                        switch readEntity() {
                        case .success(let (name, value)):
                            if entities[name] == nil, !Self.predefined.contains(name) { entities[name] = value }  // the first declaration binds
                        case .failure(let refusal):
                            return .failure(refusal)
                        }
                    } else if matches("<!ELEMENT") || matches("<!ATTLIST") || matches("<!NOTATION") {
                        guard skipDeclaration() else { return .failure(Refusal(reason: "an unterminated declaration")) }
                    } else {
                        return .failure(Refusal(reason: "an internal subset it cannot read"))
                    }
                }
                skipSpace()
            }
            guard index < bytes.count, bytes[index] == 0x3E else { return .failure(Refusal(reason: "an unterminated DOCTYPE")) }
            index += 1
            return .success(entities)
        }

        /// After `<!ENTITY`: `name "value">`, or why it is refused.
        private mutating func readEntity() -> Result<([UInt8], [UInt8]), Refusal> {
            skipSpace()
            guard index < bytes.count else { return .failure(Refusal(reason: "an unterminated entity declaration")) }
            if bytes[index] == 0x25 { return .failure(Refusal(reason: "a parameter entity")) }
            let nameStart = index
            while index < bytes.count, Self.isNameByte(bytes[index]) { index += 1 }
            let name = Array(UnsafeBufferPointer(rebasing: bytes[nameStart..<index]))
            skipSpace()
            guard !name.isEmpty, index < bytes.count else { return .failure(Refusal(reason: "an unterminated entity declaration")) }
            let quote = bytes[index]
            guard quote == 0x22 || quote == 0x27 else {
                return .failure(Refusal(reason: "an external entity (\(String(decoding: name, as: UTF8.self)) is SYSTEM or PUBLIC)"))
            }
            let valueStart = index + 1
            guard skipQuoted() else { return .failure(Refusal(reason: "an unterminated entity value")) }
            let value = UnsafeBufferPointer(rebasing: bytes[valueStart..<(index - 1)])
            skipSpace()
            guard index < bytes.count, bytes[index] == 0x3E else { return .failure(Refusal(reason: "an entity declaration it cannot read")) }
            index += 1
            guard value.count <= maximumValueBytes else {
                return .failure(Refusal(reason: "an entity longer than \(maximumValueBytes) bytes"))
            }
            if let problem = Self.problem(in: value) { return .failure(Refusal(reason: problem)) }
            return .success((name, Array(value)))
        }

        /// Why a value is not plain text with character references, or nil.
        private static func problem(in value: UnsafeBufferPointer<UInt8>) -> String? {
            var index = 0
            while index < value.count {
                switch value[index] {
                case 0x25: return "an entity whose value refers to a parameter entity"
                case 0x3C: return "an entity whose value holds markup"
                case 0x26:
                    // Only a character reference: &#123; or &#x1F;.
                    var end = index + 1
                    guard end < value.count, value[end] == 0x23 else { return "an entity whose value refers to other entities" }
                    end += 1
                    let hex = end < value.count && value[end] == 0x78
                    if hex { end += 1 }
                    let digits = end
                    while end < value.count, Self.isDigit(value[end], hex: hex) { end += 1 }
                    guard end > digits, end < value.count, value[end] == 0x3B else { return "an entity whose value refers to other entities" }
                    index = end + 1
                    continue
                default: break
                }
                index += 1
            }
            return nil
        }

        /// `<![CDATA[ … ]]>` or `<!-- … -->` at `index`: the index after it.
        static func skippedSection(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int? {
            var scanner = Scanner(bytes: bytes)
            scanner.index = index
            if scanner.matches("<![CDATA[") { return scanner.find("]]>", from: index + 9).map { $0 + 3 } ?? bytes.count }
            if scanner.matches("<!--") { return scanner.find("-->", from: index + 4).map { $0 + 3 } ?? bytes.count }
            return nil
        }

        /// Skips `<!ELEMENT …>` and its kin, quotes included.
        private mutating func skipDeclaration() -> Bool {
            while index < bytes.count {
                switch bytes[index] {
                case 0x3E:
                    index += 1
                    return true
                case 0x22, 0x27:
                    guard skipQuoted() else { return false }
                default:
                    index += 1
                }
            }
            return false
        }

        /// At a quote: moves past the matching one.
        private mutating func skipQuoted() -> Bool {
            let quote = bytes[index]
            index += 1
            while index < bytes.count, bytes[index] != quote { index += 1 }
            guard index < bytes.count else { return false }
            index += 1
            return true
        }

        private mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D { index += 1 }
        }

        func matches(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] { return false }
            return true
        }

        func find(_ literal: StaticString, from start: Int) -> Int? {
            XMLInputRepair.find(literal, in: bytes, from: start)
        }

        /// Bytes of an entity name: anything but white space and XML's delimiters.
        static func isNameByte(_ byte: UInt8) -> Bool {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D, 0x22, 0x25, 0x26, 0x27, 0x3B, 0x3C, 0x3E, 0x5B, 0x5D: false
            default: true
            }
        }

        private static func isDigit(_ byte: UInt8, hex: Bool) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (hex && ((byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)))
        }

        static let predefined: Set<[UInt8]> = Set(["lt", "gt", "amp", "quot", "apos"].map { Array($0.utf8) })
    }
}
