"""The compiled schemas accept exactly what jsonschema accepts, on the project's own documents and
on documents changed at random (a member replaced by another JSON value, removed, or added)."""

from __future__ import annotations

import copy
import json
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from syndicate import api
from syndicate.compiled_schemas import UnsupportedSchema, compile_schema, json_equal
from syndicate.resources import json_schema

from tests.conftest import EXAMPLE_CONFIG, PROJECT, examples

# Values that sit on the edges the schemas draw: empty and blank text, URIs and dates good and
# bad, numbers that are and are not integers, true next to 1.
EDGES = ["", " ", "main", "summary", "text", "picture", "usable", "full", "ninjs", "2.2", "text/html",
         "https://news.example.org/a/", "http://x", "ftp://example.org/a", "not a uri", "a b:c", "tag:x,2024:y",
         "2024-03-28T22:05:00+03:00", "2024-03-28T22:05:00Z", "2024-03-28t22:05:00z", "2024-03-28T22:05:00",
         "2024-02-30T00:00:00Z", "society", "Society", "-a", "a--b", "x" * 300, "\u00e9", 0, 1, -1, 1.0, 1.5,
         10**20, True, False, None, [], {}, ["a"], ["a", "a"], [1, True], {"name": "x"}]
SCALARS = st.one_of(st.sampled_from(EDGES), st.text(max_size=8), st.integers(), st.floats(allow_nan=False),
                    st.booleans(), st.none())
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(["name", "role", "value", "uri", "url", "x"]) | st.text(max_size=4),
                                        inner, max_size=3), max_leaves=6)


def _records() -> list[dict]:
    store = PROJECT / "examples" / "store"
    records = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(store.glob("*/*.json"))]
    lines = (store / "unpublished.jsonl").read_text(encoding="utf-8").splitlines()
    return records + [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list]:
    """Valid documents of each schema: records of the example store and the feeds exported from it."""
    out = tmp_path_factory.mktemp("json-feeds")
    api.export(EXAMPLE_CONFIG, out_dir=out, formats=["jsonfeed", "ninjs"])

    def read(name: str) -> list:
        return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(out.glob(f"*/{name}"))]
    return {"article.schema.json": _records(), "jsonfeed-1.1.schema.json": read("feed.json"),
            "ninjs-2.2-profile.schema.json": read("ninjs.json")}


# Records are checked without format assertions (dates are parsed later), feeds with them.
CASES = [("article.schema.json", False), ("jsonfeed-1.1.schema.json", True),
         ("ninjs-2.2-profile.schema.json", True)]


def _jsonschema_valid(name: str, formats: bool, document) -> bool:
    schema = json_schema(name)
    return Draft202012Validator(schema, format_checker=FormatChecker() if formats else None).is_valid(document)


def _mutate(data: st.DataObject, document):
    """DOCUMENT with one member somewhere in it replaced, removed, or added."""
    document = copy.deepcopy(document)
    parent, key = None, None
    node = document
    while isinstance(node, (dict, list)) and node and data.draw(st.integers(0, 4), "depth") > 0:
        key = data.draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))), "key")
        parent, node = node, node[key]
    action = data.draw(st.sampled_from(["replace", "remove", "add"]), "action")
    if parent is None:
        return data.draw(VALUES, "document") if action == "replace" else document
    if action == "replace":
        parent[key] = data.draw(VALUES, "value")
    elif action == "remove":
        del parent[key]
    elif isinstance(parent, dict):
        parent[data.draw(st.sampled_from(["role", "uri", "url", "id", "zz", "_syndicate"]), "name")] = \
            data.draw(VALUES, "value")
    else:
        parent.append(data.draw(VALUES, "value"))
    return document


@pytest.mark.parametrize(("name", "formats"), CASES)
def test_every_document_the_project_makes_is_valid_both_ways(documents, name: str, formats: bool):
    test = compile_schema(json_schema(name), formats=formats)
    for document in documents[name]:
        assert test(document) and _jsonschema_valid(name, formats, document)


@pytest.mark.parametrize(("name", "formats"), CASES)
def test_compiled_and_jsonschema_agree_on_changed_documents(documents, name: str, formats: bool):
    test = compile_schema(json_schema(name), formats=formats)

    @settings(max_examples=examples(100))
    @given(data=st.data())
    def agree(data: st.DataObject):
        original = data.draw(st.sampled_from(documents[name]), "original")
        # A ninjs file is an array of items: change an item, not only the array.
        document = _mutate(data, original)
        assert test(document) == _jsonschema_valid(name, formats, document), document

    agree()


@settings(max_examples=examples(200))
@given(schema_value=VALUES, value=VALUES)
def test_const_and_enum_compare_as_json_schema_does(schema_value, value):
    for schema in ({"const": schema_value}, {"enum": [schema_value, "main"]}, {"uniqueItems": True}):
        assert compile_schema(schema, formats=False)(value) == Draft202012Validator(schema).is_valid(value)


def test_json_equality_keeps_true_apart_from_one():
    assert not json_equal(True, 1) and not json_equal([0], [False]) and json_equal(1, 1.0)
    assert json_equal({"a": [1, "x"]}, {"a": [1.0, "x"]}) and not json_equal({"a": 1}, {"a": 1, "b": 2})


def test_integer_is_a_number_without_a_fraction():
    integer = compile_schema({"type": "integer"}, formats=False)
    assert integer(1) and integer(1.0) and not integer(1.5) and not integer(True) and not integer("1")


@pytest.mark.parametrize("schema", [{"unevaluatedProperties": False}, {"$ref": "https://example.org/s.json"},
                                    {"format": "email"}, {"type": "any"}, {"prefixItems": [True]}])
def test_a_keyword_it_does_not_compile_is_refused_not_ignored(schema):
    with pytest.raises(UnsupportedSchema):
        compile_schema(schema, formats=True)


def test_formats_are_asserted_only_when_asked():
    schema = {"type": "string", "format": "date-time"}
    assert compile_schema(schema, formats=False)("yesterday")
    assert not compile_schema(schema, formats=True)("yesterday")
    assert compile_schema(schema, formats=True)("2024-03-28t22:05:00z")  # as jsonschema: case-insensitive


URI_CHARACTERS = st.text(st.sampled_from("az09:/?#[]@!$&'()*+,;=-._~% AF\n"), max_size=24)


@settings(max_examples=examples(500))
@given(tail=URI_CHARACTERS, scheme=st.sampled_from(["https://", "http://x.org", "tag:", "a:", "1:", ""]))
def test_the_common_uri_form_is_a_uri_by_rfc_3986(scheme: str, tail: str):
    from rfc3986_validator import validate_rfc3986

    from syndicate.compiled_schemas import _COMMON_URI

    value = scheme + tail
    if _COMMON_URI.fullmatch(value):
        assert validate_rfc3986(value, rule="URI")
