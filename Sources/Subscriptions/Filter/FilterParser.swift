import NewsModel

/// Why a filter was refused: where (a 0-based character offset), what was
/// expected there, and a sentence for the API's 400 body.
public struct FilterSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case unexpectedToken, unexpectedEnd, unknownField, unknownLabel, invalidValue, tooLong, tooComplex, empty
    }

    public var code: Code
    /// Character offset in the filter text.
    public var position: Int
    public var expected: String
    public var message: String

    public var description: String { "at \(position): \(message)" }
}

/// Limits that keep a filter cheap to evaluate for every item.
public struct FilterLimits: Sendable, Hashable {
    public var maximumLength = 1_024
    public var maximumTerms = 64
    public var maximumDepth = 16

    public init() {}
}

/// Parses filter text (see ``FilterExpression``) and checks labels against the taxonomy.
public struct FilterParser: Sendable {
    /// Known labels per field (lower case); a field absent here, or with no labels, accepts any value.
    public var labels: [FilterField: Set<String>]
    public var limits: FilterLimits

    public init(regions: [String], topics: [String], limits: FilterLimits = FilterLimits()) {
        labels = [.region: Set(regions.map { $0.lowercased() }), .topic: Set(topics.map { $0.lowercased() })]
        self.limits = limits
    }

    public func parse(_ text: String) throws(FilterSyntaxError) -> FilterExpression {
        let characters = Array(text)
        guard characters.count <= limits.maximumLength else {
            throw FilterSyntaxError(code: .tooLong, position: limits.maximumLength, expected: "a shorter filter",
                                    message: "the filter is \(characters.count) characters; at most \(limits.maximumLength) are allowed")
        }
        var state = ParserState(tokens: try Self.tokenize(characters), end: characters.count, parser: self)
        guard !state.atEnd else {
            throw FilterSyntaxError(code: .empty, position: 0, expected: "a term", message: "the filter is empty; expected a term such as region:MENA")
        }
        let expression = try state.parseOr(depth: 0)
        if let token = state.peek {
            throw FilterSyntaxError(code: .unexpectedToken, position: token.position, expected: "AND, OR, NOT or the end",
                                    message: "unexpected \(token.display) at \(token.position); expected AND, OR, NOT or the end of the filter")
        }
        return expression
    }

    // MARK: Tokens

    struct Token: Sendable {
        enum Kind: Sendable, Equatable {
            case word(String), quoted(String), open, close, colon, comparison(String)
        }

        let kind: Kind
        let position: Int

        var display: String {
            switch kind {
            case .word(let word): "'\(word)'"
            case .quoted(let text): "\"\(text)\""
            case .open: "'('"
            case .close: "')'"
            case .colon: "':'"
            case .comparison(let op): "'\(op)'"
            }
        }

        func isKeyword(_ keyword: String) -> Bool {
            if case .word(let word) = kind { return word.uppercased() == keyword && word == word.uppercased() }
            return false
        }
    }

    static func tokenize(_ characters: [Character]) throws(FilterSyntaxError) -> [Token] {
        var tokens: [Token] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            switch character {
            case _ where character.isWhitespace:
                index += 1
            case "(":
                tokens.append(Token(kind: .open, position: index)); index += 1
            case ")":
                tokens.append(Token(kind: .close, position: index)); index += 1
            case ":":
                tokens.append(Token(kind: .colon, position: index)); index += 1
            case ">", "<", "=":
                let start = index
                var op = String(character)
                index += 1
                if character != "=", index < characters.count, characters[index] == "=" { op += "="; index += 1 }
                tokens.append(Token(kind: .comparison(op), position: start))
            case "\"":
                let start = index
                index += 1
                var text = ""
                while index < characters.count, characters[index] != "\"" {
                    text.append(characters[index])
                    index += 1
                }
                guard index < characters.count else {
                    throw FilterSyntaxError(code: .unexpectedEnd, position: start, expected: "a closing quote",
                                            message: "the quote opened at \(start) is not closed")
                }
                index += 1
                tokens.append(Token(kind: .quoted(text), position: start))
            default:
                let start = index
                var word = ""
                while index < characters.count, !characters[index].isWhitespace, !"():\"<>=".contains(characters[index]) {
                    word.append(characters[index])
                    index += 1
                }
                tokens.append(Token(kind: .word(word), position: start))
            }
        }
        return tokens
    }
}

/// Recursive descent over the tokens; counts terms and depth against the limits.
private struct ParserState {
    let tokens: [FilterParser.Token]
    let end: Int
    let parser: FilterParser
    var index = 0
    var terms = 0

    init(tokens: [FilterParser.Token], end: Int, parser: FilterParser) {
        self.tokens = tokens
        self.end = end
        self.parser = parser
    }

    var atEnd: Bool { index >= tokens.count }
    var peek: FilterParser.Token? { atEnd ? nil : tokens[index] }

    mutating func parseOr(depth: Int) throws(FilterSyntaxError) -> FilterExpression {
        guard depth <= parser.limits.maximumDepth else {
            throw FilterSyntaxError(code: .tooComplex, position: peek?.position ?? end, expected: "fewer nested parentheses",
                                    message: "the filter nests deeper than \(parser.limits.maximumDepth) levels")
        }
        var parts = [try parseAnd(depth: depth)]
        while let token = peek, token.isKeyword("OR") {
            index += 1
            parts.append(try parseAnd(depth: depth))
        }
        return parts.count == 1 ? parts[0] : .or(parts)
    }

    mutating func parseAnd(depth: Int) throws(FilterSyntaxError) -> FilterExpression {
        var parts = [try parseNot(depth: depth)]
        while let token = peek {
            if token.isKeyword("AND") {
                index += 1
            } else if token.isKeyword("OR") || token.kind == .close {
                break
            }
            parts.append(try parseNot(depth: depth))
        }
        return parts.count == 1 ? parts[0] : .and(parts)
    }

    mutating func parseNot(depth: Int) throws(FilterSyntaxError) -> FilterExpression {
        if let token = peek, token.isKeyword("NOT") {
            index += 1
            return .not(try parseNot(depth: depth + 1))
        }
        return try parsePrimary(depth: depth)
    }

    mutating func parsePrimary(depth: Int) throws(FilterSyntaxError) -> FilterExpression {
        guard let token = peek else {
            throw FilterSyntaxError(code: .unexpectedEnd, position: end, expected: "a term",
                                    message: "the filter ends where a term was expected (e.g. region:MENA, a word or \"a phrase\")")
        }
        index += 1
        switch token.kind {
        case .open:
            let inner = try parseOr(depth: depth + 1)
            guard let close = peek, close.kind == .close else {
                throw FilterSyntaxError(code: peek == nil ? .unexpectedEnd : .unexpectedToken, position: peek?.position ?? end, expected: "')'",
                                        message: "the parenthesis opened at \(token.position) is not closed")
            }
            index += 1
            return inner
        case .quoted(let text):
            return try textTerm(text, at: token.position)
        case .word(let word):
            if token.isKeyword("AND") || token.isKeyword("OR") {
                throw FilterSyntaxError(code: .unexpectedToken, position: token.position, expected: "a term",
                                        message: "\(word) at \(token.position) needs a term before it")
            }
            if word.lowercased() == "urgency", let next = peek, case .comparison(let op) = next.kind {
                index += 1
                return try urgencyTerm(op: op, at: next.position)
            }
            if let next = peek, next.kind == .colon {
                index += 1
                return try fieldTerm(word, at: token.position)
            }
            return try textTerm(word, at: token.position)
        case .close, .colon, .comparison:
            throw FilterSyntaxError(code: .unexpectedToken, position: token.position, expected: "a term",
                                    message: "unexpected \(token.display) at \(token.position); expected a term")
        }
    }

    mutating func countTerm(at position: Int) throws(FilterSyntaxError) {
        terms += 1
        guard terms <= parser.limits.maximumTerms else {
            throw FilterSyntaxError(code: .tooComplex, position: position, expected: "fewer terms",
                                    message: "the filter has more than \(parser.limits.maximumTerms) terms")
        }
    }

    mutating func textTerm(_ text: String, at position: Int) throws(FilterSyntaxError) -> FilterExpression {
        try countTerm(at: position)
        let normalised = FilterText.normalise(text)
        guard !normalised.isEmpty else {
            throw FilterSyntaxError(code: .invalidValue, position: position, expected: "letters or digits",
                                    message: "the term at \(position) has no letters or digits")
        }
        return .text(normalised)
    }

    mutating func fieldTerm(_ name: String, at position: Int) throws(FilterSyntaxError) -> FilterExpression {
        try countTerm(at: position)
        guard let field = FilterField(rawValue: name.lowercased()) else {
            throw FilterSyntaxError(code: .unknownField, position: position, expected: "region, topic, country, source, lang or urgency",
                                    message: "unknown field '\(name)' at \(position); expected region, topic, country, source, lang or urgency")
        }
        guard let valueToken = peek else {
            throw FilterSyntaxError(code: .unexpectedEnd, position: end, expected: "a value",
                                    message: "\(field.rawValue): at \(position) needs a value")
        }
        index += 1
        let value: String
        switch valueToken.kind {
        case .word(let word): value = word
        case .quoted(let text): value = text
        default:
            throw FilterSyntaxError(code: .unexpectedToken, position: valueToken.position, expected: "a value",
                                    message: "\(field.rawValue): at \(position) needs a value, not \(valueToken.display)")
        }
        let lowered = value.lowercased()
        if let known = parser.labels[field], !known.isEmpty, !known.contains(lowered) {
            throw FilterSyntaxError(code: .unknownLabel, position: valueToken.position, expected: "one of \(known.sorted().joined(separator: ", "))",
                                    message: "unknown \(field.rawValue) '\(value)' at \(valueToken.position); expected one of \(known.sorted().joined(separator: ", ")) (quote labels with spaces)")
        }
        switch field {
        case .country where lowered.count != 2 || !lowered.allSatisfy(\.isLetter):
            throw FilterSyntaxError(code: .invalidValue, position: valueToken.position, expected: "an ISO 3166-1 alpha-2 code",
                                    message: "country '\(value)' at \(valueToken.position) must be an ISO 3166-1 alpha-2 code such as LB")
        case .lang where lowered.isEmpty || lowered.count > 12:
            throw FilterSyntaxError(code: .invalidValue, position: valueToken.position, expected: "a language tag",
                                    message: "lang '\(value)' at \(valueToken.position) must be a language tag such as en")
        default:
            return .field(field, lowered)
        }
    }

    mutating func urgencyTerm(op: String, at position: Int) throws(FilterSyntaxError) -> FilterExpression {
        try countTerm(at: position)
        guard let comparison = FilterComparison(rawValue: op) else {
            throw FilterSyntaxError(code: .unexpectedToken, position: position, expected: ">=, >, =, <= or <", message: "unknown comparison \(op)")
        }
        guard let token = peek, case .word(let word) = token.kind, let level = Urgency(rawValue: word.lowercased()) else {
            throw FilterSyntaxError(code: .invalidValue, position: peek?.position ?? end, expected: "routine, urgent or flash",
                                    message: "urgency\(op) at \(position) needs routine, urgent or flash")
        }
        index += 1
        return .urgency(comparison, level)
    }
}
