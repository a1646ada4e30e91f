#!/usr/bin/env python3
"""Prints the feed-parse benchmark side by side: compare.py SWIFT.jsonl PYTHON.jsonl [--goal 50].

Each file may hold several rows a feed (one a round, run.sh's turns): each parser's rate is then the
median of its rounds, and the rounds' own ratios are printed beside it."""
import argparse
import json
import statistics


def rows(path):
    """A feed's rows, in round order, by file name."""
    found = {}
    with open(path, encoding="utf-8") as lines:
        for row in (json.loads(line) for line in lines if line.strip()):
            found.setdefault(row["file"], []).append(row)
    return found


def median_row(rounds):
    """The rounds as one row: the median rate, and MB/s with it."""
    rate = statistics.median(row["itemsPerSecond"] for row in rounds)
    return dict(rounds[0], itemsPerSecond=rate, megabytesPerSecond=rate * rounds[0]["bytes"] / rounds[0]["items"] / 1e6)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("swift")
    parser.add_argument("python")
    parser.add_argument("--goal", type=float, default=50)
    args = parser.parse_args()
    swift, python = rows(args.swift), rows(args.python)
    print(f"{'file':<12} {'MB':>6} {'items':>6} | {'swift items/s':>13} {'MB/s':>7} | {'feedparser items/s':>18} {'MB/s':>6} | {'ratio':>6}")
    missed = []
    for name, swift_rounds in swift.items():
        python_rounds = python.get(name)
        if python_rounds is None:
            continue
        s, p = median_row(swift_rounds), median_row(python_rounds)
        if s["items"] != p["items"]:
            print(f"warning: {name}: swift read {s['items']} items, feedparser {p['items']}")
        ratio = s["itemsPerSecond"] / p["itemsPerSecond"]
        print(f"{name:<12} {s['bytes'] / 1e6:>6.2f} {s['items']:>6} | {s['itemsPerSecond']:>13,.0f} {s['megabytesPerSecond']:>7.1f} | "
              f"{p['itemsPerSecond']:>18,.0f} {p['megabytesPerSecond']:>6.2f} | {ratio:>5.1f}x")
        if len(swift_rounds) == len(python_rounds) > 1:
            ratios = ", ".join(f"{a['itemsPerSecond'] / b['itemsPerSecond']:.1f}x" for a, b in zip(swift_rounds, python_rounds))
            print(f"{'':<12} rounds: {ratios}")
        if ratio < args.goal:
            missed.append(name)
    print(f"goal {args.goal:.0f}x feedparser: " + ("met" if not missed else "NOT met for " + ", ".join(missed)))


if __name__ == "__main__":
    main()
