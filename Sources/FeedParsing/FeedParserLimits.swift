/// Bounds on what one parse may take in and give out. Documents over a limit
/// are refused (``maximumBytes``) or cut (the others), never parsed without bound.
/// Entity expansion needs no limit of its own: documents declaring entities are refused.
public struct FeedParserLimits: Sendable, Hashable {
    /// The largest document accepted (16 MiB).
    public var maximumBytes: Int = 16 * 1024 * 1024
    /// Items after this many are not read; the parse stops there with a warning.
    public var maximumItems: Int = 1_000
    /// Longer summaries are cut at a word boundary, with an ellipsis.
    public var maximumSummaryCharacters: Int = 4_000
    /// Longer titles are cut at a word boundary, with an ellipsis.
    public var maximumTitleCharacters: Int = 500
    /// At most this many authors and this many categories per item are kept.
    public var maximumListEntries: Int = 32

    public init() {}

    public init(maximumBytes: Int, maximumItems: Int) {
        self.maximumBytes = maximumBytes
        self.maximumItems = maximumItems
    }
}
