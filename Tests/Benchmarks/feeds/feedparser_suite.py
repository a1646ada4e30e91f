#!/usr/bin/env python3
"""Judges Newsflash's feed parser (and feedparser) on feedparser's own test suite, a corpus of feed
quirks nobody on this project wrote: every wellformed/, illformed/, entities/ and encoding/ case
(not the http_* ones, which need the headers of feedparser's test server) whose Expect line
compares the first entry's title (or title_detail's value), link, id, summary/description (or
summary_detail's value) or published/updated date with a value. Title and summary count as right when they equal feedparser's value or its text (HTML
reduced to text, as Newsflash gives it). Cases whose first entry has no text at all are counted
apart: Newsflash skips such items by design (a news item needs a title); their link, id and date
checks are judged on a copy with a title added to the entry ("titled").

Usage (the feedparser venv of Tests/Benchmarks/feeds/run.sh):

    var/bench/feedparser-venv/bin/python Tests/Benchmarks/feeds/feedparser_suite.py \
        --newsflash .build-release/release/newsflash [--feedparser] [--verbose]

Without --tests it downloads feedparser 6.0.11's source distribution (BSD-2-Clause; the tests are
in it, not in the wheel) with pip into var/feedparser-tests/ once. Measurement only: nothing of it
is shipped, and the parser's own fixtures (Tests/IngestTests/Fixtures/quirks) are written here.
"""
import argparse, ast, calendar, datetime, glob, json, os, re, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
FIELD = {"content": "summary", "title": "title", "link": "link", "id": "id", "guid": "id", "summary": "summary", "description": "summary",
         "published_parsed": "published", "updated_parsed": "updated", "date_parsed": "published",
         "issued_parsed": "published", "modified_parsed": "updated", "created_parsed": "published"}

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
        # entries[0]['title_detail']['value'], entries[0]['summary_detail']['value']: the title and
        # the summary, written the long way.
        if isinstance(left.value.value, ast.Subscript) and isinstance(left.value.value.value, ast.Name):
            try:
                chain = (ast.literal_eval(left.slice), ast.literal_eval(left.value.slice), ast.literal_eval(left.value.value.slice))
                want = ast.literal_eval(part.comparators[0])
            except Exception:
                continue
            detail = {"title_detail": "title", "summary_detail": "summary"}.get(chain[1])
            if left.value.value.value.id == "entries" and chain[0] == "value" and chain[2] == 0 and detail:
                found.append((detail, want))
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

def titled_copy(path, tests, directory):
    """A copy of the case with `<title>x</title>` as the first child of its first item or entry, so
    that Newsflash keeps the item and its link, id and dates can be judged; None when there is none."""
    data = open(path, "rb").read()
    titled, count = re.subn(rb"(<(item|entry)(\s[^>]*)?>)", rb"\1<title>x</title>", data, count=1)
    if count == 0:
        return None
    target = os.path.join(directory, os.path.relpath(path, tests).replace(os.sep, "__"))
    with open(target, "wb") as handle:
        handle.write(titled)
    return target


def judge(cases, reader, tests, rename=lambda path: path):
    """(right, judged, per-field counts, misses) of `reader` over `cases`."""
    import compat
    total = ok = 0
    by_field, misses = {}, []
    for path, conds in cases:
        got, error = reader(rename(path))
        for key, want in conds:
            field = FIELD[key]
            if field in ("published", "updated"):
                if not (isinstance(want, tuple) and len(want) >= 6):
                    continue
                want = datetime.datetime(*want[:6]).strftime("%Y-%m-%dT%H:%M:%SZ")
            have = (got or {}).get(field)
            if field == "updated":
                # feedparser fills updated from published; Newsflash keeps updatedAt apart.
                have = have or (got or {}).get("published")
            if field in ("title", "summary") and isinstance(want, str):
                # The expected value is feedparser's, HTML when the element was: plain text equal
                # to it, or to its text, is right ("<blink>" in a text/plain title stays).
                have = have or ""
                good = got is not None and have in (compat.fold(want), compat.html_to_text(want))
            else:
                good = got is not None and have == want
            total += 1
            ok += good
            counts = by_field.setdefault(field, [0, 0])
            counts[0] += good
            counts[1] += 1
            if not good:
                misses.append(f"{os.path.relpath(path, tests)}: {field} = {have!r}, want {want!r}" + (f" ({error})" if got is None else ""))
    return ok, total, by_field, misses


def report(name, result, verbose):
    ok, total, by_field, misses = result
    print(f"{name}: {ok}/{total} = {ok / total:.3f}; " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(by_field.items())))
    if verbose:
        for miss in misses:
            print("  " + miss)


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
    for path in sorted(path for folder in ("wellformed", "illformed", "entities", "encoding")
                       for path in glob.glob(os.path.join(args.tests, folder, "**", "*.xml"), recursive=True)
                       # http_* cases need the HTTP headers feedparser's test server sends with them.
                       if not os.path.basename(path).startswith("http_")):
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
    newsflash = lambda p: compat.newsflash_first(args.newsflash, p)
    report("newsflash", judge(cases_with_text, newsflash, args.tests), args.verbose)
    if args.feedparser:
        report("feedparser", judge(cases_with_text, compat.feedparser_first, args.tests), args.verbose)
    # The textless cases' link, id and date checks, on copies with a title.
    with tempfile.TemporaryDirectory(prefix="feedparser-titled-") as titled_dir:
        titled = {}
        for path, conds in cases:
            kept = [(key, want) for key, want in conds if FIELD[key] in ("link", "id", "published", "updated")]
            if path in textless and kept:
                copy = titled_copy(path, args.tests, titled_dir)
                if copy:
                    titled[path] = (copy, kept)
        print(f"titled: {len(titled)} of the textless cases check a link, id or date; judged on copies with a title")
        report("newsflash (titled)", judge([(p, kept) for p, (_, kept) in titled.items()], newsflash, args.tests,
                                           rename=lambda p: titled[p][0]), args.verbose)
        if args.feedparser:
            report("feedparser (titled)", judge([(p, kept) for p, (_, kept) in titled.items()], compat.feedparser_first, args.tests,
                                                rename=lambda p: titled[p][0]), args.verbose)

main()
