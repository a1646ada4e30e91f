import Foundation

/// A link as written in the document, with the xml:base in scope where it stood.
/// Resolved once the whole document is read (the feed's own link may come after its items).
struct RawURL {
    var text: String
    /// The xml:base in effect at the element, already absolute; nil when none was declared.
    var base: String?
}

/// An item while its document is being read: the item itself (text already
/// plain) and what can only be settled at the end of the document (links, which
/// need the feed's own link as their base; fallbacks).
struct ItemDraft {
    var item = ParsedItem()
    var guidIsPermaLink = true
    /// rdf:about of an RSS 1.0 item: the guid when there is no other.
    var about: String?
    var link: RawURL?
    var image: RawURL?
    /// An image of lower priority (itunes:image), used when nothing better is found.
    var fallbackImage: RawURL?
    /// xml:lang in scope at the item.
    var scopeLanguage: String?
    /// Raw content (content:encoded, Atom content, xhtml:body, fullitem), turned into the summary when there is no description.
    var content: [UInt8]?
    /// Whether `content` is valid UTF-8 for certain (see `XMLFeedAssembler.isValidUTF8`).
    var contentIsValidUTF8 = false
    /// Text from fields read only when the core ones are missing (media:title; media:description, itunes:summary).
    var fallbackTitle = ""
    var fallbackSummary = ""
    /// The kind of element ``ParsedItem/publishedAt`` was read from; nil while it has none.
    var publishedKind: DateKind?
}

/// The elements an item's publication date is read from, best first, in the order of feedparser's
/// keys: its `published` (pubDate, Atom published and issued, dcterms:issued), its `created` (Atom
/// created, dcterms:created), then dc:date, which feedparser files as `updated` and Newsflash reads
/// as the publication date when nothing better gives one. A better kind replaces a worse one, and
/// of one kind the last wins, as feedparser overwrites; a date that does not parse replaces none.
enum DateKind: Comparable {
    case published, created, dcDate
}

/// What of an item is settled at the end of the document.
struct PendingLinks {
    var link: RawURL?
    var image: RawURL?
    var guidIsPermaLink: Bool
    var scopeLanguage: String?
}

/// The feed-level fields while the document is being read.
struct FeedDraft {
    var title = ""
    var link: RawURL?
    var language: String?
    /// xml:lang on the root or channel.
    var scopeLanguage: String?
    /// Atom feed-level authors, inherited by entries without their own.
    var authors: [String] = []
}

extension ParsedItem {
    /// Settles what needed the whole document: links resolved, fallbacks applied.
    ///
    /// - Parameters:
    ///   - linkBase: the base for links without an xml:base of their own.
    ///   - feed: feed-level fallbacks (language, Atom authors).
    mutating func settle(_ pending: PendingLinks, linkBase: URLResolver.Base?, feed: FeedDraft, isAtom: Bool) {
        if publishedAt == nil, isAtom { publishedAt = updatedAt }  // Atom requires updated; published is optional
        if authors.isEmpty, isAtom { authors = feed.authors }
        if language == nil { language = pending.scopeLanguage ?? feed.language ?? feed.scopeLanguage }
        url = pending.link.flatMap { URLResolver.absolute($0.text, against: $0.base.map(URLResolver.Base.init) ?? linkBase) }
        if url == nil, !isAtom, pending.guidIsPermaLink {
            url = URLResolver.absolute(guid, base: nil)  // an RSS guid that is an absolute permalink
        }
        imageUrl = pending.image.flatMap { URLResolver.absolute($0.text, against: $0.base.map(URLResolver.Base.init) ?? linkBase) }
    }
}
