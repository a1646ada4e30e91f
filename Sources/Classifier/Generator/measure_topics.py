#!/usr/bin/env python3
"""Prints the topic model's top-1 on the held-out sets, one line per model, the sets in the order the
Generator README's tables give them (sport / the Guardian / sections / headlines / holdout /
`bbc-headlines-2022` / the aggregator's stories / Wikinews' held-out half):

    python3 Sources/Classifier/Generator/measure_topics.py                      # the bundled model
    python3 Sources/Classifier/Generator/measure_topics.py --model a.json --model b.json
    python3 Sources/Classifier/Generator/measure_topics.py --blind              # also bbc-news-2004

It runs `newsflash classify eval SET --judge topics [--model FILE]` for each set that `heldout.py` has
written to `var/heldout/` (a set not built prints "-"). `bbc-news-2004`, the set of the kind issue 15's
outside check describes, is measured only with `--blind`: once a stop, at its end, after every choice
is made, so that it stays a measure and does not become a development set. Train candidates with
`newsflash classify train ... --runs 5` (five seeds averaged) so that two of them differ by their data,
not by the order their examples were visited in.
"""
import argparse
import os
import re
import subprocess
import sys

from heldout import OUT, ROOT

# (column, file): the development sets, in the README's order; all but the holdout fixture are heldout.py's.
SETS = [
    ("sport", os.path.join(OUT, "sport-headlines-2021.jsonl")),
    ("guardian", os.path.join(OUT, "guardian-business.jsonl")),
    ("sections", os.path.join(OUT, "outlet-sections.jsonl")),
    ("headlines", os.path.join(OUT, "outlet-headlines.jsonl")),
    ("holdout", os.path.join(ROOT, "Tests", "ClassifierTests", "Fixtures", "holdout.jsonl")),
    ("bbc-2022", os.path.join(OUT, "bbc-headlines-2022.jsonl")),
    ("aggregator", os.path.join(OUT, "aggregator-stories.jsonl")),
    ("wikinews", os.path.join(OUT, "wikinews-heldout-half.jsonl")),
]
# Measured only when asked (`--blind`).
BLIND_SETS = [("bbc-2004", os.path.join(OUT, "bbc-news-2004.jsonl"))]

TOP_ONE = re.compile(r"^top-1\s+([0-9.]+)", re.MULTILINE)


def sets(blind):
    return SETS + (BLIND_SETS if blind else [])


def top_one(eval_output):
    """The top-1 figure of `classify eval`'s topic table, as printed ("0.826"), or None."""
    match = TOP_ONE.search(eval_output)
    return match.group(1) if match else None


def default_binary():
    for build in ("release", "debug"):
        path = os.path.join(ROOT, ".build", build, "newsflash")
        if os.access(path, os.X_OK):
            return path
    return None


def measure(binary, model, path):
    """`classify eval`'s top-1 on one set, or None when the set is not built."""
    if not os.path.exists(path):
        return None
    command = [binary, "classify", "eval", path, "--judge", "topics"] + (["--model", model] if model else [])
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    figure = top_one(result.stdout)
    if result.returncode != 0 or figure is None:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip() or result.stdout[-500:]}")
    return figure


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", metavar="FILE",
                        help="a topic model from `newsflash classify train` (repeatable; default: the bundled one)")
    parser.add_argument("--blind", action="store_true", help="also bbc-news-2004 (once a stop, at its end)")
    parser.add_argument("--binary", default=default_binary(), help="the newsflash binary (default: .build/release, else debug)")
    args = parser.parse_args()
    if not args.binary:
        parser.error("no newsflash binary in .build/release or .build/debug: run `swift build` or give --binary")
    columns = sets(args.blind)
    names = [os.path.basename(m) for m in args.model] if args.model else ["bundled"]
    width = max(len(n) for n in names)
    print(" ".join([" " * width] + [f"{c:>10}" for c, _ in columns]))
    for name, model in zip(names, args.model or [None]):
        model = os.path.abspath(model) if model else None
        figures = [measure(args.binary, model, path) or "-" for _, path in columns]
        print(" ".join([name.ljust(width)] + [f"{f:>10}" for f in figures]), flush=True)


if __name__ == "__main__":
    sys.exit(main())
