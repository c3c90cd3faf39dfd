import re

import pytest

from syndicate.patterns import LazyPattern, lazy


def test_a_lazy_pattern_is_not_compiled_until_first_used(monkeypatch):
    compiled = []
    real_compile = re.compile
    monkeypatch.setattr(re, "compile", lambda *a: compiled.append(a) or real_compile(*a))
    pattern = lazy(r"(\d+)-(\d+)", re.ASCII)
    assert compiled == []
    assert pattern.fullmatch("12-34").groups() == ("12", "34")
    assert pattern.sub(r"\2-\1", "1-2 and 3-4") == "2-1 and 4-3"
    assert compiled == [(r"(\d+)-(\d+)", re.ASCII)]  # once, however often it is used


def test_a_lazy_pattern_answers_as_the_compiled_one():
    source, flags = r"(?P<word>[a-z]+)\s", re.IGNORECASE
    pattern, compiled = lazy(source, flags), re.compile(source, flags)
    text = "One two THREE "
    assert [m.group("word") for m in pattern.finditer(text)] == [m.group("word") for m in compiled.finditer(text)]
    assert pattern.search(text).span() == compiled.search(text).span()
    assert pattern.findall(text) == compiled.findall(text)
    assert pattern.split(text) == compiled.split(text)
    assert (pattern.pattern, pattern.flags, pattern.groups, pattern.groupindex) == (
        compiled.pattern, compiled.flags, compiled.groups, compiled.groupindex)


def test_a_lazy_pattern_refuses_what_a_pattern_has_not():
    with pytest.raises(AttributeError):
        lazy("a").no_such_method  # noqa: B018


def test_a_bad_pattern_fails_when_first_used():
    pattern = lazy("(unclosed")
    assert isinstance(pattern, LazyPattern)
    with pytest.raises(re.error):
        pattern.match("x")
