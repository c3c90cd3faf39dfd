"""SQLite under concurrency, faults and other applications' databases: bounded waits, read-only
reads, refusals that leave the file as it was, errors named as the store's, and StoreState."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syndicate import api
from syndicate.cli import app
from syndicate.config import load_config
from syndicate.store import FeedQuery, StoreError, open_store
from syndicate.store.sqlite import APPLICATION_ID, SCHEMA_VERSION, SqliteStore
from syndicate.versions import PENDING_VERSIONS_FILE

from tests.store.configs import EXAMPLE_STORE, example_config, write_many, write_story

runner = CliRunner()

# syndicate 0.1's layout, as it created it (user_version 1).
OLD_LAYOUT = """
CREATE TABLE articles (id TEXT PRIMARY KEY, record TEXT NOT NULL, section TEXT NOT NULL, published TEXT NOT NULL,
                       updated TEXT NOT NULL, status TEXT NOT NULL, embargo_until TEXT);
CREATE TABLE article_sections (section TEXT NOT NULL, id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                               published TEXT NOT NULL, status TEXT NOT NULL, embargo_until TEXT,
                               PRIMARY KEY (section, id));
CREATE INDEX article_sections_latest ON article_sections (section, published DESC, id);
CREATE INDEX articles_latest ON articles (published DESC, id);
"""


@pytest.fixture
def store(example_sqlite: Path) -> Path:
    """The example store in SQLite."""
    return example_sqlite


def _state(path: Path, config: Path):
    opened = open_store(path, config=load_config(config))
    try:
        with opened.snapshot() as snapshot:
            return snapshot.state
    finally:
        opened.close()


def _writer_holding_the_lock(path: Path) -> sqlite3.Connection:
    """Another import in the middle of its transaction: the write lock held, a change not committed."""
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE articles SET record = json_set(record, '$.title', 'Not committed')")
    writer.execute("DELETE FROM article_sections WHERE section = 'analysis'")
    return writer


def _feed_titles(out: Path, feed: str) -> list[str]:
    return [i["title"] for i in json.loads((out / feed / "feed.json").read_text(encoding="utf-8"))["items"]]


def _cli(*arguments: str | Path):
    return runner.invoke(app, [str(a) for a in arguments])


def test_export_and_stats_read_the_committed_store_while_an_import_holds_the_write_lock(store: Path, tmp_path: Path):
    """They opened the store with a write (PRAGMA user_version), so waited ~30 s and failed: 'database is locked'."""
    config = example_config(tmp_path, timeout=1)
    writer = _writer_holding_the_lock(store)
    try:
        started = time.monotonic()
        report = api.export(config, out_dir=tmp_path / "out", store=store, formats=["jsonfeed"])
        _location, stats = api.store_stats(store, config_path=config)
        assert time.monotonic() - started < 10  # no wait at all, in truth: WAL readers do not queue
        during = _state(store, config)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert report.records == 23 and stats.total == 25
    assert "Not committed" not in _feed_titles(tmp_path / "out", "all")
    assert _feed_titles(tmp_path / "out", "analysis")  # the uncommitted delete is not seen either
    assert during == _state(store, config)
    # The versions it published could not go into the store's ledger while the import held the
    # write lock: OUT keeps them, and the next export moves them into the store.
    kept = tmp_path / "out" / PENDING_VERSIONS_FILE
    assert kept.is_file() and any("kept in" in w and "not in the store" in w for w in report.warnings)
    again = api.export(config, out_dir=tmp_path / "out", store=store, formats=["jsonfeed"])
    assert not kept.exists() and not again.warnings and again.written == ()
    with closing(sqlite3.connect(store)) as connection:
        assert connection.execute("SELECT count(*) FROM versions").fetchone()[0] >= 23


def test_an_import_waits_for_another_import_at_most_the_timeout(store: Path, tmp_path: Path):
    config = example_config(tmp_path, timeout=1)
    story = write_story(tmp_path / "new", "waiting")
    writer = _writer_holding_the_lock(store)
    try:
        started = time.monotonic()
        with pytest.raises(StoreError) as refused:
            api.import_records([story], into=store, config_path=config)
        waited = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert 0.9 <= waited < 10
    assert str(refused.value) == (f"{store}: cannot import: waited 1 s for the write lock; another command holds "
                                  "it, or raise [store] timeout")
    assert api.import_records([story], into=store, config_path=config).imported == 1  # once it is free


def _foreign(path: Path, *, journal: str, user_version: int, tables: tuple[str, ...]) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute(f"PRAGMA journal_mode = {journal}")
    for table in tables:
        connection.execute(f"CREATE TABLE {table} (a)")
        connection.execute(f"INSERT INTO {table} VALUES ('kept')")
    connection.execute(f"PRAGMA user_version = {user_version}")
    connection.close()


@pytest.mark.parametrize("journal, user_version, tables", [
    ("delete", 42, ("x",)),
    ("wal", 42, ("x",)),
    ("delete", 0, ("x",)),
    ("wal", 0, ("x",)),
    ("delete", 1, ("x", "articles", "article_sections")),  # what 0.1 made of a foreign database
    ("delete", 42, ()),
])
def test_another_applications_database_is_refused_and_left_byte_identical(
        tmp_path: Path, journal: str, user_version: int, tables: tuple[str, ...]):
    """export and stats added tables, set user_version 42 to 1, switched on WAL and published empty feeds."""
    folder = tmp_path / "app"
    folder.mkdir()
    path = folder / "app.db"
    _foreign(path, journal=journal, user_version=user_version, tables=tables)
    content, files = path.read_bytes(), sorted(os.listdir(folder))
    config = example_config(tmp_path, store=path)
    results = [
        _cli("export", "--config", config, "--out", tmp_path / "out"),
        _cli("stats", "--config", config),
        _cli("import", EXAMPLE_STORE, "--into", path, "--config", config),
    ]
    for result in results:
        assert result.exit_code == 2, result.output
        assert f"error: {path}: not a syndicate store: " in result.output
    assert "user_version is 42" in results[0].output if user_version == 42 else "tables of another" in results[0].output
    assert path.read_bytes() == content
    assert sorted(os.listdir(folder)) == files == ["app.db"]  # no -wal, -shm or -journal left beside it
    assert not (tmp_path / "out").exists()


def test_export_and_stats_never_write_to_the_store_but_the_versions_ledger(store: Path, tmp_path: Path):
    """A syndicate store is read through a read-only connection; in WAL mode SQLite itself may leave
    empty -wal and -shm files beside it, as for any reader. An export's one write is the versions it
    published, in their table; stats writes nothing."""
    config = example_config(tmp_path, store=store)
    before = _everything_but_the_ledger(store)
    assert _cli("export", "--config", config, "--out", tmp_path / "out", "--format", "jsonfeed").exit_code == 0
    assert _everything_but_the_ledger(store) == before
    wal = store.with_name(store.name + "-wal")
    content, logged = store.read_bytes(), wal.read_bytes() if wal.exists() else b""
    assert _cli("export", "--config", config, "--out", tmp_path / "again", "--format", "jsonfeed").exit_code == 0
    assert _cli("stats", "--config", config).exit_code == 0
    # The same versions, already kept: not a byte of the store changes.
    assert store.read_bytes() == content and (wal.read_bytes() if wal.exists() else b"") == logged
    assert _everything_but_the_ledger(store) == before


def _everything_but_the_ledger(store: Path) -> list:
    with closing(sqlite3.connect(f"file:{store}?mode=ro", uri=True)) as connection:
        tables = [t for (t,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                  if t != "versions"]
        return [(t, connection.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()) for t in tables] + [
            connection.execute("PRAGMA user_version").fetchone()]


@pytest.mark.parametrize("damage", ["random bytes", "pages overwritten", "data pages overwritten", "truncated",
                                    "empty file"])
def test_a_damaged_or_empty_file_is_a_store_error(store: Path, tmp_path: Path, damage: str):
    """A corrupt .db whose first page was intact ended in a traceback (sqlite3.DatabaseError) and exit 3."""
    noise = random.Random(7)
    content = store.read_bytes()
    if damage == "random bytes":
        store.write_bytes(noise.randbytes(20000))
    elif damage == "pages overwritten":
        store.write_bytes(content[:100] + noise.randbytes(len(content) - 100))
    elif damage == "data pages overwritten":  # the schema (page 1) intact: opening reads well, exporting not
        store.write_bytes(content[:4096] + noise.randbytes(len(content) - 4096))
    elif damage == "truncated":
        store.write_bytes(content[:len(content) // 3])
    else:
        store.write_bytes(b"")
    config = example_config(tmp_path, store=store)
    for arguments in (("export", "--config", config, "--out", tmp_path / "out"), ("stats", "--config", config)):
        result = _cli(*arguments)
        assert result.exit_code == 2, result.output
        message = result.output.strip()
        assert message.startswith(f"error: {store}: ") and "\n" not in message, message
        expected = {"random bytes": "not a SQLite database", "empty file": "an empty database, not a syndicate store"}
        assert expected.get(damage, "the SQLite database is damaged (database disk image is malformed)") in message


def test_a_full_disk_during_an_import_is_a_store_error_and_the_store_is_as_it_was(
        store: Path, tmp_path: Path, monkeypatch):
    """'cannot rollback - no transaction is active' hid 'database or disk is full': exit 3."""
    config = example_config(tmp_path, store=store)
    pages = sqlite3.connect(store).execute("PRAGMA page_count").fetchone()[0]
    connect = SqliteStore._connect

    def full_disk(self, *args, **kwargs):  # the store's database may not grow beyond its present size
        connection = connect(self, *args, **kwargs)
        connection.execute(f"PRAGMA max_page_count = {pages}")
        return connection

    monkeypatch.setattr(SqliteStore, "_connect", full_disk)
    result = _cli("import", write_many(tmp_path / "many.jsonl", 300), "--into", store, "--config", config)
    assert result.exit_code == 2, result.output
    assert result.output.strip() == (f"error: {store}: cannot import: the disk is full, or the database reached "
                                     "its size limit (database or disk is full); the store is as it was")
    monkeypatch.setattr(SqliteStore, "_connect", connect)
    assert _state(store, config).version == 1  # the fixture's import only
    assert api.store_stats(store, config_path=config)[1].total == 25


def test_store_state_has_a_stable_id_and_counts_every_import(store: Path, tmp_path: Path):
    config = example_config(tmp_path, store=store)
    first = _state(store, config)
    assert first.version == 1 and len(first.store) == 36  # a UUID, made when the store was
    api.import_records([write_story(tmp_path / "a", "one")], into=store, config_path=config)
    api.import_records([write_story(tmp_path / "b", "two"), write_story(tmp_path / "b", "three")], into=store,
                       config_path=config)
    assert _state(store, config) == type(first)(store=first.store, version=3)
    other = tmp_path / "other.db"
    api.import_records([EXAMPLE_STORE], into=other, config_path=config)
    assert _state(other, config).store != first.store


def test_the_state_is_that_of_the_records_the_snapshot_reads(store: Path, tmp_path: Path):
    config = example_config(tmp_path, store=store)
    opened = open_store(store, config=load_config(config))
    try:
        with opened.snapshot() as snapshot:
            api.import_records([write_story(tmp_path / "late", "late")], into=store, config_path=config)
            latest = snapshot.latest(FeedQuery(section=None, limit=1), as_of=datetime(2100, 1, 1, tzinfo=timezone.utc))
            assert snapshot.state.version == 1 and latest[0].data["id"] != "late"
    finally:
        opened.close()
    assert _state(store, config).version == 2


def _old_layout_store(path: Path, source: Path) -> None:
    """A store as syndicate 0.1 left it, holding SOURCE's records."""
    old = sqlite3.connect(path, isolation_level=None)
    old.execute("PRAGMA journal_mode = WAL")
    old.executescript(OLD_LAYOUT)
    old.execute("ATTACH DATABASE ? AS new", (str(source),))
    old.execute("INSERT INTO articles SELECT id, record, section, published, updated, status, embargo_until "
                "FROM new.articles")
    old.execute("INSERT INTO article_sections SELECT section, id, published, status, embargo_until "
                "FROM new.article_sections")
    old.execute("DETACH DATABASE new")
    old.execute("PRAGMA user_version = 1")
    old.close()


def test_a_store_of_the_old_layout_is_upgraded_by_an_import_into_it(store: Path, tmp_path: Path):
    old = tmp_path / "old.db"
    _old_layout_store(old, store)
    config = example_config(tmp_path, store=old)
    content = old.read_bytes()
    assert api.store_stats(old, config_path=config)[1].total == 25  # read as it is
    result = _cli("export", "--config", config, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert f"upgrade it once with `syndicate import {old} --into {old}`" in result.output
    assert old.read_bytes() == content and not (tmp_path / "out").exists()

    result = _cli("import", old, "--into", old, "--config", config)
    assert result.exit_code == 0, result.output
    connection = sqlite3.connect(old)
    assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    connection.close()
    assert _state(old, config).version == 1  # 0 when upgraded, then the import
    report = api.export(config, out_dir=tmp_path / "out", formats=["jsonfeed"])
    assert report.records == 23


def test_a_new_store_is_created_only_by_import(tmp_path: Path):
    path = tmp_path / "deep" / "er" / "news.db"
    config = example_config(tmp_path, store=path)
    assert _cli("stats", "--config", config).exit_code == 2 and not path.exists()
    assert _cli("import", EXAMPLE_STORE, "--into", path, "--config", config).exit_code == 0
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} == {
        "articles", "article_sections", "metadata", "versions"}
    connection.close()
    # An empty database another tool made is a new store too.
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).execute("VACUUM")
    assert _cli("stats", "--store", empty).exit_code == 2
    assert _cli("import", EXAMPLE_STORE, "--into", empty, "--config", config).exit_code == 0
    assert _cli("stats", "--store", empty).exit_code == 0


def test_a_record_another_program_garbled_is_a_named_problem_and_a_lost_metadata_row_an_error(
        store: Path, tmp_path: Path):
    config = example_config(tmp_path, store=store)
    with sqlite3.connect(store) as writer:
        writer.execute("UPDATE articles SET record = '{not json' WHERE id = 'society-2014-08-06-human-trafficking'")
    result = _cli("export", "--config", config, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert f"{store}#society-2014-08-06-human-trafficking record: the stored record is not valid JSON" in result.output
    with sqlite3.connect(store) as writer:
        writer.execute("DELETE FROM metadata")
    result = _cli("export", "--config", config, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert f"error: {store}: the store is damaged: its metadata row (id and change counter) is missing" in result.output


def test_two_imports_creating_the_same_store_at_once_make_one(tmp_path: Path):
    path = tmp_path / "news.db"
    config = example_config(tmp_path, store=path, timeout=30)
    stories = [write_story(tmp_path / str(n), f"story-{n}") for n in range(4)]
    with ThreadPoolExecutor(4) as pool:
        reports = list(pool.map(lambda story: api.import_records([story], into=path, config_path=config), stories))
    assert [r.imported for r in reports] == [1, 1, 1, 1]
    assert _state(path, config).version == 4
    assert api.store_stats(path, config_path=config)[1].total == 4
