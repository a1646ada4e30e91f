/// The character references ``PlainText`` and ``XMLInputRepair`` know besides
/// numeric ones: XML's five and the HTML named entities that occur in news
/// feeds, keyed by the entity name's bytes packed into an integer (names of
/// up to eight letters or digits, case-sensitive as in HTML).
enum HTMLEntities {
    /// Numeric references in 0x80…0x9F mean Windows-1252 characters in practice (as browsers read them).
    static let windows1252Controls: [UInt32: UInt32] = [
        0x80: 0x20AC, 0x82: 0x201A, 0x83: 0x0192, 0x84: 0x201E, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021, 0x88: 0x02C6,
        0x89: 0x2030, 0x8A: 0x0160, 0x8B: 0x2039, 0x8C: 0x0152, 0x8E: 0x017D, 0x91: 0x2018, 0x92: 0x2019, 0x93: 0x201C,
        0x94: 0x201D, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02DC, 0x99: 0x2122, 0x9A: 0x0161, 0x9B: 0x203A,
        0x9C: 0x0153, 0x9E: 0x017E, 0x9F: 0x0178,
    ]

    /// Whether a packed name is one of XML's five predefined entities (amp, lt, gt, quot, apos).
    static func isXMLPredefined(_ key: UInt64) -> Bool {
        key == amp || key == lt || key == gt || key == quot || key == apos
    }

    private static let amp = pack("amp"), lt = pack("lt"), gt = pack("gt"), quot = pack("quot"), apos = pack("apos")

    static func pack(_ name: String) -> UInt64 {
        name.utf8.reduce(0) { $0 << 8 | UInt64($1) }
    }

    static let named: [UInt64: UInt32] = {
        let table: [(String, UInt32)] = [
            ("amp", 0x26), ("lt", 0x3C), ("gt", 0x3E), ("quot", 0x22), ("apos", 0x27), ("nbsp", 0xA0), ("ndash", 0x2013),
            ("mdash", 0x2014), ("lsquo", 0x2018), ("rsquo", 0x2019), ("sbquo", 0x201A), ("ldquo", 0x201C), ("rdquo", 0x201D),
            ("bdquo", 0x201E), ("hellip", 0x2026), ("laquo", 0xAB), ("raquo", 0xBB), ("lsaquo", 0x2039), ("rsaquo", 0x203A),
            ("copy", 0xA9), ("reg", 0xAE), ("trade", 0x2122), ("deg", 0xB0), ("plusmn", 0xB1), ("times", 0xD7),
            ("divide", 0xF7), ("euro", 0x20AC), ("pound", 0xA3), ("yen", 0xA5), ("cent", 0xA2), ("sect", 0xA7),
            ("para", 0xB6), ("middot", 0xB7), ("bull", 0x2022), ("dagger", 0x2020), ("Dagger", 0x2021), ("permil", 0x2030),
            ("frac12", 0xBD), ("frac14", 0xBC), ("frac34", 0xBE), ("iexcl", 0xA1), ("iquest", 0xBF), ("shy", 0xAD),
            ("prime", 0x2032), ("Prime", 0x2033), ("zwj", 0x200D), ("zwnj", 0x200C), ("lrm", 0x200E), ("rlm", 0x200F),
            ("thinsp", 0x2009), ("ensp", 0x2002), ("emsp", 0x2003), ("micro", 0xB5), ("ordf", 0xAA), ("ordm", 0xBA),
            ("sup1", 0xB9), ("sup2", 0xB2), ("sup3", 0xB3), ("acute", 0xB4), ("uml", 0xA8), ("cedil", 0xB8), ("macr", 0xAF),
            ("not", 0xAC), ("curren", 0xA4), ("brvbar", 0xA6), ("larr", 0x2190), ("rarr", 0x2192), ("uarr", 0x2191),
            ("darr", 0x2193), ("harr", 0x2194), ("minus", 0x2212), ("le", 0x2264), ("ge", 0x2265), ("ne", 0x2260),
            ("asymp", 0x2248), ("infin", 0x221E), ("oline", 0x203E), ("frasl", 0x2044), ("loz", 0x25CA), ("hearts", 0x2665),
            ("aacute", 0xE1), ("Aacute", 0xC1), ("agrave", 0xE0), ("Agrave", 0xC0), ("acirc", 0xE2), ("Acirc", 0xC2),
            ("auml", 0xE4), ("Auml", 0xC4), ("atilde", 0xE3), ("Atilde", 0xC3), ("aring", 0xE5), ("Aring", 0xC5),
            ("aelig", 0xE6), ("AElig", 0xC6), ("ccedil", 0xE7), ("Ccedil", 0xC7), ("eacute", 0xE9), ("Eacute", 0xC9),
            ("egrave", 0xE8), ("Egrave", 0xC8), ("ecirc", 0xEA), ("Ecirc", 0xCA), ("euml", 0xEB), ("Euml", 0xCB),
            ("iacute", 0xED), ("Iacute", 0xCD), ("igrave", 0xEC), ("Igrave", 0xCC), ("icirc", 0xEE), ("Icirc", 0xCE),
            ("iuml", 0xEF), ("Iuml", 0xCF), ("eth", 0xF0), ("ETH", 0xD0), ("ntilde", 0xF1), ("Ntilde", 0xD1),
            ("oacute", 0xF3), ("Oacute", 0xD3), ("ograve", 0xF2), ("Ograve", 0xD2), ("ocirc", 0xF4), ("Ocirc", 0xD4),
            ("ouml", 0xF6), ("Ouml", 0xD6), ("otilde", 0xF5), ("Otilde", 0xD5), ("oslash", 0xF8), ("Oslash", 0xD8),
            ("uacute", 0xFA), ("Uacute", 0xDA), ("ugrave", 0xF9), ("Ugrave", 0xD9), ("ucirc", 0xFB), ("Ucirc", 0xDB),
            ("uuml", 0xFC), ("Uuml", 0xDC), ("yacute", 0xFD), ("Yacute", 0xDD), ("yuml", 0xFF), ("Yuml", 0x178),
            ("szlig", 0xDF), ("thorn", 0xFE), ("THORN", 0xDE), ("oelig", 0x153), ("OElig", 0x152), ("scaron", 0x161),
            ("Scaron", 0x160), ("fnof", 0x192), ("circ", 0x2C6), ("tilde", 0x2DC), ("alpha", 0x3B1), ("beta", 0x3B2),
            ("gamma", 0x3B3), ("delta", 0x3B4), ("pi", 0x3C0), ("mu", 0x3BC), ("sigma", 0x3C3), ("omega", 0x3C9),
            ("Delta", 0x394), ("Omega", 0x3A9),
        ]
        return Dictionary(uniqueKeysWithValues: table.map { (pack($0.0), $0.1) })
    }()
}
