internal import CLibXML2
import Glibc

/// The namespaces feed elements come in.
enum FeedNamespace: UInt8 {
    /// No namespace (RSS 0.9x and 2.0, un-namespaced Atom).
    case none
    case atom, atom03, rdf, rss1, rss090, dc, dcterms, content, media, itunes, xml, xhtml, other

    static let uris: [(FeedNamespace, StaticString)] = [
        (.atom, "http://www.w3.org/2005/Atom"), (.dc, "http://purl.org/dc/elements/1.1/"),
        (.content, "http://purl.org/rss/1.0/modules/content/"), (.media, "http://search.yahoo.com/mrss/"),
        (.rss1, "http://purl.org/rss/1.0/"), (.atom03, "http://purl.org/atom/ns#"),
        (.rdf, "http://www.w3.org/1999/02/22-rdf-syntax-ns#"), (.rss090, "http://my.netscape.com/rdf/simple/0.9/"),
        (.dcterms, "http://purl.org/dc/terms/"), (.itunes, "http://www.itunes.com/dtds/podcast-1.0.dtd"),
        (.xml, "http://www.w3.org/XML/1998/namespace"),
        (.xhtml, "http://www.w3.org/1999/xhtml"),
        // Variants seen in the wild.
        (.media, "http://search.yahoo.com/mrss"), (.atom, "http://www.w3.org/2005/Atom/"),
        // RSS 2.0 has no namespace, but some feeds give it one (as a default or under a prefix);
        // feedparser reads these as plain RSS, and so does this reader.
        (.none, "http://backend.userland.com/rss2"), (.none, "http://backend.userland.com/rss"),
        (.none, "http://blogs.law.harvard.edu/tech/rss"),
    ]

    /// RSS's own vocabularies: no namespace, RSS 1.0 and RSS 0.90.
    var isRSS: Bool { self == .none || self == .rss1 || self == .rss090 }
    var isAtom: Bool { self == .atom || self == .atom03 }

    init(uri: UnsafePointer<xmlChar>?) {
        guard let uri else {
            self = .none
            return
        }
        let text = UnsafeRawPointer(uri).assumingMemoryBound(to: CChar.self)
        // Without case, as feedparser compares them: "http://www.itunes.com/DTDs/Podcast-1.0.dtd" is the
        // iTunes namespace as Apple's own examples once spelled it. No two known URIs differ only in
        // case, and `FeedElementClassifier` runs this once per element name and namespace of a parse.
        for (namespace, known) in Self.uris where strcasecmp(text, UnsafeRawPointer(known.utf8Start).assumingMemoryBound(to: CChar.self)) == 0 {
            self = namespace
            return
        }
        self = .other
    }
}

/// The local names the feed reader acts on; everything else is `.unknown`.
enum FeedName: UInt8 {
    case unknown
    // Roots and containers.
    case rss, RDF, feed, channel, item, entry, source, group, author, image, textinput, textInput
    // Fields.
    case title, link, guid, description, encoded, pubDate, date, published, issued, created, updated, modified
    case creator, name, category, subject, enclosure, content, thumbnail, language, id, summary
    // Fallbacks and rarer carriers of an item's text (xhtml:body, fullitem).
    case body, fullitem
    // The Channel Definition Format (upper-case element names).
    case CHANNEL, ITEM, TITLE, ABSTRACT

    private static let byName: [String: FeedName] = {
        let all: [FeedName] = [
            .rss, .RDF, .feed, .channel, .item, .entry, .source, .group, .author, .image, .textinput, .textInput,
            .title, .link, .guid, .description, .encoded, .pubDate, .date, .published, .issued, .created, .updated, .modified,
            .creator, .name, .category, .subject, .enclosure, .content, .thumbnail, .language, .id, .summary,
            .body, .fullitem, .CHANNEL, .ITEM, .TITLE, .ABSTRACT,
        ]
        return Dictionary(uniqueKeysWithValues: all.map { ("\($0)", $0) })
    }()

    init(localName: UnsafePointer<xmlChar>) {
        self = Self.byName[String(cString: localName)] ?? .unknown
    }
}

/// What an element is, by namespace and local name.
struct FeedElementName: Equatable {
    var namespace: FeedNamespace
    var name: FeedName
}

/// Classifies elements by the addresses of their interned names.
///
/// libxml2 interns element local names and namespace URIs in the parser's
/// dictionary, so within one parse the same name always has the same
/// address: after the first sighting an element costs one hash probe, no
/// string comparison. Valid for one parse only (the dictionary dies with it).
struct FeedElementClassifier {
    private struct Slot {
        var name: UnsafePointer<xmlChar>?
        var uri: UnsafePointer<xmlChar>?
        var value = FeedElementName(namespace: .none, name: .unknown)
    }

    private static let capacity = 256
    private var slots = [Slot](repeating: Slot(), count: capacity)
    private var used = 0

    mutating func classify(_ name: UnsafePointer<xmlChar>, _ uri: UnsafePointer<xmlChar>?) -> FeedElementName {
        let key = UInt(bitPattern: name) &* 31 &+ UInt(bitPattern: uri)
        var index = Int(truncatingIfNeeded: (key >> 4) ^ (key >> 12)) & (Self.capacity - 1)
        for _ in 0..<Self.capacity {
            let slot = slots[index]
            if slot.name == name, slot.uri == uri { return slot.value }
            if slot.name == nil { break }
            index = (index + 1) & (Self.capacity - 1)
        }
        let value = FeedElementName(namespace: FeedNamespace(uri: uri), name: FeedName(localName: name))
        // A document with hundreds of distinct element names is not a feed; stop caching then.
        if used < Self.capacity / 2, slots[index].name == nil {
            slots[index] = Slot(name: name, uri: uri, value: value)
            used += 1
        }
        return value
    }
}
