#!/usr/bin/env python3
"""Validates Newsflash events against Schemas/events with the reference validator.

    validate_events.py SCHEMA_DIR FILE...        each FILE: one JSON event (may span lines)
                                                 or JSON lines of events; '-' reads stdin
    validate_events.py SCHEMA_DIR --check-schemas

Picks each event's schema by its envelope's eventType and schemaVersion (the consts in
each schema file), validates with Draft 2020-12 and format checking ("date-time" and
"uri" are really checked: without their PyPI packages this refuses to run), prints
'ok <eventType> <eventId>' or 'INVALID <file>:<line>: <path>: <message>' per event,
and exits 0 only if every event is valid.

--check-schemas checks every *.schema.json against the metaschema, the house rules
(draft 2020-12, $id, additionalProperties false and a description on every property,
required names that exist, only local $refs that resolve, one file per eventType and
schemaVersion) and that the copies of shared $defs are identical across files.
"""
import json
import sys
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker

DRAFT = "https://json-schema.org/draft/2020-12/schema"
ID_BASE = "https://newsflash.dev/schemas/events/"
# Formats jsonschema checks only when an optional PyPI package is installed.
NEEDED_FORMATS = {"date-time": "rfc3339-validator", "uri": "rfc3986-validator (or rfc3987)"}


def format_checker():
    checker = FormatChecker()
    missing = [f"{name} (pip install {package})" for name, package in NEEDED_FORMATS.items() if name not in checker.checkers]
    if missing:
        raise SystemExit("jsonschema cannot check these formats: " + ", ".join(missing))
    return checker


def load_schemas(directory):
    """{(eventType, schemaVersion): (file name, schema)} for every *.schema.json in directory."""
    schemas = {}
    for path in sorted(Path(directory).glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        key = envelope_key(schema)
        if key in schemas:
            raise SystemExit(f"{path.name} and {schemas[key][0]} are both eventType={key[0]!r} schemaVersion={key[1]!r}")
        schemas[key] = (path.name, schema)
    if not schemas:
        raise SystemExit(f"no *.schema.json in {directory}")
    return schemas


def envelope_key(schema):
    props = schema.get("properties", {})
    return props.get("eventType", {}).get("const"), props.get("schemaVersion", {}).get("const")


# --- --check-schemas -------------------------------------------------------------------------

SUBSCHEMA_MAPS = ("properties", "$defs", "patternProperties", "dependentSchemas")
SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SUBSCHEMAS = ("items", "not", "if", "then", "else", "contains", "additionalProperties", "propertyNames",
              "unevaluatedItems", "unevaluatedProperties")


def walk(schema, where=""):
    """Every (JSON pointer, subschema) in a schema, itself included."""
    yield where, schema
    if not isinstance(schema, dict):
        return
    for key, value in schema.items():
        if key in SUBSCHEMA_MAPS and isinstance(value, dict):
            for name, subschema in value.items():
                yield from walk(subschema, f"{where}/{key}/{name}")
        elif key in SUBSCHEMA_LISTS and isinstance(value, list):
            for index, subschema in enumerate(value):
                yield from walk(subschema, f"{where}/{key}/{index}")
        elif key in SUBSCHEMAS and isinstance(value, dict):
            yield from walk(value, f"{where}/{key}")


def house_rule_problems(name, schema):
    problems = []
    if schema.get("$schema") != DRAFT:
        problems.append(f"$schema is {schema.get('$schema')!r}, not {DRAFT}")
    if schema.get("$id") != ID_BASE + name:
        problems.append(f"$id is {schema.get('$id')!r}, not {ID_BASE + name}")
    for key in ("title", "description"):
        if not schema.get(key):
            problems.append(f"no {key}")
    event_type, version = envelope_key(schema)
    if not isinstance(event_type, str) or not isinstance(version, int):
        problems.append("properties/eventType and properties/schemaVersion need a const")
    defs = schema.get("$defs", {})
    for where, node in walk(schema):
        if not isinstance(node, dict):
            continue
        ref = node.get("$ref")
        if ref is not None and not (ref.startswith("#/$defs/") and ref[len("#/$defs/"):] in defs):
            problems.append(f"{where}: $ref {ref!r} is not one of this file's $defs (files are self-contained)")
        if node.get("type") == "object" or "properties" in node:
            if node.get("additionalProperties") is not False:
                problems.append(f"{where or '(root)'}: an object without \"additionalProperties\": false")
            properties = node.get("properties", {})
            for required in node.get("required", []):
                if required not in properties:
                    problems.append(f"{where or '(root)'}: required {required!r} is not a property")
            for prop, subschema in properties.items():
                if not (isinstance(subschema, dict) and subschema.get("description")):
                    problems.append(f"{where}/properties/{prop}: no description")
    return problems


def check_schemas(directory):
    """Prints 'ok schema <file>' or the problems of every schema; returns the number of problems."""
    failures = 0
    shared = {}
    seen = {}
    paths = sorted(Path(directory).glob("*.schema.json"))
    if not paths:
        print(f"INVALID no *.schema.json in {directory}")
        return 1
    for path in paths:
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
            Draft202012Validator.check_schema(schema)
        except Exception as error:  # JSONDecodeError, SchemaError
            print(f"INVALID SCHEMA {path.name}: {error}")
            failures += 1
            continue
        problems = house_rule_problems(path.name, schema)
        key = envelope_key(schema)
        if key in seen:
            problems.append(f"eventType={key[0]!r} schemaVersion={key[1]!r} is also {seen[key]}")
        seen.setdefault(key, path.name)
        for name, definition in schema.get("$defs", {}).items():
            if name in shared and shared[name][1] != definition:
                problems.append(f"$defs/{name} differs from the copy in {shared[name][0]}")
            shared.setdefault(name, (path.name, definition))
        for problem in problems:
            print(f"INVALID SCHEMA {path.name}: {problem}")
        failures += len(problems)
        if not problems:
            print(f"ok schema {path.name}")
    return failures


# --- events ------------------------------------------------------------------------------------

def events_in(source):
    """(where, text) of each event in a file: the whole file when it is one JSON value, else each line."""
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    lines = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    if len(lines) > 1:
        try:
            json.loads(text)
            yield f"{source}:{lines[0][0]}", text
            return
        except json.JSONDecodeError:
            pass  # JSON lines
    for number, line in lines:
        yield f"{source}:{number}", line


def path_of(error):
    return "/".join(map(str, error.absolute_path)) or "(root)"


def validate(schemas, where, text, checker=None):
    """Prints 'ok ...' for a valid event; returns the 'INVALID ...' lines of an invalid one."""
    try:
        event = json.loads(text)
    except json.JSONDecodeError as error:
        return [f"INVALID {where}: (root): not JSON: {error}"]
    if not isinstance(event, dict):
        return [f"INVALID {where}: (root): not a JSON object"]
    key = (event.get("eventType"), event.get("schemaVersion"))
    if key not in schemas:
        known = ", ".join(f"{t} v{v}" for t, v in sorted(schemas, key=str))
        return [f"INVALID {where}: eventType: no schema for eventType={key[0]!r} schemaVersion={key[1]!r} (known: {known})"]
    _, schema = schemas[key]
    validator = Draft202012Validator(schema, format_checker=checker or format_checker())
    errors = sorted(validator.iter_errors(event), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if errors:
        return [f"INVALID {where}: {path_of(e)}: {e.message}" for e in errors]
    print(f"ok {event['eventType']} {event['eventId']}")
    return []


def main(argv):
    if len(argv) < 2 or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 2
    directory = argv[0]
    if argv[1:] == ["--check-schemas"]:
        return 1 if check_schemas(directory) else 0
    schemas = load_schemas(directory)
    checker = format_checker()
    invalid = 0
    for source in argv[1:]:
        try:
            events = list(events_in(source))
        except (OSError, UnicodeDecodeError) as error:
            print(f"INVALID {source}:0: (file): cannot read: {error}")
            invalid += 1
            continue
        if not events:
            print(f"INVALID {source}:0: (file): no events")
            invalid += 1
        for where, text in events:
            problems = validate(schemas, where, text, checker)
            for problem in problems:
                print(problem)
            invalid += bool(problems)
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
