#!/usr/bin/env python3
"""Baseline for the feed-parse benchmark: Python's feedparser on the same files.

    bench_feedparser.py FILE... [--runs R] [--json]

One warm-up parse, then R timed parses per file; prints items/s and MB/s of
the median run (JSON lines with --json, like feed-bench).
"""
import argparse
import json
import statistics
import time
from pathlib import Path

import feedparser


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    runs = max(1, min(args.runs, 50))
    for name in args.files:
        data = Path(name).read_bytes()
        count = len(feedparser.parse(data).entries)  # warm-up
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            result = feedparser.parse(data)
            times.append(time.perf_counter() - start)
            count = len(result.entries)
        median = statistics.median(times)
        row = {"parser": f"feedparser {feedparser.__version__}", "file": Path(name).name, "bytes": len(data), "items": count,
               "runs": runs, "medianSeconds": round(median, 6), "itemsPerSecond": round(count / median, 1),
               "megabytesPerSecond": round(len(data) / median / 1e6, 3)}
        if args.json:
            print(json.dumps(row))
        else:
            print(f"feedparser {row['file']}: {count} items, {len(data) / 1e6:.2f} MB, {row['itemsPerSecond']:.0f} items/s, "
                  f"{row['megabytesPerSecond']:.2f} MB/s (median of {runs}, min {min(times):.3f} s, max {max(times):.3f} s)")


if __name__ == "__main__":
    main()
