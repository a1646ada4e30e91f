internal import CLibXML2
import Foundation

/// Which elements the feed reader reads, by context.
extension XMLFeedAssembler {
    /// The document element decides the format.
    mutating func startDocument(_ element: FeedElementName, name: UnsafePointer<xmlChar>, _ attributes: XMLAttributes) -> Role {
        switch (element.name, element.namespace) {
        case (.rss, .none):
            let version = attributes.value(named: "version") ?? ""
            setFormat(version.hasPrefix("0.9") ? .rss090 : .rss2)
            return .root
        case (.RDF, .rdf):
            setFormat(.rss1)
            return .root
        case (.feed, .atom), (.feed, .none):
            setFormat(.atom1)
            return enterFeed()
        case (.feed, .atom03):
            setFormat(.atom03)
            return enterFeed()
        case (.channel, .none):  // an RSS channel without its <rss>
            setFormat(.rss2)
            return enterFeed()
        case (.CHANNEL, .none):
            setFormat(.cdf)
            if let href = attributes.value(named: "HREF") { feed.link = RawURL(text: href, base: currentBase) }
            return enterFeed()
        default:
            refuseRoot(name)
            return .skipped
        }
    }

    private mutating func enterFeed() -> Role {
        if feed.scopeLanguage == nil { feed.scopeLanguage = currentLanguage }
        return .feed
    }

    /// Children of `<rss>` and `<rdf:RDF>`.
    mutating func startInRoot(_ element: FeedElementName, _ attributes: XMLAttributes) -> Role {
        guard element.namespace.isRSS else { return .skipped }
        switch element.name {
        case .channel:
            if format == .rss1, element.namespace == .rss090 { setFormat(.rss090) }
            return enterFeed()
        case .item:
            if format == .rss1, element.namespace == .rss090 { setFormat(.rss090) }
            return beginItem(attributes)
        default:
            return .skipped  // image, textinput: their title and link are not the feed's
        }
    }

    /// Starts an item (RSS 1.0 items name themselves with rdf:about).
    mutating func beginItem(_ attributes: XMLAttributes) -> Role {
        let role = startItem()
        if role == .item, attributes.count > 0, let about = attributes.value(named: "about") { draft.about = about.trimmed }
        return role
    }

    /// Children of RSS `<channel>` and Atom `<feed>`.
    mutating func startInFeed(_ element: FeedElementName, _ attributes: XMLAttributes) -> Role {
        if format == .cdf { return startInCDFChannel(element, attributes) }
        if isAtom {
            guard element.namespace.isAtom || element.namespace == .none else { return .other }
            switch element.name {
            case .entry: return beginItem(attributes)
            case .title: return beginCapture(.feedTitle, isMarkup: Self.isMarkup(attributes))
            case .link:
                if feed.link == nil, let href = attributes.value(named: "href"), Self.isAlternate(attributes) {
                    feed.link = RawURL(text: href, base: currentBase)
                }
                return .other
            case .author: return .author
            default: return .other
            }
        }
        switch (element.namespace, element.name) {
        case (.none, .item), (.rss1, .item), (.rss090, .item):
            return beginItem(attributes)
        case (.none, .title), (.rss1, .title), (.rss090, .title):
            return beginCapture(.feedTitle, isMarkup: true)
        case (.none, .link), (.rss1, .link), (.rss090, .link):
            return beginCapture(.feedLink, isMarkup: false)
        case (.none, .language), (.dc, .language):
            return beginCapture(.feedLanguage, isMarkup: false)
        case (_, .image), (_, .textinput), (_, .textInput):
            return .skipped
        default:
            return .other
        }
    }

    /// Children of an RSS `<item>` or an Atom `<entry>`.
    mutating func startInItem(_ element: FeedElementName, _ attributes: XMLAttributes) -> Role {
        switch element.namespace {
        case .media: return startInMedia(element, attributes)
        case .itunes where element.name == .summary: return beginCapture(.fallbackSummary, isMarkup: true)
        default:
            if format == .cdf { return startInCDFItem(element) }
            return isAtom ? startInEntry(element, attributes) : startInRSSItem(element, attributes)
        }
    }

    /// A CDF `<CHANNEL>`: its `<TITLE>`, its `<ITEM HREF= LASTMOD=>`s and the items of sub-channels.
    private mutating func startInCDFChannel(_ element: FeedElementName, _ attributes: XMLAttributes) -> Role {
        guard element.namespace == .none else { return .other }
        switch element.name {
        case .CHANNEL: return .feed
        case .TITLE: return feed.title.isEmpty ? beginCapture(.feedTitle, isMarkup: true) : .other
        case .ITEM:
            let role = beginItem(attributes)
            guard role == .item else { return role }
            if let href = attributes.value(named: "HREF") { draft.link = RawURL(text: href, base: currentBase) }
            if let modified = attributes.value(named: "LASTMOD") { draft.item.publishedAt = FeedDate.parse(modified) }
            return role
        default: return .other
        }
    }

    private mutating func startInCDFItem(_ element: FeedElementName) -> Role {
        guard element.namespace == .none else { return .other }
        switch element.name {
        case .TITLE: return beginCapture(.title, isMarkup: true)
        case .ABSTRACT: return beginCapture(.description, isMarkup: true)
        default: return .other
        }
    }

    /// Media RSS in an item, a `<media:group>` or a `<media:content>`: the image, and the title and
    /// description as fallbacks for an item without its own (video and podcast feeds).
    mutating func startInMedia(_ element: FeedElementName, _ attributes: XMLAttributes) -> Role {
        switch element.name {
        case .content:
            takeMediaImage(attributes)
            return .mediaGroup  // its media:title and media:description are read too
        case .thumbnail: takeMediaImage(attributes)
        case .group: return .mediaGroup
        case .title: return beginCapture(.fallbackTitle, isMarkup: attributes.value(named: "type", matches: "html") == true)
        case .description: return beginCapture(.fallbackSummary, isMarkup: attributes.value(named: "type", matches: "html") == true)
        default: break
        }
        return .other
    }

    private mutating func startInRSSItem(_ element: FeedElementName, _ attributes: XMLAttributes) -> Role {
        if let date = Self.dublinCoreDate(element) { return beginCapture(date, isMarkup: false) }
        switch (element.namespace, element.name) {
        case (.none, .title), (.rss1, .title), (.rss090, .title), (.dc, .title):
            return beginCapture(.title, isMarkup: !Self.isPlainText(attributes))
        case (.none, .link), (.rss1, .link), (.rss090, .link):
            return beginCapture(.link, isMarkup: false)
        case (.none, .guid):
            draft.guidIsPermaLink = attributes.value(named: "isPermaLink", matches: "false") != true
            return beginCapture(.guid, isMarkup: false)
        // `summary` is not RSS, but some generators write Atom's name: read as the description, the
        // first of the two winning, as feedparser reads it.
        case (.none, .description), (.rss1, .description), (.rss090, .description), (.dc, .description), (.none, .summary):
            return beginCapture(.description, isMarkup: !Self.isPlainText(attributes))
        case (.content, .encoded), (.none, .fullitem), (.xhtml, .body), (.none, .body):
            return beginCapture(.content, isMarkup: true)
        case (.none, .pubDate), (.atom, .published):
            return beginCapture(.published(.published), isMarkup: false)
        case (.atom, .updated):
            return beginCapture(.updated, isMarkup: false)
        case (.none, .author), (.dc, .creator):
            return beginCapture(.rssAuthor, isMarkup: true)
        case (.atom, .author):
            return .author
        case (.none, .category), (.dc, .subject):
            return beginCapture(.category, isMarkup: true)
        case (.dc, .language):
            return beginCapture(.language, isMarkup: false)
        case (.none, .enclosure):
            if draft.image == nil, let url = attributes.value(named: "url"), Self.isImage(type: attributes.value(named: "type"), url: url) {
                let image = RawURL(text: url, base: currentBase)
                draft.image = image
            }
        case (.atom, .link):
            takeAtomLink(attributes)
        case (.itunes, .image):
            if draft.fallbackImage == nil, let href = attributes.value(named: "href") {
                let image = RawURL(text: href, base: currentBase)
                draft.fallbackImage = image
            }
        default:
            break
        }
        return .other
    }

    private mutating func startInEntry(_ element: FeedElementName, _ attributes: XMLAttributes) -> Role {
        if let date = Self.dublinCoreDate(element) { return beginCapture(date, isMarkup: false) }
        guard element.namespace.isAtom || element.namespace == .none else { return .other }
        switch element.name {
        case .id: return beginCapture(.guid, isMarkup: false)
        case .title: return beginCapture(.title, isMarkup: Self.isMarkup(attributes), base64: Self.isBase64(attributes))
        case .summary: return beginCapture(.description, isMarkup: Self.isMarkup(attributes), base64: Self.isBase64(attributes))
        case .content:
            guard attributes.value(named: "src") == nil else { return .other }
            return beginCapture(.content, isMarkup: Self.isMarkup(attributes), base64: Self.isBase64(attributes))
        case .published, .issued: return beginCapture(.published(.published), isMarkup: false)
        case .created: return beginCapture(.published(.created), isMarkup: false)
        case .updated, .modified: return beginCapture(.updated, isMarkup: false)
        case .author: return .author
        case .link:
            takeAtomLink(attributes)
            return .other
        case .category:
            let label = attributes.value(named: "label") ?? attributes.value(named: "term") ?? ""
            addCategory(PlainText.from(label, maximumCharacters: 200, markup: false))
            return .other
        case .source: return .skipped
        default: return .other
        }
    }

    /// The Dublin Core dates of an item or entry, as feedparser reads them in either.
    private static func dublinCoreDate(_ element: FeedElementName) -> Field? {
        switch (element.namespace, element.name) {
        case (.dcterms, .issued): .published(.published)
        case (.dcterms, .created): .published(.created)
        case (.dc, .date): .published(.dcDate)
        case (.dcterms, .modified): .updated
        default: nil
        }
    }

    /// `<atom:link>`: the alternate link (rel absent or `alternate`), or an image enclosure.
    private mutating func takeAtomLink(_ attributes: XMLAttributes) {
        guard inItem, let href = attributes.value(named: "href") else { return }
        let url = RawURL(text: href, base: currentBase)
        if Self.isAlternate(attributes) {
            // feedparser's link: the last alternate of an HTML type (text/html when none is given);
            // Newsflash also keeps the first of another type when there is no such one.
            if Self.isHTML(type: attributes) || draft.link == nil { draft.link = url }
        } else if attributes.value(named: "rel", matches: "enclosure") == true, draft.image == nil,
                  Self.isImage(type: attributes.value(named: "type"), url: href) {
            draft.image = url
        }
    }

    /// `<media:content>` (when it is an image) or `<media:thumbnail>`.
    mutating func takeMediaImage(_ attributes: XMLAttributes) {
        guard inItem, draft.image == nil, let url = attributes.value(named: "url") else { return }
        switch attributes.value(named: "medium", matches: "image") {
        case .some(false): return  // video, audio, document
        case .some(true): break
        case nil: if attributes.value(named: "type", matches: "image/", as: .prefix) == false { return }
        }
        let image = RawURL(text: url, base: currentBase)
        draft.image = image
    }

    /// A link's `type` is a web page's (feedparser's HTML types), or is not given.
    private static func isHTML(type attributes: XMLAttributes) -> Bool {
        guard attributes.trimmedBytes(named: "type") != nil else { return true }
        return attributes.value(named: "type", matches: "text/html") == true
            || attributes.value(named: "type", matches: "application/xhtml+xml") == true
    }

    private static func isAlternate(_ attributes: XMLAttributes) -> Bool {
        guard attributes.trimmedBytes(named: "rel") != nil else { return true }
        return attributes.value(named: "rel", matches: "alternate") == true
            || attributes.value(named: "rel", matches: "http://www.iana.org/assignments/relation/alternate") == true
    }

    /// Atom text constructs: `text` (the default) is plain text; `html`, `xhtml` and Atom 0.3's HTML types are markup.
    private static func isMarkup(_ attributes: XMLAttributes) -> Bool {
        guard let type = attributes.value(named: "type")?.trimmed.lowercased() else { return false }
        return type == "html" || type == "xhtml" || type.contains("html")
    }

    /// Base64 text: Atom 0.3's `mode="base64"`, or an Atom 1.0 `type` that is a media type neither
    /// text nor XML ("application/octet-stream"), which RFC 4287 (4.1.3.3) says is base64.
    private static func isBase64(_ attributes: XMLAttributes) -> Bool {
        guard attributes.count > 0 else { return false }
        if attributes.value(named: "mode", matches: "base64") == true { return true }
        // Read in place (no String): most text constructs say "text", "html" or "text/html".
        guard let type = attributes.trimmedBytes(named: "type"), type.contains(UInt8(ascii: "/")) else { return false }
        return attributes.value(named: "type", matches: "text/", as: .prefix) == false
            && attributes.value(named: "type", matches: "+xml", as: .suffix) == false
            && attributes.value(named: "type", matches: "/xml", as: .suffix) == false
    }

    /// An RSS element marked `type="text/plain"` (or `text`), whose angle brackets are text, not tags.
    private static func isPlainText(_ attributes: XMLAttributes) -> Bool {
        guard attributes.count > 0, let type = attributes.value(named: "type")?.trimmed.lowercased() else { return false }
        return type == "text" || type == "text/plain" || type == "plain"
    }

    /// An image by its MIME type, or by its file extension when the type is missing.
    static func isImage(type: String?, url: String) -> Bool {
        if let type = type?.trimmed.lowercased(), !type.isEmpty { return type.hasPrefix("image/") }
        let path = url.lowercased().split(separator: "?", maxSplits: 1).first ?? ""
        return [".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif"].contains { path.hasSuffix($0) }
    }
}

/// RSS `<author>` holds an e-mail address, often with the name in parentheses.
enum RSSAuthor {
    /// `lawyer@example.com (Lawyer Boyer)` → `Lawyer Boyer`; a bare address is kept; a name is kept.
    static func name(_ text: String) -> String {
        let bytes = text.utf8
        guard bytes.contains(0x40), let open = bytes.firstIndex(of: 0x28), let close = bytes.lastIndex(of: 0x29), open < close,
              bytes[..<open].contains(0x40) else { return text }
        let name = String(text[bytes.index(after: open)..<close]).trimmed
        return name.isEmpty ? text : name
    }
}
