#!/usr/bin/env python3
"""Checks Schemas/openapi.yaml (OpenAPI 3.1) and prints its routes as 'METHOD /path/:param', sorted.

    openapi_routes.py [PATH]
"""

import sys
from pathlib import Path

import yaml
from openapi_spec_validator import validate

path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "Schemas" / "openapi.yaml"
spec = yaml.safe_load(path.read_text())
validate(spec)
routes = []
for route, item in spec["paths"].items():
    for method in item:
        if method in ("get", "put", "post", "patch", "delete", "head", "options"):
            routes.append(f"{method.upper()} {route}")
print("\n".join(sorted(routes)))
