"""Unit tests of the gazetteer generator's pure parts (no data packages needed).

    python3 -m unittest discover -s Sources/Classifier/Generator -p 'test_*.py'

Deploy/test.sh (`make test`) runs them before the Swift tests. The cases are written in the form
the packages publish (the Factbook's "Romanian(s)", GeoNames' alternate names), not taken from them.
"""
import os
import re
import tempfile
import unittest

import generate_gazetteer as gen


class TokenizerMirrorTests(unittest.TestCase):
    """The rules of Sources/Classifier/Text/Tokenizer.swift, which the script mirrors."""

    def test_folding_apostrophes_possessives_and_initials(self):
        self.assertEqual(gen.tokenize("Sana'a"), ["sanaa"])
        self.assertEqual(gen.tokenize("Russia's army"), ["russia", "army"])
        self.assertEqual(gen.tokenize("U.S. envoy"), ["us", "envoy"])
        self.assertEqual(gen.tokenize("Bogotá, Köln"), ["bogota", "koln"])
        self.assertEqual(gen.key("The  Big Apple"), "the big apple")


class NationalityTests(unittest.TestCase):
    """`nationality_demonyms`: the plurals of the Factbook's nationality nouns. Until stop 34 every
    parenthesis was stripped before the plural's "(s)" was looked for, and no plural was kept."""

    def demonyms(self, noun, adjective=""):
        return gen.nationality_demonyms({"noun": {"text": noun}, "adjective": {"text": adjective}})

    def test_a_plural_in_parentheses_gives_both_forms(self):
        self.assertEqual(self.demonyms("Romanian(s)", "Romanian"), {"Romanian", "Romanians"})
        self.assertEqual(self.demonyms("Swede(s)", "Swedish"), {"Swede", "Swedes", "Swedish"})

    def test_remarks_in_parentheses_are_dropped(self):
        self.assertEqual(self.demonyms("Swiss (singular and plural)", "Swiss"), {"Swiss"})
        self.assertEqual(self.demonyms("Briton(s), British (collective plural)", "British"), {"Briton", "Britons", "British"})

    def test_alternatives_and_markup(self):
        self.assertEqual(self.demonyms("Kazakhstani(s)", "Kazakhstani"), {"Kazakhstani", "Kazakhstanis"})
        self.assertEqual(self.demonyms("Burkinabe (singular and plural)", "Burkinabe"), {"Burkinabe"})
        self.assertEqual(self.demonyms("<p>Filipino(s)</p>", "Philippine"), {"Filipino", "Filipinos", "Philippine"})
        self.assertEqual(self.demonyms("Czech(s)", "Czech or Czechian"), {"Czech", "Czechs", "Czechian"})


class SecondNameTests(unittest.TestCase):
    """`Gazetteer.secondary_name_ok`: a place's second names that are words or people's names, and
    nicknames starting with "The", are left out unless listed as exonyms."""

    def setUp(self):
        handle = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8")
        handle.write("\n".join(["Sam", "Diana", "Peking", "villa", "soul", "Cologne", "cologne", "Islamabad"]) + "\n")
        handle.close()
        self.addCleanup(os.unlink, handle.name)
        gen.read_dictionary.cache_clear()
        self.addCleanup(gen.read_dictionary.cache_clear)
        self.gaz = gen.Gazetteer({
            "trapNames": [], "dictionaryFile": handle.name,
            "alternateNameExonyms": ["Peking", "Cologne", "The Big Apple"],
        })

    def test_words_and_names_of_the_word_list_are_left_out(self):
        for name in ["Sam", "Diana", "Villa", "Soul", "Islamabad"]:
            self.assertFalse(self.gaz.secondary_name_ok(name), name)
        self.assertEqual(self.gaz.dropped["alternate-word"], 5)

    def test_listed_exonyms_and_names_outside_the_word_list_are_kept(self):
        for name in ["Peking", "Cologne", "Dimashq", "Villa de Cura", "Khan Younis"]:
            self.assertTrue(self.gaz.secondary_name_ok(name), name)

    def test_nicknames_that_start_with_the_are_left_out_unless_listed(self):
        self.assertFalse(self.gaz.secondary_name_ok("The North"))
        self.assertFalse(self.gaz.secondary_name_ok("The Old North State"))
        self.assertTrue(self.gaz.secondary_name_ok("The Big Apple"))


class CityShortFormTests(unittest.TestCase):
    """`city_short_form`: the qualifiers of GeoNames city names that the news leaves off."""

    def test_qualifiers_are_left_off(self):
        self.assertEqual(gen.city_short_form("Acapulco de Juárez"), "Acapulco")
        self.assertEqual(gen.city_short_form("Frankfurt am Main"), "Frankfurt")
        self.assertEqual(gen.city_short_form("Klagenfurt am Wörthersee"), "Klagenfurt")
        self.assertEqual(gen.city_short_form("Halle (Saale)"), "Halle")

    def test_names_that_are_no_qualified_form_are_kept_whole(self):
        for name in ["Ciudad del Este", "San Pedro de Macorís", "Mar del Plata", "City of Milford (balance)", "Frankfurt"]:
            self.assertIsNone(gen.city_short_form(name), name)


class LeaderTests(unittest.TestCase):
    """`parse_leader` on the Factbook's executive-branch text."""

    def test_surname_in_capitals_particles_and_titles(self):
        title, given, surname, trailing, _ = gen.parse_leader("President Vladimir Vladimirovich PUTIN (since 7 May 2012)")
        self.assertEqual((title, given, surname), ("President", ["Vladimir", "Vladimirovich"], ["Putin"]))
        _, given, surname, _, _ = gen.parse_leader("Prime Minister Jean-Lucien Kwassi Savi de TOVE (since 1 August 2025)")
        self.assertEqual(given[-1], "de")
        self.assertEqual(surname, ["Tove"])


class SubdivisionAbbreviationTests(unittest.TestCase):
    """`add_subdivision_abbreviations`: a country's unit abbreviations, written in config.json, become
    aliases of that country's units with the flags given, and a name no unit has stops the run."""

    def setUp(self):
        self.gaz = gen.Gazetteer({"trapNames": []})
        self.nsw = self.gaz.entity("subdivision", "New South Wales", ["AU"])
        self.bc = self.gaz.entity("subdivision", "British Columbia", ["CA"])

    def test_each_abbreviation_is_an_alias_of_its_own_country_s_unit(self):
        self.assertEqual(gen.add_subdivision_abbreviations(self.gaz, "AU", {"NSW": "New South Wales"}, "U"), 1)
        self.assertEqual(gen.add_subdivision_abbreviations(self.gaz, "CA", {"B.C.": "British Columbia"}, "T"), 1)
        self.assertEqual(self.gaz.aliases, [[self.nsw, "NSW", "U"], [self.bc, "B.C.", "T"]])

    def test_a_name_no_unit_of_the_country_has_is_an_error(self):
        with self.assertRaises(SystemExit):
            gen.add_subdivision_abbreviations(self.gaz, "AU", {"B.C.": "British Columbia"}, "U")


class WriteTests(unittest.TestCase):
    class Gaz:
        def __init__(self, aliases):
            self.entities = [("subdivision", "Queensland", ["AU"], 5000000), ("party", "Ukip", ["GB"], 0)]
            self.aliases = aliases
            self.traps = set()

    def lines(self, aliases):
        with tempfile.TemporaryDirectory() as root:
            path = os.path.join(root, "gazetteer.tsv")
            gen.write(self.Gaz(aliases), path, [])
            with open(path, encoding="utf-8") as handle:
                return [line.rstrip("\n").split("\t")[1:] for line in handle if line.startswith("A\t")]

    def test_a_short_acronym_keeps_its_own_line_beside_a_spelling_that_refuses_capitals(self):
        self.assertEqual(self.lines([(0, "Queensland", ""), (0, "Qld", ""), (0, "QLD", "U"), (0, "QLD", "U")]),
                         [["0", "Queensland", ""], ["0", "Qld", ""], ["0", "QLD", "U"]])
        self.assertEqual(self.lines([(0, "QLD", "U"), (0, "Qld", "")]), [["0", "QLD", "U"], ["0", "Qld", ""]])

    def test_a_longer_acronym_merges_and_matches_in_any_case(self):
        self.assertEqual(self.lines([(1, "Ukip", ""), (1, "UKIP", "U")]), [["0", "Ukip", ""]])

    def test_the_short_name_length_is_the_engines(self):
        # SHORT_NAME_LENGTH mirrors PhraseTrie.shortNameLength; a change to one must change the other.
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Matching", "PhraseTrie.swift")
        with open(path, encoding="utf-8") as handle:
            found = re.search(r"static let shortNameLength = (\d+)", handle.read())
        self.assertIsNotNone(found)
        self.assertEqual(int(found.group(1)), gen.SHORT_NAME_LENGTH)


if __name__ == "__main__":
    unittest.main()
