#!/usr/bin/env python3
"""The schema contract, from another language: a confluent-kafka consumer reads
events that Newsflash produced and validates each against Schemas/events.

    consume_validate.py --bootstrap H:P --topic T --count N [--schemas DIR] [--timeout S]

Reads the topic from the beginning in a group of its own, checks that the
newsflash-schema header names the schema the event validates against, prints a
line per event and exits 0 only when N events were read and all are valid.
"""
import argparse
import json
import sys
import time
import uuid
from pathlib import Path

from confluent_kafka import Consumer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate_events import load_schemas, validate  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--schemas", default=str(Path(__file__).resolve().parents[2] / "Schemas" / "events"))
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    schemas = load_schemas(args.schemas)
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap, "group.id": f"contract-{uuid.uuid4().hex[:8]}",
        "auto.offset.reset": "earliest", "enable.auto.commit": False, "session.timeout.ms": 6000,
    })
    consumer.subscribe([args.topic])
    problems, seen = [], 0
    deadline = time.monotonic() + args.timeout
    while seen < args.count and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            problems.append(f"INVALID consume error: {message.error()}")
            continue
        seen += 1
        where = f"{message.topic()}[{message.partition()}]@{message.offset()}"
        text = message.value().decode("utf-8")
        problems += validate(schemas, where, text)
        headers = {k: (v or b"").decode() for k, v in (message.headers() or [])}
        event = json.loads(text)
        expected = next((name for (etype, version), (name, _) in schemas.items()
                         if etype == event.get("eventType") and version == event.get("schemaVersion")), None)
        if expected is None or headers.get("newsflash-schema") + ".schema.json" != expected:
            problems.append(f"INVALID {where}: header newsflash-schema={headers.get('newsflash-schema')!r} does not name {expected}")
        if headers.get("content-type") != "application/json":
            problems.append(f"INVALID {where}: content-type header is {headers.get('content-type')!r}")
    consumer.close()
    if seen < args.count:
        problems.append(f"INVALID read {seen} of {args.count} events within {args.timeout} s")
    for problem in problems:
        print(problem)
    print(f"{seen} events read, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
