#!/usr/bin/env python3
"""Property-based testing of a real `newsflash run api` from Schemas/openapi.yaml, with Schemathesis.

    api_schema_check.py --newsflash .build/debug/newsflash [--bootstrap 127.0.0.1:9092] [--examples 25] [--seed 1]

Starts `newsflash run api` on a free loopback port over a new SQLite store (with --bootstrap, on that
broker, its topics made with `topics init`; else --no-kafka, where filter tests and rewinds answer
503 as documented), makes an admin key and a subscriber key with `newsflash keys create`, and runs
`schemathesis run` with every check (CONFIG below) once as each key: no 5xx, status codes, content types,
headers and bodies as the schema says, 405 for undeclared methods, invalid data refused, auth not
ignored, what was created found again and what was deleted gone. Key revocation and rotation run
last and on their own (they end the key that runs them). Prints one line per run (test cases,
failures; the report is in the work directory) and exits 1 if any run failed.
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEY_ROUTES = "^/v1/keys/[^/]+/(revoke|rotate)$"

# Every check on every operation, with these exceptions, each for a reason the schema cannot carry.
CONFIG = """
# A filter is a small language (region:MENA AND NOT topic:Sports ...): a string the schema allows
# may not parse, and the documented answer is 400 with the position. A rewind's `since` may be at
# most 7 days ago, which a schema cannot say either.
[[operations]]
include-path-regex = "^/v1/(subscriptions|filters)"
checks.positive_data_acceptance.enabled = false
"""
# Without Kafka, filter tests and rewinds answer 503 by design (documented).
NO_KAFKA_CONFIG = """
[[operations]]
include-path-regex = "^/v1/(filters/test|subscriptions/[^/]+/rewinds?)"
checks.not_a_server_error.enabled = false
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--newsflash", required=True)
    parser.add_argument("--examples", type=int, default=25, help="test cases per operation and phase")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--workdir", help="keep the store, logs and reports here (default: a temporary directory, "
                                          "removed after a run that found nothing)")
    parser.add_argument("--bootstrap", help="a broker for the API's Kafka routes (default: --no-kafka)")
    args = parser.parse_args()
    schemathesis = os.path.join(os.path.dirname(sys.executable), "schemathesis")
    workdir = args.workdir or tempfile.mkdtemp(prefix="newsflash-api-schema-")
    os.makedirs(workdir, exist_ok=True)
    store = os.path.join(workdir, "subscriptions.sqlite")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLASH_") and k != "KAFKA_BOOTSTRAP"}

    def key(*flags):
        out = subprocess.run([args.newsflash, "keys", "create", *flags, "--subscriptions", store], env=env,
                             capture_output=True, text=True, check=True).stdout.split()
        return out[2]

    config = os.path.join(workdir, "schemathesis.toml")
    with open(config, "w") as out:
        out.write(CONFIG + ("" if args.bootstrap else NO_KAFKA_CONFIG))
    kafka = ["--no-kafka"]
    if args.bootstrap:
        subprocess.run([args.newsflash, "topics", "init", "--bootstrap", args.bootstrap], env=env, capture_output=True, check=True)
        kafka = ["--bootstrap", args.bootstrap]
        env["NEWSFLASH_API_RECEIPTS_GROUP"] = f"api-schema-check-{os.getpid()}"
    port = free_port()
    log = open(os.path.join(workdir, "api.log"), "w")
    api = subprocess.Popen([args.newsflash, "run", "api", *kafka, "--port", str(port), "--subscriptions", store,
                            "--log-level", "info"], env=env, stdout=log, stderr=subprocess.STDOUT)
    failed = False
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/health/ready", timeout=1)
                break
            except Exception:
                if time.monotonic() > deadline or api.poll() is not None:
                    sys.exit(f"api_schema_check: the API did not start (see {log.name})")
                time.sleep(0.2)
        print(f"{'run':<28} {'test cases':>10} {'failures':>8}  report")
        for role in ("admin", "subscriber"):
            secret = key("--admin") if role == "admin" else key()
            for part, filters in (("all but key changes", ["--exclude-path-regex", KEY_ROUTES]),
                                  ("key revoke and rotate", ["--include-path-regex", KEY_ROUTES])):
                name = f"{role}: {part}"
                report = os.path.join(workdir, f"{role}-{part.split()[0]}.txt")
                # No --checks: every check is on by default, and a --checks flag would override CONFIG's exceptions.
                command = [schemathesis, "--config-file", config, "run",
                           os.path.join(ROOT, "Schemas/openapi.yaml"), "--url", url, "-H", f"Authorization: Bearer {secret}",
                           "--max-examples", str(args.examples), "--seed", str(args.seed),
                           "--workers", str(args.workers), "--no-color", "--request-timeout", "10", *filters]
                # In the work directory: Schemathesis keeps its example database (.schemathesis/) where it runs.
                run = subprocess.run(command, env=env, capture_output=True, text=True, cwd=workdir)
                with open(report, "w") as out:
                    out.write(run.stdout + run.stderr)
                cases = re.search(r"(\d+) generated", run.stdout)
                found = re.search(r"found (\d+) unique failures?", run.stdout)
                print(f"{name:<28} {cases.group(1) if cases else '?':>10} {found.group(1) if found else '0':>8}  {report}")
                if run.returncode != 0:
                    failed = True
                    summary = run.stdout[run.stdout.find("FAILURES"):] if "FAILURES" in run.stdout else run.stdout[-3000:]
                    print(summary[:6000], file=sys.stderr)
    finally:
        api.terminate()
        api.wait(timeout=30)
        log.close()
    if args.workdir is None and not failed:
        shutil.rmtree(workdir, ignore_errors=True)
    elif failed:
        print(f"store, API log and reports kept in {workdir}", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
