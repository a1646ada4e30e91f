#!/usr/bin/env python3
"""Scores Newsflash's feed parser and Python's feedparser on the feed-quirk fixtures.

Usage: compat.py --newsflash PATH-TO-newsflash [--fixtures DIR] [--json] [--verbose]

Reads DIR/expected.json (default: Tests/IngestTests/Fixtures/quirks), parses each file with
`newsflash feed parse --json` and with feedparser (when importable), and judges the first item's
title, link, id, summary and published against the manifest. feedparser's title and summary, when
their type is HTML, are reduced to text here (tags dropped, a space at block-level tags, white space folded) before it is
compared, so both parsers are judged on the same plain text. Prints, per parser, the share of
judged fields that match (all cases) and the share of `content: true` cases whose summary matches
(HTML-to-text of item content). Run it with the feedparser venv of Tests/Benchmarks/feeds/run.sh:

    var/bench/feedparser-venv/bin/python Tests/Benchmarks/feeds/compat.py --newsflash .build/debug/newsflash
"""

import argparse
import calendar
import datetime
import html.parser
import json
import os
import subprocess
import sys

FIELDS = ["title", "link", "id", "summary", "published"]
BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table",
         "tr", "td", "th", "section", "article", "header", "footer", "hr", "dd", "dt", "dl", "figure", "figcaption"}


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in BLOCK:
            self.parts.append(" ")

    def handle_data(self, data):
        self.parts.append(data)


def fold(text):
    return " ".join((text or "").replace("\u00a0", " ").split())


def html_to_text(text):
    parser = _Text()
    parser.feed(text or "")
    parser.close()
    return fold("".join(parser.parts))


def newsflash_first(binary, path):
    run = subprocess.run([binary, "feed", "parse", "--json", "--fetched-at", "2026-12-01T00:00:00Z", path],
                         capture_output=True, text=True, timeout=30)
    if run.returncode != 0:
        return None, run.stderr.strip()
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    if not lines:
        return None, "no items; " + run.stderr.strip()
    item = json.loads(lines[0])
    def stamp(text):
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).strftime("%Y-%m-%dT%H:%M:%SZ") if text else None
    return {"title": fold(item.get("title")), "link": item.get("url"), "id": item.get("guid") or None,
            "summary": fold(item.get("summary")), "published": stamp(item.get("publishedAt")),
            "updated": stamp(item.get("updatedAt"))}, ""


def feedparser_first(path):
    import feedparser
    parsed = feedparser.parse(path)
    if not parsed.entries:
        return None, str(parsed.get("bozo_exception"))
    entry = parsed.entries[0]
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    published = None
    if stamp:
        published = datetime.datetime.fromtimestamp(calendar.timegm(stamp), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    title = entry.get("title")
    detail = entry.get("title_detail") or {}
    title = html_to_text(title) if "html" in (detail.get("type") or "") else fold(title)
    detail = entry.get("summary_detail") or {}
    summary = html_to_text(entry.get("summary")) if "html" in (detail.get("type") or "html") else fold(entry.get("summary"))
    return {"title": title, "link": entry.get("link"), "id": entry.get("id"), "summary": summary, "published": published}, ""


def judge(cases, directory, reader):
    fields = matched = content_cases = content_matched = 0
    misses = []
    for case in cases:
        got, error = reader(os.path.join(directory, case["file"]))
        for field in FIELDS:
            if field not in case:
                continue
            fields += 1
            want = case[field]
            have = (got or {}).get(field)
            if field in ("title", "summary"):
                want, have = (fold(want) if want is not None else None), (have or None)
            ok = got is not None and want == have
            matched += ok
            if not ok:
                misses.append(f"{case['file']}: {field} = {have!r}, want {want!r}" + (f" ({error})" if got is None else ""))
        if case.get("content"):
            content_cases += 1
            content_matched += got is not None and fold(case.get("summary")) == (got.get("summary") or "")
    return {"fields": fields, "matched": matched, "score": matched / fields if fields else 0.0,
            "contentCases": content_cases, "contentMatched": content_matched,
            "contentScore": content_matched / content_cases if content_cases else 0.0, "misses": misses}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.normpath(os.path.join(here, "..", "..", "IngestTests", "Fixtures", "quirks"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--newsflash", required=True, help="the newsflash binary")
    parser.add_argument("--fixtures", default=default, help="directory with expected.json")
    parser.add_argument("--json", action="store_true", help="print the scores as one JSON object")
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    args = parser.parse_args()
    with open(os.path.join(args.fixtures, "expected.json"), encoding="utf-8") as handle:
        cases = json.load(handle)["cases"]
    results = {"cases": len(cases), "newsflash": judge(cases, args.fixtures, lambda path: newsflash_first(args.newsflash, path))}
    try:
        import feedparser
        results["feedparser"] = judge(cases, args.fixtures, feedparser_first)
        results["feedparserVersion"] = feedparser.__version__
    except ImportError:
        print("feedparser is not importable here; scoring Newsflash only", file=sys.stderr)
    if args.json:
        print(json.dumps(results, sort_keys=True))
        return
    print(f"{len(cases)} quirk cases; fields judged: title, link, id, summary, published of the first item")
    for name in ("newsflash", "feedparser"):
        if name not in results:
            continue
        result = results[name]
        print(f"  {name:<10} fields {result['matched']}/{result['fields']} = {result['score']:.2f}; "
              f"content to text {result['contentMatched']}/{result['contentCases']} = {result['contentScore']:.2f}")
        if args.verbose:
            for miss in result["misses"]:
                print(f"      miss {miss}")


if __name__ == "__main__":
    main()
