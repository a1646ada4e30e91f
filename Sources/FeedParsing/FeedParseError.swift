/// Why a document could not be read at all. (What could be recovered is
/// returned with ``ParsedFeed/warnings`` instead.)
public struct FeedParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// Bigger than ``FeedParserLimits/maximumBytes``.
        case tooLarge
        /// Well-formed enough, but neither RSS, RDF, Atom nor JSON Feed (e.g. a web page).
        case unrecognisedFormat
        /// Empty, or not even recoverable as XML, JSON or HTML.
        case malformed
        /// The document's DTD declares entities: refused (XML bombs, external entities).
        case forbiddenDoctype
        /// A ticker selector is not valid XPath.
        case invalidSelector
    }

    public var code: Code
    /// What went wrong, for a person (the first parser error with its line where there is one).
    public var message: String

    public var description: String { "\(code.rawValue): \(message)" }
}
