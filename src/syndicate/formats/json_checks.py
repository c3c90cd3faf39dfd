"""Checks shared by the JSON formats: JSON Schema validation with format checks."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any


_NOT_JSON = object()


def parse_json(data: bytes) -> Any:
    """DATA decoded as UTF-8 JSON, or raise ValueError saying why it is not."""
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"not valid UTF-8 JSON: {error}") from None
    except RecursionError:
        raise ValueError("not usable JSON: nested too deeply") from None


def sniff_json(data: bytes) -> Any:
    """DATA as JSON when it is, else None (for recognising a file by its content)."""
    try:
        return parse_json(data)
    except ValueError:
        return None


def compact(mapping: dict[str, Any]) -> dict[str, Any]:
    """MAPPING without keys whose value is None or empty: absent, not null, in the output."""
    return {k: v for k, v in mapping.items() if v not in (None, "", [], {})}


def json_schema_problems(document: Any, schema: dict[str, Any], label: str, *, prefix: str = "") -> list[str]:
    """One 'path: message (LABEL)' line per violation of SCHEMA (with format checks), in document order."""
    # Imported here, not with the module: recognising and checking an XML file needs none of it.
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.validators import validator_for

    validator = validator_for(schema, default=Draft202012Validator)(schema, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    paths = ("/".join((prefix, *map(str, e.absolute_path))).strip("/") or "document" for e in errors)
    return [f"{path}: {e.message} ({label})" for path, e in zip(paths, errors, strict=True)]


@cache
def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def external_json_schema_problems(document: Any, path: Path | None, *, per_item: bool = False) -> list[str]:
    """Problems found by a JSON Schema the user supplied, if any.

    PER_ITEM applies it to every element of an array document (a schema that
    describes one object, such as IPTC's ninjs schema, for a file that holds many).
    """
    if path is None:
        return []
    try:
        schema = _load(Path(path).resolve())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return [f"cannot load the schema {path}: {error}"]
    label = Path(path).name
    if per_item and isinstance(document, list):
        return [p for index, item in enumerate(document)
                for p in json_schema_problems(item, schema, label, prefix=str(index))]
    return json_schema_problems(document, schema, label)
