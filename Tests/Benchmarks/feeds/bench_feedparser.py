#!/usr/bin/env python3
"""Baseline for the feed-parse benchmark: Python's feedparser on the same files.

    bench_feedparser.py FILE... [--runs R]

Prints items/s and MB/s per file (median of R runs).
"""
import argparse
import statistics
import time
from pathlib import Path

import feedparser


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"feedparser {feedparser.__version__}")
    for name in args.files:
        data = Path(name).read_bytes()
        times, count = [], 0
        for _ in range(max(1, min(args.runs, 20))):
            start = time.perf_counter()
            result = feedparser.parse(data)
            times.append(time.perf_counter() - start)
            count = len(result.entries)
        elapsed = statistics.median(times)
        print(f"feedparser {Path(name).name}: {count} items, {count / elapsed:.0f} items/s, {len(data) / elapsed / 1e6:.2f} MB/s (median of {len(times)})")


if __name__ == "__main__":
    main()
