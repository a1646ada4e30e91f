#!/usr/bin/env python3
"""Validates JSON documents against one JSON Schema (draft 2020-12, formats checked).

    validate_json.py SCHEMA_FILE   reads one JSON document per line on stdin

Prints 'ok' or 'INVALID <line>: <path>: <message>' per document; exits 0 only if all are valid.
"""
import json
import sys

from jsonschema import Draft202012Validator, FormatChecker


def main():
    schema = json.load(open(sys.argv[1]))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    failures = 0
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        errors = sorted(validator.iter_errors(json.loads(line)), key=lambda e: list(e.path))
        for error in errors:
            print(f"INVALID {number}: {'/'.join(map(str, error.path))}: {error.message}")
        failures += bool(errors)
        if not errors:
            print("ok")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
