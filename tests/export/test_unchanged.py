"""Nothing changed, nothing done: an export whose store state, configuration, options and code
are those of the published files reads no record and writes nothing; any change to one of
them, to a published file or to the time (an embargo lifting) makes it run."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from syndicate import api
from syndicate.config import load_config
from syndicate.export import run, unchanged

from tests.conftest import copy_example, write_record

SOCIETY_RECORD = "society/society-2014-08-06-human-trafficking.json"


def _files(out: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


@pytest.fixture
def full_exports(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The out_dir of each export that ran in full (read the store's records, rendered)."""
    ran: list[str] = []
    export_all = run.export

    def counted(*args, **kwargs):
        ran.append(str(kwargs["out"]))
        return export_all(*args, **kwargs)

    monkeypatch.setattr(run, "export", counted)
    return ran


@pytest.mark.parametrize("kind", ["directory", "sqlite"])
def test_an_export_with_nothing_changed_reads_no_record_and_reports_the_last_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, full_exports: list[str], kind: str):
    config = copy_example(tmp_path)
    out = tmp_path / "out"
    store = None
    if kind == "sqlite":
        store = tmp_path / "news.db"
        api.import_records([config.parent / "store"], into=store, config_path=config)
    first = api.export(config, out_dir=out, store=store)
    before = _files(out)
    with monkeypatch.context() as patch:
        if kind == "sqlite":  # (a directory store words the problem of a repeated id from both records)
            patch.setattr("syndicate.records.load_articles", lambda *a, **k: pytest.fail("a record was read"))
        again = api.export(config, out_dir=out, store=store)
        checked = api.export(config, out_dir=out, store=store, check=True)
    assert len(full_exports) == 1  # the first export only
    assert _files(out) == before  # same bytes, same modification times
    assert again.written == () and again.rendered == 0
    assert sorted(again.unchanged) == sorted(out.resolve() / name for name in before)
    for field in ("feeds", "records", "warnings", "skipped", "held_back"):
        assert getattr(again, field) == getattr(first, field), field
    assert checked.checked_only and not checked.stale


@pytest.mark.parametrize("change", ["store", "config", "formats", "edited-file", "removed-file", "sqlite-import"])
def test_any_change_makes_the_export_run(tmp_path: Path, change: str, full_exports: list[str]):
    config = copy_example(tmp_path)
    out = tmp_path / "out"
    store = None
    if change == "sqlite-import":
        store = tmp_path / "news.db"
        api.import_records([config.parent / "store"], into=store, config_path=config)
    api.export(config, out_dir=out, store=store)
    feed = out / "society" / "rss.xml"
    published = feed.read_bytes()
    formats = None
    if change == "store":
        path = config.parent / "store" / SOCIETY_RECORD
        data = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps(dict(data, title="A corrected headline")), encoding="utf-8")
    elif change == "sqlite-import":
        source = tmp_path / "changed.json"
        data = json.loads((config.parent / "store" / SOCIETY_RECORD).read_text(encoding="utf-8"))
        source.write_text(json.dumps(dict(data, title="A corrected headline")), encoding="utf-8")
        api.import_records([source], into=store, config_path=config)
    elif change == "config":
        config.write_text(config.read_text(encoding="utf-8").replace('title = "Society"', 'title = "Society news"'),
                          encoding="utf-8")
    elif change == "formats":
        formats = ["rss", "atom"]
    elif change == "edited-file":
        feed.write_bytes(b"<broken")
    else:
        feed.unlink()
    api.export(config, out_dir=out, store=store, formats=formats)
    assert len(full_exports) == 2
    text = feed.read_text(encoding="utf-8")
    if change in ("store", "sqlite-import"):
        assert "A corrected headline" in text
    elif change == "config":
        assert "Society news" in text
    else:
        assert feed.read_bytes() == published  # put back as it was


def test_an_embargo_lifting_makes_the_export_run(site: Path, full_exports: list[str]):
    write_record(site, "public")
    write_record(site, "held", status="embargoed", embargo_until="2030-01-01T00:00:00Z")
    out = site / "out"
    config = site / "syndicate.toml"
    before = datetime(2029, 12, 31, tzinfo=timezone.utc)
    first = api.export(config, out_dir=out, as_of=before)
    assert first.held_back.embargoed == 1
    api.export(config, out_dir=out, as_of=before)
    assert len(full_exports) == 1
    lifted = api.export(config, out_dir=out, as_of=datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert len(full_exports) == 2 and lifted.held_back.embargoed == 0
    assert "Title of held" in (out / "society" / "rss.xml").read_text(encoding="utf-8")


def test_without_its_notes_in_the_cache_the_export_runs_and_writes_the_same_bytes(tmp_path: Path,
                                                                                  full_exports: list[str]):
    config = copy_example(tmp_path)
    out = tmp_path / "out"
    api.export(config, out_dir=out)
    before = _files(out)
    note = unchanged._stamps_path(load_config(config), out)
    assert note.parent.parent == Path(os.environ["SYNDICATE_CACHE_DIR"])  # in the cache, not under OUT
    note.unlink()
    again = api.export(config, out_dir=out)
    assert len(full_exports) == 2
    assert again.rendered == 0 and again.written == ()  # the manifest's hashes: nothing to render
    assert _files(out) == before
