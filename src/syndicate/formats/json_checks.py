"""Checks shared by the JSON formats: JSON Schema validation with format checks.

Each schema is compiled once per process (syndicate.compiled_schemas) into a test that
passes a valid document without jsonschema; jsonschema is imported, and its validator
built, only to name the problems of a document the test refuses."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from syndicate.compiled_schemas import UnsupportedSchema, compile_schema
from syndicate.formats.known_items import KnownItems


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


_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def item_line(item: Any) -> bytes:
    """ITEM as one line of compact UTF-8 JSON (no space after ',' and ':'), which json's C encoder
    writes; indent= would take its pure-Python encoder, several times slower."""
    return _DUMPS(item).encode("utf-8")


def dump_items(envelope: dict[str, Any] | None, lines: list[bytes], *, key: str = "items",
               known: KnownItems | None = None) -> bytes:
    """The UTF-8 JSON text of ENVELOPE with the items of LINES (item_line() of each) as its last
    member KEY (or of the bare array when ENVELOPE is None), each item on a line of its own;
    noted with its items in KNOWN.

    One line per item keeps the file readable item by item and its changes between exports
    reviewable line by line.
    """
    array = b"[\n" + b",\n".join(lines) + b"\n]" if lines else b"[]"
    if envelope is None:
        document = array + b"\n"
    else:
        head = _DUMPS(envelope)[:-1] + ("," if envelope else "") + _DUMPS(key) + ":"
        document = head.encode("utf-8") + array + b"}\n"
    if known is not None:
        known.wrote(document, lines)
    return document


def compact(mapping: dict[str, Any]) -> dict[str, Any]:
    """MAPPING without keys whose value is None or empty: absent, not null, in the output."""
    return {k: v for k, v in mapping.items() if v not in (None, "", [], {})}


# What a schema of a document of items may say beside its items for them to be tested one by
# one: of an object whose member holds the items, or of the array of items itself.
_OBJECT_KEYWORDS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description", "type", "required",
                              "properties", "patternProperties", "additionalProperties"})
_ARRAY_KEYWORDS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description", "type", "items"})


class _SchemaCheck:
    """One schema, compiled once: a fast test of validity, and jsonschema's validator (built on
    first need) to say what is wrong with a document the test refuses."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema
        self.test = _compiled(schema)
        self._validator: Any = None
        self._item_tests: dict[str | None, Any] = {}

    def item_test(self, items_at: str | None) -> Any:
        """A test of one item, when the schema's document is valid exactly when it is with no items
        and each item passes it; else None. ITEMS_AT: the member of the document object that is
        the array of items, or None when the document is that array. So it is only when the
        schema says of the array no more than "items", and nothing else in it can see the items:
        no keyword but those of _OBJECT_KEYWORDS or _ARRAY_KEYWORDS, no pattern property that
        matches ITEMS_AT."""
        if items_at not in self._item_tests:
            self._item_tests[items_at] = self._item_test(items_at)
        return self._item_tests[items_at]

    def _item_test(self, items_at: str | None) -> Any:
        schema = self.schema
        if self.test is None or not isinstance(schema, dict):
            return None
        array = schema
        if items_at is not None:
            if schema.keys() - _OBJECT_KEYWORDS or schema.get("type") != "object" or any(
                    re.search(pattern, items_at) for pattern in schema.get("patternProperties", {})):
                return None
            array = schema.get("properties", {}).get(items_at)
        if not isinstance(array, dict) or array.keys() - _ARRAY_KEYWORDS or array.get("type") != "array" or (
                "items" not in array or (items_at is not None and array.keys() - {"type", "items"})):
            return None
        try:
            return compile_schema(schema, formats=True, part=array["items"])
        except UnsupportedSchema:
            return None

    def validator(self) -> Any:
        if self._validator is None:
            # Imported here, not with the module: a valid document never needs it.
            from jsonschema import Draft202012Validator, FormatChecker
            from jsonschema.validators import validator_for

            self._validator = validator_for(self.schema, default=Draft202012Validator)(
                self.schema, format_checker=FormatChecker())
        return self._validator


_DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def _compiled(schema: Any) -> Any:
    """SCHEMA's compiled test, or None for what only jsonschema checks (other drafts, other keywords)."""
    if isinstance(schema, dict) and schema.get("$schema", _DRAFT_2020_12) != _DRAFT_2020_12:
        return None
    try:
        return compile_schema(schema, formats=True)
    except UnsupportedSchema:
        return None


# Schemas in use, by identity (the project's schemas and a user's are loaded once and kept).
_CHECKS: dict[int, _SchemaCheck] = {}
_CHECKS_KEPT = 16


def _check_for(schema: Any) -> _SchemaCheck:
    check = _CHECKS.get(id(schema))
    if check is None or check.schema is not schema:
        if len(_CHECKS) >= _CHECKS_KEPT:
            del _CHECKS[next(iter(_CHECKS))]
        check = _CHECKS[id(schema)] = _SchemaCheck(schema)
    return check


def json_schema_problems(document: Any, schema: dict[str, Any], label: str, *, prefix: str = "") -> list[str]:
    """One 'path: message (LABEL)' line per violation of SCHEMA (with format checks), in document order."""
    check = _check_for(schema)
    if check.test is not None and check.test(document):
        return []
    errors = sorted(check.validator().iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    paths = ("/".join((prefix, *map(str, e.absolute_path))).strip("/") or "document" for e in errors)
    return [f"{path}: {e.message} ({label})" for path, e in zip(paths, errors, strict=True)]


def items_schema_problems(document: Any, data: bytes, schema: dict[str, Any], label: str, *,
                          items_at: str | None, known: KnownItems) -> list[str]:
    """json_schema_problems of DOCUMENT, parsed from DATA, a document of items (its member
    ITEMS_AT, or itself when None) testing only the items not found valid before (known_items):
    DATA must be byte for byte a file the writer noted in KNOWN, each item's text its JSON."""
    check = _check_for(schema)
    item_test = check.item_test(items_at)
    digests = known.items_of(data)
    items = document.get(items_at) if items_at is not None and isinstance(document, dict) else document
    if item_test is None or digests is None or not isinstance(items, list) or len(items) != len(digests):
        return json_schema_problems(document, schema, label)
    envelope = [] if items_at is None else {**document, items_at: []}
    if check.test(envelope) and all(digest in known.valid or item_test(item) for item, digest in zip(items, digests)):
        known.found_valid(digests)
        return []
    return json_schema_problems(document, schema, label)


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
