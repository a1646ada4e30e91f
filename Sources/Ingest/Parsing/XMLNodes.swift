import CLibXML2
import Glibc

/// Read-only helpers over libxml2 nodes. Valid only while their document lives.
struct XMLElement {
    let node: xmlNodePtr

    var name: String { String(cString: node.pointee.name) }

    /// The namespace as a known kind, without building a String (hot path).
    var namespaceKind: XMLNamespaceKind {
        guard let ns = node.pointee.ns, let href = ns.pointee.href else { return .none }
        let uri = UnsafeRawPointer(href).assumingMemoryBound(to: CChar.self)
        for (kind, known) in XMLNamespaceKind.uris
        where strcmp(uri, UnsafeRawPointer(known.utf8Start).assumingMemoryBound(to: CChar.self)) == 0 {
            return kind
        }
        return .other
    }

    /// The namespace URI, or "" when none.
    var namespace: String {
        guard let ns = node.pointee.ns, let href = ns.pointee.href else { return "" }
        return String(cString: href)
    }

    /// The child elements, without building an array.
    var children: ChildElements { ChildElements(first: node.pointee.children) }

    /// Whether the element's local name is `name` (compared as bytes, no String built).
    func isNamed(_ name: StaticString) -> Bool {
        strcmp(UnsafeRawPointer(node.pointee.name).assumingMemoryBound(to: CChar.self), UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)) == 0
    }

    func attribute(_ name: String) -> String? {
        guard let value = xmlGetProp(node, name) else { return nil }
        defer { newsflash_xml_free(value) }
        return String(cString: value)
    }

    /// An attribute in a namespace (e.g. xml:base, rdf:about).
    func attribute(_ name: String, namespace: String) -> String? {
        guard let value = xmlGetNsProp(node, name, namespace) else { return nil }
        defer { newsflash_xml_free(value) }
        return String(cString: value)
    }

    /// The text of the element and its descendants. Entity references are not
    /// expanded (they are refused earlier); CDATA is included.
    var text: String {
        String(decoding: textBytes, as: UTF8.self)
    }

    /// ``text`` as UTF-8 bytes, for ``PlainText`` without an intermediate String.
    var textBytes: [UInt8] {
        var bytes: [UInt8] = []
        XMLElement.collectText(node.pointee.children, into: &bytes)
        return bytes
    }

    /// The element's content as markup when it holds child elements (XHTML content),
    /// else its text — input for ``PlainText``.
    var markupOrText: String {
        let hasElements = children.contains { _ in true }
        guard hasElements else { return text }
        guard let buffer = xmlBufferCreate() else { return text }
        defer { xmlBufferFree(buffer) }
        var child = node.pointee.children
        while let current = child {
            xmlNodeDump(buffer, current.pointee.doc, current, 0, 0)
            child = current.pointee.next
        }
        return String(cString: xmlBufferContent(buffer))
    }

    private static func collectText(_ first: xmlNodePtr?, into bytes: inout [UInt8]) {
        var current = first
        while let node = current {
            switch node.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = node.pointee.content {
                    bytes.append(contentsOf: UnsafeBufferPointer(start: content, count: strlen(UnsafeRawPointer(content).assumingMemoryBound(to: CChar.self))))
                }
            case XML_ELEMENT_NODE:
                collectText(node.pointee.children, into: &bytes)
            default:
                break  // entity references, comments, processing instructions
            }
            current = node.pointee.next
        }
    }

    /// The first child with this local name (in any namespace when `namespace` is nil).
    func child(_ name: String, namespace: String? = nil) -> XMLElement? {
        children.first { $0.name == name && (namespace == nil || $0.namespace == namespace) }
    }

    func children(_ name: String, namespace: String? = nil) -> [XMLElement] {
        children.filter { $0.name == name && (namespace == nil || $0.namespace == namespace) }
    }

    /// The xml:base in effect here, resolved against the document URL.
    var base: String? {
        guard let value = xmlNodeGetBase(node.pointee.doc, node) else { return nil }
        defer { newsflash_xml_free(value) }
        return String(cString: value)
    }
}

/// The element children of a node, in order.
struct ChildElements: Sequence {
    let first: xmlNodePtr?

    struct Iterator: IteratorProtocol {
        var cursor: xmlNodePtr?

        mutating func next() -> XMLElement? {
            while let node = cursor {
                cursor = node.pointee.next
                if node.pointee.type == XML_ELEMENT_NODE { return XMLElement(node: node) }
            }
            return nil
        }
    }

    func makeIterator() -> Iterator { Iterator(cursor: first) }
}

/// The namespaces feeds use.
enum XMLNamespaceKind {
    case none, atom, atom03, rdf, rss1, rss090, dc, content, media, other

    static let uris: [(XMLNamespaceKind, StaticString)] = [
        (.atom, "http://www.w3.org/2005/Atom"), (.dc, "http://purl.org/dc/elements/1.1/"),
        (.content, "http://purl.org/rss/1.0/modules/content/"), (.media, "http://search.yahoo.com/mrss/"),
        (.rss1, "http://purl.org/rss/1.0/"), (.atom03, "http://purl.org/atom/ns#"),
        (.rdf, "http://www.w3.org/1999/02/22-rdf-syntax-ns#"), (.rss090, "http://my.netscape.com/rdf/simple/0.9/"),
    ]
}

enum XMLNamespaces {
    static let atom = "http://www.w3.org/2005/Atom"
    static let atom03 = "http://purl.org/atom/ns#"
    static let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    static let rss1 = "http://purl.org/rss/1.0/"
    static let rss090 = "http://my.netscape.com/rdf/simple/0.9/"
    static let dc = "http://purl.org/dc/elements/1.1/"
    static let content = "http://purl.org/rss/1.0/modules/content/"
    static let media = "http://search.yahoo.com/mrss/"
    static let xml = "http://www.w3.org/XML/1998/namespace"
}
