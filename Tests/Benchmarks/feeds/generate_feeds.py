#!/usr/bin/env python3
"""Writes a large RSS 2.0 and a large Atom 1.0 feed for the parse benchmark.

    generate_feeds.py OUT_DIR [--items N] [--non-ascii-share P]

Items look like real news items: titles with places (some accented), HTML
descriptions escaped as text with entities, categories, authors, RFC 822 /
RFC 3339 dates, relative links (resolved against the channel link or
xml:base) and media images. A share P of the words (default 0.03, about one
word in thirty, as in English-language wires) carries a non-ASCII character:
curly quotes, dashes, accents; use 0.12 or more for a Romance-language-like
load. Deterministic (seeded), so runs compare.
"""
import argparse
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape

WORDS = ("government minister election parliament talks ceasefire airstrike earthquake floods market shares bank rates "
         "inflation vaccine hospital outbreak football league final museum festival film chip software climate summit "
         "protest police court ruling border refugees sanctions oil prices energy drought wildfire storm evacuation").split()
NON_ASCII_WORDS = "café résumé naïve “officials” ‘sources’ – — country’s Zürich São".split()
PLACES = ["Lebanon", "Gaza", "Chile", "Kenya", "Japan", "Brazil", "Ukraine", "Italy", "India", "Canada", "Egypt", "Mexico",
          "São Paulo", "Zürich", "Côte d'Ivoire", "Curaçao", "Bogotá", "Kraków"]


def sentence(rng, n, share):
    return " ".join(rng.choice(NON_ASCII_WORDS) if rng.random() < share else rng.choice(WORDS) for _ in range(n))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--items", type=int, default=6000)
    parser.add_argument("--non-ascii-share", type=float, default=0.03)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261129)
    start = datetime(2026, 11, 29, 8, 0, tzinfo=timezone.utc)
    items = []
    for i in range(args.items):
        share = args.non_ascii_share
        title = f"{rng.choice(PLACES)}: {sentence(rng, 9, share).capitalize()}"
        body = (f"<p>{sentence(rng, 40, share)} &amp; {sentence(rng, 30, share)}&nbsp;&mdash; officials said.</p>"
                f"<p><b>{sentence(rng, 25, share)}</b></p>")
        items.append((i, title, body, start - timedelta(minutes=i)))
    rss = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">',
           '<channel><title>Benchmark Wire</title><link>https://bench.example.com/</link><language>en</language>']
    for i, title, body, when in items:
        rss.append(f"<item><title>{escape(title)}</title><link>/news/{i}</link><guid isPermaLink=\"false\">bench-{i}</guid>"
                   f"<description>{escape(body)}</description><pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
                   f"<dc:creator>Desk {i % 17}</dc:creator><category>World</category><category>{escape(rng.choice(PLACES))}</category>"
                   f"<media:content url=\"https://cdn.example.com/{i}.jpg\" medium=\"image\"/></item>")
    rss.append("</channel></rss>")
    (out / "large.rss").write_text("\n".join(rss), encoding="utf-8")
    atom = ['<?xml version="1.0" encoding="utf-8"?>',
            '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en" xml:base="https://bench.example.com/">',
            '<title>Benchmark Atom</title><link href="https://bench.example.com/"/><id>urn:bench</id>'
            '<updated>2026-11-29T08:00:00Z</updated>']
    for i, title, body, when in items:
        stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        atom.append(f"<entry><title>{escape(title)}</title><link href=\"news/{i}\"/><id>tag:bench.example.com,2026:{i}</id>"
                    f"<published>{stamp}</published><updated>{stamp}</updated><author><name>Desk {i % 17}</name></author>"
                    f"<category term=\"world\"/><summary type=\"html\">{escape(body)}</summary></entry>")
    atom.append("</feed>")
    (out / "large.atom").write_text("\n".join(atom), encoding="utf-8")
    for name in ("large.rss", "large.atom"):
        print(f"{out / name}: {(out / name).stat().st_size / 1e6:.1f} MB, {args.items} items, non-ASCII share {args.non_ascii_share}")


if __name__ == "__main__":
    main()
