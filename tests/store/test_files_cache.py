"""The directory store's record cache: an unchanged store is exported without opening a
record file; a changed, new or removed file is read again alone; problems are the same
as a check of every record; a damaged, foreign or unusable cache is rebuilt or set aside."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from syndicate import api
from syndicate.config import load_config
from syndicate.errors import InvalidRecords
from syndicate.records import load_articles
from syndicate.store import cache, file_index, files, open_store
from syndicate.versions import VERSIONS_FILE

from tests.conftest import write_record


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """The record files each export opens (names, in order), and caches of this test's own.
    Files are taken as settled at once (no racy window): the tests write and export within a
    clock tick; test_a_file_changed_just_before_it_was_read_is_read_again restores it."""
    monkeypatch.setenv("SYNDICATE_CACHE_DIR", str(tmp_path / "caches"))
    monkeypatch.setattr(cache, "RACY_NS", 0)
    names: list[str] = []
    real = files._open_regular

    def counting(path: Path):
        names.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(files, "_open_regular", counting)
    return names


def _export(site: Path, out: str = "out") -> dict[str, bytes]:
    api.export(site / "syndicate.toml", out_dir=site / out, formats=["jsonfeed"])
    return {path.relative_to(site / out).as_posix(): path.read_bytes()
            for path in sorted((site / out).rglob("*"))
            if path.is_file() and path.name != "manifest.json" and not path.name.startswith(".")}


def _titles(feeds: dict[str, bytes], feed: str = "all") -> list[str]:
    return [item["title"] for item in json.loads(feeds[f"{feed}/feed.json"])["items"]]


def _fresh_export(site: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, out: str) -> dict[str, bytes]:
    """The same export with no cache at all (a new cache directory), into OUT holding the versions
    ledger of the export into site/out (the versions published depend on it, not on the cache)."""
    ledger = site / "out" / VERSIONS_FILE
    if ledger.is_file():
        (site / out).mkdir(exist_ok=True)
        shutil.copyfile(ledger, site / out / VERSIONS_FILE)
    with monkeypatch.context() as patch:
        patch.setenv("SYNDICATE_CACHE_DIR", str(tmp_path / f"caches-{out}"))
        return _export(site, out)


def _lines(site: Path, *records: dict) -> Path:
    path = site / "store" / "more.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _record(name: str, **fields) -> dict:
    return {"id": name, "url": f"https://test.example.org/society/{name}/", "title": f"Title of {name}",
            "section": "society", "published": "2024-01-02T10:00:00+03:00", **fields}


def test_an_unchanged_store_is_exported_again_without_opening_a_record_file(site, opened):
    for day in range(1, 4):
        write_record(site, f"a{day}", published=f"2024-01-0{day}T10:00:00+03:00")
    _lines(site, _record("l1", published="2024-01-05T10:00:00+03:00"), _record("l2", section="sport"))

    first = _export(site)
    assert sorted(opened) == ["a1.json", "a2.json", "a3.json", "more.jsonl"]
    opened.clear()
    second = _export(site, "out2")
    assert opened == []
    assert second == first
    assert _titles(second) == ["Title of l1", "Title of a3", "Title of a2", "Title of l2", "Title of a1"]
    assert _titles(second, "sport") == ["Title of l2"]


def test_a_changed_a_new_and_a_removed_file_are_each_read_again_alone(site, opened, monkeypatch, tmp_path):
    for day in range(1, 4):
        write_record(site, f"a{day}", published=f"2024-01-0{day}T10:00:00+03:00")
    _export(site)

    opened.clear()
    write_record(site, "a2", title="Changed", published="2024-01-02T10:00:00+03:00")
    changed = _export(site)
    assert opened == ["a2.json"]
    assert _titles(changed) == ["Title of a3", "Changed", "Title of a1"]

    opened.clear()
    write_record(site, "a4", published="2024-01-04T10:00:00+03:00")
    added = _export(site)
    assert opened == ["a4.json"]
    assert _titles(added) == ["Title of a4", "Title of a3", "Changed", "Title of a1"]

    opened.clear()
    (site / "store" / "a3.json").unlink()
    removed = _export(site)
    assert opened == []
    assert _titles(removed) == ["Title of a4", "Changed", "Title of a1"]
    assert removed == _fresh_export(site, monkeypatch, tmp_path, "fresh")


def test_a_file_rewritten_with_the_same_size_and_mtime_is_read_again(site, opened):
    """What size and mtime miss (a restored mtime, `cp -p`, `rsync -t`), the change time catches."""
    path = write_record(site, "a1", title="First")
    before = path.stat()
    _export(site)
    opened.clear()

    path.write_text(path.read_text(encoding="utf-8").replace("First", "Other"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert _titles(_export(site)) == ["Other"]
    assert opened == ["a1.json"]


def test_a_file_changed_just_before_it_was_read_is_read_again(site, opened, monkeypatch):
    """Within the racy window a second change could keep the stamp: such a file is not trusted."""
    monkeypatch.setattr(cache, "RACY_NS", 3600 * 10**9)
    write_record(site, "a1")
    _export(site)
    opened.clear()
    _export(site)
    assert opened == ["a1.json"]


def test_a_bad_record_is_an_error_naming_its_file_at_every_export(site, opened):
    write_record(site, "good")
    write_record(site, "bad", title=None)
    for _attempt in range(2):
        opened.clear()
        with pytest.raises(InvalidRecords) as raised:
            _export(site)
        assert [str(p) for p in raised.value.problems] == [f"{site / 'store' / 'bad.json'} id=bad title: is required"]
    assert opened == []  # the second time: the problem came from the cache

    report = api.export(site / "syndicate.toml", out_dir=site / "skipped", skip_invalid=True)
    assert [p.record_id for p in report.skipped] == ["bad"]


def _snapshot_problems(site: Path) -> list[str]:
    config = load_config(site / "syndicate.toml")
    with open_store(site / "store", config=config).snapshot() as snapshot:
        return [str(p) for p in snapshot.problems]


def _problems_of_every_record(site: Path) -> list[str]:
    config = load_config(site / "syndicate.toml")
    return [str(p) for p in load_articles(open_store(site / "store", config=config).records(), config).problems]


def test_problems_across_records_are_those_of_a_check_of_every_record(site, opened):
    write_record(site, "a1")
    write_record(site, "a2", id="a1", title=None)  # the same id, and a problem of its own
    write_record(site, "a3", id="a1", section="nowhere")  # the same id: only that is said
    write_record(site, "b1", guid="tag:test.example.org,2024:c1")  # the item id of c1
    write_record(site, "c1")
    write_record(site, "d1", guid="post-9")
    write_record(site, "e1", guid="post-9")  # the guid of d1
    (site / "store" / "f1.json").write_text("[1, 2]", encoding="utf-8")
    (site / "store" / "g1.json").write_text("{not json", encoding="utf-8")
    _lines(site, _record("h1"), _record("a1"), _record("h1"))

    cold = _snapshot_problems(site)
    opened.clear()
    warm = _snapshot_problems(site)
    assert opened == []
    everything = _problems_of_every_record(site)
    assert len(everything) == 9 and cold == everything and warm == everything
    assert any("a2.json id=a1 id: duplicate id, first used in" in p for p in warm)
    assert any("e1.json id=e1 guid: item id 'post-9' is already the item id of" in p for p in warm)


def test_a_damaged_or_foreign_cache_is_rebuilt(site, opened, tmp_path):
    write_record(site, "a1")
    expected = _export(site)
    [path] = (tmp_path / "caches").glob("store-*.sqlite3")
    for damage in (b"not a database at all" * 100, path.read_bytes()[:2048 + 100], None):
        if damage is None:  # someone else's SQLite database under that name
            path.unlink()
            with sqlite3.connect(path) as other:
                other.execute("CREATE TABLE notes (text TEXT)")
            other.close()
        else:
            path.write_bytes(damage)
        for name in (f"{path}-wal", f"{path}-shm"):
            Path(name).unlink(missing_ok=True)
        opened.clear()
        assert _export(site) == expected
        assert opened == ["a1.json"]
        opened.clear()
        assert _export(site) == expected
        assert opened == []  # rebuilt


def test_a_cache_that_cannot_be_written_is_set_aside_with_a_warning(site, opened, monkeypatch, tmp_path):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("SYNDICATE_CACHE_DIR", str(tmp_path / "a-file" / "caches"))
    write_record(site, "a1")
    config = load_config(site / "syndicate.toml")
    for _attempt in range(2):
        store = open_store(site / "store", config=config)
        with store.snapshot() as snapshot:
            assert snapshot.problems == ()
        assert any("the record cache cannot be used" in w for w in store.warnings)
    assert opened == ["a1.json", "a1.json"]
    assert _titles(_export(site)) == ["Title of a1"]
    report = api.export(site / "syndicate.toml", out_dir=site / "out-warned")
    assert any("the record cache cannot be used" in w for w in report.warnings)  # the export says so too


def test_the_cache_is_where_the_environment_or_the_config_says_and_never_in_the_store(site, opened, tmp_path,
                                                                                      monkeypatch):
    write_record(site, "a1")
    _export(site)
    assert len(list((tmp_path / "caches").glob("store-*.sqlite3"))) == 1
    assert sorted(p.name for p in (site / "store").iterdir()) == ["a1.json"]

    monkeypatch.delenv("SYNDICATE_CACHE_DIR")
    with (site / "syndicate.toml").open("a", encoding="utf-8") as config:
        config.write('\n[store]\ncache = "my-cache"\n')
    _export(site)
    assert len(list((site / "my-cache").glob("store-*.sqlite3"))) == 1

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_directory(None) == tmp_path / "xdg" / "syndicate"
    monkeypatch.setenv("SYNDICATE_CACHE_DIR", str(tmp_path / "given"))
    assert cache.cache_directory(load_config(site / "syndicate.toml")) == tmp_path / "given"


def test_another_config_checks_every_record_again(site, opened):
    write_record(site, "a1", published="02.01.2024 10:00")
    assert json.loads(_export(site)["all/feed.json"])["items"][0]["date_published"] == "2024-01-02T10:00:00+03:00"
    config = site / "syndicate.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("dayfirst = true", "dayfirst = false"),
                      encoding="utf-8")
    opened.clear()
    assert json.loads(_export(site)["all/feed.json"])["items"][0]["date_published"] == "2024-02-01T10:00:00+03:00"
    assert opened == ["a1.json"]


def test_a_cache_that_fails_during_an_export_is_set_aside_for_a_temporary_one(site, opened, monkeypatch):
    write_record(site, "a1")
    write_record(site, "a2", published="2024-01-03T10:00:00+03:00")
    expected = _export(site)
    failures = iter([sqlite3.DatabaseError("database disk image is malformed")])
    real = cache.RecordCache.latest

    def failing_once(self, section, *, as_of):
        if (failure := next(failures, None)) is not None:
            raise failure
        return real(self, section, as_of=as_of)

    monkeypatch.setattr(cache.RecordCache, "latest", failing_once)
    opened.clear()
    assert _export(site, "again") == expected
    assert sorted(opened) == ["a1.json", "a2.json"]  # read into the temporary cache


def test_an_export_finds_what_it_needs_through_indexes():
    """No query of an export reads every record's row: each walks or searches an index (those
    that look for ids seen twice read a whole index, never the table)."""
    plans = cache.temporary_cache("key").query_plans()
    for name, lines in plans.items():
        for line in lines:
            if line.startswith(("SCAN", "SEARCH")) and "temp." not in line:
                assert "INDEX" in line, (name, line)
    assert "SEARCH records USING COVERING INDEX records_id (record_id>?)" in plans["entangled"]
    assert plans["held"] == ["SCAN records USING INDEX records_held"]
    assert plans["latest of site"] == ["SCAN records USING INDEX records_latest"]
    assert plans["latest in section"][0] == "SEARCH sections USING INDEX sections_latest (section=?)"


def test_an_export_interrupted_while_it_updates_the_cache_keeps_none_of_the_update(site, opened, monkeypatch):
    for name in ("a1", "a2", "a3"):
        write_record(site, name)
    _export(site)
    for name in ("a1", "a2", "a3"):
        write_record(site, name, title=f"New {name}")
    calls = iter(range(100))
    real = cache.checked_row

    def interrupted(*arguments):
        if next(calls) == 1:
            raise KeyboardInterrupt
        return real(*arguments)

    monkeypatch.setattr(file_index, "checked_row", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _export(site)
    monkeypatch.setattr(file_index, "checked_row", real)
    opened.clear()
    assert sorted(_titles(_export(site))) == ["New a1", "New a2", "New a3"]
    assert sorted(opened) == ["a1.json", "a2.json", "a3.json"]


def test_an_id_with_a_lone_surrogate_is_a_problem_naming_it_every_time(site: Path):
    write_record(site, "good")
    write_record(site, "bad", id="\ud800")  # an escape JSON allows and UTF-8 (and SQLite) cannot hold
    config = site / "syndicate.toml"
    for _ in range(2):  # filling the cache, then from it
        with pytest.raises(InvalidRecords) as refused:
            api.export(config, out_dir=site / "out")
        (problem,) = refused.value.problems
        assert (problem.origin, problem.field) == (str(site / "store" / "bad.json"), "id")
        assert "is not an id of letters" in problem.message
