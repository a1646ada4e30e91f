#!/usr/bin/env python3
"""Builds the topic model's training corpus from public labelled news-headline data sets.

    python3 Sources/Classifier/Generator/topic_corpus.py \\
        --huffpost News_Category_Dataset_v3.json --huffpost News_Category_Dataset_v2.json \\
        --uci uci-news-aggregator.csv

writes `corpus/huffpost.jsonl` and `corpus/uci-news.jsonl` beside this script: one
`{"text", "regions": null, "topics", "source", "category"}` line per headline, in the format
`newsflash classify train` and `classify eval` read. Both files are committed (the data sets'
licences allow it, with attribution: see README.md here), so training needs no download.

    newsflash classify train Sources/Classifier/Generator/corpus/training.jsonl \\
        --output Sources/Classifier/Resources/topic-model.json

The inputs, as their authors publish them:
- News Category Dataset (Rishabh Misra, 2022, arXiv:2209.11429), HuffPost headlines with the
  section HuffPost filed each under, JSON lines; CC BY 4.0. Any slice of it can be given: the
  copy this corpus was built from holds its first 9,998 lines (2018-05 to 2022-09).
- News Aggregator (Fabio Gasparetti, 2016, UCI Machine Learning Repository,
  doi:10.24432/C5F61C), headlines of 2014 from many outlets with the aggregator's category
  (b, t, e, m), CSV; CC BY 4.0. The copy used holds its first 6,366 rows.

Each section or category maps to one of the taxonomy's topics, or is left out when it names no
topic (U.S. NEWS, WORLD NEWS and the identity and lifestyle sections cover every topic) or names
a genre rather than a subject (COMEDY is late-night hosts' jokes about politicians: the words are
politics, the label is television; MEDIA is news about newsrooms). Crime and odd news map to
Miscellaneous. An aggregator story whose headlines contradict its category is relabelled
(`relabel_stories`). Headlines are folded to one space, exact repeats (case-insensitive)
dropped, and the order is the data set's, so the output is the same for the same input.
"""

import argparse
import csv
import json
import os
import re

from generate_gazetteer import split_flags

HERE = os.path.dirname(os.path.abspath(__file__))

HUFFPOST_TOPIC = {
    "POLITICS": "Politics",
    "BUSINESS": "Economy", "MONEY": "Economy",
    "SPORTS": "Sports",
    "ENTERTAINMENT": "Arts&Culture", "CULTURE & ARTS": "Arts&Culture",
    "ARTS & CULTURE": "Arts&Culture", "ARTS": "Arts&Culture",
    "WELLNESS": "Health", "HEALTHY LIVING": "Health",
    "TECH": "Technology", "SCIENCE": "Technology",
    "ENVIRONMENT": "Environment", "GREEN": "Environment",
    "CRIME": "Miscellaneous", "WEIRD NEWS": "Miscellaneous",
}
UCI_TOPIC = {"b": "Economy", "t": "Technology", "e": "Arts&Culture", "m": "Health"}


def fold(text):
    return re.sub(r"\s+", " ", text).strip()


def huffpost(paths):
    seen = set()
    for path in paths:
        yield from huffpost_file(path, seen)


def huffpost_file(path, seen):
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise SystemExit(f"{path} line {number}: not JSON ({error}); give the data set's JSON lines")
            topic = HUFFPOST_TOPIC.get(record.get("category", ""))
            headline = fold(record.get("headline", ""))
            if topic is None or not headline or headline.lower() in seen:
                continue
            seen.add(headline.lower())
            yield {"text": headline, "regions": None, "topics": [topic], "source": "huffpost", "category": record["category"]}


def uci(path):
    seen = set()
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "TITLE" not in reader.fieldnames or "CATEGORY" not in reader.fieldnames:
            raise SystemExit(f"{path}: expected the data set's CSV with TITLE and CATEGORY columns")
        for row in reader:
            topic = UCI_TOPIC.get(row.get("CATEGORY") or "")
            headline = fold(row.get("TITLE") or "")
            if topic is None or not headline or headline.lower() in seen:
                continue
            seen.add(headline.lower())
            yield {"text": headline, "regions": None, "topics": [topic], "source": "uci-news", "category": row["CATEGORY"], "story": row.get("STORY") or ""}


def keyword_topics(taxonomy_path):
    """A function giving the topics whose taxonomy keywords a headline contains (whole words, case
    folded; an acronym's `:U` is not checked: this only audits labels)."""
    with open(taxonomy_path, encoding="utf-8") as handle:
        taxonomy = json.load(handle)
    patterns = {
        topic["label"]: re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(split_flags(k)[0]).lower()
                                     for k in sorted(topic["keywords"], key=len, reverse=True)) + r")(?!\w)")
        for topic in taxonomy["topics"] if topic["keywords"]
    }
    return lambda text: {label for label, pattern in patterns.items() if pattern.search(text.lower())}


def relabel_stories(records, topics_of):
    """The aggregator labels a whole story (a cluster of headlines about one event) at once, and some
    clusters are filed under a category their headlines contradict: 92 headlines on US petrol
    prices and an auto maker's sales as science and technology, elephants and volcanoes as
    technology. A story is moved to another topic when at least half its headlines carry that
    topic's keywords and at most a tenth carry its own; `relabelledFrom` keeps the aggregator's."""
    stories = {}
    for record in records:
        stories.setdefault(record.get("story") or record["text"], []).append(record)
    for headlines in stories.values():
        own = headlines[0].get("relabelledFrom") or headlines[0]["topics"][0]
        counts = {}
        for record in headlines:
            for topic in topics_of(record["text"]):
                counts[topic] = counts.get(topic, 0) + 1
        share, other = max(((count / len(headlines), topic) for topic, count in counts.items() if topic != own), default=(0, None))
        if counts.get(own, 0) / len(headlines) <= 0.1 and share >= 0.5:
            for record in headlines:
                record["topics"] = [other]
                record["relabelledFrom"] = own
    return records


def write(name, records):
    os.makedirs(os.path.join(HERE, "corpus"), exist_ok=True)
    path = os.path.join(HERE, "corpus", name)
    counts = {}
    with open(path, "w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            counts[record["topics"][0]] = counts.get(record["topics"][0], 0) + 1
    print(f"{os.path.relpath(path)}: {sum(counts.values())} headlines", dict(sorted(counts.items())))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--huffpost", required=True, action="append", help="News Category Dataset JSON lines (any slice; repeatable)")
    parser.add_argument("--uci", required=True, help="News Aggregator CSV (any slice, with its header)")
    parser.add_argument("--taxonomy", default=os.path.join(HERE, "..", "Resources", "taxonomy.json"),
                        help="The taxonomy whose keywords audit the aggregator's story labels (default: the bundled one)")
    args = parser.parse_args()
    write("huffpost.jsonl", huffpost(args.huffpost))
    write("uci-news.jsonl", relabel_stories(list(uci(args.uci)), keyword_topics(args.taxonomy)))


if __name__ == "__main__":
    main()
