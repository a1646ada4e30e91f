@testable import FeedParsing
@testable import Ingest
import Testing

/// Summaries and titles to clean plain text.
@Suite struct PlainTextTests {
    /// C1 controls read as Windows-1252 grow from two bytes to three ("€" is E2 82 AC): the text
    /// must come out whole, and the output buffer must hold it (the ticker fuzzer found the overflow).
    @Test func windows1252ControlsThatGrowComeOutWhole() {
        for count in [1, 7, 8, 9, 40, 1_000] {
            let text = String(repeating: "\u{80}", count: count) + " end"
            #expect(PlainText.from(text, markup: false) == String(repeating: "€", count: count) + " end", "\(count)")
            #expect(PlainText.from("<b>" + text + "</b>") == String(repeating: "€", count: count) + " end", "\(count)")
        }
        #expect(PlainText.from(String(repeating: "a\u{85}", count: 50)) == String(repeating: "a…", count: 50))
    }

    @Test func stripsTagsAndFoldsWhiteSpace() {
        #expect(PlainText.from("<p>Hello <b>world</b></p>\n\n<p>Again</p>") == "Hello world Again")
        #expect(PlainText.from("a<br>b<br/>c</li><li>d") == "a b c d")
        #expect(PlainText.from("wo<b>rl</b>d") == "world")
        #expect(PlainText.from("<script>alert('<p>')</script>Text<style>p{}</style><SCRIPT>x</SCRIPT>!") == "Text!")
        #expect(PlainText.from("<!-- <p>comment</p> -->Kept") == "Kept")
        #expect(PlainText.from("<a href=\"x\" title='a > b'>link</a>") == "link")
        #expect(PlainText.from("  \t lots   of \n\n space\u{A0}\u{A0}here  ") == "lots of space here")
        #expect(PlainText.from("tab\there\u{0B}and\u{1}control") == "tab here and control")
    }

    @Test func decodesReferences() {
        #expect(PlainText.from("Tom &amp; Jerry &#8212; &#x2014; &eacute;t&eacute; &hellip;") == "Tom & Jerry \u{2014} \u{2014} été \u{2026}")
        #expect(PlainText.from("&#150; cp1252 &#x93;q&#x94;") == "\u{2013} cp1252 \u{201C}q\u{201D}")
        #expect(PlainText.from("\u{96} raw C1 \u{93}q\u{94}") == "\u{2013} raw C1 \u{201C}q\u{201D}")
        #expect(PlainText.from("Fish &chips; &unknown; & more") == "Fish &chips; &unknown; & more")
        #expect(PlainText.from("a&nbsp;&nbsp;b &#10; c &#0; d") == "a b c \u{FFFD} d")
        #expect(PlainText.from("&lt;b&gt;escaped&lt;/b&gt;") == "<b>escaped</b>")  // decoded once, not stripped
    }

    @Test func plainTextKeepsAngleBrackets() {
        #expect(PlainText.from("3 < 5 and 7 > 2") == "3 < 5 and 7 > 2")
        #expect(PlainText.from("a <b> tag &amp; more", markup: false) == "a <b> tag & more")
        #expect(PlainText.from("unclosed <b tag") == "unclosed")
    }

    @Test func cutsAtAWordBoundary() {
        #expect(PlainText.from("one two three four", maximumCharacters: 10) == "one two…")
        #expect(PlainText.from("short", maximumCharacters: 10) == "short")
        #expect(PlainText.truncated("abcdefghijkl", to: 5) == "abcd…")
    }

    @Test func separatorsAndNoBreakSpacesAnywhereInALongRun() {
        // Wherever U+2028, U+00A0 or a curly quote falls relative to the eight-byte steps, the result is the same.
        for offset in 0..<17 {
            let prefix = String(repeating: "a", count: offset)
            #expect(PlainText.from(prefix + "\u{2028}" + String(repeating: "b", count: 20)) == (offset == 0 ? "" : prefix + " ") + String(repeating: "b", count: 20))
            #expect(PlainText.from(prefix + "x\u{A0}y" + String(repeating: "c", count: 20)) == prefix + "x y" + String(repeating: "c", count: 20))
            #expect(PlainText.from(prefix + "\u{201C}q\u{201D} é" + String(repeating: "d", count: 20)) == prefix + "\u{201C}q\u{201D} é" + String(repeating: "d", count: 20))
            #expect(PlainText.from(prefix + "\u{96}" + String(repeating: "e", count: 20)) == prefix + "\u{2013}" + String(repeating: "e", count: 20))
        }
    }

    /// Text vouched for as valid UTF-8 is made into a String without a second check: the result must
    /// be the one the checked path gives, over markup, references and characters of every length.
    @Test func vouchedAndCheckedTextAgree() {
        var random = SystemRandomNumberGenerator()
        let pieces = ["<p>", "</p>", "<br>", "&amp;", "&#x2014;", "&#150;", "&nbsp;", "&bogus;", "&", "<", " ", "  ", "\t", "\u{A0}",
                      "\u{2028}", "\u{85}", "é", "€", "\u{201C}", "😀", "日本", "word", "<script>x</script>", "<!-- c -->"]
        for _ in 0..<2_000 {
            let text = (0..<Int.random(in: 0...40, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            for markup in [true, false] {
                let bytes = Array(text.utf8)
                let vouched = PlainText.from(bytes: bytes, markup: markup, inputIsValidUTF8: true)
                #expect(vouched == PlainText.from(bytes: bytes, markup: markup, inputIsValidUTF8: false), "\(text)")
                #expect(vouched.utf8.elementsEqual(String(decoding: Array(vouched.utf8), as: UTF8.self).utf8), "\(text)")
            }
        }
    }

    /// Bytes nobody vouched for (decoded base64, text after an encoding error) are checked, and what
    /// is not UTF-8 is replaced.
    @Test func uncheckedBytesAreRepaired() {
        let bytes: [UInt8] = Array("caf".utf8) + [0xE9, 0x20, 0xF0, 0x9F] + Array(" end".utf8)
        #expect(PlainText.from(bytes: bytes, markup: false) == "caf\u{FFFD} \u{FFFD} end")
        #expect(PlainText.from(bytes: [0xE2, 0x82], markup: true) == "\u{FFFD}")
    }

    @Test func longPlainRunsMatchTheByteByByteResult() {
        // The eight-bytes-at-a-time path must agree with the general one.
        let text = "The quick brown fox jumps over the lazy dog.  Twice  spaced,\tand a tab; " + String(repeating: "word ", count: 50)
        let expected = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        #expect(PlainText.from(text) == expected)
        #expect(PlainText.from(" " + text) == expected)
    }
}
