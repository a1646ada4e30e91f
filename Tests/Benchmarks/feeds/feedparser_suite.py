#!/usr/bin/env python3
"""Judges Newsflash's feed parser (and feedparser) on feedparser's own test suite, a corpus of feed
quirks nobody on this project wrote: every wellformed/ and illformed/ case whose Expect line
compares the first entry's title, link, id, summary/description or published/updated date with a
value. Title and summary count as right when they equal feedparser's value or its text (HTML
reduced to text, as Newsflash gives it). Cases whose first entry has no text at all are counted
apart: Newsflash skips such items by design (a news item needs a title).

Usage (the feedparser venv of Tests/Benchmarks/feeds/run.sh):

    var/bench/feedparser-venv/bin/python Tests/Benchmarks/feeds/feedparser_suite.py \
        --newsflash .build-release/release/newsflash [--feedparser] [--verbose]

Without --tests it downloads feedparser 6.0.11's source distribution (BSD-2-Clause; the tests are
in it, not in the wheel) with pip into var/feedparser-tests/ once. Measurement only: nothing of it
is shipped, and the parser's own fixtures (Tests/IngestTests/Fixtures/quirks) are written here.
"""
import argparse, ast, calendar, datetime, glob, json, os, re, subprocess, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
FIELD = {"content": "summary", "title": "title", "link": "link", "id": "id", "guid": "id", "summary": "summary", "description": "summary",
         "published_parsed": "published", "updated_parsed": "published", "date_parsed": "published",
         "issued_parsed": "published", "modified_parsed": "published", "created_parsed": "published"}

def conditions(expect):
    try:
        tree = ast.parse(expect.strip(), mode="eval").body
    except SyntaxError:
        return []
    parts = tree.values if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And) else [tree]
    found = []
    for part in parts:
        if not (isinstance(part, ast.Compare) and len(part.ops) == 1 and isinstance(part.ops[0], ast.Eq)):
            continue
        left = part.left
        # entries[0]['content'][0]['value']: the content, which Newsflash's summary carries when the
        # entry has no summary of its own (checked against feedparser's reading below).
        if (isinstance(left, ast.Subscript) and isinstance(left.value, ast.Subscript) and isinstance(left.value.value, ast.Subscript)
                and isinstance(left.value.value.value, ast.Subscript)):
            try:
                chain = (ast.literal_eval(left.slice), ast.literal_eval(left.value.slice), ast.literal_eval(left.value.value.slice),
                         ast.literal_eval(left.value.value.value.slice))
                want = ast.literal_eval(part.comparators[0])
            except Exception:
                continue
            if (isinstance(left.value.value.value.value, ast.Name) and left.value.value.value.value.id == "entries"
                    and chain == ("value", 0, "content", 0)):
                found.append(("content", want))
            continue
        if not (isinstance(left, ast.Subscript) and isinstance(left.value, ast.Subscript)):
            continue
        inner = left.value
        if not (isinstance(inner.value, ast.Name) and inner.value.id == "entries"):
            continue
        try:
            index = ast.literal_eval(inner.slice); key = ast.literal_eval(left.slice); want = ast.literal_eval(part.comparators[0])
        except Exception:
            continue
        if index != 0 or key not in FIELD:
            continue
        found.append((key, want))
    return found

def download_tests(version="6.0.11"):
    """feedparser's sdist, fetched once with pip (no install) and unpacked under var/."""
    import tarfile
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "var", "feedparser-tests")
    tests = os.path.join(root, f"feedparser-{version}", "tests")
    if not os.path.isdir(tests):
        os.makedirs(root, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
                        "--no-binary", ":all:", f"feedparser=={version}", "-d", root], check=True)
        with tarfile.open(os.path.join(root, f"feedparser-{version}.tar.gz")) as archive:
            archive.extractall(root, filter="data")
    return os.path.normpath(tests)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--newsflash", required=True)
    ap.add_argument("--tests", help="feedparser's tests/ folder (default: downloaded into var/feedparser-tests)")
    ap.add_argument("--feedparser", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    import compat
    if not args.tests:
        args.tests = download_tests()
    cases = []
    for path in sorted(glob.glob(os.path.join(args.tests, "wellformed", "**", "*.xml"), recursive=True)
                       + glob.glob(os.path.join(args.tests, "illformed", "**", "*.xml"), recursive=True)):
        head = open(path, encoding="latin-1").read(3000)
        m = re.search(r"Expect:\s*(.*)", head)
        if not m:
            continue
        conds = conditions(m.group(1))
        if conds:
            cases.append((path, conds))
    import feedparser
    textless = set()
    for path, _ in cases:
        entries = feedparser.parse(path).entries
        if not entries or not (compat.html_to_text(entries[0].get("title")) or compat.html_to_text(entries[0].get("summary"))):
            textless.add(path)
    # Content is judged only where feedparser's summary is that content (no summary of its own).
    for index, (path, conds) in enumerate(cases):
        if any(key == "content" for key, _ in conds):
            entries = feedparser.parse(path).entries
            summary = entries[0].get("summary") if entries else None
            contents = entries[0].get("content") if entries else None
            same = bool(contents) and summary == contents[0].get("value")
            cases[index] = (path, [(key, want) for key, want in conds if key != "content" or same])
    cases = [(path, conds) for path, conds in cases if conds]
    cases_with_text = [case for case in cases if case[0] not in textless]
    print(f"{len(cases)} cases compare the first entry's title, link, id, summary or date; {len(textless)} of them "
          f"have an entry whose title and summary hold no text (Newsflash skips such items by design), leaving {len(cases_with_text)}")
    cases = cases_with_text
    readers = [("newsflash", lambda p: compat.newsflash_first(args.newsflash, p))]
    if args.feedparser:
        readers.append(("feedparser", compat.feedparser_first))
    for name, reader in readers:
        total = ok = 0
        by_field = {}
        misses = []
        for path, conds in cases:
            got, error = reader(path)
            for key, want in conds:
                field = FIELD[key]
                if field == "published":
                    if isinstance(want, tuple) and len(want) >= 6:
                        want = datetime.datetime(*want[:6]).strftime("%Y-%m-%dT%H:%M:%SZ")
                    else:
                        continue
                have = (got or {}).get(field)
                if field in ("title", "summary") and isinstance(want, str):
                    # The expected value is feedparser's, HTML when the element was: plain text equal
                    # to it, or to its text, is right ("<blink>" in a text/plain title stays).
                    have = have or ""
                    good = got is not None and have in (compat.fold(want), compat.html_to_text(want))
                else:
                    good = got is not None and have == want
                total += 1; ok += good
                f = by_field.setdefault(field, [0, 0]); f[0] += good; f[1] += 1
                if not good:
                    misses.append(f"{os.path.relpath(path, args.tests)}: {field} = {have!r}, want {want!r}" + (f" ({error})" if got is None else ""))
        print(f"{name}: {ok}/{total} = {ok/total:.3f} over {len(cases)} cases; " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(by_field.items())))
        if args.verbose:
            for miss in misses: print("  " + miss)

main()
