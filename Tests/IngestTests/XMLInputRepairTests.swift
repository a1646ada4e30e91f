@testable import FeedParsing
@testable import Ingest
import Testing

@Suite struct XMLInputRepairTests {
    func repaired(_ text: String, utf8: Bool = true) -> String? {
        repaired(bytes: Array(text.utf8), utf8: utf8)
    }

    func repaired(bytes: [UInt8], utf8: Bool = true) -> String? {
        bytes.withUnsafeBufferPointer { XMLInputRepair.repair($0, utf8: utf8).0 }.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func bareAmpersandsAndHTMLEntitiesAreRepaired() {
        #expect(repaired("<t>A & B</t>") == "<t>A &amp; B</t>")
        #expect(repaired("<t>x&nbsp;y &mdash;</t>") == "<t>x&#160;y &#8212;</t>")
        #expect(repaired("<t>AT&T Q&A</t>") == "<t>AT&amp;T Q&amp;A</t>")
        #expect(repaired("<t>&unknownentity; &#12</t>") == "<t>&amp;unknownentity; &amp;#12</t>")
        #expect(repaired("<a href=\"/x?a=1&b=2\"/>") == "<a href=\"/x?a=1&amp;b=2\"/>")
    }

    @Test func validXMLIsLeftAlone() {
        #expect(repaired("<t>A &amp; B &#8212; &#x2014; &lt; caf\u{E9} \u{201C}q\u{201D}</t>") == nil)
        #expect(repaired("<t><![CDATA[A & B &nbsp;]]> &amp;</t>") == nil)
    }

    @Test func numericReferencesToWindows1252AndForbiddenCharacters() {
        #expect(repaired("<t>&#150; &#x93;q&#x94;</t>") == "<t>&#8211; &#8220;q&#8221;</t>")
        #expect(repaired("<t>a&#1;b &#xD800;</t>") == "<t>a b &#65533;</t>")
    }

    @Test func controlCharactersBecomeSpaces() {
        #expect(repaired("<t>Bad\u{0B}char\u{01}here\tok</t>") == "<t>Bad char here\tok</t>")
    }

    @Test func invalidUTF8IsReadAsWindows1252() {
        let bytes: [UInt8] = Array("<t>Caf".utf8) + [0xE9, 0x20, 0x93] + Array("q".utf8) + [0x94] + Array(" \u{E9}t\u{E9}</t>".utf8)
        #expect(repaired(bytes: bytes) == "<t>Caf\u{E9} \u{201C}q\u{201D} \u{E9}t\u{E9}</t>")
        // Not UTF-8: high bytes are the encoding's business.
        #expect(repaired(bytes: bytes, utf8: false) == nil)
        // Overlong forms and surrogates are not UTF-8 either.
        #expect(repaired(bytes: [0x3C, 0x74, 0x3E, 0xC0, 0xAF, 0xED, 0xA0, 0x80]) != nil)
    }
}
