#!/usr/bin/env python3
"""Validates Newsflash events against Schemas/events with the reference validator.

    validate_events.py SCHEMA_DIR FILE...      each FILE: one JSON event, or JSON lines ('-' reads stdin)
    validate_events.py SCHEMA_DIR --check-schemas

Picks the schema by the envelope's eventType and schemaVersion, validates with
Draft 2020-12 and format checking (date-time, uri), prints 'ok <eventType> <eventId>'
or 'INVALID <where>: <path>: <message>' per event, and exits 0 only if all are valid.
--check-schemas checks every schema against the metaschema and that the copies of
shared $defs are identical across files.
"""
import json
import sys
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker

FORMATS = FormatChecker()


def load_schemas(directory):
    schemas = {}
    for path in sorted(Path(directory).glob("*.schema.json")):
        schema = json.loads(path.read_text())
        props = schema["properties"]
        schemas[(props["eventType"]["const"], props["schemaVersion"]["const"])] = (path.name, schema)
    if not schemas:
        raise SystemExit(f"no *.schema.json in {directory}")
    return schemas


def check_schemas(directory):
    failures = 0
    shared = {}
    for path in sorted(Path(directory).glob("*.schema.json")):
        schema = json.loads(path.read_text())
        try:
            Draft202012Validator.check_schema(schema)
        except Exception as error:  # SchemaError
            print(f"INVALID SCHEMA {path.name}: {error}")
            failures += 1
            continue
        for name, definition in schema.get("$defs", {}).items():
            if name in shared and shared[name][1] != definition:
                print(f"DIFFERENT $defs/{name}: {shared[name][0]} and {path.name}")
                failures += 1
            shared.setdefault(name, (path.name, definition))
        print(f"ok schema {path.name}")
    return failures


def events_in(source):
    text = sys.stdin.read() if source == "-" else Path(source).read_text()
    stripped = text.strip()
    if stripped.startswith("{") and "\n{" not in stripped:
        yield f"{source}:1", stripped
        return
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            yield f"{source}:{number}", line


def validate(schemas, where, text):
    try:
        event = json.loads(text)
    except json.JSONDecodeError as error:
        return [f"INVALID {where}: not JSON: {error}"]
    key = (event.get("eventType"), event.get("schemaVersion")) if isinstance(event, dict) else (None, None)
    if key not in schemas:
        return [f"INVALID {where}: no schema for eventType={key[0]!r} schemaVersion={key[1]!r}"]
    name, schema = schemas[key]
    validator = Draft202012Validator(schema, format_checker=FORMATS)
    errors = sorted(validator.iter_errors(event), key=lambda e: list(e.absolute_path))
    if errors:
        return [f"INVALID {where}: {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message} [{name}]" for e in errors]
    print(f"ok {event['eventType']} {event['eventId']}")
    return []


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    directory = argv[0]
    if argv[1] == "--check-schemas":
        return 1 if check_schemas(directory) else 0
    schemas = load_schemas(directory)
    problems = []
    for source in argv[1:]:
        for where, text in events_in(source):
            problems += validate(schemas, where, text)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
