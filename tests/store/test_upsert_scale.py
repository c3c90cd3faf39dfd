"""Upserts at scale: every statement finds its rows through an index, stores made before that index get
it from an import, each store tells new records from replaced ones, and an import killed between or
inside batches leaves whole batches."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from syndicate import api
from syndicate.cli import app
from syndicate.config import load_config
from syndicate.store import Upserted, open_store
from syndicate.stored import StoredRecord
from syndicate.store.files import JOURNAL_NAME
from syndicate.store.sqlite import SCHEMA_VERSION, SECTIONS_BY_ID

from tests.conftest import EXAMPLE_CONFIG, kill_at_pause_point
from tests.store.configs import example_config, write_many
from tests.store.conftest import postgres_role

runner = CliRunner()


def _environment() -> dict[str, str]:
    """This environment, with the syndicate these tests import (the checkout's or the installed one) first."""
    import syndicate

    here = str(Path(syndicate.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))}


# SQLite: how each statement of an upsert is run.

def test_every_sqlite_upsert_statement_searches_an_index_and_scans_nothing(example_sqlite: Path):
    """The delete of a replaced record's section rows scanned the whole table: 1,000 records into a
    store of a million took a minute."""
    store = open_store(example_sqlite, config=load_config(EXAMPLE_CONFIG), create=True)
    try:
        plans = store.upsert_plans()
        assert set(plans) == {"bump changes", "held ids", "delete sections", "upsert article", "insert section"}
        for name, plan in plans.items():
            assert not any(step.startswith("SCAN") for step in plan), (name, plan)
        assert plans["delete sections"] == [f"SEARCH article_sections USING COVERING INDEX {SECTIONS_BY_ID} (id=?)"]
        assert plans["held ids"] == ["SEARCH articles USING COVERING INDEX sqlite_autoindex_articles_1 (id=?)"]
        assert plans["bump changes"] == ["SEARCH metadata USING INTEGER PRIMARY KEY (rowid=?)"]
        # The inserts have no query plan: their only lookups (the conflict on articles.id, the foreign key
        # of a section row) go through unique indexes. No statement loops over a whole table (Rewind).
        connection = store.connection
        tables = {root: name for name, root in connection.execute(
            "SELECT name, rootpage FROM sqlite_master WHERE type = 'table'")}
        from syndicate.store import sqlite as module

        for name, statement in (("upsert article", module.UPSERT_ARTICLE), ("insert section", module.INSERT_SECTION),
                                ("delete sections", module.DELETE_SECTIONS)):
            program = connection.execute("EXPLAIN " + statement, ("x",) * statement.count("?")).fetchall()
            assert not [row for row in program if row[1] == "Rewind"], name
            read_tables = {tables[row[3]] for row in program if row[1] == "OpenRead" and row[3] in tables}
            assert not read_tables, (name, read_tables)  # tables are read through indexes only
    finally:
        store.close()


def test_a_sqlite_store_made_before_the_index_gets_it_from_an_import(example_sqlite: Path, tmp_path: Path):
    path = example_sqlite
    with sqlite3.connect(path) as connection:
        connection.execute(f"DROP INDEX {SECTIONS_BY_ID}")
    config = example_config(tmp_path, store=path)
    assert api.store_stats(path, config_path=config)[1].total == 25  # read as it is
    report = api.import_records([write_many(tmp_path / "more.jsonl", 3)], into=path, config_path=config)
    assert (report.new, report.replaced) == (3, 0)
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM sqlite_master WHERE name = ?",
                                  (SECTIONS_BY_ID,)).fetchone() == (1,)
        assert connection.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)  # the layout is the same


# PostgreSQL: the index, its use, and stores made before it.

def test_postgres_upserts_find_section_rows_through_the_index(example_postgres_url: str):
    with psycopg.connect(example_postgres_url) as connection:
        assert connection.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = 'syndicate' AND indexname = "
                                  "'article_sections_id'").fetchone() == (
            'CREATE INDEX article_sections_id ON syndicate.article_sections USING btree (id)',)
        # On 25 rows a sequential scan is cheaper; with it priced out, the planner shows what it can use.
        connection.execute("SET enable_seqscan = off")
        plan = "\n".join(row[0] for row in connection.execute(
            "EXPLAIN DELETE FROM syndicate.article_sections WHERE id = ANY(%s)", (["a", "b"],)))
        assert "article_sections_id" in plan and "Seq Scan" not in plan, plan
        plan = "\n".join(row[0] for row in connection.execute(
            "EXPLAIN SELECT id FROM syndicate.articles WHERE id = ANY(%s)", (["a", "b"],)))
        assert "articles_pkey" in plan and "Seq Scan" not in plan, plan


def test_a_postgres_store_made_before_the_index_gets_it_from_its_owner_and_a_warning_otherwise(
        example_postgres_url: str, tmp_path: Path):
    postgres_url = example_postgres_url
    config = example_config(tmp_path)
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("DROP INDEX syndicate.article_sections_id")
    with postgres_role(postgres_url, "SELECT, INSERT, UPDATE, DELETE", prefix="importer") as (_role, importer):
        result = runner.invoke(app, ["import", str(write_many(tmp_path / "a.jsonl", 3, prefix="a")), "--into",
                                     importer, "--config", str(config)])
        assert result.exit_code == 0, result.output
        assert (f"warning: {importer}: the index article_sections_id, which keeps imports into a large store "
                "fast, is missing and could not be created (this role does not own the tables); the tables' "
                "owner can create it once: CREATE INDEX article_sections_id ON syndicate.article_sections (id);"
                ) in result.stderr
        assert result.stdout.strip().endswith(": 3 new, 0 replaced, 0 skipped")
        report = api.import_records([write_many(tmp_path / "b.jsonl", 3, prefix="b")], into=postgres_url,
                                    config_path=config)  # as the owner
        assert report.warnings == ()
        with psycopg.connect(postgres_url) as connection:
            assert connection.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'article_sections_id'"
                                      ).fetchone() == (1,)
            assert connection.execute("SELECT schema_version, changes FROM syndicate.metadata").fetchone() == (3, 3)


# New and replaced, on every store.

def _stored(record_id: str, title: str) -> StoredRecord:
    published = datetime(2030, 1, 1, tzinfo=timezone.utc)
    record = {"id": record_id, "url": f"https://news.example.org/society/{record_id}/", "title": title,
              "section": "society", "published": "2030-01-01T00:00:00Z"}
    return StoredRecord(id=record_id, record=record, sections=("society",), published=published, updated=published,
                        status="published")


def test_every_store_tells_new_records_from_replaced_ones(example_store: str, tmp_path: Path):
    source = tmp_path / "source.jsonl"
    with source.open("w", encoding="utf-8") as lines:
        for record_id in ("society-2021-06-03-polish-experts-equality-inclusion", "fresh-1",
                          "analysis-2022-07-14-belarus-media-clampdown", "fresh-2", "fresh-3"):
            section = "analysis" if record_id.startswith("analysis") else "society"
            lines.write(json.dumps({"id": record_id, "url": f"https://news.example.org/{section}/{record_id}/",
                                    "title": f"New title of {record_id}", "section": section,
                                    "published": "2030-01-01T00:00:00Z"}) + "\n")
    report = api.import_records([source], into=example_store, config_path=EXAMPLE_CONFIG, batch_size=2)
    assert (report.imported, report.new, report.replaced, report.skipped_records) == (5, 3, 2, 0)
    assert api.store_stats(example_store, config_path=EXAMPLE_CONFIG)[1].total == 28

    store = open_store(example_store, config=load_config(EXAMPLE_CONFIG), create=True)
    try:
        # Of one id twice in one upsert the later wins, and is one record.
        assert store.upsert([_stored("fresh-1", "again"), _stored("fresh-4", "first"), _stored("fresh-4", "later")]
                            ) == Upserted(new=1, replaced=1)
        assert store.upsert([]) == Upserted()
    finally:
        store.close()
    reader = open_store(example_store, config=load_config(EXAMPLE_CONFIG))
    try:
        titles = {r.data["id"]: r.data["title"] for r in reader.records() if isinstance(r.data, dict)}
    finally:
        reader.close()
    assert titles["fresh-4"] == "later" and titles["fresh-1"] == "again"
    assert titles["fresh-2"] == "New title of fresh-2"


# Killed between batches, and inside one.

IMPORT = "import sys; from syndicate import api; api.import_records([sys.argv[1]], into=sys.argv[2], " \
         "config_path=sys.argv[3], batch_size=int(sys.argv[4]))"
# Kill points: after the second batch is committed; inside the third, when a database store's
# transaction would commit or, in a directory store, when every file of the batch is staged and
# its journal not yet written.
KILL_POINTS = {("after-second", kind): "import-batch:2" for kind in ("sqlite", "postgres", "files")} | {
    ("inside-third", "sqlite"): "import-committing:3", ("inside-third", "postgres"): "import-committing:3",
    ("inside-third", "files"): "import-staged:3"}

TOTAL, BATCH = 46, 10


def _contents(kind: str, into: str) -> tuple[list[str], int | None]:
    """(the ids the store holds, sorted; its change counter) after checking that every article's section
    rows are exactly its sections."""
    if kind == "files":
        records = [r.data for r in open_store(into, config=None).records()]
        return sorted(r["id"] for r in records), None
    if kind == "sqlite":
        connection = sqlite3.connect(into)
        query = connection.execute
    else:
        connection = psycopg.connect(into)
        query = lambda statement: connection.execute(statement.replace("FROM ", "FROM syndicate."))  # noqa: E731
    try:
        rows = query("SELECT id, record FROM articles").fetchall()
        sections: dict[str, set[str]] = {}
        for section, record_id in query("SELECT section, id FROM article_sections").fetchall():
            sections.setdefault(record_id, set()).add(section)
        changes = query("SELECT changes FROM metadata").fetchone()[0]
    finally:
        connection.close()
    for record_id, record in rows:
        record = json.loads(record) if isinstance(record, str) else record
        assert sections.pop(record_id) == {record["section"], *record.get("sections", [])}
    assert not sections  # no section row without its article
    return sorted(record_id for record_id, _record in rows), changes


@pytest.mark.parametrize("kind", ["sqlite", "postgres", "files"])
@pytest.mark.parametrize("moment", ["after-second", "inside-third"])
def test_an_import_killed_between_or_inside_batches_leaves_whole_batches_and_a_rerun_completes_it(
        request: pytest.FixtureRequest, tmp_path: Path, kind: str, moment: str):
    into = {"sqlite": str(tmp_path / "news.db"), "files": str(tmp_path / "store")}.get(kind) or \
        request.getfixturevalue("postgres_url")
    config = example_config(tmp_path, timeout=10)
    source = write_many(tmp_path / "many.jsonl", TOTAL)
    order = [json.loads(line)["id"] for line in source.read_text(encoding="utf-8").splitlines()]
    kill_at_pause_point([sys.executable, "-c", IMPORT, str(source), into, str(config), str(BATCH)],
                        KILL_POINTS[moment, kind],
                        env={**_environment(), "TMPDIR": str(tmp_path)})  # where it leaves its spool

    ids, changes = _contents(kind, into)
    assert ids == sorted(order[:2 * BATCH])  # the first two batches, whole; nothing of the third
    assert changes in (None, 2)  # one change per batch committed
    if kind == "files":
        assert not (Path(into) / JOURNAL_NAME).exists()

    report = api.import_records([source], into=into, config_path=config, batch_size=BATCH)
    assert (report.new, report.replaced) == (TOTAL - 2 * BATCH, 2 * BATCH)
    ids, changes = _contents(kind, into)
    assert ids == sorted(order)
    assert changes in (None, 2 + -(-TOTAL // BATCH))
    if kind == "files":
        assert [p.name for p in Path(into).rglob(".syndicate-*.tmp")] == []  # the killed batch's staged files
