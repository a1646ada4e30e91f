internal import CLibXML2
import Foundation

/// Builds a ``ParsedFeed`` from the SAX events of an RSS 0.9x/2.0, RSS 1.0
/// (RDF) or Atom 1.0/0.3 document, without a tree.
///
/// Keeps its own element stack, because libxml2's recovery may close an
/// element under another's name; tracks xml:base and xml:lang scopes; and
/// captures the text of the elements it reads (the element tables are in
/// `XMLFeedAssembler+Elements.swift`). An `item` or `entry` that starts while
/// another is open closes the open one, so an unclosed item loses nothing.
///
/// A struct reached through a pointer from the SAX callbacks (see
/// ``XMLFeedReader``): no reference counting or exclusivity checks per event.
/// Used for one document, on one thread, then discarded.
struct XMLFeedAssembler {
    /// What an open element is to the reader.
    enum Role: UInt8 {
        /// `<rss>` or `<rdf:RDF>`: channel and items are its children.
        case root
        /// RSS `<channel>` or Atom `<feed>`: feed-level fields are its children.
        case feed
        case item
        /// Atom `<author>`: its `<name>` is read.
        case author
        /// `<media:group>`: its `<media:content>` is read.
        case mediaGroup
        /// An element whose text is being captured, or any element inside it.
        case capture
        /// An element whose whole subtree is ignored (Atom `<source>`, RSS `<image>`).
        case skipped
        /// An element the reader does not use; its children are not read either.
        case other
    }

    /// The fields whose text is captured.
    enum Field {
        case title, link, guid, description, content, rssAuthor, authorName, category, language
        /// An item's dates; which of several wins: ``DateKind``.
        case published(DateKind), updated
        case feedTitle, feedLink, feedLanguage
        /// Read only when the item has no title (media:title) or no description or content (media:description, itunes:summary).
        case fallbackTitle, fallbackSummary
    }

    struct Capture {
        var field: Field
        /// Stack depth of the element being captured.
        var depth: Int
        /// HTML (RSS text, Atom `html`/`xhtml`): tags are stripped. Else plain text (Atom `text`, the default).
        var isMarkup: Bool
        /// Child elements arrived (inline XHTML): the buffer holds markup rebuilt from them.
        var rebuildsMarkup = false
        /// Atom 0.3 `mode="base64"`: the text is decoded before it is read.
        var base64 = false
        /// The buffer holds what libxml2 delivered, not decoded base64 (whose bytes may be anything).
        var fromParser = true
    }

    private struct Frame {
        var role: Role
        var name: UnsafePointer<xmlChar>
    }

    let limits: FeedParserLimits
    let documentURL: String?
    /// Set by the reader for the parse, to stop it at the item limit or an unrecognised root.
    var session: UnsafeMutablePointer<newsflash_sax_session>?

    private(set) var format: FeedFormat?
    /// The document element's name, when it was not a feed.
    private(set) var unrecognisedRoot: String?
    private(set) var itemLimitReached = false

    var classifier = FeedElementClassifier()
    private var stack: [Frame] = []
    private var bases: [(depth: Int, url: String)] = []
    private var languages: [(depth: Int, tag: String)] = []
    var feed = FeedDraft()
    private var items: [ParsedItem] = []
    private var pending: [PendingLinks] = []
    /// The open item; meaningful only while `inItem` (not an optional: reading a field of an
    /// optional struct this size would copy it).
    var draft = ItemDraft()
    var inItem = false
    private var capture: Capture?
    private var buffer: [UInt8] = []
    private var untitled = 0

    init(limits: FeedParserLimits, documentURL: String?) {
        self.limits = limits
        self.documentURL = documentURL
        stack.reserveCapacity(32)
        buffer.reserveCapacity(8192)
    }

    var isAtom: Bool { format == .atom1 || format == .atom03 }
    /// The xml:base in scope (absolute), if one was declared.
    var currentBase: String? { bases.last?.url }
    var currentLanguage: String? { languages.last.flatMap { $0.tag.isEmpty ? nil : $0.tag } }

    // MARK: SAX events

    mutating func start(_ name: UnsafePointer<xmlChar>, _ uri: UnsafePointer<xmlChar>?, _ attributes: XMLAttributes) {
        let parent = stack.last?.role
        // An item start where an item is open means the open one was never closed: it is finished
        // and the new one read, wherever the start turns up.
        var startsItem = false
        if let open = capture {
            if inItem, Self.isItem(classifier.classify(name, uri)) {
                finishCapture()
                startsItem = true
            } else {
                if open.isMarkup { appendMarkupTag(name, closing: false) }
                stack.append(Frame(role: .capture, name: name))
                return
            }
        } else if parent == .other || parent == .skipped {
            // Unused subtrees are not read, except to notice such an item start.
            guard inItem, Self.isItem(classifier.classify(name, uri)) else {
                stack.append(Frame(role: parent!, name: name))
                return
            }
            startsItem = true
        }
        let element = classifier.classify(name, uri)
        if attributes.count > 0 { enterScopes(attributes, depth: stack.count + 1) }
        let role: Role
        if startsItem || (parent == .item && Self.isItem(element)) {
            role = beginItem(attributes)
        } else {
            switch parent {
            case nil: role = startDocument(element, name: name, attributes)
            case .root: role = startInRoot(element, attributes)
            case .feed: role = startInFeed(element, attributes)
            case .item: role = startInItem(element, attributes)
            case .author: role = element.name == .name ? beginCapture(.authorName, isMarkup: false) : .other
            case .mediaGroup: role = element.namespace == .media ? startInMedia(element, attributes) : .other
            default: role = .other
            }
        }
        stack.append(Frame(role: role, name: name))
    }

    /// An RSS item or Atom entry start.
    static func isItem(_ element: FeedElementName) -> Bool {
        (element.name == .item && element.namespace.isRSS) || (element.name == .entry && (element.namespace.isAtom || element.namespace == .none))
    }

    mutating func end() {
        guard let frame = stack.popLast() else { return }
        let depth = stack.count + 1
        if let open = capture {
            if depth == open.depth {
                finishCapture()
            } else if open.rebuildsMarkup {
                appendMarkupTag(frame.name, closing: true)
            }
        }
        while let last = bases.last, last.depth >= depth { bases.removeLast() }
        while let last = languages.last, last.depth >= depth { languages.removeLast() }
        if frame.role == .item { finishItem() }
    }

    mutating func characters(_ bytes: UnsafePointer<xmlChar>, _ count: Int) {
        guard let open = capture, count > 0 else { return }
        let text = UnsafeBufferPointer(start: bytes, count: count)
        if open.rebuildsMarkup { appendEscaped(text) } else { buffer.append(contentsOf: text) }
    }

    /// Stops the parse (the item limit, an unrecognised root).
    func stop() {
        if let session { newsflash_sax_stop(session) }
    }

    // MARK: Scopes

    private mutating func enterScopes(_ attributes: XMLAttributes, depth: Int) {
        for index in 0..<attributes.count where attributes.isXMLNamespaced(index) {
            if attributes.localNameIs(index, "base") {
                let value = attributes.value(index)
                if let url = URLResolver.absolute(value, base: currentBase ?? documentURL) { bases.append((depth, url)) }
            } else if attributes.localNameIs(index, "lang") {
                languages.append((depth, attributes.value(index).trimmed))
            }
        }
    }

    // MARK: Items

    /// Starts an item, or refuses it (`.skipped`) past the item limit.
    mutating func startItem() -> Role {
        if inItem { closeOpenItem() }
        guard items.count < limits.maximumItems else {
            itemLimitReached = true
            stop()
            return .skipped
        }
        draft = ItemDraft()
        draft.scopeLanguage = currentLanguage
        inItem = true
        return .item
    }

    /// Finishes the open item whose end tag never came, and forgets its frame.
    private mutating func closeOpenItem() {
        if let index = stack.lastIndex(where: { $0.role == .item }) { stack[index].role = .other }
        finishItem()
    }

    private mutating func finishItem() {
        guard inItem else { return }
        inItem = false
        if draft.item.summary.isEmpty, let content = draft.content {
            draft.item.summary = PlainText.from(
                bytes: content, maximumCharacters: limits.maximumSummaryCharacters, inputIsValidUTF8: draft.contentIsValidUTF8)
        }
        if draft.item.summary.isEmpty { draft.item.summary = draft.fallbackSummary }
        if draft.item.title.isEmpty { draft.item.title = draft.fallbackTitle }
        if draft.item.guid.isEmpty, let about = draft.about {
            draft.item.guid = about
            draft.guidIsPermaLink = false  // rdf:about names the item; only <link> is its link
        }
        if draft.item.title.isEmpty {
            // RSS allows items with only a description: its start stands in for the title.
            draft.item.title = PlainText.truncated(draft.item.summary, to: 160)
        }
        guard !draft.item.title.isEmpty else {
            untitled += 1
            return
        }
        pending.append(PendingLinks(link: draft.link, image: draft.image ?? draft.fallbackImage, guidIsPermaLink: draft.guidIsPermaLink, scopeLanguage: draft.scopeLanguage))
        var finished = ParsedItem()
        swap(&finished, &draft.item)  // a move, not a copy of every string
        items.append(finished)
    }

    // MARK: Captures

    /// Starts capturing the text of the element about to be pushed.
    mutating func beginCapture(_ field: Field, isMarkup: Bool, base64: Bool = false) -> Role {
        capture = Capture(field: field, depth: stack.count + 1, isMarkup: isMarkup, base64: base64)
        buffer.removeAll(keepingCapacity: true)
        return .capture
    }

    private mutating func finishCapture() {
        guard var open = capture else { return }
        capture = nil
        defer { buffer.removeAll(keepingCapacity: true) }
        if open.base64, !open.rebuildsMarkup {
            // Undecodable base64 is left as it was: the text is then at least visible.
            let encoded = String(decoding: buffer, as: UTF8.self)
            if let decoded = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) {
                buffer = Array(decoded)
                open.fromParser = false
                // Decoded HTML is read as HTML whatever the declared type, as feedparser reads it.
                open.isMarkup = open.isMarkup || Self.looksLikeHTML(buffer)
            }
        }
        switch open.field {
        case .title:
            if inItem, draft.item.title.isEmpty {
                let title = text(open, maximumCharacters: limits.maximumTitleCharacters)
                draft.item.title = title
            }
        case .feedTitle:
            if feed.title.isEmpty { feed.title = text(open, maximumCharacters: limits.maximumTitleCharacters) }
        case .link:
            // The last wins, as in feedparser, over an alternate link of another type than HTML too.
            if inItem, let raw = rawText() {
                let link = RawURL(text: raw, base: currentBase)
                draft.link = link
            }
        case .feedLink:
            if feed.link == nil, let raw = rawText() { feed.link = RawURL(text: raw, base: currentBase) }
        case .guid:
            if inItem, draft.item.guid.isEmpty, let guid = rawText(limit: 2048) { draft.item.guid = guid }
        case .description:
            if inItem, draft.item.summary.isEmpty {
                let summary = text(open, maximumCharacters: limits.maximumSummaryCharacters)
                draft.item.summary = summary
            }
        case .content:
            if inItem, draft.content == nil {
                let content = Array(buffer)
                draft.content = content
                draft.contentIsValidUTF8 = isValidUTF8(open)
            }
        case .published(let kind):
            guard inItem, draft.publishedKind.map({ kind <= $0 }) ?? true,
                  let date = buffer.withUnsafeBufferPointer({ FeedDate.parse(bytes: $0) }) else { break }
            draft.item.publishedAt = date
            draft.publishedKind = kind
        case .updated:
            guard inItem, let date = buffer.withUnsafeBufferPointer({ FeedDate.parse(bytes: $0) }) else { break }
            draft.item.updatedAt = date
        case .rssAuthor:
            if inItem { addAuthor(RSSAuthor.name(text(open, maximumCharacters: 200))) }
        case .authorName:
            let name = text(open, maximumCharacters: 200)
            if inItem {
                addAuthor(name)
            } else if !name.isEmpty, !feed.authors.contains(name), feed.authors.count < limits.maximumListEntries {
                feed.authors.append(name)
            }
        case .category:
            if inItem { addCategory(text(open, maximumCharacters: 200)) }
        case .language:
            if inItem, let tag = rawText(limit: 64) { draft.item.language = tag }
        case .feedLanguage:
            if feed.language == nil, let tag = rawText(limit: 64) { feed.language = tag }
        case .fallbackTitle:
            if inItem, draft.fallbackTitle.isEmpty { draft.fallbackTitle = text(open, maximumCharacters: limits.maximumTitleCharacters) }
        case .fallbackSummary:
            if inItem, draft.fallbackSummary.isEmpty { draft.fallbackSummary = text(open, maximumCharacters: limits.maximumSummaryCharacters) }
        }
    }

    /// Whether `bytes` hold an HTML end tag or line break ("</p>", "</b>", "<br"): markup, not text.
    static func looksLikeHTML(_ bytes: [UInt8]) -> Bool {
        bytes.indices.dropLast(2).contains { index in
            guard bytes[index] == UInt8(ascii: "<") else { return false }
            let second = bytes[index + 1], third = bytes[index + 2] | 0x20
            let endTag = second == UInt8(ascii: "/") && third >= UInt8(ascii: "a") && third <= UInt8(ascii: "z")
            return endTag || ((second | 0x20) == UInt8(ascii: "b") && third == UInt8(ascii: "r"))
        }
    }

    /// The captured bytes as trimmed text, nil when empty.
    private func rawText(limit: Int = 4096) -> String? {
        String(decoding: buffer.prefix(limit), as: UTF8.self).trimmed.nilIfEmpty
    }

    private func text(_ capture: Capture, maximumCharacters: Int) -> String {
        buffer.withUnsafeBufferPointer {
            PlainText.from(bytes: $0, maximumCharacters: maximumCharacters, markup: capture.isMarkup || capture.rebuildsMarkup,
                           inputIsValidUTF8: isValidUTF8(capture))
        }
    }

    /// Whether the captured text is valid UTF-8 for certain: libxml2 delivered it (not a base64
    /// decoding) and has reported no error so far. libxml2 reports bytes that are not UTF-8 before it
    /// hands them on (and then reads the rest of the document as Latin-1 bytes without a word), so
    /// once it has reported anything its text is checked; a document with such bytes is repaired and
    /// read again anyway (``XMLInputRepair``).
    private func isValidUTF8(_ capture: Capture) -> Bool {
        guard capture.fromParser, let session else { return false }
        return session.pointee.error_count == 0
    }

    mutating func addAuthor(_ name: String) {
        guard inItem, !name.isEmpty, draft.item.authors.count < limits.maximumListEntries, !draft.item.authors.contains(name) else { return }
        draft.item.authors.append(name)
    }

    mutating func addCategory(_ name: String) {
        guard inItem, !name.isEmpty, draft.item.categories.count < limits.maximumListEntries, !draft.item.categories.contains(name) else { return }
        draft.item.categories.append(name)
    }

    /// Inline markup (Atom xhtml, or HTML left unescaped in RSS): rebuilt as tags for ``PlainText``.
    private mutating func appendMarkupTag(_ name: UnsafePointer<xmlChar>, closing: Bool) {
        guard var open = capture else { return }
        if !open.rebuildsMarkup {
            // The text so far was character data: escape it now that tags follow.
            open.rebuildsMarkup = true
            open.isMarkup = true
            capture = open
            let text = buffer
            buffer.removeAll(keepingCapacity: true)
            text.withUnsafeBufferPointer { appendEscaped($0) }
        }
        buffer.append(0x3C)
        if closing { buffer.append(0x2F) }
        var cursor = name
        while cursor.pointee != 0 {
            buffer.append(cursor.pointee)
            cursor += 1
        }
        buffer.append(0x3E)
    }

    private mutating func appendEscaped(_ text: UnsafeBufferPointer<UInt8>) {
        for byte in text {
            switch byte {
            case 0x3C: buffer.append(contentsOf: [0x26, 0x6C, 0x74, 0x3B])  // &lt;
            case 0x3E: buffer.append(contentsOf: [0x26, 0x67, 0x74, 0x3B])  // &gt;
            case 0x26: buffer.append(contentsOf: [0x26, 0x61, 0x6D, 0x70, 0x3B])  // &amp;
            default: buffer.append(byte)
            }
        }
    }

    // MARK: Result

    /// Finishes what the document left open and returns the feed (nil when the root was not a feed)
    /// and how many items were skipped for having neither title nor summary.
    mutating func finish() -> (feed: ParsedFeed, untitled: Int)? {
        if capture != nil { finishCapture() }
        if inItem { finishItem() }
        guard let format else { return nil }
        let feedLink = feed.link.flatMap { URLResolver.absolute($0.text, base: $0.base ?? documentURL) }
        // Atom resolves against xml:base or the document; RSS has no base, so the channel's link is the better guess.
        let linkBase = (isAtom ? (documentURL ?? feedLink) : (feedLink ?? documentURL)).map(URLResolver.Base.init)
        pending.withUnsafeBufferPointer { pending in
            for index in items.indices {
                items[index].settle(pending[index], linkBase: linkBase, feed: feed, isAtom: isAtom)
            }
        }
        let parsed = ParsedFeed(format: format, title: feed.title, link: feedLink, language: feed.language ?? feed.scopeLanguage, items: items)
        return (parsed, untitled)
    }

    mutating func setFormat(_ format: FeedFormat) {
        self.format = format
    }

    mutating func refuseRoot(_ name: UnsafePointer<xmlChar>) {
        unrecognisedRoot = String(cString: name)
        stop()
    }
}
