"""The project's JSON Schemas (draft 2020-12) compiled once into Python tests of validity.

A compiled test answers only "valid or not", as jsonschema's Draft202012Validator
would for the same schema, and in a fraction of its time: each schema becomes a
tree of closures, with no reference resolution, no error objects and no import of
jsonschema. A caller that needs to say why a document is invalid asks jsonschema
then, for that document only; the messages are jsonschema's, as before.

Only the keywords the project's schemas use are compiled. Any other keyword (or a
format other than date-time and uri) raises UnsupportedSchema, so a schema that
grows one is checked by jsonschema alone rather than half-checked here.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

Test = Callable[[Any], bool]

# Keywords that only annotate (draft 2020-12, Core 8 and Validation 9): nothing to test.
_ANNOTATIONS = frozenset({"$schema", "$comment", "$defs", "title", "description", "default", "examples",
                          "deprecated", "readOnly", "writeOnly", "contentMediaType", "contentEncoding"})


class UnsupportedSchema(ValueError):
    """The schema uses a keyword this compiler does not implement."""


def _date_time(value: str) -> bool:
    return _validate_rfc3339()(value.upper())  # as jsonschema's FormatChecker: 't' and 'z' are allowed


@cache
def _validate_rfc3339() -> Callable[[str], bool]:
    from rfc3339_validator import validate_rfc3339

    return validate_rfc3339


# The common forms of a URI, scheme://host[:port]/path?query#fragment and scheme:path
# (tag:, urn:), each part as RFC 3986
# spells it (reg-name, pchar, query and fragment characters, %XX escapes). Every string it
# matches also matches rfc3986_validator's full grammar, which takes longer to compile (at its
# import) than a whole `syndicate validate` of a small file; that grammar is asked only about
# the rest (user info, IP literals, an absolute path without a host).
_CHARACTER = r"(?:[a-zA-Z0-9_.~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})"
_PCHAR = r"(?:[a-zA-Z0-9_.~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})"
_QUERY = r"(?:[a-zA-Z0-9_.~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*"
_COMMON_URI = re.compile(rf"[a-zA-Z][a-zA-Z0-9+.-]*:(?://{_CHARACTER}*(?::[0-9]*)?(?:/{_PCHAR}*)*"
                         rf"|{_PCHAR}+(?:/{_PCHAR}*)*)(?:\?{_QUERY})?(?:#{_QUERY})?")


def _uri(value: str) -> bool:
    if _COMMON_URI.fullmatch(value):
        return True
    from rfc3986_validator import validate_rfc3986

    return bool(validate_rfc3986(value, rule="URI"))


# The formats jsonschema's FormatChecker asserts with the checkers the project depends on
# (rfc3339-validator, rfc3986-validator); both pass any value that is not a string.
FORMAT_TESTS: dict[str, Callable[[str], bool]] = {"date-time": _date_time, "uri": _uri}


def _is_integer(value: Any) -> bool:
    # JSON Schema's integer is a number with no fractional part (1.0 is one); bool is no number.
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


_TYPES: dict[str, Test] = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
    "integer": _is_integer,
    "number": _is_number,
}


def _unbool(value: Any) -> Any:
    """VALUE, with true and false kept apart from 1 and 0 (JSON Schema's equality)."""
    if value is True:
        return ("bool", True)
    if value is False:
        return ("bool", False)
    return value


def json_equal(one: Any, two: Any) -> bool:
    """JSON Schema equality, as jsonschema's: true is not 1, lists and objects compared member by member."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(json_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(key in two and json_equal(value, two[key])
                                            for key, value in one.items())
    return _unbool(one) == _unbool(two)


def _unique(values: list[Any]) -> bool:
    seen: list[Any] = []
    for value in values:
        if any(json_equal(value, other) for other in seen):
            return False
        seen.append(value)
    return True


def _enum(members: list[Any]) -> Test:
    if all(isinstance(member, str) for member in members):
        # Only a string equals a string (json_equal): a set lookup, for the common case.
        strings = frozenset(members)
        return lambda value: isinstance(value, str) and value in strings
    return lambda value: any(json_equal(value, member) for member in members)


def _present(value: dict, required: tuple[str, ...], dependent: list[tuple[str, list[str]]]) -> bool:
    """Whether VALUE has every REQUIRED name, and the names each DEPENDENT one needs when it is there."""
    for name in required:
        if name not in value:
            return False
    for name, needed in dependent:
        if name in value and any(other not in value for other in needed):
            return False
    return True


def _all(tests: list[Test]) -> Test:
    if not tests:
        return lambda value: True
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda value: first(value) and second(value)

    def every(value: Any) -> bool:
        for test in tests:
            if not test(value):
                return False
        return True
    return every


class _Compiler:
    def __init__(self, root: Any, *, formats: bool) -> None:
        self.root = root
        self.formats = formats
        self.by_pointer: dict[str, Test] = {}

    def ref(self, reference: str) -> Test:
        if not reference.startswith("#"):
            raise UnsupportedSchema(f"$ref {reference!r}: only references within the schema are compiled")
        if reference not in self.by_pointer:
            target: Any = self.root
            for part in filter(None, reference[1:].split("/")):
                part = part.replace("~1", "/").replace("~0", "~")
                target = target[int(part)] if isinstance(target, list) else target[part]
            compiled: list[Test] = []
            # Registered before compiling, so that a schema that refers to itself terminates.
            self.by_pointer[reference] = lambda value: compiled[0](value)
            compiled.append(self.compile(target))
            self.by_pointer[reference] = compiled[0]
        return self.by_pointer[reference]

    def compile(self, schema: Any) -> Test:
        if schema is True:
            return lambda value: True
        if schema is False:
            return lambda value: False
        if not isinstance(schema, dict):
            raise UnsupportedSchema(f"a schema must be an object or a boolean, got {schema!r}")
        keywords = dict(schema)
        if schema is not self.root and "$id" in keywords:
            raise UnsupportedSchema("$id below the root")
        keywords.pop("$id", None)
        tests: list[Test] = []
        if "$ref" in keywords:
            tests.append(self.ref(keywords.pop("$ref")))
        # A schema of type "object" with object keywords is one test: dicts only (likewise strings).
        objects = self._objects(keywords, only=keywords.get("type") == "object")
        strings = self._strings(keywords, only=keywords.get("type") == "string")
        if (objects and keywords.get("type") == "object") or (strings and keywords.get("type") == "string"):
            del keywords["type"]
        if "type" in keywords:
            tests.append(self._type(keywords.pop("type")))
        if "const" in keywords:
            tests.append(_enum([keywords.pop("const")]))
        if "enum" in keywords:
            tests.append(_enum(keywords.pop("enum")))
        tests += strings + self._numbers(keywords) + self._arrays(keywords) + objects + self._combinations(keywords)
        unknown = sorted(set(keywords) - _ANNOTATIONS)
        if unknown:
            raise UnsupportedSchema(f"keyword(s) {', '.join(unknown)} not compiled")
        return _all(tests)

    def _type(self, names: str | list[str]) -> Test:
        unknown = [name for name in ([names] if isinstance(names, str) else names) if name not in _TYPES]
        if unknown:
            raise UnsupportedSchema(f"type(s) {', '.join(map(repr, unknown))} not compiled")
        if isinstance(names, str):
            return _TYPES[names]
        tests = [_TYPES[name] for name in names]
        return lambda value: any(test(value) for test in tests)

    def _strings(self, keywords: dict[str, Any], *, only: bool) -> list[Test]:
        """One test of minLength, maxLength, pattern and format; ONLY: and of type string."""
        least, most = keywords.pop("minLength", None), keywords.pop("maxLength", None)
        # re.search, as jsonschema: a pattern is not anchored.
        search = re.compile(keywords.pop("pattern")).search if "pattern" in keywords else None
        format_test = None
        if "format" in keywords:
            name = keywords.pop("format")
            if self.formats:
                if name not in FORMAT_TESTS:
                    raise UnsupportedSchema(f"format {name!r} not compiled")
                format_test = FORMAT_TESTS[name]
        if least is None and most is None and search is None and format_test is None:
            return []
        other_types = not only

        def string_test(value: Any) -> bool:
            if not isinstance(value, str):
                return other_types
            return ((least is None or len(value) >= least) and (most is None or len(value) <= most)
                    and (search is None or search(value) is not None)
                    and (format_test is None or format_test(value)))
        return [string_test]

    def _numbers(self, keywords: dict[str, Any]) -> list[Test]:
        tests: list[Test] = []
        bounds = {"minimum": lambda v, b: v >= b, "maximum": lambda v, b: v <= b,
                  "exclusiveMinimum": lambda v, b: v > b, "exclusiveMaximum": lambda v, b: v < b}
        for keyword, holds in bounds.items():
            if keyword in keywords:
                bound = keywords.pop(keyword)
                tests.append(lambda value, holds=holds, bound=bound: not _is_number(value) or holds(value, bound))
        return tests

    def _arrays(self, keywords: dict[str, Any]) -> list[Test]:
        tests: list[Test] = []
        if "items" in keywords:
            each = self.compile(keywords.pop("items"))
            tests.append(lambda value: not isinstance(value, list) or all(each(item) for item in value))
        if "minItems" in keywords:
            least = keywords.pop("minItems")
            tests.append(lambda value: not isinstance(value, list) or len(value) >= least)
        if "maxItems" in keywords:
            most = keywords.pop("maxItems")
            tests.append(lambda value: not isinstance(value, list) or len(value) <= most)
        if keywords.pop("uniqueItems", False):
            tests.append(lambda value: not isinstance(value, list) or _unique(value))
        return tests

    def _objects(self, keywords: dict[str, Any], *, only: bool) -> list[Test]:
        """One test of the object keywords; ONLY: and of type object."""
        properties = {name: self.compile(sub) for name, sub in keywords.pop("properties", {}).items()}
        patterns = keywords.pop("patternProperties", {})
        by_pattern = [(re.compile(pattern).search, self.compile(sub)) for pattern, sub in patterns.items()]
        # As jsonschema: a property is additional when no pattern, joined by '|', matches it.
        any_pattern = re.compile("|".join(patterns)).search if patterns else None
        closed = keywords.get("additionalProperties") is False
        additional = self.compile(keywords.pop("additionalProperties")) if "additionalProperties" in keywords \
            else None
        required = tuple(keywords.pop("required", ()))
        names = self.compile(keywords.pop("propertyNames")) if "propertyNames" in keywords else None
        dependent = list(keywords.pop("dependentRequired", {}).items())
        if not (properties or by_pattern or additional or required or names or dependent):
            return []
        other_types = not only
        if closed and not (by_pattern or names):
            return [self._closed_object(properties, required, dependent, other_types)]
        if additional is None and not (by_pattern or names):
            return [self._open_object(properties, required, dependent, other_types)]

        def object_test(value: Any) -> bool:
            if not isinstance(value, dict):
                return other_types
            if not _present(value, required, dependent):
                return False
            for name, member in value.items():
                test = properties.get(name)
                if test is not None and not test(member):
                    return False
                for search, pattern_test in by_pattern:
                    if search(name) and not pattern_test(member):
                        return False
                if additional is not None and test is None and not (any_pattern and any_pattern(name)) \
                        and not additional(member):
                    return False
                if names is not None and not names(name):
                    return False
            return True
        return [object_test]

    @staticmethod
    def _closed_object(properties: dict[str, Test], required: tuple[str, ...],
                       dependent: list[tuple[str, list[str]]], other_types: bool) -> Test:
        """The common case, additionalProperties false and no patterns: the names are checked at once."""
        allowed = frozenset(properties)

        def closed_object_test(value: Any) -> bool:
            if not isinstance(value, dict):
                return other_types
            if not value.keys() <= allowed or not _present(value, required, dependent):
                return False
            for name, member in value.items():
                if not properties[name](member):
                    return False
            return True
        return closed_object_test

    @staticmethod
    def _open_object(properties: dict[str, Test], required: tuple[str, ...],
                     dependent: list[tuple[str, list[str]]], other_types: bool) -> Test:
        """Properties, required and dependentRequired only (as in the conditions of "if")."""
        checked = tuple(properties.items())

        def open_object_test(value: Any) -> bool:
            if not isinstance(value, dict):
                return other_types
            if not _present(value, required, dependent):
                return False
            for name, test in checked:
                if name in value and not test(value[name]):
                    return False
            return True
        return open_object_test

    def _combinations(self, keywords: dict[str, Any]) -> list[Test]:
        tests: list[Test] = []
        if "allOf" in keywords:
            tests.append(_all([self.compile(sub) for sub in keywords.pop("allOf")]))
        if "anyOf" in keywords:
            choices = [self.compile(sub) for sub in keywords.pop("anyOf")]
            tests.append(lambda value: any(choice(value) for choice in choices))
        if "oneOf" in keywords:
            choices = [self.compile(sub) for sub in keywords.pop("oneOf")]
            tests.append(lambda value: sum(1 for choice in choices if choice(value)) == 1)
        if "not" in keywords:
            negated = self.compile(keywords.pop("not"))
            tests.append(lambda value: not negated(value))
        if "if" in keywords:
            condition = self.compile(keywords.pop("if"))
            then = self.compile(keywords.pop("then", True))
            otherwise = self.compile(keywords.pop("else", True))
            tests.append(lambda value: then(value) if condition(value) else otherwise(value))
        else:
            keywords.pop("then", None)  # without "if", "then" and "else" are ignored (Core 10.2.2)
            keywords.pop("else", None)
        return tests


def compile_schema(schema: Any, *, formats: bool, part: Any = None) -> Test:
    """A test of validity against SCHEMA (draft 2020-12), or against PART of it (a subschema,
    whose references are to SCHEMA); FORMATS asserts date-time and uri, as jsonschema does when
    given a FormatChecker. Raises UnsupportedSchema for keywords it lacks."""
    return _Compiler(schema, formats=formats).compile(schema if part is None else part)
