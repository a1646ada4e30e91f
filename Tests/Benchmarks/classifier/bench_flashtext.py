"""Baseline for classifier-bench: Python's flashtext doing only the gazetteer lookup (no regions,
topics, urgency or explanations) over the same names and the same headlines.

usage: bench_flashtext.py --names FILE --headlines FILE [--seconds S] [--max-passes N]
  names: one spelling per line (classifier-bench --export-names writes them)
  headlines: one per line, or JSON lines with a "text" field
"""
import argparse
import json
import time

from flashtext import KeywordProcessor


def read_headlines(path):
    headlines = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line:
                continue
            headlines.append(json.loads(line)["text"] if line.startswith("{") else line)
    return headlines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--names", required=True)
    parser.add_argument("--headlines", required=True)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--max-passes", type=int, default=100000)
    args = parser.parse_args()

    start = time.perf_counter()
    processor = KeywordProcessor(case_sensitive=False)
    with open(args.names, encoding="utf-8") as handle:
        names = [line.rstrip("\n") for line in handle if line.strip()]
    for name in names:
        processor.add_keyword(name)
    load = time.perf_counter() - start
    headlines = read_headlines(args.headlines)

    found = 0
    for headline in headlines:  # warm-up
        found += len(processor.extract_keywords(headline))
    looked_up, passes = 0, 0
    start = time.perf_counter()
    elapsed = 0.0
    while elapsed < args.seconds and passes < args.max_passes:
        for headline in headlines:
            found += len(processor.extract_keywords(headline))
        looked_up += len(headlines)
        passes += 1
        elapsed = time.perf_counter() - start
    print(f"flashtext load: {load:.3f} s ({len(names)} names)")
    print(f"flashtext gazetteer lookup: {looked_up / elapsed:.0f} headlines/s "
          f"({len(headlines)} headlines x {passes} passes in {elapsed:.2f} s; {found} matches)")


if __name__ == "__main__":
    main()
