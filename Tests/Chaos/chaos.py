#!/usr/bin/env python3
"""Chaos harness for Newsflash: no matched alert is lost through a SIGTERM, a SIGKILL or a
rebalance of any stage.

Full run (`make chaos`): starts a broker (Tansu, Deploy/local-broker.sh) and an SMTP sink
(Deploy/smtp-sink.sh) of its own, creates the topics, a SQLite subscription store with a few
thousand subscriptions made through `newsflash run api` (webhook ones pointing at a verifying
receiver this script runs; email ones confirmed through the double opt-in link mailed to the
sink), and runs every stage as its own process: ingest (a push source), classify, match,
notify-webhook, notify-email and the api. Items are pushed to ingest's push endpoint; each
item's title carries a rare keyword shared with exactly one subscription, and every title is
otherwise made of different random words, so every item is its own story and the expected
(subscription, story) pairs are known exactly. While items flow, every stage in turn is
SIGTERMed, SIGKILLed and restarted, and (for the consumers) run twice in one consumer group
with one copy SIGKILLed (a rebalance). Afterwards every expected pair must have been delivered
at least once (webhook: verified with `standardwebhooks` at the receiver; email: an .eml in
the sink's maildir, identified by its To and Message-ID headers), every repeat must carry the
webhook-id / Message-ID of its first delivery, and no consumer group may have lag left. With
--broker-outages N the broker advertises a relay in front of it (as in --outage) and, after the
stops, is cut off N times for --outage-seconds while items flow, with one stage SIGTERMed during
each outage (notify-webhook, then match, ...); the same checks hold, that SIGTERM must exit 0
within 60 s too, and the offset commits the outages failed must have been reported.

Quick run (`--quick`, for the regular test suite): the classify stage alone, a few hundred
news.item events produced straight to news.raw, classify with a small --window, SIGTERMed and
SIGKILLed mid-stream, then left to drain: every item must reach news.classified and the group
must have no lag. Uses the broker in KAFKA_BOOTSTRAP when set (with uniquely named topics and
group), else one of its own.

Failing endpoints (`--failing-endpoints`): no stops; a clean round of items, then a second round
while 30% of the receiver's endpoints answer 5xx, 10% time out and 5% answer 429 with
Retry-After, each failing the first 1, 2 or 3 attempts of every delivery or (a quarter) all of
them, with notify-webhook's retry schedule scaled down (--retry-scale): every alert is delivered
or dead-lettered with its 8 attempts, a retry after a 429 waits its Retry-After, and healthy
subscribers' p99 stays within 2x the clean round's.

Latency (`--latency`): no stops; items pushed at --rate (1,000/s) for --duration seconds, a
tenth of them matching one subscription each; latency from an item's push to its verified
webhook, per hop by the producers' timestamps, beside the broker's own produce-to-consume round
trip measured in the same run by a probe with the pipeline's client settings.

Shutdown (`--shutdown`): `newsflash up` with demo alerts flowing, stopped by SIGTERM and SIGINT
in turn; each stop must exit 0 within 60 s.

Broker outages (`--outage`): the classify stage against a broker of its own that advertises a relay
in front of it, which cuts the broker off (connections closed, the port refusing new ones) for
--outage-seconds three times while events flow: under a running process, during a SIGTERM and
during a SIGKILL. Every item must reach news.classified, the group must have no lag, the offset
commits the outages failed must have been reported, the unreachable broker must not be logged on
every reconnect attempt, and the SIGTERM must exit 0 within 60 s. With --blackhole each outage is a
network partition (connections held open, nothing forwarded) and the failed commits are not required
(a commit waits for its request's timeout); the SIGTERM must end gracefully all the same.

Exit status: 0 when every check passed, 1 when one failed, 2 when the harness itself could not
run (a stage that never came up, a broker that did not start).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import email
import email.policy
import hashlib
import http.client
import http.server
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import textwrap
import threading
import time
import urllib.parse
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("ingest", "classify", "match", "notify-webhook", "notify-email")
KINDS = ("sigterm", "sigkill", "rebalance")
GROUPS = {  # the consumer group and main input topic of each consuming stage
    "classify": ("newsflash-classify", "news.raw"),
    "match": ("newsflash-match", "news.classified"),
    "notify-webhook": ("newsflash-notify-webhook", "alerts.deliveries"),
    "notify-email": ("newsflash-notify-email", "alerts.deliveries"),
}
SIGTERM_LIMIT_S = 60.0  # a graceful stop must end within this (the deployments give 60 s)
USAGE_EXIT = 64  # swift-argument-parser's exit status for a usage error
PUSH_SOURCE = "chaos-push"
RETRY_AFTER_S = 2       # what the 429 endpoints of --failing-endpoints ask for
PERMANENT = 99          # --failing-endpoints: a hook that fails this many attempts fails them all
MAX_ATTEMPTS = 8        # RetrySchedule: the first attempt and 7 retries, then alerts.dlq
# The consumer and producer settings of the pipeline (KafkaConsumerConfiguration, KafkaProducerConfiguration),
# which the --latency floor probe uses too, so that the floor is the same client setup with no stage between.
PIPELINE_FETCH_WAIT_MS = 50
PIPELINE_LINGER_MS = 5
NO_METRICS_PORT = {"api"}  # README (Commands): every `run` stage but api (metrics on its own --port) takes --metrics-port
TOKEN_PREFIX = "zqk"
MARKER = ".chaos-workdir"  # in every work directory: the only non-empty directories the script wipes
# librdkafka's log level for the harness's own clients (errors); --outage sets 0, as its outages make
# every client print a refused connection many times a second.
CLIENT_LOG_LEVEL = [3]
# --outage: a stage's log lines of librdkafka's own and of its client errors (RDKafkaHandle), and how many
# of them a second of outage may bring (each reconnect attempt logged: some forty a second per process).
CLIENT_LINE = re.compile(r"\[RdKafka\] (?:librdkafka|kafka client error)$", re.MULTILINE)
CLIENT_LINES_PER_OUTAGE_S = 5.0


class HarnessError(Exception):
    """The harness could not do its job (not a product check failing)."""


# --------------------------------------------------------------------------------------------
# Logging and small helpers
# --------------------------------------------------------------------------------------------

_log_file = None
_t0 = time.monotonic()


def log(message: str) -> None:
    """A progress line on stdout (and in <workdir>/chaos.log), with seconds since start."""
    line = f"[{time.monotonic() - _t0:7.1f}s] {message}"
    print(line, flush=True)
    if _log_file:
        _log_file.write(line + "\n")
        _log_file.flush()


def stable_id(prefix: str, *parts: str) -> str:
    """Newsflash's StableID: prefix_ + the first 20 hex digits of SHA-256(parts joined by U+001F)."""
    return prefix + "_" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


def delivery_id(subscription_id: str, story_id: str, version: int = 1) -> str:
    """The delivery id the match stage derives (also the webhook-id and the Message-ID's local part)."""
    return stable_id("dlv", subscription_id, story_id, str(version))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    """Polls `predicate` until it holds or `timeout` seconds pass; returns whether it held."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def rfc3339_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Words:
    """Pseudo-words for titles: 3 random syllables each (about 10^6 of them), so that two titles
    share hardly a word and the ingest story matcher (MinHash over words, >= 0.25) never puts two
    items in one story."""

    CONSONANTS = "bcdfghjklmnprstvz"
    VOWELS = "aeiou"

    def __init__(self, seed: int):
        self.random = random.Random(seed)

    def word(self) -> str:
        return "".join(self.random.choice(self.CONSONANTS) + self.random.choice(self.VOWELS) for _ in range(3))

    def title(self, token: str, count: int = 8) -> str:
        words = [self.word() for _ in range(count)]
        words.insert(self.random.randrange(1, count), token)
        return " ".join(words).capitalize()


# --------------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------------

class Child:
    """One process of a stage: started with its output in a log file of its own, signalled,
    waited for. `serial` numbers the processes of one stage (classify.3.log)."""

    def __init__(self, stage: str, serial: int, argv: list[str], log_path: Path, env: dict, cwd: Path):
        self.stage, self.serial, self.argv, self.log_path = stage, serial, argv, log_path
        self.env, self.cwd = env, cwd
        self.proc: subprocess.Popen | None = None
        self.started = 0.0
        self.expected_exit = False  # set when the harness stops it on purpose

    def start(self) -> "Child":
        with open(self.log_path, "ab") as out:
            out.write(f"=== {datetime.now(timezone.utc).isoformat()} {' '.join(self.argv)}\n".encode())
            out.flush()
            # A session of its own: a Ctrl-C at the terminal reaches the harness, which stops it.
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env=self.env, cwd=self.cwd, start_new_session=True)
        self.started = time.monotonic()
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc else -1

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def returncode(self) -> int | None:
        return self.proc.poll() if self.proc else None

    def send(self, sig: int) -> None:
        self.expected_exit = True
        if self.alive():
            self.proc.send_signal(sig)

    def wait(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def crashed(self) -> bool:
        """Whether the process reported a crash (the Swift runtime writes a backtrace, which takes a while)."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(max(0, f.seek(0, os.SEEK_END) - 262144))
                text = f.read().decode(errors="replace")
        except OSError:
            return False
        return "Program crashed" in text or "Fatal error" in text

    def crash_excerpt(self) -> str:
        """The error lines of the log and the top of the crashed thread's backtrace."""
        lines = self.log_text().splitlines()
        picked = [l for l in lines if re.search(r" error |Fatal error|Program crashed|critical", l)][:8]
        for i, line in enumerate(lines):
            if re.match(r"Thread \d+ .*crashed:", line):
                picked += lines[i:i + 10]
                break
        return "\n".join(l[:400] for l in picked) or self.log_tail(8)

    def log_tail(self, lines: int = 15) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def assigned_partitions(self, group: str) -> set[str]:
        """The partitions of `group` this process holds, from its `kafka partitions assigned` /
        `revoked` / `lost` log lines (`--log-level info`)."""
        held: set[str] = set()
        for line in self.log_text().splitlines():
            if f"kafka.group={group} " not in line:
                continue
            match = re.search(r"kafka\.partitions=(\S*)", line)
            parts = set(filter(None, match.group(1).split(","))) if match else set()
            if "kafka partitions assigned" in line:
                held |= parts
            elif "kafka partitions revoked" in line or "kafka partitions lost" in line:
                held -= parts
        return held

    def drained_in_flight(self) -> int | None:
        """Messages in flight when a graceful stop began (`stage draining` log line), if any."""
        found = re.findall(r"stage\.in_flight=(\d+) \[Pipeline\] stage draining", self.log_text())
        return int(found[-1]) if found else None


class Newsflash:
    """The newsflash binary: one-shot commands, and argv for long-running ones."""

    def __init__(self, binary: Path, cwd: Path):
        self.binary = binary
        self.cwd = cwd
        self.env = dict(os.environ)
        lib = str(ROOT / ".local" / "lib")
        self.env["LD_LIBRARY_PATH"] = lib + (":" + self.env["LD_LIBRARY_PATH"] if self.env.get("LD_LIBRARY_PATH") else "")
        for name in ("NEWSFLASH_METRICS_PORT", "NEWSFLASH_WEBHOOK_ALLOW", "NEWSFLASH_LOG_FORMAT"):
            self.env.pop(name, None)

    def argv(self, *args: str) -> list[str]:
        return [str(self.binary), *args]

    def run(self, *args: str, stdin: str | None = None, timeout: float = 120) -> str:
        result = subprocess.run(self.argv(*args), input=stdin, capture_output=True, text=True, env=self.env,
                                cwd=self.cwd, timeout=timeout)
        if result.returncode != 0:
            raise HarnessError(f"newsflash {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
        return result.stdout


@dataclasses.dataclass
class Finding:
    """Something that looks wrong in the product, reported with its evidence."""
    title: str
    evidence: str


class Stages:
    """Every stage process of the run: starts them (with `--metrics-port -1`, and without it
    when a stage refuses it with a usage error: a finding), restarts and stops them, and
    notices processes that exit without being told to."""

    def __init__(self, nf: Newsflash, workdir: Path, argv_of: dict[str, list[str]], findings: list[Finding]):
        self.nf, self.workdir, self.argv_of, self.findings = nf, workdir, argv_of, findings
        (workdir / "logs").mkdir(exist_ok=True)
        self.instances: dict[str, list[Child]] = collections.defaultdict(list)
        self.serials: collections.Counter = collections.Counter()
        self.metrics_flag: dict[str, bool] = {}
        self.crashes: list[str] = []
        self.lock = threading.Lock()

    def running(self, stage: str) -> list[Child]:
        return [c for c in self.instances[stage] if c.alive()]

    def logged(self, text: str) -> int:
        """How many lines of the logs of every process started so far say `text`, counting the
        alike lines held back and counted on the one shown (`kafka.repeated=N`)."""
        count = 0
        for line in (l for children in self.instances.values() for c in children for l in c.log_text().splitlines()):
            if text in line:
                repeated = re.search(r"kafka\.repeated=(\d+)", line)
                count += 1 + (int(repeated.group(1)) if repeated else 0)
        return count

    def primary(self, stage: str) -> Child:
        alive = self.running(stage)
        if not alive:
            raise HarnessError(f"{stage} has no running process")
        return alive[0]

    def start(self, stage: str) -> Child:
        """Starts one more process of `stage`."""
        if stage in NO_METRICS_PORT:
            self.metrics_flag[stage] = False
        flag = self.metrics_flag.get(stage, True)
        child = self._spawn(stage, with_metrics_flag=flag)
        if stage not in self.metrics_flag:
            # The first start tells whether this stage takes `--metrics-port -1` (README: every `run` stage does).
            wait_until(lambda: not child.alive(), 2.5, 0.1)
            if not child.alive() and child.returncode() == USAGE_EXIT and "--metrics-port" in child.log_text():
                usage = next((l for l in child.log_text().splitlines() if "Unknown option" in l or "Error:" in l), "")
                self.findings.append(Finding(
                    f"`newsflash run {stage}` refuses `--metrics-port -1` (usage error, exit {USAGE_EXIT})",
                    f"command: {' '.join(child.argv)}\noutput: {usage.strip()}\n"
                    "README (Commands, Observability) says every `run` stage takes --metrics-port and --metrics-host; "
                    f"`run {stage} --help` lists neither. The harness runs it without the flag."))
                log(f"FINDING: run {stage} refuses --metrics-port -1; starting it without the flag")
                self.metrics_flag[stage] = False
                with self.lock:
                    self.instances[stage].remove(child)
                child = self._spawn(stage, with_metrics_flag=False)
            else:
                self.metrics_flag[stage] = True
        return child

    def _spawn(self, stage: str, with_metrics_flag: bool) -> Child:
        with self.lock:
            self.serials[stage] += 1
            serial = self.serials[stage]
        args = ["run", stage, *self.argv_of[stage]]
        if with_metrics_flag:
            args += ["--metrics-port", "-1"]
        child = Child(stage, serial, self.nf.argv(*args), self.workdir / "logs" / f"{stage}.{serial}.log",
                      self.nf.env, self.workdir)
        child.start()
        with self.lock:
            self.instances[stage].append(child)
        with open(self.workdir / "pids", "a") as f:
            f.write(f"{child.pid} {stage}.{serial}\n")
        return child

    def revive_crashed(self) -> None:
        """Restarts (once) every process that exited though the harness did not stop it; each is a crash."""
        for stage, children in list(self.instances.items()):
            for child in list(children):
                if child.proc and child.alive() and not child.expected_exit and child.crashed():
                    wait_until(lambda: not child.alive(), 60, 0.5)  # let it finish its backtrace
                    if child.alive():
                        child.send(signal.SIGKILL)
                        child.wait(10)
                    child.expected_exit = False
                if child.proc and not child.alive() and not child.expected_exit:
                    child.expected_exit = True
                    message = (f"{stage}.{child.serial} (pid {child.pid}) exited by itself with status {child.returncode()}; "
                               f"log {child.log_path}:\n{child.crash_excerpt()}")
                    self.crashes.append(message)
                    log("CRASH: " + message)
                    if not self.running(stage):
                        self.start(stage)

    def stop(self, child: Child, sig: int = signal.SIGTERM, timeout: float = 90.0) -> tuple[float, int | None]:
        """Sends `sig` and waits (bounded) for the exit; returns (seconds from signal to exit, status).
        A process that outlives `timeout` is killed and its status is None."""
        start = time.monotonic()
        child.send(sig)
        code = child.wait(timeout)
        elapsed = time.monotonic() - start
        if code is None:
            log(f"{child.stage}.{child.serial} still running {timeout:.0f} s after signal {sig}: killing it")
            child.send(signal.SIGKILL)
            child.wait(10)
        return elapsed, code

    def stop_all(self, timeout: float = 90.0) -> list[tuple[str, float, int | None]]:
        """SIGTERMs every running process at once and waits for each; returns (name, seconds, status)."""
        alive = [c for children in self.instances.values() for c in children if c.alive()]
        start = time.monotonic()
        for child in alive:
            child.send(signal.SIGTERM)
        results = []
        for child in alive:
            code = child.wait(max(0.1, timeout - (time.monotonic() - start)))
            if code is None:
                child.send(signal.SIGKILL)
                child.wait(10)
            results.append((f"{child.stage}.{child.serial}", time.monotonic() - start, code))
        return results

    def kill_all(self) -> None:
        """Last-resort cleanup: SIGKILL whatever is still running (by pid)."""
        for children in self.instances.values():
            for child in children:
                if child.alive():
                    child.send(signal.SIGKILL)
                    child.wait(5)


# --------------------------------------------------------------------------------------------
# Broker, SMTP sink, topics, lag
# --------------------------------------------------------------------------------------------

class Broker:
    """Tansu through Deploy/local-broker.sh with its state under the workdir, or an external
    broker (KAFKA_BOOTSTRAP), which is left alone."""

    def __init__(self, state: Path, external: str | None = None, advertised_port: int | None = None):
        self.state, self.external, self.advertised_port = state, external, advertised_port
        self.started = False

    @property
    def bootstrap(self) -> str:
        if self.external:
            return self.external
        return f"127.0.0.1:{(self.state / 'port').read_text().strip()}"

    def start(self, port: int = 0) -> None:
        if self.external:
            log(f"broker: using {self.external} (KAFKA_BOOTSTRAP)")
            return
        env = dict(os.environ, NEWSFLASH_BROKER_STATE=str(self.state))
        if self.advertised_port:
            env["NEWSFLASH_BROKER_ADVERTISED_PORT"] = str(self.advertised_port)
        result = subprocess.run([str(ROOT / "Deploy" / "local-broker.sh"), "start", str(port)], env=env, capture_output=True,
                                text=True, timeout=90)
        if result.returncode != 0:
            raise HarnessError(f"the broker did not start: {result.stderr.strip()}")
        self.started = True
        log(result.stdout.strip())

    def stop(self) -> None:
        if self.started:
            env = dict(os.environ, NEWSFLASH_BROKER_STATE=str(self.state))
            subprocess.run([str(ROOT / "Deploy" / "local-broker.sh"), "stop"], env=env, capture_output=True, timeout=30)
            self.started = False


class BrokerProxy:
    """A TCP relay on a loopback port in front of the broker, which the broker advertises as its own
    address (`--outage`), so every client connection (bootstrap, coordinator, fetch, produce) passes
    through it. `cut()` is a broker outage as the clients see a broker that went down: every open
    connection is closed and the port refuses connections (its listener is closed), until
    `restore()` listens on the same port again. In `blackhole` mode it is a network partition
    instead: connections stay open and new ones are accepted, but nothing is forwarded either way
    until `restore()` (requests time out rather than fail)."""

    def __init__(self, blackhole: bool = False):
        self.blackhole = blackhole
        self.flowing = threading.Event()
        self.flowing.set()
        self.target: int | None = None
        self.port = 0
        self.listener = self.listen()
        self.port = self.listener.getsockname()[1]
        self.up = threading.Event()
        self.up.set()
        self.halt = threading.Event()
        self.lock = threading.Lock()
        self.open: set[socket.socket] = set()
        self.cuts: list[float] = []  # seconds of each outage
        self.cut_at = 0.0
        threading.Thread(target=self.accept, name="broker-proxy", daemon=True).start()

    def listen(self) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(256)
        return listener

    def accept(self) -> None:
        while not self.halt.is_set():
            self.up.wait()
            listener = self.listener
            try:
                client, _ = listener.accept()
            except OSError:
                continue  # closed by cut() (or stop()): wait until it listens again
            try:
                if self.target is None:
                    raise OSError("no broker yet")
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pump, args=(source, sink), daemon=True).start()

    def pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self.flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self.drop(source, sink)

    def drop(self, *sockets: socket.socket) -> None:
        with self.lock:
            for sock in sockets:
                if sock in self.open:
                    self.open.discard(sock)
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    sock.close()

    def close_all(self) -> int:
        self.up.clear()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        with self.lock:
            sockets = list(self.open)
        self.drop(*sockets)
        return len(sockets) // 2

    def cut(self) -> None:
        self.cut_at = time.monotonic()
        if self.blackhole:
            self.flowing.clear()
            log(f"proxy: broker cut off ({len(self.open) // 2} connections held open, nothing forwarded)")
            return
        closed = self.close_all()
        log(f"proxy: broker cut off ({closed} connections closed, the port refuses new ones)")

    def restore(self) -> None:
        if self.blackhole:
            self.flowing.set()
        else:
            self.listener = self.listen()
            self.up.set()
        self.cuts.append(time.monotonic() - self.cut_at)
        log(f"proxy: broker reachable again after {self.cuts[-1]:.1f} s")

    def stop(self) -> None:
        self.halt.set()
        self.flowing.set()
        if self.up.is_set():
            self.close_all()
        self.up.set()  # lets the accept thread see `halt`


class SmtpSink:
    """Deploy/smtp-sink.sh with its state under the workdir; mails land in <state>/maildir."""

    def __init__(self, state: Path):
        self.state = state
        self.started = False
        self.ports: dict[str, str] = {}

    def start(self) -> None:
        env = dict(os.environ, NEWSFLASH_SMTP_SINK_STATE=str(self.state))
        script = str(ROOT / "Deploy" / "smtp-sink.sh")
        result = subprocess.run([script, "start", "0"], env=env, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise HarnessError(f"the SMTP sink did not start: {result.stderr.strip()}")
        self.started = True
        lines = subprocess.run([script, "env"], env=env, capture_output=True, text=True, timeout=30).stdout
        self.ports = dict(re.findall(r"export (NEWSFLASH_TEST_SMTP_\w+)=(\S+)", lines))
        log(result.stdout.strip())

    @property
    def maildir(self) -> Path:
        return Path(self.ports.get("NEWSFLASH_TEST_SMTP_MAILDIR", self.state / "maildir"))

    @property
    def plain_port(self) -> int:
        """The listener without TLS (for `smtp://...?tls=none`)."""
        return int(self.ports["NEWSFLASH_TEST_SMTP_NOTLS_PORT"])

    def stop(self) -> None:
        if self.started:
            env = dict(os.environ, NEWSFLASH_SMTP_SINK_STATE=str(self.state))
            subprocess.run([str(ROOT / "Deploy" / "smtp-sink.sh"), "stop"], env=env, capture_output=True, timeout=30)
            self.started = False


def create_topics(bootstrap: str, names: Iterable[str], partitions: int = 4) -> None:
    """Creates topics with confluent_kafka's AdminClient (idempotent)."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(n, num_partitions=partitions, replication_factor=-1) for n in names],
                                  request_timeout=30)
    for name, future in futures.items():
        try:
            future.result(timeout=30)
        except KafkaException as error:
            if "TOPIC_ALREADY_EXISTS" not in str(error):
                raise HarnessError(f"cannot create topic {name}: {error}")


def group_lag(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    """Per partition of `topic`: high watermark minus `group`'s committed offset. Reads the
    committed offsets with the group id (OffsetFetch) without subscribing: never joins the group."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                         "log_level": CLIENT_LOG_LEVEL[0]})
    try:
        metadata = consumer.list_topics(topic, timeout=15)
        partitions = sorted(metadata.topics[topic].partitions)
        committed = consumer.committed([TopicPartition(topic, p) for p in partitions], timeout=15)
        lag = {}
        for tp in committed:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, tp.partition), timeout=15, cached=False)
            offset = tp.offset if tp.offset >= 0 else low
            lag[tp.partition] = max(0, high - offset)
        return lag
    finally:
        consumer.close()


class TopicWatcher(threading.Thread):
    """Reads a whole topic from the beginning without a group (assign, no commits) and hands each
    decoded event to `on_event`; counts messages. Used to follow progress and, afterwards, to
    say where a lost alert went missing."""

    def __init__(self, bootstrap: str, topic: str, on_event: Callable[[dict, bytes | None], None] | None = None,
                 record: Path | None = None):
        super().__init__(name=f"watch-{topic}", daemon=True)
        self.bootstrap, self.topic, self.on_event, self.record = bootstrap, topic, on_event, record
        self.count = 0
        self.halt = threading.Event()
        self.error: str | None = None

    def run(self) -> None:
        consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": f"chaos-watch-{uuid.uuid4().hex}",
                             "enable.auto.commit": False, "auto.offset.reset": "earliest", "log_level": CLIENT_LOG_LEVEL[0]})
        record = open(self.record, "w") if self.record else None
        try:
            partitions = sorted(consumer.list_topics(self.topic, timeout=30).topics[self.topic].partitions)
            consumer.assign([TopicPartition(self.topic, p, -2) for p in partitions])  # -2: OFFSET_BEGINNING
            while not self.halt.is_set():
                for message in consumer.consume(500, 0.3):
                    if message.error():
                        continue
                    self.count += 1
                    self.timestamp = message.timestamp()[1]  # for on_event: when the producer wrote it (ms)
                    try:
                        event = json.loads(message.value())
                        if self.on_event:
                            self.on_event(event, message.key())
                    except (ValueError, KeyError, TypeError) as error:
                        self.error = f"undecodable message on {self.topic}: {error}"
                        continue
                    if record:  # for the post-mortem: where and when each event was written
                        record.write(json.dumps({"p": message.partition(), "o": message.offset(),
                                                 "ts": message.timestamp()[1], "key": (message.key() or b"").decode(),
                                                 "event": event.get("eventId")}) + "\n")
        except Exception as error:  # reported, not raised: a watcher is an observer
            self.error = f"{self.topic} watcher failed: {error}"
        finally:
            consumer.close()
            if record:
                record.close()

    def stop(self) -> None:
        self.halt.set()
        self.join(10)


# --------------------------------------------------------------------------------------------
# Webhook receiver and mailbox
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Received:
    """One alert as a subscriber got it: the subscription, the id it carried (webhook-id or the
    Message-ID's delivery id), and the story and item it was about (None when unknown)."""
    subscription: str
    delivery: str
    story: str | None
    item: str | None
    at: float
    extra: str = ""
    wall: float = 0.0  # time.time() at receipt


class WebhookReceiver:
    """A threaded HTTP server on several loopback ports (several endpoints, as the notifier counts
    them by host:port) that verifies every delivery with `standardwebhooks` using the secret of the
    subscription its URL names, and records it."""

    def __init__(self, ports: int):
        self.secrets: dict[str, str] = {}   # hook path name -> whsec_ secret
        self.sub_of: dict[str, str] = {}    # hook path name -> subscription id
        self.received: list[Received] = []
        self.failures: list[str] = []
        self.truncated: list[str] = []  # requests whose body did not arrive whole
        self.failure_dump: Path | None = None  # where to write the requests that failed verification
        # Failing endpoints (--failing-endpoints): hook path name -> (mode, attempts that fail), applied
        # while `faults_on`; every request's arrival per webhook-id: (monotonic time, status answered).
        self.faults: dict[str, tuple[str, int]] = {}
        self.faults_on = False
        self.attempts: dict[str, list[tuple[float, int]]] = collections.defaultdict(list)
        self.timeout_sleep = 3.0
        self.lock = threading.Lock()
        self.servers = [self._server() for _ in range(ports)]

    def _server(self) -> http.server.ThreadingHTTPServer:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                if len(body) < length:  # the sender went away mid-body (a SIGKILLed notifier): nothing to verify
                    with receiver.lock:
                        receiver.truncated.append(f"{self.path}: {len(body)} of {length} bytes at "
                                                  f"{time.monotonic() - _t0:.1f} s")
                    self.close_connection = True
                    return
                fault = receiver.fault(self.path, self.headers.get("webhook-id", ""))
                if fault is not None:
                    if fault == 504:  # a timeout: answer long after the sender gave up
                        time.sleep(receiver.timeout_sleep)
                    try:
                        self.send_response(fault)
                        if fault == 429:
                            self.send_header("Retry-After", str(RETRY_AFTER_S))
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                    except OSError:
                        self.close_connection = True
                    return
                status = receiver.handle(self.path, dict(self.headers.items()), body)
                with receiver.lock:
                    receiver.attempts[self.headers.get("webhook-id", "")].append((time.monotonic(), status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self):
                body = receiver.FEED if self.path == "/feed.xml" else b""
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256

            def handle_error(self, request, client_address):
                # A SIGKILLed notifier resets its keep-alive connections: expected here, not worth a traceback.
                if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
                    super().handle_error(request, client_address)

        return Server(("127.0.0.1", 0), Handler)

    FEED = (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>chaos keep-alive</title>'
            b'<link>http://127.0.0.1/</link><description>no items</description></channel></rss>')

    def feed_url(self) -> str:
        """An RSS feed without items (see `start_ingest`)."""
        return f"http://127.0.0.1:{self.servers[0].server_address[1]}/feed.xml"

    def url(self, index: int, name: str) -> str:
        port = self.servers[index % len(self.servers)].server_address[1]
        return f"http://127.0.0.1:{port}/hook/{name}"

    def start(self) -> None:
        for server in self.servers:
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()

    @property
    def count(self) -> int:
        return len(self.received)

    def fault(self, path: str, webhook_id: str) -> int | None:
        """The failure status this attempt gets (504: time out), or None to answer normally. A hook
        with (mode, k) fails the first k attempts of each delivery; k = PERMANENT fails them all."""
        if not self.faults_on:
            return None
        mode, fails = self.faults.get(path.rsplit("/", 1)[-1], ("", 0))
        if not mode:
            return None
        with self.lock:
            tries = self.attempts[webhook_id]
            if len(tries) >= fails:
                return None
            status = {"5xx": (500, 502, 503)[len(tries) % 3], "timeout": 504, "429": 429}[mode]
            tries.append((time.monotonic(), status))
            return status

    def handle(self, path: str, headers: dict, body: bytes) -> int:
        name = path.rsplit("/", 1)[-1]
        secret = self.secrets.get(name)
        if secret is None:
            with self.lock:
                self.failures.append(f"POST to unknown hook {path}")
            return 500  # retried, never 410 (that would disable the subscription)
        try:
            payload = Webhook(secret).verify(body, headers)
        except WebhookVerificationError as error:
            with self.lock:
                self.failures.append(f"signature of a delivery to {path} did not verify at "
                                     f"{time.monotonic() - _t0:.1f} s: {error}")
                if self.failure_dump:  # the evidence: headers and body as received
                    with open(self.failure_dump, "a") as f:
                        f.write(json.dumps({"at": round(time.monotonic() - _t0, 3), "path": path, "error": str(error),
                                            "headers": headers, "body": body.decode(errors="replace")}) + "\n")
            return 401
        lowered = {k.lower(): v for k, v in headers.items()}
        webhook_id = lowered.get("webhook-id", "")
        expected_sub = self.sub_of.get(name)
        now = time.monotonic()
        records = []
        problems = []
        if payload.get("subscriptionId") != expected_sub:
            problems.append(f"delivery to {path} names subscription {payload.get('subscriptionId')}, not {expected_sub}")
        if payload.get("type") != "alert":
            problems.append(f"a {payload.get('type')} body reached {path} (digests were not asked for)")
        for alert in payload.get("alerts", []):
            if alert.get("deliveryId") != webhook_id:
                problems.append(f"body deliveryId {alert.get('deliveryId')} differs from webhook-id {webhook_id}")
            records.append(Received(payload.get("subscriptionId", ""), webhook_id, alert.get("storyId"),
                                    alert.get("item", {}).get("itemId"), now, wall=time.time(),
                                    extra=("update " if alert.get("isUpdate") else "") + ("replay" if alert.get("isReplay") else "")))
        with self.lock:
            self.received.extend(records)
            self.failures.extend(problems)
        return 200


class Mailbox:
    """Reads the sink's maildir as mails arrive: confirmation mails (their /v1/confirm/ links) and
    alert mails (To, Message-ID, Subject)."""

    CONFIRM = re.compile(r"(https?://[^\s\"<>]+/v1/confirm/[A-Za-z0-9_\-.%]+)")

    def __init__(self, maildir: Path):
        self.maildir = maildir
        self.seen: set[str] = set()
        self.confirmations: dict[str, str] = {}  # address -> confirm URL
        self.alerts: list[tuple[str, str, str, float]] = []  # (address, Message-ID, subject, time)
        self.others: list[str] = []
        self.lock = threading.Lock()

    @property
    def alert_count(self) -> int:
        return len(self.alerts)

    def scan(self) -> None:
        with self.lock:
            try:
                names = sorted(n for n in os.listdir(self.maildir) if n.endswith(".eml") and n not in self.seen)
            except FileNotFoundError:
                return
            for name in names:
                self.seen.add(name)
                message = email.message_from_bytes((self.maildir / name).read_bytes(), policy=email.policy.default)
                to = str(message.get("To", "")).strip()
                address = (re.search(r"<([^>]+)>", to) or re.search(r"(\S+@\S+)", to) or [None, to])[1].lower()
                subject = str(message.get("Subject", ""))
                body = message.get_body(preferencelist=("plain",))
                text = body.get_content() if body else ""
                link = self.CONFIRM.search(text)
                if link and "Confirm" in subject:
                    self.confirmations[address] = link.group(1)
                elif str(message.get("Message-ID", "")).startswith("<dlv_"):
                    self.alerts.append((address, str(message.get("Message-ID")).strip(), subject, time.monotonic()))
                else:
                    self.others.append(f"{name}: To {address}, Subject {subject!r}, Message-ID {message.get('Message-ID')}")


class Background(threading.Thread):
    """Calls `action` every `interval` seconds until stopped."""

    def __init__(self, action: Callable[[], None], interval: float, name: str):
        super().__init__(name=name, daemon=True)
        self.action, self.interval = action, interval
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(self.interval):
            self.action()

    def stop(self) -> None:
        self.halt.set()
        self.join(10)
        self.action()


# --------------------------------------------------------------------------------------------
# The API: keys, subscriptions, confirmations
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Sub:
    index: int
    token: str
    channel: str  # "webhook" or "email"
    address: str  # webhook URL or email address
    id: str = ""
    secret: str = ""


class Api:
    """A small JSON client of `newsflash run api` on 127.0.0.1."""

    def __init__(self, port: int):
        self.port = port
        self.local = threading.local()

    def request(self, method: str, path: str, body: dict | None = None, key: str | None = None,
                timeout: float = 30) -> tuple[int, dict | str]:
        for attempt in range(3):
            connection = getattr(self.local, "connection", None)
            if connection is None:
                connection = self.local.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            headers = {"Content-Type": "application/json"}
            if key:
                headers["Authorization"] = f"Bearer {key}"
            try:
                connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                self.local.connection = None
                if attempt == 2:
                    raise
                time.sleep(0.5)
                continue
            try:
                return response.status, json.loads(data) if data else {}
            except ValueError:
                return response.status, data.decode(errors="replace")
        raise HarnessError("unreachable")

    def live(self) -> bool:
        try:
            return self.request("GET", "/health/live", timeout=2)[0] == 200
        except OSError:
            return False


def plan_subscriptions(count: int, emails: int, receiver: WebhookReceiver) -> list[Sub]:
    """`count` subscriptions, `emails` of them by email spread evenly, each with its own token."""
    subs = []
    for i in range(count):
        token = f"{TOKEN_PREFIX}{i:05d}"
        is_email = emails > 0 and (i * emails) // count != ((i + 1) * emails) // count
        if is_email:
            subs.append(Sub(i, token, "email", f"chaos{i:05d}@chaos.example"))
        else:
            subs.append(Sub(i, token, "webhook", receiver.url(i, f"h{i:05d}")))
    return subs


def create_subscriptions(nf: Newsflash, store: Path, api: Api, subs: list[Sub], receiver: WebhookReceiver,
                         threads: int = 4) -> list[str]:
    """Admin keys (1,000 subscriptions each, the API's limit per key) and one POST per subscription;
    immediate mode, no quiet hours, no rate limit, every urgency."""
    keys = [nf.run("keys", "create", "--admin", "--subscriptions", str(store)).split()[2]
            for _ in range(math.ceil(len(subs) / 1000))]
    errors: list[str] = []
    done = [0]
    began = time.monotonic()

    def work(chunk: list[Sub]) -> None:
        for sub in chunk:
            done[0] += 1
            if done[0] % 500 == 0:
                log(f"  {done[0]} subscriptions posted ({done[0] / (time.monotonic() - began):.0f}/s)")
            body = {"name": f"chaos {sub.index}", "filter": sub.token, "minimumUrgency": "routine", "mode": "immediate",
                    "maxAlertsPerHour": 0, "channel": {sub.channel: sub.address}}
            status, answer = api.request("POST", "/v1/subscriptions", body, key=keys[sub.index // 1000])
            if status != 201:
                errors.append(f"POST /v1/subscriptions for {sub.token}: {status} {answer}")
                continue
            sub.id = answer["id"]
            if sub.channel == "webhook":
                sub.secret = answer.get("secret", "")
                name = sub.address.rsplit("/", 1)[-1]
                receiver.secrets[name] = sub.secret
                receiver.sub_of[name] = sub.id

    chunks = [subs[i::threads] for i in range(threads)]
    workers = [threading.Thread(target=work, args=(c,)) for c in chunks]
    for w in workers:
        w.start()
    for w in workers:
        w.join(600)
    if errors:
        raise HarnessError(f"{len(errors)} subscriptions not created, e.g. {errors[:3]}")
    return keys


def confirm_emails(api: Api, mailbox: Mailbox, subs: list[Sub], timeout: float = 180) -> None:
    """Follows the double opt-in link of every email subscription and presses its button (POST /v1/confirm/{token})."""
    pending = {s.address: s for s in subs if s.channel == "email"}
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        mailbox.scan()
        for address, link in list(mailbox.confirmations.items()):
            if address in pending:
                path = urllib.parse.urlsplit(link).path
                status, answer = api.request("POST", path)
                if status != 200:
                    raise HarnessError(f"confirm link of {address} answered {status}: {str(answer)[:200]}")
                del pending[address]
        time.sleep(0.3)
    if pending:
        raise HarnessError(f"{len(pending)} email subscriptions got no confirmation mail within {timeout:.0f} s "
                           f"(e.g. {sorted(pending)[:3]})")


# --------------------------------------------------------------------------------------------
# Feeding items: the pace, the push client, the Kafka producer
# --------------------------------------------------------------------------------------------

class Pacer:
    """How fast items go out. During the warm-up up to an allowance; during the chaos at a rate
    that spreads the remaining items over the expected length of the remaining stops (each kind's
    length measured as the stops happen: a restarted consumer waits for its group, a SIGKILLed one
    for the session timeout, a rebalance for two joins), so that items flow through every stop;
    afterwards as fast as allowed. With `max_backlog`, never more than that many items in the
    pipeline at once (backpressure: the slowest stage sets the pace, and the items of a stop are
    processed during that stop rather than minutes later)."""

    GUESS_S = {"sigterm": 10.0, "sigkill": 22.0, "rebalance": 45.0, "outage": 50.0}  # until measured; ingest stops are shorter

    def __init__(self, total: int, plan: list[tuple[str, str]], max_rate: float, min_rate: float = 1.0,
                 max_backlog: int | None = None, slack: float = 1.25):
        self.total, self.plan, self.max_rate, self.min_rate = total, plan, max_rate, min_rate
        self.max_backlog, self.slack = max_backlog, slack
        self.measured: dict[tuple[bool, str], list[float]] = collections.defaultdict(list)
        self.done = 0
        self.allowance = 0
        self.mode = "warmup"
        self.backlog = 0  # items sent and not yet through the pipeline, kept up to date by the caller
        self.lock = threading.Lock()

    def stop_done(self, stage: str, kind: str, seconds: float) -> None:
        with self.lock:
            self.measured[(stage == "ingest", kind)].append(seconds)
            self.done += 1

    def expected_seconds(self, stage: str, kind: str) -> float:
        same = self.measured.get((stage == "ingest", kind))
        if same:
            return statistics.mean(same[-6:])
        return self.GUESS_S[kind] / (4 if stage == "ingest" else 1)

    def may_send(self, sent: int) -> int:
        """How many more items may go now (0: wait)."""
        if self.mode == "warmup":
            return max(0, self.allowance - sent)
        if self.max_backlog is not None:
            return max(0, min(self.total - sent, self.max_backlog - self.backlog))
        return self.total - sent

    def rate(self, sent: int) -> float:
        with self.lock:
            remaining = self.plan[self.done:]
            if self.mode != "chaos" or not remaining:
                return self.max_rate
            seconds = sum(self.expected_seconds(stage, kind) for stage, kind in remaining) * self.slack
            return min(self.max_rate, max(self.min_rate, (self.total - sent) / max(1.0, seconds)))


@dataclasses.dataclass
class Item:
    n: int
    id: str           # the publisher's id (push) / guid
    title: str
    sub: int          # index of the one subscription whose token the title carries
    item_id: str = ""
    story_id: str = ""
    accepted_at: float = 0.0  # monotonic time of the first acknowledgement
    sent_at: float = 0.0      # monotonic time of the first push (its appearance at the source)


class Feeder(threading.Thread):
    """Sends items in batches at the pacer's rate; `send_batch` is the transport."""

    def __init__(self, items: list[Item], pacer: Pacer, batch: int, name: str):
        super().__init__(name=name, daemon=True)
        self.items, self.pacer, self.batch = items, pacer, batch
        self.sent = 0
        self.halt = threading.Event()
        self.error: str | None = None
        self.retries = 0

    def run(self) -> None:
        next_at = time.monotonic()
        try:
            while self.sent < len(self.items) and not self.halt.is_set():
                allowed = self.pacer.may_send(self.sent)
                if allowed <= 0:
                    time.sleep(0.05)
                    next_at = time.monotonic()
                    continue
                rate = self.pacer.rate(self.sent)
                size = max(1, min(self.batch, allowed, int(rate / 4) or 1))
                delay = next_at - time.monotonic()
                if delay > 0:
                    time.sleep(min(delay, 1.0))
                    continue
                chunk = self.items[self.sent:self.sent + size]
                self.send_batch(chunk)
                self.sent += len(chunk)
                next_at = max(next_at, time.monotonic() - 1.0) + len(chunk) / rate
        except Exception as error:  # reported in the checks
            self.error = f"{self.name}: {error}"
            log(f"ERROR {self.error}")

    def send_batch(self, chunk: list[Item]) -> None:
        raise NotImplementedError

    def wait_done(self, timeout: float) -> bool:
        self.join(timeout)
        return not self.is_alive()


class PushFeeder(Feeder):
    """POSTs {"items": [...]} to ingest's push endpoint with the bearer token, retrying the same
    batch (idempotent: pushing an item again is `unchanged`) on 503, refused or reset connections
    and timeouts, i.e. while ingest is stopped or restarting; bounded per batch."""

    def __init__(self, items, pacer, batch, port: int, token: str, give_up_s: float = 300):
        super().__init__(items, pacer, batch, "push")
        self.port, self.token, self.give_up_s = port, token, give_up_s
        self.connection: http.client.HTTPConnection | None = None
        self.statuses: collections.Counter = collections.Counter()

    def send_batch(self, chunk: list[Item]) -> None:
        body = json.dumps({"items": [
            {"id": it.id, "title": it.title, "url": f"https://chaos.example/items/{it.n}", "publishedAt": rfc3339_now(),
             "language": "en"} for it in chunk]})
        deadline = time.monotonic() + self.give_up_s
        first = time.monotonic()
        for it in chunk:
            it.sent_at = it.sent_at or first
        while not self.halt.is_set():
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.connection.request("POST", f"/v1/push/{PUSH_SOURCE}", body=body, headers={
                    "Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})
                response = self.connection.getresponse()
                data = response.read()
                if response.status == 202:
                    now = time.monotonic()
                    results = json.loads(data)["results"]
                    by_guid = {r["guid"]: r for r in results}
                    for it in chunk:
                        result = by_guid.get(it.id)
                        if result is None:
                            raise HarnessError(f"push answer lacks item {it.id}: {data[:300]!r}")
                        self.statuses[result["status"]] += 1
                        if not it.accepted_at:
                            it.item_id, it.story_id, it.accepted_at = result["itemId"], result["storyId"], now
                        elif (it.item_id, it.story_id) != (result["itemId"], result["storyId"]):
                            raise HarnessError(f"item {it.id} changed ids on a retry: {it.item_id}/{it.story_id} then "
                                               f"{result['itemId']}/{result['storyId']}")
                    return
                if response.status not in (503, 502, 500):
                    raise HarnessError(f"push answered {response.status}: {data[:300]!r}")
                self.statuses[f"http-{response.status}"] += 1
                pause = min(2.0, float(response.getheader("Retry-After") or 1))
            except (OSError, http.client.HTTPException) as error:
                self.statuses[type(error).__name__] += 1
                if self.connection:
                    self.connection.close()
                self.connection = None
                pause = 0.3
            self.retries += 1
            if time.monotonic() > deadline:
                raise HarnessError(f"push endpoint did not accept a batch for {self.give_up_s:.0f} s")
            time.sleep(pause)


class KafkaFeeder(Feeder):
    """Produces news.item events straight to a topic (quick mode), keyed by item id, with the
    headers the pipeline writes."""

    def __init__(self, items, pacer, batch, bootstrap: str, topic: str, source: str, flush_s: float = 30):
        super().__init__(items, pacer, batch, "produce")
        self.topic, self.source, self.flush_s = topic, source, flush_s
        self.producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
                                  "linger.ms": 5, "log_level": CLIENT_LOG_LEVEL[0]})

    def event(self, it: Item) -> bytes:
        now = rfc3339_now()
        data = {"itemId": it.item_id, "sourceId": self.source, "sourceKind": "push", "guid": it.id, "title": it.title,
                "summary": "", "url": f"https://chaos.example/items/{it.n}", "publishedAt": now, "fetchedAt": now,
                "language": "en", "authors": [], "categories": [], "storyId": it.story_id, "version": 1}
        return json.dumps({"eventType": "news.item", "schemaVersion": 1, "eventId": f"{it.item_id}#v1",
                           "occurredAt": now, "data": data}, separators=(",", ":")).encode()

    def send_batch(self, chunk: list[Item]) -> None:
        failures = []

        def acknowledged(error, message, it):
            if error:
                failures.append(str(error))
            else:
                it.accepted_at = time.monotonic()

        for it in chunk:
            it.item_id = stable_id("itm", self.source, it.id)
            it.story_id = stable_id("sty", self.source, it.id)
            self.producer.produce(self.topic, key=it.item_id, value=self.event(it), headers=[
                ("content-type", b"application/json"), ("newsflash-event-type", b"news.item"),
                ("newsflash-schema", b"news-item.v1")], on_delivery=lambda e, m, it=it: acknowledged(e, m, it))
        remaining = self.producer.flush(self.flush_s)
        if remaining or failures:
            raise HarnessError(f"{remaining} events unacknowledged, failures {failures[:3]}")


class Arrivals:
    """How many accepted items have reached their subscriber at least once (webhook by story id,
    mail by Message-ID), for the warm-up, the drain and the pacer's backlog."""

    def __init__(self, items: list[Item], subs: list["Sub"], receiver: "WebhookReceiver", mailbox: "Mailbox"):
        self.items, self.subs, self.receiver, self.mailbox = items, subs, receiver, mailbox
        self.expected_ids: dict[int, str] = {}

    def delivered(self, upto: int | None = None) -> int:
        stories = {r.story for r in list(self.receiver.received)}
        mails = {m[1].strip("<>").split("@")[0] for m in list(self.mailbox.alerts)}
        count = 0
        for it in self.items[:upto]:
            if not it.accepted_at:
                continue
            if it.n not in self.expected_ids:
                self.expected_ids[it.n] = delivery_id(self.subs[it.sub].id, it.story_id)
            if it.story_id in stories or self.expected_ids[it.n] in mails:
                count += 1
        return count

    def backlog(self) -> int:
        """Items accepted by ingest and not delivered yet."""
        return sum(1 for it in self.items if it.accepted_at) - self.delivered()


# --------------------------------------------------------------------------------------------
# Chaos
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Stop:
    stage: str
    kind: str
    seconds: float          # from the signal to the exit
    status: int | None      # exit status (negative: killed by that signal; None: did not exit in time)
    in_flight: int | None   # SIGTERM: messages in flight when the drain began (from the log)
    process: str


@dataclasses.dataclass
class Phase:
    stage: str
    kind: str
    start: float
    end: float = math.inf


def stops_of(kind: str, stops_per_kind: int, outages: int = 0) -> int:
    """How many stops of `kind` a plan entry makes: `stops_per_kind` SIGTERMs or SIGKILLs, one
    rebalance, `outages` broker outages."""
    return 1 if kind == "rebalance" else outages if kind == "outage" else stops_per_kind


def expand_plan(plan: list[tuple[str, str]], stops_per_kind: int, outages: int = 0) -> list[tuple[str, str]]:
    """One (stage, kind) per stop, in order: `stops_per_kind` of each SIGTERM and SIGKILL, one rebalance,
    `outages` broker outages ("broker", "outage")."""
    return [(stage, kind) for stage, kind in plan for _ in range(stops_of(kind, stops_per_kind, outages))]


def wait_for_work(child: Child | None, group: str | None, progress: Callable[[], int], needed: int, timeout: float) -> bool:
    """Waits until `child` holds partitions of `group` (when both are given) and `progress` then grew
    by `needed`, within `timeout` in all; false when the progress did not come."""
    deadline = time.monotonic() + timeout
    if child is not None and group:
        wait_until(lambda: bool(child.assigned_partitions(group)), timeout, 0.1)
    since = progress()
    return wait_until(lambda: progress() - since >= needed, max(1.0, deadline - time.monotonic()), 0.05)


def signal_during_outage(proxy: "BrokerProxy", stages: Stages, stage: str, sig: int, kind: str,
                         outage_seconds: float, stops: list[Stop]) -> None:
    """Cuts the broker off, sends `sig` to `stage`'s process 3 s in (it notices: requests fail,
    commits fail) and waits for its exit, restores the broker after `outage_seconds` (or once the
    process is gone, if later), then starts the stage again."""
    child = stages.primary(stage)
    proxy.cut()
    time.sleep(min(3.0, outage_seconds))
    seconds, status = stages.stop(child, sig)
    stops.append(Stop(stage, kind, seconds, status, None, f"{stage}.{child.serial}"))
    log(f"{kind:9} {stage}.{child.serial} during the outage: exit {status} after {seconds:.2f} s")
    time.sleep(max(0.0, outage_seconds - (time.monotonic() - proxy.cut_at)))
    proxy.restore()
    stages.start(stage)


def failed_commits_check(stages: Stages, what: str) -> Check:
    """The offset commits `what` made fail were reported (the warnings held back as repeats
    counted too): the failure path ran for real."""
    failed = stages.logged("kafka offset commit failed")
    return Check(f"the offset commits {what} failed were reported ({failed} logged)", failed > 0,
                 "" if failed else "no process logged `kafka offset commit failed`: no commit failed")


# The stage SIGTERMed during each broker outage of a full run, in turn: the webhook notifier first
# (its four consumers and their runners stop together within the graceful stop's 45 s), then match.
OUTAGE_SIGTERMS = ("notify-webhook", "match", "classify", "notify-email", "ingest")


class Chaos:
    """Stops every stage in turn while items flow: SIGTERM and restart, SIGKILL and restart, and
    a second process in the group with one of the two SIGKILLed (a rebalance). Before each stop it
    waits (bounded) until the process in question has done some work since it started, so that
    every stop lands mid-stream."""

    def __init__(self, stages: Stages, progress: dict[str, Callable[[], int]], pacer: Pacer, stops_per_kind: int,
                 plan: list[tuple[str, str]], min_progress: dict[str, int], groups: dict[str, str],
                 progress_timeout: float = 120, proxy: "BrokerProxy | None" = None, outages: int = 0,
                 outage_seconds: float = 15.0):
        self.stages, self.progress, self.pacer, self.groups = stages, progress, pacer, groups
        self.proxy, self.outages, self.outage_seconds = proxy, outages, outage_seconds
        self.stops_per_kind, self.plan, self.min_progress = stops_per_kind, plan, min_progress
        self.progress_timeout = progress_timeout
        self.stops: list[Stop] = []
        self.phases: list[Phase] = []
        self.idle_stops: list[str] = []
        self.rng = random.Random(7)

    def run(self) -> None:
        for stage, kind in self.plan:
            phase = Phase(stage, kind, time.monotonic())
            self.phases.append(phase)
            for i in range(stops_of(kind, self.stops_per_kind, self.outages)):
                began = time.monotonic()
                self.stages.revive_crashed()
                if kind == "outage":
                    self.outage()
                elif kind == "rebalance":
                    self.rebalance(stage)
                else:
                    self.stop_and_restart(stage, signal.SIGTERM if kind == "sigterm" else signal.SIGKILL, kind)
                self.pacer.stop_done(stage, kind, time.monotonic() - began)
            phase.end = time.monotonic()

    def wait_for_work(self, stage: str, child: Child | None, what: str) -> None:
        """Waits (bounded) until `child` holds partitions of its group (consumers) and the stage's
        output then grew by its threshold, then a random moment more: the stop lands mid-stream."""
        if not wait_for_work(child, self.groups.get(stage), self.progress[stage], self.min_progress.get(stage, 5),
                             self.progress_timeout):
            message = f"{stage} {what}: no output for {self.progress_timeout:.0f} s before the stop (stopped idle)"
            self.idle_stops.append(message)
            log("WARNING " + message)
        time.sleep(self.rng.uniform(0.2, 2.5))  # land anywhere in the stream, not on the first message

    def stop_and_restart(self, stage: str, sig: int, kind: str) -> None:
        child = self.stages.primary(stage)
        self.wait_for_work(stage, child, kind)
        seconds, status = self.stages.stop(child, sig)
        in_flight = child.drained_in_flight() if sig == signal.SIGTERM and stage in self.groups else None
        self.stops.append(Stop(stage, kind, seconds, status, in_flight, f"{stage}.{child.serial}"))
        log(f"{kind:9} {stage}.{child.serial}: exit {status} after {seconds:.2f} s"
            + (f", its log says {in_flight} in flight when draining began" if in_flight is not None else
               ", no `stage draining` line" if sig == signal.SIGTERM and stage in self.groups else ""))
        self.start(stage)

    def outage(self) -> None:
        """The broker cut off (every connection through the relay) while the stages work, and one
        stage SIGTERMed 3 s into it (OUTAGE_SIGTERMS, in turn): its stop must end gracefully all the
        same, exit 0 within 60 s (the SIGTERM check of its stage). The broker comes back after
        --outage-seconds, or once that stop is over, and the stage is started again."""
        self.wait_for_work("broker", None, "outage")
        stage = OUTAGE_SIGTERMS[sum(1 for s in self.stops if s.kind == "outage") % len(OUTAGE_SIGTERMS)]
        signal_during_outage(self.proxy, self.stages, stage, signal.SIGTERM, "sigterm", self.outage_seconds, self.stops)
        self.stops.append(Stop("broker", "outage", self.proxy.cuts[-1], 0, None, "relay"))

    def rebalance(self, stage: str) -> None:
        group = self.groups[stage]
        first = self.stages.primary(stage)
        self.wait_for_work(stage, first, "rebalance (before the second process)")
        second = self.start(stage)
        if not wait_until(lambda: second.assigned_partitions(group) and first.assigned_partitions(group), 90, 0.2):
            log(f"WARNING {stage}: the second process got no partitions of {group} within 90 s")
        self.wait_for_work(stage, second, "rebalance (two processes)")
        seconds, status = self.stages.stop(first, signal.SIGKILL)
        self.stops.append(Stop(stage, "rebalance", seconds, status, None, f"{stage}.{first.serial}"))
        log(f"rebalance {stage}: {stage}.{second.serial} joined (holds {sorted(second.assigned_partitions(group))}), "
            f"{stage}.{first.serial} SIGKILLed; exit {status} after {seconds:.2f} s")

    def start(self, stage: str) -> Child:
        return self.stages.start(stage)


# --------------------------------------------------------------------------------------------
# Verification and the report
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Check:
    name: str
    passed: bool
    detail: str = ""


class Ledger:
    """What was expected and what arrived, per (subscription, story) pair."""

    def __init__(self, items: list[Item], subs: list[Sub]):
        self.items, self.subs = items, subs
        self.by_story: dict[str, Item] = {}
        self.by_item_id: dict[str, Item] = {}
        self.by_token = {s.token: s for s in subs}
        self.deliveries: dict[int, list[Received]] = collections.defaultdict(list)  # item n -> deliveries
        self.unattributed: list[str] = []

    def index(self) -> None:
        for it in self.items:
            if it.accepted_at:
                self.by_story[it.story_id] = it
                self.by_item_id[it.item_id] = it

    def add_webhooks(self, received: list[Received]) -> None:
        for r in received:
            it = self.by_story.get(r.story) or self.by_item_id.get(r.item)
            if it is None or self.subs[it.sub].id != r.subscription:
                self.unattributed.append(f"webhook {r.delivery} to {r.subscription} about story {r.story} item {r.item}")
                continue
            self.deliveries[it.n].append(r)

    def add_mails(self, mails: list[tuple[str, str, str, float]]) -> None:
        by_address = {s.address: s for s in self.subs if s.channel == "email"}
        expected_ids = {delivery_id(self.subs[it.sub].id, it.story_id): it for it in self.items if it.accepted_at}
        for address, message_id, subject, at in mails:
            sub = by_address.get(address)
            dlv = message_id.strip("<>").split("@", 1)[0]
            it = expected_ids.get(dlv)
            if it is None:  # not the id of any expected pair: find the item by the token in the subject
                token = re.search(TOKEN_PREFIX + r"\d{5}", subject)
                owner = self.by_token.get(token.group(0)) if token else None
                candidates = [i for i in self.items if owner and i.sub == owner.index and i.title in subject]
                it = candidates[0] if candidates else None
            if it is None or sub is None or sub.index != it.sub:
                self.unattributed.append(f"mail {message_id} to {address}: {subject!r}")
                continue
            self.deliveries[it.n].append(Received(sub.id, dlv, it.story_id, it.item_id, at))

    def verdicts(self) -> dict[int, str]:
        """Per item: ok, lost, repeated (same id) or changed-id (a repeat with another id, or a wrong id)."""
        result = {}
        for it in self.items:
            got = self.deliveries.get(it.n, [])
            if not got:
                result[it.n] = "lost"
                continue
            want = delivery_id(self.subs[it.sub].id, it.story_id)
            if any(r.delivery != got[0].delivery for r in got) or got[0].delivery != want:
                result[it.n] = "changed-id"
            else:
                result[it.n] = "repeated" if len(got) > 1 else "ok"
        return result


def phase_of(it: Item, phases: list[Phase]) -> str:
    """The chaos phase during which ingest acknowledged the item (push time attribution)."""
    if not it.accepted_at:
        return "never accepted"
    for phase in phases:
        if phase.start <= it.accepted_at < phase.end:
            return f"{phase.stage}/{phase.kind}"
    if phases and it.accepted_at < phases[0].start:
        return "before chaos"
    return "after chaos"


def print_table(stops: list[Stop], phases: list[Phase], items: list[Item], verdicts: dict[int, str],
                deliveries: dict[int, list], final: list[tuple[str, float, int | None]], unit: str = "pairs") -> None:
    """Per stage and kind of stop: stops done, median/max seconds from signal to exit, the exit
    statuses, and the (subscription, story) pairs of the items ingest accepted meanwhile: how many,
    how many delivered at least once, lost, delivered more than once, and repeats under another id.
    Items count for the stop during which ingest accepted them (quick run: were produced); a repeat
    may come from the next stop, which can hit the backlog that built up while a process restarted."""
    by_phase: dict[str, list[Item]] = collections.defaultdict(list)
    for it in items:
        by_phase[phase_of(it, phases)].append(it)
    header = (f"{'stage':15} {'stop':10} {'stops':>5} {'exit med s':>10} {'exit max s':>10} {'statuses':14} "
              f"{unit:>6} {'delivered':>9} {'lost':>5} {'repeated':>8} {'id changed':>10}")
    print()
    print(header)
    print("-" * len(header))

    def pair_columns(group: list[Item]) -> str:
        counts = collections.Counter(verdicts[it.n] for it in group)
        delivered = sum(1 for it in group if deliveries.get(it.n))
        return (f"{len(group):6} {delivered:9} {counts['lost']:5} {counts['repeated'] + counts['changed-id']:8} "
                f"{counts['changed-id']:10}")

    rows = [(p.stage, p.kind) for p in phases]
    for label in ("before chaos",):
        if by_phase.get(label):
            print(f"{'(warm-up)':15} {'-':10} {'':5} {'':10} {'':10} {'':14} {pair_columns(by_phase[label])}")
    for stage, kind in rows:
        mine = [s for s in stops if s.stage == stage and s.kind == kind]
        times = [s.seconds for s in mine]
        statuses = ",".join(str(s.status) for s in mine)
        print(f"{stage:15} {kind:10} {len(mine):5} {statistics.median(times) if times else 0:10.2f} "
              f"{max(times) if times else 0:10.2f} {statuses:14} {pair_columns(by_phase.get(f'{stage}/{kind}', []))}")
    for label in ("after chaos", "never accepted"):
        if by_phase.get(label):
            print(f"{'(' + label + ')':15} {'-':10} {'':5} {'':10} {'':10} {'':14} {pair_columns(by_phase[label])}")
    if final:
        times = [t for _, t, _ in final]
        statuses = ",".join(str(c) for _, _, c in final)
        print(f"{'(all, at end)':15} {'sigterm':10} {len(final):5} {statistics.median(times):10.2f} {max(times):10.2f} "
              f"{statuses[:14]:14}")
    print("-" * len(header))
    print(f"{'total':15} {'':10} {len(stops):5} {'':10} {'':10} {'':14} {pair_columns(items)}")
    print()


def stop_checks(stops: list[Stop], final: list[tuple[str, float, int | None]]) -> list[Check]:
    """Every SIGTERM exits with status 0 within 60 s (the chaos ones and the final ones)."""
    checks = []
    for stage in sorted({s.stage for s in stops if s.kind == "sigterm"}):
        mine = [s for s in stops if s.stage == stage and s.kind == "sigterm"]
        bad = [s for s in mine if s.status != 0 or s.seconds > SIGTERM_LIMIT_S]
        checks.append(Check(f"{stage}: every SIGTERM exits 0 within {SIGTERM_LIMIT_S:.0f} s", not bad,
                            "; ".join(f"{s.process} exit {s.status} after {s.seconds:.1f} s" for s in bad)))
    if final:
        bad = [(n, t, c) for n, t, c in final if c != 0 or t > SIGTERM_LIMIT_S]
        checks.append(Check(f"final SIGTERM of every process exits 0 within {SIGTERM_LIMIT_S:.0f} s", not bad,
                            "; ".join(f"{n} exit {c} after {t:.1f} s" for n, t, c in bad)))
    return checks


def lag_checks(bootstrap: str, groups: list[tuple[str, str]], timeout: float = 60) -> list[Check]:
    """No lag left: each group's committed offsets reach the high watermarks (retried while the
    background commits, every second, catch up)."""
    checks = []
    deadline = time.monotonic() + timeout
    for group, topic in groups:
        while True:
            lag = group_lag(bootstrap, group, topic)
            if sum(lag.values()) == 0 or time.monotonic() > deadline:
                break
            time.sleep(1)
        checks.append(Check(f"no lag: {group} on {topic}", sum(lag.values()) == 0,
                            f"lag per partition {lag}" if sum(lag.values()) else ""))
    return checks


def print_summary(checks: list[Check], findings: list[Finding]) -> int:
    for check in checks:
        print(f"  {'PASS' if check.passed else 'FAIL'}  {check.name}" + (f": {check.detail}" if check.detail else ""))
    if findings:
        print("\nFindings (product issues noticed on the way):")
        for finding in findings:
            print(f"  - {finding.title}")
            for line in finding.evidence.splitlines():
                print(f"      {line}")
    passed = sum(1 for c in checks if c.passed)
    failed = len(checks) - passed
    print(f"\nchaos: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


# --------------------------------------------------------------------------------------------
# Full run
# --------------------------------------------------------------------------------------------

def make_items(count: int, subs: int, seed: int, prefix: str) -> list[Item]:
    words = Words(seed)
    items = []
    for n in range(count):
        sub = n % subs
        items.append(Item(n, f"{prefix}-{n:06d}", words.title(f"{TOKEN_PREFIX}{sub:05d}"), sub))
    return items


class FullRun:
    """The whole pipeline, every stage stopped in every way (see the module docstring), one
    method per step; `run` calls them in order and returns the exit status."""

    def __init__(self, args: argparse.Namespace, workdir: Path, nf: Newsflash, findings: list[Finding]):
        self.args, self.workdir, self.nf, self.findings = args, workdir, nf, findings
        self.cleanup = contextlib.ExitStack()
        self.checks: list[Check] = []
        # What the watchers saw: item id -> count (news.raw, news.classified), (subscription, item) ->
        # count (alerts.deliveries), item id -> {(story id, version)} (news.raw).
        self.raw_ids: collections.Counter = collections.Counter()
        self.raw_stories: dict[str, set] = collections.defaultdict(set)
        self.classified_ids: collections.Counter = collections.Counter()
        self.delivery_pairs: collections.Counter = collections.Counter()

    def run(self) -> int:
        with self.cleanup:
            self.start_services()
            self.configure_stages()
            self.create_subscriptions()
            self.start_pipeline()
            self.watch()
            self.warm_up()
            self.run_chaos()
            self.drain()
            self.checks += lag_checks(self.bootstrap, [GROUPS[s] for s in ("classify", "match", "notify-webhook",
                                                                            "notify-email")])
            self.final = self.stages.stop_all()
            log("final stop: " + ", ".join(f"{n} {c} in {t:.1f}s" for n, t, c in self.final))
            self.scanner.stop()
            self.verify()
        return print_summary(self.checks, self.findings)

    def start_services(self) -> None:
        """Broker, topics, SMTP sink and the webhook receiver, each stopped at the end. With
        --broker-outages the broker advertises a relay in front of it that the chaos cuts off."""
        self.proxy = BrokerProxy(blackhole=self.args.blackhole) if self.args.broker_outages else None
        if self.proxy:
            CLIENT_LOG_LEVEL[0] = 0
            self.cleanup.callback(self.proxy.stop)
            self.proxy.target = free_port()
        self.broker = Broker(self.workdir / "broker", advertised_port=self.proxy.port if self.proxy else None)
        self.broker.start(self.proxy.target if self.proxy else 0)
        self.cleanup.callback(self.broker.stop)
        self.bootstrap = f"127.0.0.1:{self.proxy.port}" if self.proxy else self.broker.bootstrap
        self.sink = SmtpSink(self.workdir / "smtp")
        self.sink.start()
        self.cleanup.callback(self.sink.stop)
        topics = self.nf.run("topics", "init", "--bootstrap", self.bootstrap, "--partitions", "4")
        log(f"topics: {len(topics.splitlines())} created with 4 partitions")
        self.receiver = WebhookReceiver(self.args.receiver_ports)
        self.receiver.failure_dump = self.workdir / "receiver-failures.jsonl"
        self.receiver.start()
        self.cleanup.callback(self.receiver.stop)
        self.mailbox = Mailbox(self.sink.maildir)

    def configure_stages(self) -> None:
        """The ingest configuration (a push source with a fresh token) and every stage's flags."""
        self.store = self.workdir / "subscriptions.sqlite"
        self.api_port, self.push_port = free_port(), free_port()
        self.token = secrets.token_hex(24)
        token_hash = self.nf.run("sources", "hash-token", stdin=self.token + "\n").strip()
        if token_hash != hashlib.sha256(self.token.encode()).hexdigest():
            raise HarnessError(f"sources hash-token printed {token_hash}, not the SHA-256 of the token")
        self.config = self.workdir / "ingest.json"
        self.push_source = {"id": PUSH_SOURCE, "kind": "push", "pushTokenSHA256": token_hash, "language": "en"}
        self.config.write_text(json.dumps({"ingest": {"sources": [self.push_source]}}, indent=2))
        common = ["--bootstrap", self.bootstrap, "--log-level", "info"]
        store = ["--subscriptions", str(self.store)]
        self.stages = Stages(self.nf, self.workdir, {
            "api": [*common, *store, "--port", str(self.api_port)],
            "ingest": [*common, "--config", str(self.config), "--state", str(self.workdir / "ingest.sqlite"),
                       "--push-port", str(self.push_port)],
            "classify": [*common],
            "match": [*common, *store],
            "notify-webhook": [*common, *store, "--allow-address", "127.0.0.0/8", *self.webhook_args()],
            "notify-email": [*common, *store, "--smtp-url", f"smtp://127.0.0.1:{self.sink.plain_port}?tls=none",
                             "--from", "Newsflash chaos <chaos@newsflash.example>",
                             "--public-url", f"http://127.0.0.1:{self.api_port}"],
        }, self.findings)
        self.cleanup.callback(self.stages.kill_all)

    def webhook_args(self) -> list[str]:
        """More flags of notify-webhook (the failing-endpoints run scales the retry schedule)."""
        return []

    def create_subscriptions(self) -> None:
        """The api, the subscriptions through it, and (the notifiers running) every email confirmed."""
        self.api = Api(self.api_port)
        self.stages.start("api")
        if not wait_until(self.api.live, 60, 0.3):
            raise HarnessError(f"the api did not answer on 127.0.0.1:{self.api_port}:\n"
                               f"{self.stages.primary('api').log_tail()}")
        self.subs = plan_subscriptions(self.args.subscriptions, self.args.email_subscriptions, self.receiver)
        emails = sum(s.channel == "email" for s in self.subs)
        began = time.monotonic()
        keys = create_subscriptions(self.nf, self.store, self.api, self.subs, self.receiver)
        log(f"{len(self.subs)} subscriptions created in {time.monotonic() - began:.1f} s ({emails} email, "
            f"{len(self.subs) - emails} webhook on {self.args.receiver_ports} receiver ports)")
        # The notifiers first: notify-email mails the confirmations.
        self.stages.start("notify-email")
        self.stages.start("notify-webhook")
        began = time.monotonic()
        confirm_emails(self.api, self.mailbox, self.subs)
        status, listing = self.api.request("GET", "/v1/subscriptions", key=keys[0])
        confirmed = sum(1 for s in listing.get("subscriptions", []) if s.get("confirmed")) if status == 200 else -1
        log(f"{emails} email subscriptions confirmed in {time.monotonic() - began:.1f} s "
            f"(the API lists {confirmed} confirmed)")
        self.checks.append(Check("every email subscription confirmed (double opt-in)", confirmed == emails,
                                 f"the API lists {confirmed} of {emails}" if confirmed != emails else ""))

    def start_pipeline(self) -> None:
        for stage in ("classify", "match"):
            self.stages.start(stage)
        start_ingest(self.stages, self.config, self.push_source, self.receiver, self.findings)

    def watch(self) -> None:
        """Topic watchers (progress, and where a lost alert stopped) and the maildir scanner."""
        def on_raw(event: dict, key: bytes | None) -> None:
            self.raw_ids[event["data"]["itemId"]] += 1
            self.raw_stories[event["data"]["itemId"]].add((event["data"]["storyId"], event["data"]["version"]))

        def on_classified(event: dict, key: bytes | None) -> None:
            self.classified_ids[event["data"]["item"]["itemId"]] += 1

        def on_delivery(event: dict, key: bytes | None) -> None:
            self.delivery_pairs[(event["data"]["subscriptionId"], event["data"]["item"]["item"]["itemId"])] += 1

        (self.workdir / "topics").mkdir()
        self.watchers = [TopicWatcher(self.bootstrap, topic, handler, self.workdir / "topics" / f"{topic}.jsonl")
                         for topic, handler in (("news.raw", on_raw), ("news.classified", on_classified),
                                                ("alerts.deliveries", on_delivery))]
        for watcher in self.watchers:
            watcher.start()
        self.cleanup.callback(lambda: [w.stop() for w in self.watchers])
        self.scanner = Background(self.mailbox.scan, 0.5, "maildir")
        self.scanner.start()
        self.cleanup.callback(self.scanner.stop)

    def warm_up(self) -> None:
        """The pusher starts; the first --warmup items must arrive end to end before any stop."""
        self.items = make_items(self.args.items, len(self.subs), self.args.seed, "chaos")
        self.plan = [(s, k) for s in self.args.stages for k in self.args.kinds if not (k == "rebalance" and s == "ingest")]
        if self.args.broker_outages:
            self.plan.append(("broker", "outage"))
        self.pacer = Pacer(len(self.items), expand_plan(self.plan, self.args.stops, self.args.broker_outages), self.args.rate,
                           max_backlog=self.args.max_backlog)
        self.feeder = PushFeeder(self.items, self.pacer, self.args.batch, self.push_port, self.token)
        self.arrivals = Arrivals(self.items, self.subs, self.receiver, self.mailbox)
        backlog = Background(lambda: setattr(self.pacer, "backlog", self.arrivals.backlog()), 0.5, "backlog")
        backlog.start()
        self.cleanup.callback(backlog.stop)
        self.pacer.allowance = min(len(self.items), self.args.warmup)
        self.feeder.start()
        self.cleanup.callback(self.feeder.halt.set)
        began = time.monotonic()

        def warm() -> bool:
            self.stages.revive_crashed()
            return self.arrivals.delivered(self.pacer.allowance) == self.pacer.allowance

        if not wait_until(warm, 180, 0.5):
            w = self.watchers
            raise HarnessError(
                f"warm-up: only {self.arrivals.delivered(self.pacer.allowance)} of {self.pacer.allowance} alerts "
                f"arrived within 180 s (accepted {self.feeder.sent}, raw {w[0].count}, classified {w[1].count}, "
                f"deliveries {w[2].count}, webhooks {self.receiver.count}, mails {self.mailbox.alert_count}); "
                f"logs in {self.workdir / 'logs'}")
        log(f"warm-up: {self.pacer.allowance} items delivered end to end in {time.monotonic() - began:.1f} s")

    def run_chaos(self) -> None:
        """Every stop of the plan while the rest of the items flow."""
        progress = {
            "ingest": lambda: sum(1 for it in self.items if it.accepted_at),
            "classify": lambda: self.watchers[1].count,
            "match": lambda: self.watchers[2].count,
            "notify-webhook": lambda: self.receiver.count,
            "notify-email": lambda: self.mailbox.alert_count,
            "broker": lambda: self.receiver.count + self.mailbox.alert_count,
        }
        self.chaos = Chaos(self.stages, progress, self.pacer, self.args.stops, self.plan,
                           min_progress={"ingest": 10, "classify": 10, "match": 10, "notify-webhook": 10,
                                         "notify-email": 2, "broker": 10},
                           groups={stage: group for stage, (group, _) in GROUPS.items()},
                           proxy=self.proxy, outages=self.args.broker_outages, outage_seconds=self.args.outage_seconds)
        self.pacer.mode = "chaos"
        began = time.monotonic()
        stops = len(expand_plan(self.plan, self.args.stops, self.args.broker_outages))
        log(f"chaos: {stops} stops over {', '.join(self.args.stages)}; pushing {len(self.items)} items")
        self.chaos.run()
        self.pacer.mode = "flush"
        log(f"chaos done in {time.monotonic() - began:.0f} s; {self.feeder.sent} of {len(self.items)} items sent, "
            f"the rest now")

    def drain(self) -> None:
        """The rest of the items pushed, then (bounded) until every expected pair arrived."""
        if not self.feeder.wait_done(self.args.drain_timeout):
            self.feeder.halt.set()
        began = time.monotonic()
        deadline = began + self.args.drain_timeout
        while time.monotonic() < deadline:
            self.stages.revive_crashed()
            if self.arrivals.delivered() == len(self.items):
                break
            time.sleep(1)
        log(f"drain: {self.arrivals.delivered()} of {len(self.items)} pairs delivered after "
            f"{time.monotonic() - began:.0f} s more")
        time.sleep(3)  # late repeats
        self.mailbox.scan()

    def verify(self) -> None:
        """The ledger of expected and delivered pairs, the table, and the checks."""
        items, subs, receiver, mailbox = self.items, self.subs, self.receiver, self.mailbox
        ledger = Ledger(items, subs)
        ledger.index()
        ledger.add_webhooks(list(receiver.received))
        ledger.add_mails(list(mailbox.alerts))
        verdicts = ledger.verdicts()
        save_deliveries(self.workdir / "deliveries.jsonl", ledger, items, subs)
        print_table(self.chaos.stops, self.chaos.phases, items, verdicts, ledger.deliveries, self.final)
        lost = [it for it in items if verdicts[it.n] == "lost"]
        changed = [it for it in items if verdicts[it.n] == "changed-id"]
        repeated = [it for it in items if verdicts[it.n] == "repeated"]
        accepted = [it for it in items if it.accepted_at]
        split = {i: sorted(v) for i, v in self.raw_stories.items() if len(v) > 1}
        unexpected = ledger.unattributed + mailbox.others
        checks = self.checks
        checks.append(Check(f"every item accepted by ingest ({len(items)})", len(accepted) == len(items),
                            self.feeder.error or ""))
        checks.append(Check(f"no alert lost ({len(items)} expected (subscription, story) pairs)", not lost,
                            describe_lost(lost, subs, self.raw_ids, self.classified_ids, self.delivery_pairs)))
        checks.append(Check(f"every repeat carries the webhook-id / Message-ID of its first delivery "
                            f"({len(repeated) + len(changed)} pairs repeated)", not changed,
                            describe_changed(changed, ledger, subs)))
        checks.append(Check("every item is a story of its own", len({it.story_id for it in accepted}) == len(accepted)))
        checks.append(Check("an item published again (retried push) keeps its story id and version 1 on news.raw",
                            not split, f"{len(split)}: {list(split.items())[:3]}" if split else ""))
        checks.append(Check("every webhook signature verified, bodies consistent", not receiver.failures,
                            f"{len(receiver.failures)}: {receiver.failures[:3]}" if receiver.failures else ""))
        checks.append(Check("no delivery nobody expected", not unexpected,
                            f"{len(unexpected)}: {unexpected[:3]}" if unexpected else ""))
        checks.append(Check("no process exited by itself", not self.stages.crashes,
                            " | ".join(self.stages.crashes)[:2000]))
        checks.append(Check("every stop landed while items flowed", not self.chaos.idle_stops,
                            "; ".join(self.chaos.idle_stops)))
        checks += stop_checks(self.chaos.stops, self.final)
        if self.proxy and not self.args.blackhole:
            checks.append(failed_commits_check(self.stages, "the broker outages"))
        for w in self.watchers:
            if w.error:
                checks.append(Check(f"watcher of {w.topic}", False, w.error))
        log(f"push: {dict(self.feeder.statuses)}, {self.feeder.retries} retries; news.raw {self.watchers[0].count} "
            f"messages, news.classified {self.watchers[1].count}, alerts.deliveries {self.watchers[2].count}; webhooks "
            f"received {receiver.count} ({len(receiver.truncated)} more cut off mid-body by a stop), alert mails "
            f"{mailbox.alert_count}")
        for line in receiver.truncated[:5]:
            log(f"  cut off mid-body (not verified, not counted): {line}")


# --------------------------------------------------------------------------------------------
# Failing endpoints and latency (--failing-endpoints, --latency)
# --------------------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by the nearest-rank method; nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def port_modes(ports: int) -> list[str]:
    """The behaviour of each receiver port (an endpoint, as the notifier counts them): 30% answer
    5xx, 10% time out, 5% (at least one) answer 429 with Retry-After, the rest are healthy ("")."""
    failing, timeouts, limited = round(0.30 * ports), round(0.10 * ports), max(1, round(0.05 * ports))
    healthy = ports - failing - timeouts - limited
    return [""] * healthy + ["5xx"] * failing + ["timeout"] * timeouts + ["429"] * limited


class FloorProbe(threading.Thread):
    """The raw broker round trip: a producer with the pipeline's producer settings writes a
    timestamp every `interval` seconds to a topic of one partition; a consumer with the
    pipeline's fetch settings reads it. Latency = consumed - produced (monotonic, one process)."""

    def __init__(self, bootstrap: str, topic: str, interval: float = 0.02):
        super().__init__(name="floor-probe", daemon=True)
        self.bootstrap, self.topic, self.interval = bootstrap, topic, interval
        self.latencies: list[float] = []
        self.halt = threading.Event()
        self.error: str | None = None

    def run(self) -> None:
        producer = Producer({"bootstrap.servers": self.bootstrap, "acks": "all", "enable.idempotence": True,
                             "linger.ms": PIPELINE_LINGER_MS, "compression.codec": "lz4", "log_level": 3})
        consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": f"chaos-probe-{uuid.uuid4().hex}",
                             "enable.auto.commit": False, "fetch.wait.max.ms": PIPELINE_FETCH_WAIT_MS,
                             "log_level": 3})
        try:
            consumer.assign([TopicPartition(self.topic, 0, -1)])  # -1: the end
            time.sleep(1.0)  # the assignment's first fetch
            reader = threading.Thread(target=self.read, args=(consumer,), daemon=True)
            reader.start()
            while not self.halt.is_set():
                producer.produce(self.topic, str(time.monotonic()).encode())
                producer.poll(0)
                time.sleep(self.interval)
            producer.flush(10)
            time.sleep(1.0)
            self.reading = False
            reader.join(5)
        except Exception as error:  # reported in the checks
            self.error = f"floor probe failed: {error}"
        finally:
            consumer.close()

    reading = True

    def read(self, consumer: Consumer) -> None:
        while self.reading:
            message = consumer.poll(0.1)
            if message is not None and not message.error():
                self.latencies.append(time.monotonic() - float(message.value()))

    def measure(self, seconds: float) -> list[float]:
        self.start()
        time.sleep(seconds)
        return self.finish()

    def finish(self) -> list[float]:
        self.halt.set()
        self.join(30)
        return self.latencies


def make_load_items(count: int, subs: int, stride: int, seed: int, prefix: str) -> list[Item]:
    """Items of which every `stride`-th matches one subscription (in turn); the others match none."""
    words = Words(seed)
    items = []
    for n in range(count):
        sub = (n // stride) % subs if n % stride == 0 else -1
        token = f"{TOKEN_PREFIX}{sub:05d}" if sub >= 0 else f"zqn{n:06d}"
        items.append(Item(n, f"{prefix}-{n:06d}", words.title(token), sub))
    return items


class LoadRun(FullRun):
    """The pipeline without stops: subscriptions, stages, then batches of items pushed at a set
    rate (`push`), each batch followed until its items arrived (`arrived`)."""

    def start(self) -> None:
        self.start_services()
        self.configure_stages()
        self.create_subscriptions()
        self.start_pipeline()

    def push(self, items: list[Item], rate: float) -> PushFeeder:
        pacer = Pacer(len(items), [], rate)
        pacer.mode = "flush"
        feeder = PushFeeder(items, pacer, self.args.batch, self.push_port, self.token)
        feeder.start()
        self.cleanup.callback(feeder.halt.set)
        return feeder

    def first_arrivals(self) -> dict[str, float]:
        """Story id -> monotonic time of its first verified webhook."""
        first: dict[str, float] = {}
        for r in list(self.receiver.received):
            if r.story and (r.story not in first or r.at < first[r.story]):
                first[r.story] = r.at
        return first

    def wait_arrived(self, stories: set[str], timeout: float, what: str) -> float:
        began = time.monotonic()
        wait_until(lambda: self.stages.revive_crashed() or stories <= set(self.first_arrivals()), timeout, 0.5)
        missing = len(stories - set(self.first_arrivals()))
        log(f"{what}: {len(stories) - missing} of {len(stories)} arrived after {time.monotonic() - began:.1f} s more")
        return missing

    def finish(self, groups: list[tuple[str, str]]) -> None:
        self.checks += lag_checks(self.bootstrap, groups)
        self.final = self.stages.stop_all()
        log("final stop: " + ", ".join(f"{n} {c} in {t:.1f}s" for n, t, c in self.final))
        self.checks += stop_checks([], self.final)
        self.checks.append(Check("every webhook signature verified, bodies consistent", not self.receiver.failures,
                                 f"{len(self.receiver.failures)}: {self.receiver.failures[:3]}"
                                 if self.receiver.failures else ""))
        self.checks.append(Check("no process exited by itself", not self.stages.crashes,
                                 " | ".join(self.stages.crashes)[:2000]))


class FailingEndpointsRun(LoadRun):
    """A clean round, then the same load with 30% of the endpoints answering 5xx, 10% timing out and
    5% answering 429 with Retry-After, each failing the first 1, 2 or 3 attempts of a delivery or (a
    quarter of them) all 8. With the retry schedule scaled by --retry-scale: every alert of a
    recovering endpoint is delivered, every alert of a dead one is dead-lettered with its 8
    attempts, a 429's Retry-After is kept, and the healthy subscribers' p99 stays within 2x the
    clean round's."""

    def webhook_args(self) -> list[str]:
        return ["--retry-scale", str(self.args.retry_scale), "--timeout", str(self.args.webhook_timeout)]

    def run(self) -> int:
        with self.cleanup:
            self.start()
            self.receiver.timeout_sleep = self.args.webhook_timeout + 1.0
            modes = port_modes(self.args.receiver_ports)
            self.mode_of: dict[str, str] = {}  # subscription id -> "" (healthy), 5xx, timeout or 429
            for sub in self.subs:
                mode = modes[sub.index % len(modes)]
                self.mode_of[sub.id] = mode
                if mode:
                    fails = (1, 2, 3, PERMANENT)[(sub.index // len(modes)) % 4]
                    self.receiver.faults[sub.address.rsplit("/", 1)[-1]] = (mode, fails)
            self.dead: dict[str, dict] = {}
            watcher = TopicWatcher(self.bootstrap, "alerts.dlq", self.on_dead_letter)
            watcher.start()
            self.cleanup.callback(watcher.stop)
            count = self.args.items
            clean = make_items(count, len(self.subs), self.args.seed, "clean")
            self.round("clean", clean, faults=False)
            failing = make_items(count, len(self.subs), self.args.seed + 1, "failing")
            self.round("failing", failing, faults=True)
            if watcher.error:
                self.checks.append(Check("watcher of alerts.dlq", False, watcher.error))
            group = GROUPS["notify-webhook"][0]
            self.finish([GROUPS[s] for s in ("classify", "match", "notify-webhook")] +
                        [(f"{group}.{t}", t) for t in ("alerts.retry.5s", "alerts.retry.5m", "alerts.retry.30m",
                                                       "alerts.retry.2h", "alerts.retry.5h", "alerts.retry.10h")])
            self.verify(clean, failing)
        return print_summary(self.checks, self.findings)

    def on_dead_letter(self, event: dict, key: bytes | None) -> None:
        delivery = event["data"].get("delivery") or {}
        if delivery.get("deliveryId"):
            self.dead[delivery["deliveryId"]] = event["data"]

    def fate(self, it: Item, faults: bool) -> str:
        sub = self.subs[it.sub]
        mode, fails = self.receiver.faults.get(sub.address.rsplit("/", 1)[-1], ("", 0)) if faults else ("", 0)
        return "dead" if fails == PERMANENT else "deliver"

    def round(self, label: str, items: list[Item], faults: bool) -> None:
        self.receiver.faults_on = faults
        began = time.monotonic()
        feeder = self.push(items, self.args.rate)
        if not feeder.wait_done(self.args.drain_timeout):
            feeder.halt.set()
        log(f"{label}: {feeder.sent} items pushed in {time.monotonic() - began:.1f} s")
        expect = {it.story_id for it in items if it.accepted_at and self.fate(it, faults) == "deliver"}
        dead = {delivery_id(self.subs[it.sub].id, it.story_id) for it in items
                if it.accepted_at and self.fate(it, faults) == "dead"}
        self.wait_arrived(expect, self.args.drain_timeout, f"{label}: alerts of recovering endpoints")
        wait_until(lambda: dead <= set(self.dead), self.args.drain_timeout, 1.0)
        log(f"{label}: {len(dead & set(self.dead))} of {len(dead)} alerts of dead endpoints dead-lettered")
        if feeder.error:
            self.checks.append(Check(f"{label}: every item accepted by ingest", False, feeder.error))

    def verify(self, clean: list[Item], failing: list[Item]) -> None:
        first = self.first_arrivals()
        table = []
        healthy_p99 = {}
        for label, items, faults in (("clean", clean, False), ("failing", failing, True)):
            by_mode: dict[str, list[Item]] = collections.defaultdict(list)
            for it in items:
                by_mode[self.mode_of[self.subs[it.sub].id] if faults else ""].append(it)
            for mode in ("", "5xx", "timeout", "429"):
                group = by_mode.get(mode, [])
                if not group:
                    continue
                deliver = [it for it in group if self.fate(it, faults) == "deliver"]
                dead = [it for it in group if self.fate(it, faults) == "dead"]
                ids = {it.n: delivery_id(self.subs[it.sub].id, it.story_id) for it in group}
                delivered = [it for it in deliver if it.story_id in first]
                lost = [it for it in deliver if it.story_id not in first]
                lettered = [it for it in dead if ids[it.n] in self.dead]
                undead = [it for it in dead if ids[it.n] not in self.dead]
                wrongly = [it for it in dead if it.story_id in first]
                retried = [it for it in delivered if len(self.receiver.attempts.get(ids[it.n], [])) > 1]
                latencies = [first[it.story_id] - it.sent_at for it in delivered]
                name = mode or "healthy"
                table.append((label, name, len(group), len(delivered), len(retried), len(lettered), len(lost) + len(undead),
                              percentile(latencies, 0.5), percentile(latencies, 0.99)))
                if not mode:
                    healthy_p99[label] = percentile(latencies, 0.99)
                self.checks.append(Check(
                    f"{label}, {name} endpoints: every alert delivered ({len(deliver)}) or dead-lettered ({len(dead)})",
                    not lost and not undead and not wrongly,
                    f"not delivered {[it.id for it in lost[:5]]}, not dead-lettered {[it.id for it in undead[:5]]}, "
                    f"delivered though the endpoint never answers 2xx {[it.id for it in wrongly[:5]]}"
                    if lost or undead or wrongly else ""))
                histories = [self.dead[ids[it.n]].get("attempts", []) for it in lettered]
                short = [h for h in histories if len(h) != MAX_ATTEMPTS or any(a.get("outcome") == "delivered" for a in h)]
                if dead:
                    self.checks.append(Check(f"{label}, {name}: each dead letter carries its {MAX_ATTEMPTS} failed attempts",
                                             not short, f"{len(short)} do not, e.g. {short[:1]}" if short else ""))
                if mode == "429":
                    early = []
                    for it in group:
                        tries = self.receiver.attempts.get(ids[it.n], [])
                        for (t0, status), (t1, _) in zip(tries, tries[1:]):
                            if status == 429 and t1 - t0 < RETRY_AFTER_S - 0.05:
                                early.append(f"{it.id}: {t1 - t0:.2f} s after a 429")
                    self.checks.append(Check(f"{label}: a retry after 429 waits its Retry-After ({RETRY_AFTER_S} s)",
                                             not early, "; ".join(early[:5])))
        print()
        header = (f"{'round':8} {'endpoints':9} {'pairs':>6} {'delivered':>9} {'after retry':>11} {'dead-lettered':>13} "
                  f"{'lost':>5} {'p50 s':>7} {'p99 s':>7}")
        print(header)
        print("-" * len(header))
        for row in table:
            print(f"{row[0]:8} {row[1]:9} {row[2]:6} {row[3]:9} {row[4]:11} {row[5]:13} {row[6]:5} {row[7]:7.3f} {row[8]:7.3f}")
        print()
        clean_p99, failing_p99 = healthy_p99.get("clean", math.nan), healthy_p99.get("failing", math.nan)
        log(f"healthy subscribers' p99: clean {clean_p99:.3f} s, with failing endpoints {failing_p99:.3f} s "
            f"({failing_p99 / clean_p99:.2f}x)")
        self.checks.append(Check("healthy subscribers' p99 with failing endpoints within 2x the clean round's",
                                 failing_p99 <= 2 * clean_p99, f"{failing_p99:.3f} s vs {clean_p99:.3f} s"))


class LatencyRun(LoadRun):
    """End-to-end latency at a set rate: from an item's push (its appearance at the source) to
    its verified webhook, beside the broker's own produce-to-consume round trip measured by a
    probe with the pipeline's client settings, alone before the load and during it."""

    def run(self) -> int:
        with self.cleanup:
            self.start()
            warm = make_items(min(200, len(self.subs)), len(self.subs), self.args.seed, "warm")
            feeder = self.push(warm, 50)
            feeder.wait_done(120)
            if self.wait_arrived({it.story_id for it in warm if it.accepted_at}, 180, "warm-up"):
                raise HarnessError(f"warm-up alerts did not arrive; logs in {self.workdir / 'logs'}")
            create_topics(self.bootstrap, ["chaos.probe"], partitions=1)
            idle = FloorProbe(self.bootstrap, "chaos.probe").measure(8)
            count = int(self.args.rate * self.args.duration)
            stride = max(1, round(1 / self.args.matching))
            items = make_load_items(count, len(self.subs), stride, self.args.seed + 1, "load")
            # When each item was written to each topic (the producer's timestamp): where the time goes.
            self.written: dict[str, dict[str, int]] = {"news.raw": {}, "news.classified": {}, "alerts.deliveries": {}}
            watchers: dict[str, TopicWatcher] = {}

            def recorder(topic: str, path: tuple[str, ...]) -> Callable[[dict, bytes | None], None]:
                def on_event(event: dict, key: bytes | None) -> None:
                    for name in path:
                        event = event[name]
                    self.written[topic].setdefault(event, watchers[topic].timestamp)
                return on_event

            for topic, path in (("news.raw", ("data", "itemId")), ("news.classified", ("data", "item", "itemId")),
                                ("alerts.deliveries", ("data", "item", "item", "itemId"))):
                watchers[topic] = TopicWatcher(self.bootstrap, topic, recorder(topic, path))
                watchers[topic].start()
                self.cleanup.callback(watchers[topic].stop)
            probe = FloorProbe(self.bootstrap, "chaos.probe")
            probe.start()
            began = time.monotonic()
            feeder = self.push(items, self.args.rate)
            if not feeder.wait_done(self.args.duration * 3 + 60):
                feeder.halt.set()
            pushed_s = time.monotonic() - began
            matching = [it for it in items if it.sub >= 0 and it.accepted_at]
            self.wait_arrived({it.story_id for it in matching}, self.args.drain_timeout, "load")
            loaded = probe.finish()
            self.finish([GROUPS[s] for s in ("classify", "match", "notify-webhook")])
            self.report(items, matching, pushed_s, idle, loaded, feeder)
        return print_summary(self.checks, self.findings)

    def report(self, items, matching, pushed_s, idle, loaded, feeder) -> None:
        first = self.first_arrivals()
        accepted = [it for it in items if it.accepted_at]
        end_to_end = [first[it.story_id] - it.sent_at for it in matching if it.story_id in first]
        ingest = [it.accepted_at - it.sent_at for it in accepted]
        rate = len(accepted) / pushed_s if pushed_s else 0
        # Hops by the producers' timestamps (wall clock ms) and the receiver's wall clock.
        written = self.written
        wall = {r.story: r.wall for r in self.receiver.received if r.story}
        hops = collections.defaultdict(list)
        for it in matching:
            raw, classified, delivery = (written[t].get(it.item_id) for t in ("news.raw", "news.classified",
                                                                                 "alerts.deliveries"))
            if raw and classified and delivery and it.story_id in wall:
                hops["classify"].append((classified - raw) / 1000)
                hops["match"].append((delivery - classified) / 1000)
                hops["notify"].append(wall[it.story_id] - delivery / 1000)
        rows = [("end to end (push -> verified webhook)", end_to_end),
                ("  push accepted by ingest (all items)", ingest),
                ("  news.raw -> news.classified (classify)", hops["classify"]),
                ("  news.classified -> alerts.deliveries (match)", hops["match"]),
                ("  alerts.deliveries -> webhook (notify)", hops["notify"]),
                ("broker floor, idle (produce -> consume)", idle),
                ("broker floor, during the load", loaded)]
        print()
        print(f"{'latency':46} {'count':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
        for name, values in rows:
            print(f"{name:46} {len(values):7} {percentile(values, 0.5) * 1000:8.1f} {percentile(values, 0.99) * 1000:8.1f} "
                  f"{(max(values) if values else math.nan) * 1000:8.1f}")
        ratio_loaded = percentile(end_to_end, 0.99) / percentile(loaded, 0.99)
        ratio_idle = percentile(end_to_end, 0.99) / percentile(idle, 0.99)
        print(f"\n{len(accepted)} items accepted in {pushed_s:.1f} s ({rate:.0f}/s; asked {self.args.rate:.0f}/s), "
              f"{len(matching)} matching one subscription each (of {len(self.subs)}); end-to-end p99 / floor p99: "
              f"{ratio_loaded:.2f}x the floor during the load, {ratio_idle:.2f}x the idle floor\n")
        log(f"latency: end to end p50 {percentile(end_to_end, 0.5) * 1000:.1f} ms p99 "
            f"{percentile(end_to_end, 0.99) * 1000:.1f} ms; floor during load p50 {percentile(loaded, 0.5) * 1000:.1f} ms "
            f"p99 {percentile(loaded, 0.99) * 1000:.1f} ms; idle floor p99 {percentile(idle, 0.99) * 1000:.1f} ms; "
            f"ratio {ratio_loaded:.2f}x (loaded), {ratio_idle:.2f}x (idle); {rate:.0f} items/s")
        self.checks.append(Check(f"every matching alert arrived ({len(matching)})", len(end_to_end) == len(matching),
                                 f"{len(matching) - len(end_to_end)} missing"))
        self.checks.append(Check(f"every item accepted ({len(items)})", len(accepted) == len(items), feeder.error or ""))
        self.checks.append(Check(f"the asked rate held ({self.args.rate:.0f}/s, at least 95%)",
                                 rate >= 0.95 * self.args.rate, f"{rate:.0f}/s"))
        self.checks.append(Check("end-to-end p99 within 3x the broker floor during the load (the goal)",
                                 ratio_loaded <= 3, f"{ratio_loaded:.2f}x"))


def run_shutdown(args: argparse.Namespace, workdir: Path, nf: Newsflash, findings: list[Finding]) -> int:
    """`newsflash up` (every stage and the API in one process, demo sources at a fast pace) is
    started, left until it has printed a few verified alerts, and stopped with SIGTERM and SIGINT
    in turn: each must exit 0 within 60 s and print no alert after its stages reported stopping."""
    broker = Broker(workdir / "broker", os.environ.get("KAFKA_BOOTSTRAP") if not args.own_broker else None)
    broker.start()
    (workdir / "logs").mkdir(exist_ok=True)
    checks, rows = [], []
    # The same ports every time, as an operator's `up` has: the demo subscription kept in --dir points
    # at the demo receiver's port (with a new port each time, a stop waits for deliveries in flight to
    # the old one to time out, 5 s).
    api_port, demo_port = free_port(), free_port()
    try:
        for n, sig in enumerate([signal.SIGTERM, signal.SIGINT] * args.stops, start=1):
            argv = nf.argv("up", "--bootstrap", broker.bootstrap, "--dir", str(workdir / "up"), "--api-port",
                           str(api_port), "--demo-port", str(demo_port), "--metrics-port", "-1", "--pace", "0.3",
                           "--log-level", "info")
            child = Child("up", n, argv, workdir / "logs" / f"up.{n}.log", nf.env, ROOT).start()
            if not wait_until(lambda: child.log_text().count("ALERT (signature verified)") >= 3 or not child.alive(),
                              240, 0.3):
                child.send(signal.SIGKILL)
                raise HarnessError(f"up printed no alerts within 240 s:\n{child.log_tail()}")
            if not child.alive():
                raise HarnessError(f"up exited by itself:\n{child.log_tail()}")
            alerts_before = child.log_text().count("ALERT (signature verified)")
            began = time.monotonic()
            child.send(sig)
            status = child.wait(90)
            seconds = time.monotonic() - began
            if status is None:
                child.proc.kill()
                child.wait(10)
            name = signal.Signals(sig).name
            alerts = child.log_text().count("ALERT (signature verified)") - alerts_before
            rows.append((name, seconds, status, alerts))
            log(f"up {n}: {name} after {alerts_before} alerts: exit {status} in {seconds:.2f} s "
                f"({alerts} alerts printed while stopping)")
            checks.append(Check(f"up {n}: {name} exits 0 within {SIGTERM_LIMIT_S:.0f} s",
                                status == 0 and seconds <= SIGTERM_LIMIT_S, f"exit {status} in {seconds:.2f} s"))
    finally:
        broker.stop()
    times = [r[1] for r in rows]
    if times:
        log(f"up: signal to exit median {statistics.median(times):.2f} s, max {max(times):.2f} s over {len(times)} stops")
    return print_summary(checks, findings)


def run_full(args: argparse.Namespace, workdir: Path, nf: Newsflash, findings: list[Finding]) -> int:
    if args.shutdown:
        return run_shutdown(args, workdir, nf, findings)
    if args.failing_endpoints:
        return FailingEndpointsRun(args, workdir, nf, findings).run()
    if args.latency:
        return LatencyRun(args, workdir, nf, findings).run()
    return FullRun(args, workdir, nf, findings).run()


def start_ingest(stages: Stages, config: Path, push_source: dict, receiver: WebhookReceiver,
                 findings: list[Finding]) -> None:
    """Starts ingest with the push source alone; when that process dies at once (a finding),
    adds a polled RSS source without items (served by the receiver) so that it keeps running."""
    child = stages.start("ingest")
    if not wait_until(lambda: not child.alive() or child.crashed(), 8, 0.2):
        return
    child.expected_exit = True
    if child.alive():  # crashed, still writing its backtrace
        wait_until(lambda: not child.alive(), 60, 0.5)
        stages.stop(child, signal.SIGKILL, timeout=10)
    findings.append(Finding(
        "`newsflash run ingest` whose configuration has only `push` sources dies at start (push endpoint unusable)",
        f"command: {' '.join(child.argv)}\nconfig: {json.dumps({'ingest': {'sources': [push_source]}})}\n"
        f"exit status {child.returncode()}; log {child.log_path}:\n" + child.crash_excerpt() +
        "\nIngestWorker.run() polls only non-push sources; with none its task group ends at once, the ServiceGroup "
        "then cancels the push server, and the FeedFetcher's HTTPClient is never shut down. The harness adds an RSS "
        "source (a feed without items on loopback) to keep ingest running."))
    log(f"FINDING: run ingest with only a push source exited ({child.returncode()}); adding a polled keep-alive source")
    keepalive = {"id": "chaos-keepalive", "kind": "rss", "url": receiver.feed_url(), "pollIntervalSeconds": 300}
    config.write_text(json.dumps({"ingest": {"sources": [push_source, keepalive]}}, indent=2))
    child = stages.start("ingest")
    if wait_until(lambda: not child.alive(), 4, 0.2):
        raise HarnessError(f"ingest does not stay up:\n{child.log_tail()}")


def save_deliveries(path: Path, ledger: Ledger, items: list[Item], subs: list[Sub]) -> None:
    """For the post-mortem: every item, its pair, when ingest accepted it and every delivery (seconds
    since the harness started)."""
    with open(path, "w") as f:
        for it in items:
            sub = subs[it.sub]
            f.write(json.dumps({
                "n": it.n, "item": it.item_id, "story": it.story_id, "subscription": sub.id, "channel": sub.channel,
                "accepted": round(it.accepted_at - _t0, 3) if it.accepted_at else None,
                "deliveries": [[r.delivery, round(r.at - _t0, 3)] for r in ledger.deliveries.get(it.n, [])]}) + "\n")


def describe_lost(lost: list[Item], subs: list[Sub], raw: collections.Counter, classified: collections.Counter,
                  deliveries: collections.Counter) -> str:
    """Where each lost alert was last seen: never accepted, not on news.raw, not classified, no
    delivery event, or delivered to the notifier but never to the subscriber."""
    if not lost:
        return ""
    where: collections.Counter = collections.Counter()
    examples = []
    for it in lost:
        sub = subs[it.sub]
        if not it.accepted_at:
            stage = "never accepted by ingest"
        elif not raw[it.item_id]:
            stage = "accepted by ingest, not on news.raw"
        elif not classified[it.item_id]:
            stage = "on news.raw, not on news.classified"
        elif not deliveries[(sub.id, it.item_id)]:
            stage = "on news.classified, no alerts.delivery"
        else:
            stage = f"on alerts.deliveries, never reached the subscriber ({sub.channel})"
        where[stage] += 1
        if len(examples) < 5:
            examples.append(f"{it.item_id}/{it.story_id} -> {sub.id} ({sub.channel}): {stage}")
    return f"{len(lost)} lost: {dict(where)}; e.g. " + "; ".join(examples)


def describe_changed(changed: list[Item], ledger: Ledger, subs: list[Sub]) -> str:
    out = []
    for it in changed[:5]:
        ids = [r.delivery for r in ledger.deliveries[it.n]]
        out.append(f"{it.item_id} -> {subs[it.sub].id}: expected {delivery_id(subs[it.sub].id, it.story_id)}, got {ids}")
    return f"{len(changed)}: " + "; ".join(out) if changed else ""


# --------------------------------------------------------------------------------------------
# Quick run
# --------------------------------------------------------------------------------------------

class ClassifyRun:
    """What the classify-only runs (--quick, --outage) share: the stage's processes, reading `raw`
    and writing `classified` in `group`, and a watcher of `classified` that counts each item's
    events and the event ids they came under."""

    def __init__(self, args: argparse.Namespace, workdir: Path, nf: Newsflash, findings: list[Finding],
                 cleanup: contextlib.ExitStack, bootstrap: str, raw: str, classified: str, group: str):
        self.stages = Stages(nf, workdir, {"classify": [
            "--bootstrap", bootstrap, "--log-level", "info", "--input", raw, "--output", classified, "--group", group,
            "--window", str(args.window)]}, findings)
        cleanup.callback(self.stages.kill_all)
        self.seen: collections.Counter = collections.Counter()
        self.event_ids: dict[str, set] = collections.defaultdict(set)
        self.watcher = TopicWatcher(bootstrap, classified, self.on_classified)
        self.watcher.start()
        cleanup.callback(self.watcher.stop)

    def on_classified(self, event: dict, key: bytes | None) -> None:
        item_id = event["data"]["item"]["itemId"]
        self.seen[item_id] += 1
        self.event_ids[item_id].add(event["eventId"])

    def drain(self, items: list[Item], bootstrap: str, raw: str, group: str, arrive_s: float,
              lag_s: float) -> tuple[bool, list[Check], list[tuple[str, float, int | None]]]:
        """Waits (bounded) for every item on the output and for no lag, then SIGTERMs the processes:
        whether every item arrived, the lag check, and the final stops."""
        ok = wait_until(lambda: all(self.seen[it.item_id] for it in items if it.item_id), arrive_s, 0.3)
        self.stages.revive_crashed()
        checks = lag_checks(bootstrap, [(group, raw)], timeout=lag_s)
        final = self.stages.stop_all()
        log("final stop: " + ", ".join(f"{n} {c} in {t:.1f}s" for n, t, c in final))
        self.watcher.stop()
        return ok, checks, final


def run_quick(args: argparse.Namespace, workdir: Path, nf: Newsflash, findings: list[Finding]) -> int:
    """classify alone: events produced to its input, SIGTERMs and SIGKILLs mid-stream, then a
    final process left to drain; every item on the output, no lag."""
    checks: list[Check] = []
    with contextlib.ExitStack() as cleanup:
        external = os.environ.get("KAFKA_BOOTSTRAP") if not args.own_broker else None
        broker = Broker(workdir / "broker", external=external)
        broker.start()
        cleanup.callback(broker.stop)
        bootstrap = broker.bootstrap
        if external:
            run_id = uuid.uuid4().hex[:10]
            raw, classified, group = f"chaos-{run_id}.news.raw", f"chaos-{run_id}.news.classified", f"chaos-{run_id}-classify"
            create_topics(bootstrap, [raw, classified])
            log(f"topics {raw}, {classified}; group {group}")
        else:
            raw, classified, group = "news.raw", "news.classified", "newsflash-classify"
            nf.run("topics", "init", "--bootstrap", bootstrap, "--partitions", "4")
        run = ClassifyRun(args, workdir, nf, findings, cleanup, bootstrap, raw, classified, group)
        stages, seen, event_ids, watcher = run.stages, run.seen, run.event_ids, run.watcher
        items = make_items(args.items, max(1, args.items), args.seed, f"quick-{uuid.uuid4().hex[:8]}")

        plan = [("classify", k) for k in ("sigterm", "sigkill")]
        pacer = Pacer(len(items), expand_plan(plan, args.stops), args.rate, min_rate=3)
        pacer.mode = "chaos"
        feeder = KafkaFeeder(items, pacer, args.batch, bootstrap, raw, "chaos-quick")
        chaos = Chaos(stages, {"classify": lambda: watcher.count}, pacer, args.stops, plan,
                      min_progress={"classify": 5}, groups={"classify": group}, progress_timeout=45)
        chaos.start("classify")
        feeder.start()
        began = time.monotonic()
        chaos.run()
        pacer.mode = "flush"
        feeder.wait_done(60)
        log(f"stops done in {time.monotonic() - began:.0f} s; {feeder.sent} of {len(items)} events produced; draining")
        ok, lag, final = run.drain(items, bootstrap, raw, group, arrive_s=60, lag_s=30)
        checks += lag

        verdicts = {}
        deliveries = {}
        for it in items:
            count = seen[it.item_id] if it.item_id else 0
            deliveries[it.n] = [None] * count
            verdicts[it.n] = ("lost" if count == 0 else "changed-id" if len(event_ids[it.item_id]) > 1
                              else "repeated" if count > 1 else "ok")
        print_table(chaos.stops, chaos.phases, items, verdicts, deliveries, final, unit="items")
        lost = [it for it in items if verdicts[it.n] == "lost"]
        checks.append(Check(f"every event produced ({len(items)})", feeder.sent == len(items) and not feeder.error,
                            feeder.error or ""))
        checks.append(Check(f"every item reached {classified}", ok and not lost,
                            f"{len(lost)} missing, e.g. {[it.item_id for it in lost[:5]]}" if lost else ""))
        checks.append(Check("repeats keep their event id", not any(v == "changed-id" for v in verdicts.values())))
        checks.append(Check("no process exited by itself", not stages.crashes, " | ".join(stages.crashes)[:2000]))
        checks.append(Check("every stop landed while items flowed", not chaos.idle_stops, "; ".join(chaos.idle_stops)))
        checks += stop_checks(chaos.stops, final)
        if watcher.error:
            checks.append(Check(f"watcher of {classified}", False, watcher.error))
        if external:
            with contextlib.suppress(Exception):
                AdminClient({"bootstrap.servers": bootstrap}).delete_topics([raw, classified], request_timeout=15)
    return print_summary(checks, findings)


def run_outage(args: argparse.Namespace, workdir: Path, nf: Newsflash, findings: list[Finding]) -> int:
    """classify against a broker of its own reached through `BrokerProxy`, while events flow: the
    broker cut off for --outage-seconds (past the 10 s session timeout) under a running process,
    then cut off again and the process SIGTERMed during the outage (its final commit cannot reach
    the broker), then again and SIGKILLed; a new process after each stop once the broker is back,
    then left to drain. Every item must reach news.classified, the group must have no lag, and the
    offset commits that failed must have been reported (the failure path ran for real)."""
    checks: list[Check] = []
    CLIENT_LOG_LEVEL[0] = 0
    with contextlib.ExitStack() as cleanup:
        proxy = BrokerProxy(blackhole=args.blackhole)
        cleanup.callback(proxy.stop)
        proxy.target = free_port()
        broker = Broker(workdir / "broker", advertised_port=proxy.port)
        broker.start(proxy.target)
        cleanup.callback(broker.stop)
        bootstrap = f"127.0.0.1:{proxy.port}"
        log(f"broker on 127.0.0.1:{proxy.target}, advertised and reached through the proxy on {bootstrap}")
        raw, classified, group = "news.raw", "news.classified", "newsflash-classify"
        nf.run("topics", "init", "--bootstrap", bootstrap, "--partitions", "4")
        run = ClassifyRun(args, workdir, nf, findings, cleanup, bootstrap, raw, classified, group)
        stages, seen, event_ids, watcher = run.stages, run.seen, run.event_ids, run.watcher
        items = make_items(args.items, max(1, args.items), args.seed, f"outage-{uuid.uuid4().hex[:8]}")

        pacer = Pacer(len(items), [], args.rate)
        pacer.mode = "outage"  # a steady --rate throughout
        # A partition holds produce requests until they time out and are retried: wait past the outage.
        feeder = KafkaFeeder(items, pacer, args.batch, bootstrap, raw, "chaos-outage", flush_s=args.outage_seconds + 90)
        stages.start("classify")
        feeder.start()
        began = time.monotonic()
        stops: list[Stop] = []
        idle: list[str] = []

        for step in ("outage", "sigterm", "sigkill"):
            if not wait_for_work(stages.primary("classify"), group, lambda: watcher.count, 5, 60):
                idle.append(f"the {step} step: no output for 60 s before it")
                log(f"WARNING {idle[-1]}")
            if step == "outage":
                proxy.cut()
                time.sleep(args.outage_seconds)
                proxy.restore()
                continue
            sig = signal.SIGTERM if step == "sigterm" else signal.SIGKILL
            signal_during_outage(proxy, stages, "classify", sig, step, args.outage_seconds, stops)
        # The last process up and holding partitions before the drain (a SIGTERM before its signal
        # handler is installed would end it with the signal, not a graceful stop).
        wait_until(lambda: bool(stages.primary("classify").assigned_partitions(group)), 60, 0.1)
        feeder.wait_done(120)
        log(f"outages done in {time.monotonic() - began:.0f} s; {feeder.sent} of {len(items)} events produced; draining")
        ok, lag, final = run.drain(items, bootstrap, raw, group, arrive_s=90, lag_s=45)
        checks += lag

        lost = [it for it in items if not it.item_id or seen[it.item_id] == 0]
        changed = [it for it in items if it.item_id and len(event_ids[it.item_id]) > 1]
        repeats = sum(max(0, seen[it.item_id] - 1) for it in items if it.item_id)
        logs = [c.log_text() for children in stages.instances.values() for c in children]
        failed_commits = stages.logged("kafka offset commit failed")
        client_lines = sum(len(CLIENT_LINE.findall(text)) for text in logs)
        outage_s = sum(proxy.cuts)
        close_failures = stages.logged("kafka commit on close failed")
        log(f"{len(items) - len(lost)} of {len(items)} items reached {classified} ({repeats} repeats); outages "
            + ", ".join(f"{c:.1f} s" for c in proxy.cuts) + f"; {failed_commits} failed offset commits and "
            f"{close_failures} failed commits on close logged; {client_lines} lines of librdkafka's and client errors "
            f"({client_lines / outage_s:.1f} a second of outage)")
        checks.append(Check(f"every event produced ({len(items)})", feeder.sent == len(items) and not feeder.error,
                            feeder.error or ""))
        checks.append(Check(f"every item reached {classified} through {len(proxy.cuts)} outages", ok and not lost,
                            f"{len(lost)} missing, e.g. {[it.item_id for it in lost[:5]]}" if lost else ""))
        checks.append(Check("repeats keep their event id", not changed,
                            f"{len(changed)} items with several ids, e.g. {[it.item_id for it in changed[:5]]}" if changed else ""))
        if not args.blackhole:  # in a partition a commit waits for its request's timeout and may outlive the outage
            checks.append(failed_commits_check(stages, "the outages"))
        checks.append(Check(f"the unreachable broker is not logged on every reconnect attempt (at most "
                            f"{CLIENT_LINES_PER_OUTAGE_S:.0f} lines of librdkafka's and client errors a second of outage)",
                            client_lines <= CLIENT_LINES_PER_OUTAGE_S * outage_s,
                            f"{client_lines} in {outage_s:.0f} s"))
        checks.append(Check("no process exited by itself", not stages.crashes, " | ".join(stages.crashes)[:2000]))
        checks.append(Check("every outage step landed while items flowed", not idle, "; ".join(idle)))
        checks += stop_checks(stops, final)
    return print_summary(checks, findings)


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------

class DefaultsFormatter(argparse.RawDescriptionHelpFormatter):
    """Shows an option's default when it has a plain one (not None, not a flag)."""

    def _get_help_string(self, action):
        text = action.help or ""
        if action.default not in (None, False, argparse.SUPPRESS) and "%(default)" not in text and action.option_strings:
            text += " (default: %(default)s)"
        return text


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="Tests/Chaos/chaos.py",
        description=__doc__,
        epilog=textwrap.fill("Run with .venv/bin/python (confluent_kafka, standardwebhooks, aiosmtpd). Full run: about 10 minutes "
               "on 2 cores with the defaults; quick run: about 1 minute. The work directory (kept after a failure or "
               "with --keep-workdir) holds chaos.log (this output), logs/<stage>.<n>.log (each process), "
               "deliveries.jsonl (each item: its pair, when ingest accepted it, every delivery and its id), "
               "topics/<topic>.jsonl (partition, offset, time of each event on news.raw, news.classified, "
               "alerts.deliveries) and receiver-failures.jsonl (requests whose signature did not verify). "
               "In the table, items count for the stop during which ingest accepted them; a repeat may come from "
               "the next stop, which can catch the backlog that built up while a process restarted.", 96),
        formatter_class=DefaultsFormatter)
    parser.add_argument("--newsflash", type=Path, default=None,
                        help="the newsflash binary (default: .build/release/newsflash, else .build/debug/newsflash)")
    parser.add_argument("--quick", action="store_true",
                        help="classify only: --items events (default 400) produced to news.raw, --stops SIGTERMs and "
                             "--stops SIGKILLs (default 2 each), then drained; uses KAFKA_BOOTSTRAP when set")
    parser.add_argument("--failing-endpoints", action="store_true",
                        help="no stops: a clean round of --items, then the same with 30%% of the endpoints answering 5xx, "
                             "10%% timing out and 5%% answering 429 (each failing 1, 2, 3 or all attempts), "
                             "notify-webhook with --retry-scale and --webhook-timeout; every alert delivered or "
                             "dead-lettered, healthy p99 within 2x the clean round")
    parser.add_argument("--latency", action="store_true",
                        help="no stops: items pushed at --rate for --duration seconds, latency from push to verified "
                             "webhook beside the broker's produce-to-consume floor (goal: p99 within 3x)")
    parser.add_argument("--shutdown", action="store_true",
                        help="`newsflash up` with demo alerts flowing, stopped --stops times each with SIGTERM and SIGINT "
                             "(default 2 each): every stop exits 0 within 60 s; uses KAFKA_BOOTSTRAP when set")
    parser.add_argument("--outage", action="store_true",
                        help="classify only, against a broker of its own behind a relay: the broker cut off for "
                             "--outage-seconds under a running process, then during a SIGTERM and during a SIGKILL; "
                             "every item on news.classified, no lag, the failed commits reported")
    parser.add_argument("--outage-seconds", type=float, default=15.0,
                        help="--outage and --broker-outages: how long each outage lasts (past the stages' 10 s session "
                             "timeout)")
    parser.add_argument("--blackhole", action="store_true",
                        help="--outage and --broker-outages: a network partition instead of a broker that is down "
                             "(connections held open, nothing forwarded)")
    parser.add_argument("--broker-outages", type=int, default=0,
                        help="full run: after the stops, cut the broker off this many times (a relay in front of it, "
                             "as --outage does) while items flow, one stage SIGTERMed during each; the failed commits "
                             "must be reported")
    parser.add_argument("--duration", type=float, default=30.0, help="--latency: seconds of load")
    parser.add_argument("--matching", type=float, default=0.1,
                        help="--latency: the fraction of items that match a subscription (one each)")
    parser.add_argument("--retry-scale", type=float, default=0.001, help="--failing-endpoints: notify-webhook --retry-scale")
    parser.add_argument("--webhook-timeout", type=float, default=2.0,
                        help="--failing-endpoints: notify-webhook --timeout (the timing-out endpoints answer 1 s later)")
    parser.add_argument("--items", type=int, default=None,
                        help="items pushed (full: 10000, one (subscription, story) pair each; quick: 400; "
                             "--failing-endpoints: 2000 per round)")
    parser.add_argument("--subscriptions", type=int, default=2000, help="subscriptions (full run)")
    parser.add_argument("--email-subscriptions", type=int, default=200,
                        help="how many of --subscriptions are email ones (double opt-in confirmed), spread evenly")
    parser.add_argument("--stops", type=int, default=None,
                        help="stops per stage and kind, for sigterm and sigkill (full: 3, quick: 2); a rebalance is one")
    parser.add_argument("--stages", default=",".join(STAGES),
                        help="comma-separated stages to stop, in this order (full run)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated kinds of stop (full run)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="work directory, wiped at start (default: var/chaos, or var/chaos-quick with --quick)")
    parser.add_argument("--keep-workdir", action="store_true",
                        help="keep the work directory after a passing run (it is always kept after a failure)")
    parser.add_argument("--rate", type=float, default=300.0,
                        help="at most this many items per second (the pace is set so that items flow through every stop)")
    parser.add_argument("--batch", type=int, default=50, help="items per push request (at most 500)")
    parser.add_argument("--max-backlog", type=int, default=400,
                        help="full run: pause pushing while this many accepted items have not reached their subscriber")
    parser.add_argument("--warmup", type=int, default=20, help="items delivered end to end before the first stop (full run)")
    parser.add_argument("--window", type=int, default=4, help="classify --window in the quick run")
    parser.add_argument("--receiver-ports", type=int, default=4, help="ports (webhook endpoints) of the receiver")
    parser.add_argument("--drain-timeout", type=float, default=300.0,
                        help="seconds to wait after the stops for every alert to arrive")
    parser.add_argument("--own-broker", action="store_true", help="quick run: start a broker even when KAFKA_BOOTSTRAP is set")
    parser.add_argument("--seed", type=int, default=1, help="seed of the titles' random words")
    args = parser.parse_args(argv)
    if sum((args.quick, args.failing_endpoints, args.latency, args.shutdown, args.outage)) > 1:
        parser.error("--quick, --failing-endpoints, --latency, --shutdown and --outage are separate runs: choose one")
    load = args.failing_endpoints or args.latency
    if load and "--email-subscriptions" not in " ".join(argv):
        args.email_subscriptions = 0  # webhooks only, unless asked
    if load and "--receiver-ports" not in " ".join(argv):
        args.receiver_ports = 20
    if args.latency and "--rate" not in " ".join(argv):
        args.rate = 1000.0
    if args.outage and "--rate" not in " ".join(argv):
        args.rate = 10.0  # the items spread over the three outages and their restarts
    if args.outage_seconds <= 0:
        parser.error("--outage-seconds must be above 0")
    if args.broker_outages < 0:
        parser.error("--broker-outages must be 0 or more")
    if args.broker_outages and (args.quick or args.outage or args.shutdown or load):
        parser.error("--broker-outages belongs to the full run (--outage is the classify-only one)")
    if args.latency and "--batch" not in " ".join(argv):
        args.batch = 100  # one push request per 100 ms at 1,000 items/s
    if not 0 < args.matching <= 1:
        parser.error("--matching must be above 0 and at most 1")
    args.items = args.items if args.items is not None else (400 if args.quick or args.outage else 2000 if load else 10000)
    args.stops = args.stops if args.stops is not None else (2 if args.quick or args.shutdown else 3)
    args.stages = [s for s in args.stages.split(",") if s]
    args.kinds = [k for k in args.kinds.split(",") if k]
    for s in args.stages:
        if s not in STAGES:
            parser.error(f"--stages: unknown stage {s} (one of {', '.join(STAGES)})")
    for k in args.kinds:
        if k not in KINDS:
            parser.error(f"--kinds: unknown kind {k} (one of {', '.join(KINDS)})")
    if not 1 <= args.batch <= 500:
        parser.error("--batch must be 1 to 500")
    if args.email_subscriptions > args.subscriptions:
        parser.error("--email-subscriptions cannot exceed --subscriptions")
    if args.workdir is None:
        args.workdir = ROOT / "var" / ("chaos-quick" if args.quick else "chaos-outage" if args.outage else "chaos-shutdown" if args.shutdown else "chaos-endpoints" if args.failing_endpoints
                                       else "chaos-latency" if args.latency else "chaos")
    return args


def find_binary(given: Path | None) -> Path:
    if given:
        path = given if given.is_absolute() else Path.cwd() / given
    else:
        path = next((p for p in (ROOT / ".build/release/newsflash", ROOT / ".build/debug/newsflash") if p.exists()),
                    ROOT / ".build/release/newsflash")
    if not path.exists():
        raise HarnessError(f"no newsflash binary at {path} (build it: swift build -c release, or pass --newsflash)")
    return path.resolve()


def private_copy(binary: Path, workdir: Path) -> Path:
    """Copies the binary (and the resource bundles beside it) into the workdir, so that a rebuild
    during the run cannot mix two versions among the restarted processes."""
    target = workdir / "bin"
    target.mkdir()
    shutil.copy2(binary, target / binary.name)
    for bundle in binary.parent.glob("*.resources"):
        shutil.copytree(bundle, target / bundle.name, symlinks=True)
    return target / binary.name


def main(argv: list[str]) -> int:
    global _log_file
    args = parse_args(argv)
    workdir = args.workdir.resolve()
    if workdir.exists() and any(workdir.iterdir()) and not (workdir / MARKER).exists():
        print(f"chaos: refusing to wipe {workdir}: not empty and not made by this script (no {MARKER})", file=sys.stderr)
        return 2
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    (workdir / MARKER).write_text("made by Tests/Chaos/chaos.py; wiped by its next run\n")
    _log_file = open(workdir / "chaos.log", "w")

    def interrupted(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    findings: list[Finding] = []
    status = 2
    try:
        binary = find_binary(args.newsflash)
        nf = Newsflash(private_copy(binary, workdir), workdir)
        kind = ("quick" if args.quick else "outage" if args.outage else "shutdown" if args.shutdown else "failing-endpoints" if args.failing_endpoints else "latency" if args.latency
                else "full")
        log(f"{kind} run: {binary} "
            f"({nf.run('version').splitlines()[0]}, copied to {nf.binary}), workdir {workdir}")
        status = (run_quick if args.quick else run_outage if args.outage else run_full)(args, workdir, nf, findings)
    except HarnessError as error:
        log(f"chaos: harness error: {error}")
        print("chaos: 0 passed, 1 failed (the harness could not complete)")
        status = 2
    except KeyboardInterrupt:
        log("chaos: interrupted")
        status = 2
    if status == 0 and not args.keep_workdir:
        _log_file.close()
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"chaos: logs kept in {workdir}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
