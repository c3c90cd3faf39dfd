"""Checks shared by the JSON formats: JSON Schema validation with format checks."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import FormatChecker
from jsonschema.validators import validator_for


def json_schema_problems(document: Any, schema: dict[str, Any], label: str) -> list[str]:
    """One 'path: message (LABEL)' line per violation of SCHEMA, in document order."""
    validator = validator_for(schema)(schema, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{'/'.join(map(str, e.absolute_path)) or 'document'}: {e.message} ({label})" for e in errors]


@cache
def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def external_json_schema_problems(document: Any, path: Path | None) -> list[str]:
    """Problems found by a JSON Schema the user supplied, if any."""
    if path is None:
        return []
    try:
        schema = _load(Path(path).resolve())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return [f"cannot load the schema {path}: {error}"]
    return json_schema_problems(document, schema, Path(path).name)
