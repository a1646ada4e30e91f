#!/usr/bin/env python3
"""Prints the feed-parse benchmark side by side: compare.py SWIFT.jsonl PYTHON.jsonl [--goal 50]."""
import argparse
import json


def rows(path):
    with open(path, encoding="utf-8") as lines:
        return {row["file"]: row for row in (json.loads(line) for line in lines if line.strip())}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("swift")
    parser.add_argument("python")
    parser.add_argument("--goal", type=float, default=50)
    args = parser.parse_args()
    swift, python = rows(args.swift), rows(args.python)
    print(f"{'file':<12} {'MB':>6} {'items':>6} | {'swift items/s':>13} {'MB/s':>7} | {'feedparser items/s':>18} {'MB/s':>6} | {'ratio':>6}")
    missed = []
    for name, s in swift.items():
        p = python.get(name)
        if p is None:
            continue
        if s["items"] != p["items"]:
            print(f"warning: {name}: swift read {s['items']} items, feedparser {p['items']}")
        ratio = s["itemsPerSecond"] / p["itemsPerSecond"]
        print(f"{name:<12} {s['bytes'] / 1e6:>6.2f} {s['items']:>6} | {s['itemsPerSecond']:>13,.0f} {s['megabytesPerSecond']:>7.1f} | "
              f"{p['itemsPerSecond']:>18,.0f} {p['megabytesPerSecond']:>6.2f} | {ratio:>5.1f}x")
        if ratio < args.goal:
            missed.append(name)
    print(f"goal {args.goal:.0f}x feedparser: " + ("met" if not missed else "NOT met for " + ", ".join(missed)))


if __name__ == "__main__":
    main()
