import FeedParsing
import NewsModel

/// Who an item is, across polls and restarts.
///
/// The key is the publisher's guid; without one, the link; without that, the
/// normalised title. The content fingerprint changes when the title or
/// summary is edited, which makes the item a new version of its story.
public struct ItemIdentity: Sendable, Hashable {
    public var sourceID: String
    /// `guid:…`, `url:…` or `title:…`.
    public var key: String

    public init(sourceID: String, item: ParsedItem) {
        self.sourceID = sourceID
        if !item.guid.isEmpty {
            key = "guid:" + item.guid
        } else if let url = item.url {
            key = "url:" + url
        } else {
            key = "title:" + TitleNormaliser.normalise(item.title)
        }
    }

    /// The `itemId` of the news.item event.
    public var itemID: String { NewsItem.makeItemID(sourceID: sourceID, guid: key) }

    /// Changes when the title or summary text changes (white space and case ignored).
    public static func contentFingerprint(_ item: ParsedItem) -> String {
        StableID.make(prefix: "cnt", [TitleNormaliser.normalise(item.title), TitleNormaliser.normalise(item.summary)])
    }
}
