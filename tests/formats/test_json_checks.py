"""JSON checks: an item found valid once is not tested again, and still hides no problem."""

import json
from pathlib import Path

import pytest

from syndicate.formats import json_checks, jsonfeed, ninjs
from syndicate.formats.json_checks import _SchemaCheck, dump_items, item_line, items_schema_problems
from syndicate.formats.known_items import KnownItems
from syndicate.resources import json_schema

FEED_SCHEMA = json_schema(jsonfeed.SCHEMA)
LABEL = f"schemas/{jsonfeed.SCHEMA}"


def _lines(document: dict) -> tuple[bytes, list[bytes]]:
    """DOCUMENT as the writer lays it out, and its items' lines."""
    known = KnownItems()
    envelope = {k: v for k, v in document.items() if k != "items"}
    data = dump_items(envelope, [item_line(item) for item in document["items"]], known=known)
    return data, [json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode() for item in document["items"]]


@pytest.fixture
def feed(example_feeds: Path) -> dict:
    return json.loads((example_feeds / "society/feed.json").read_bytes())


def test_items_found_valid_are_not_tested_again(feed: dict, monkeypatch: pytest.MonkeyPatch):
    known = KnownItems()
    data, lines = _lines(feed)
    known.wrote(data, lines)
    assert items_schema_problems(feed, data, FEED_SCHEMA, LABEL, items_at="items", known=known) == []
    assert set(known.valid) == {known.digest(line) for line in lines}
    tested = []
    check = _SchemaCheck(FEED_SCHEMA)
    item_test = check.item_test("items")
    monkeypatch.setattr(check, "item_test", lambda items_at: lambda item: tested.append(item) or item_test(item))
    monkeypatch.setitem(json_checks._CHECKS, id(FEED_SCHEMA), check)
    assert items_schema_problems(feed, data, FEED_SCHEMA, LABEL, items_at="items", known=known) == []
    assert tested == []


def test_a_broken_envelope_around_known_items_is_reported_as_a_whole_check_reports_it(feed: dict):
    known = KnownItems()
    data, lines = _lines(feed)
    known.wrote(data, lines)
    assert items_schema_problems(feed, data, FEED_SCHEMA, LABEL, items_at="items", known=known) == []
    broken = {**feed, "homepage": "x"}
    data, _ = _lines(broken)
    known.wrote(data, lines)  # the same items
    problems = items_schema_problems(broken, data, FEED_SCHEMA, LABEL, items_at="items", known=known)
    assert problems == ["document: 'homepage' does not match any of the regexes: '^_[A-Za-z][^.]*$' "
                        f"({LABEL})"]


def test_a_file_not_as_written_is_tested_whole(feed: dict):
    known = KnownItems()
    data, lines = _lines(feed)
    known.wrote(data, lines)
    assert items_schema_problems(feed, data, FEED_SCHEMA, LABEL, items_at="items", known=known) == []
    del feed["items"][0]["id"]
    problems = items_schema_problems(feed, data + b" ", FEED_SCHEMA, LABEL, items_at="items", known=known)
    assert problems == [f"items/0: 'id' is a required property ({LABEL})"]


@pytest.mark.parametrize("schema", [
    {"type": "array", "items": {"type": "string"}, "minItems": 1},
    {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
    {"type": "array", "items": {"type": "string"}, "allOf": [{"maxItems": 3}]},
    {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "string"}}},
     "patternProperties": {"^it": {"maxItems": 3}}},
    {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "string"}, "maxItems": 3}}},
])
def test_a_schema_that_says_more_of_the_items_is_never_tested_item_by_item(schema: dict):
    items_at = "items" if schema["type"] == "object" else None
    assert _SchemaCheck(schema).item_test(items_at) is None


def test_the_project_schemas_are_tested_item_by_item():
    assert _SchemaCheck(FEED_SCHEMA).item_test("items") is not None
    assert _SchemaCheck(json_schema(ninjs.SCHEMA)).item_test(None) is not None
