"""A story's life in every store: expired records leave what an export reads, withdrawn stories are
found since a date, and held_back says when an export's output changes next."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from syndicate import api
from syndicate.config import load_config
from syndicate.store import FeedQuery, HeldBack, open_store

from tests.conftest import make_site, write_record
from tests.store.conftest import (BACKENDS, each_store, imported_into_postgres, imported_into_sqlite, postgres_database,
                                  postgres_role)

WINDOW = timedelta(days=7)
EXPIRES = datetime(2030, 1, 1, tzinfo=timezone.utc)
SECOND = timedelta(seconds=1)
NOW = datetime(2025, 6, 2, tzinfo=timezone.utc)
LIFTS = datetime(2026, 1, 1, tzinfo=timezone.utc)
LATER_EXPIRY = datetime(2031, 1, 1, tzinfo=timezone.utc)


def _lives(site: Path) -> Path:
    """SITE's store given a story of every kind; returns SITE's config."""
    write_record(site, "steady", published="2024-01-01T00:00:00Z")
    write_record(site, "expiring", published="2024-01-02T00:00:00Z", expires="2030-01-01T00:00:00Z")
    write_record(site, "embargoed", published="2025-12-31T00:00:00Z", status="embargoed",
                 embargo_until="2026-01-01T00:00:00Z", expires="2031-01-01T00:00:00Z")
    # Expires before its embargo lifts: never in a feed, so neither moment changes one.
    write_record(site, "never-shown", published="2025-12-31T00:00:00Z", status="embargoed",
                 embargo_until="2032-01-01T00:00:00Z", expires="2030-09-01T00:00:00Z")
    write_record(site, "unfinished", published="2025-05-01T00:00:00Z", status="draft")
    write_record(site, "pulled", published="2024-03-01T00:00:00Z", updated="2025-06-01T00:00:00Z",
                 status="withheld")
    write_record(site, "pulled-also", published="2024-03-02T00:00:00Z", updated="2025-06-01T00:00:00Z",
                 status="withheld")
    write_record(site, "killed", published="2024-03-03T00:00:00Z", updated="2025-06-03T00:00:00Z",
                 status="killed", kill_reason="A court order.")
    write_record(site, "killed-long-ago", published="2024-03-04T00:00:00Z", updated="2025-01-01T00:00:00Z",
                 status="killed", kill_reason="Defamatory.")
    return site / "syndicate.toml"


@pytest.fixture(scope="module")
def lives_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _lives(make_site(tmp_path_factory.mktemp("lives")))


@pytest.fixture(scope="module")
def pristine_lives_sqlite(lives_site: Path) -> str:
    return imported_into_sqlite(lives_site)


@pytest.fixture(scope="module")
def pristine_lives_postgres(lives_site: Path, postgres_server: str) -> Iterator[str]:
    with imported_into_postgres(postgres_server, lives_site) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def lives(request: pytest.FixtureRequest, site: Path) -> Iterator[tuple[str, Path]]:
    """Every kind of story, in each store (the databases a copy of one import of them)."""
    config = _lives(site)
    for store in each_store(request, site, config, sqlite="pristine_lives_sqlite", postgres="pristine_lives_postgres"):
        yield store, config


@pytest.fixture(params=BACKENDS)
def read_only_lives(request: pytest.FixtureRequest, lives_site: Path) -> tuple[str, Path]:
    """Every kind of story, in each store, for tests that only read: the one import of them."""
    if request.param == "files":
        return str(lives_site.parent / "store"), lives_site
    return request.getfixturevalue(f"pristine_lives_{request.param}"), lives_site


def _read(store: str, config: Path, work):
    opened = open_store(store, config=load_config(config))
    try:
        with opened.snapshot() as snapshot:
            return work(snapshot)
    finally:
        opened.close()


def _public_ids(snapshot, as_of: datetime) -> dict[str, list[str]]:
    """The ids each read of public records gives AS_OF (oldest_first where the snapshot has it)."""
    ids = {f"latest {section}": [r.data["id"] for r in snapshot.latest(FeedQuery(section=section, limit=50),
                                                                       as_of=as_of)]
           for section in (None, "society")}
    if hasattr(snapshot, "oldest_first"):
        for section in (None, "society"):
            ids[f"oldest {section}"] = [r.data["id"] for r in snapshot.oldest_first(section, as_of=as_of)][::-1]
    return ids


def test_an_expired_record_leaves_every_read_at_its_expiry(read_only_lives: tuple[str, Path]):
    store, config = read_only_lives
    before = _read(store, config, lambda snapshot: _public_ids(snapshot, EXPIRES - SECOND))
    at, after = (_read(store, config, lambda snapshot: _public_ids(snapshot, moment))
                 for moment in (EXPIRES, EXPIRES + timedelta(days=1)))
    for read, ids in before.items():
        assert ids == ["embargoed", "expiring", "steady"], read  # no draft, no withdrawn story
    for read, ids in (*at.items(), *after.items()):
        assert ids == ["embargoed", "steady"], read


def test_stats_count_withdrawn_stories_and_date_only_unexpired_ones(lives: tuple[str, Path], site: Path):
    store, config = lives
    write_record(site, "expiring-newest", published="2025-01-01T00:00:00Z", expires="2030-01-01T00:00:00Z")
    if not store.endswith("store"):
        api.import_records([site / "store" / "expiring-newest.json"], into=store, config_path=config)
    _location, before = api.store_stats(store, config_path=config, as_of=EXPIRES - SECOND)
    assert before.counts == {("society", "published"): 3, ("society", "embargoed"): 2, ("society", "draft"): 1,
                             ("society", "withheld"): 2, ("society", "killed"): 2}
    assert before.newest == datetime(2025, 12, 31, tzinfo=timezone.utc)  # the lifted embargo
    _location, at = api.store_stats(store, config_path=config, as_of=datetime(2025, 6, 1, tzinfo=timezone.utc))
    assert at.newest == datetime(2025, 1, 1, tzinfo=timezone.utc)
    _location, at = api.store_stats(store, config_path=config, as_of=EXPIRES)
    assert (at.oldest, at.newest) == (datetime(2024, 1, 1, tzinfo=timezone.utc),
                                      datetime(2025, 12, 31, tzinfo=timezone.utc))
    _location, later = api.store_stats(store, config_path=config, as_of=LATER_EXPIRY)
    assert later.oldest == later.newest == datetime(2024, 1, 1, tzinfo=timezone.utc)


def test_withdrawn_gives_the_stories_taken_down_since_newest_first(read_only_lives: tuple[str, Path]):
    store, config = read_only_lives

    def withdrawn(since: datetime):
        return lambda snapshot: snapshot.withdrawn(since=since)

    recent = _read(store, config, withdrawn(datetime(2025, 6, 1, tzinfo=timezone.utc)))
    assert [r.data["id"] for r in recent] == ["killed", "pulled", "pulled-also"]  # ties by id
    assert all(r.checked is not None for r in recent)  # as imported: not checked again
    assert [r.data["status"] for r in recent] == ["killed", "withheld", "withheld"]
    everything = _read(store, config, withdrawn(datetime(2000, 1, 1, tzinfo=timezone.utc)))
    assert [r.data["id"] for r in everything] == ["killed", "pulled", "pulled-also", "killed-long-ago"]
    assert _read(store, config, withdrawn(datetime(2025, 6, 3, 0, 0, 1, tzinfo=timezone.utc))) == []


def test_embargoed_gives_the_stories_still_under_embargo_and_not_expired(read_only_lives: tuple[str, Path]):
    """What a partner trusted with embargoed stories is sent (README "Partner profiles")."""
    store, config = read_only_lives

    def embargoed(as_of: datetime) -> list[str]:
        return [r.data["id"] for r in _read(store, config, lambda snapshot: snapshot.embargoed(as_of=as_of))]

    assert embargoed(NOW) == ["embargoed", "never-shown"]  # newest published first, ties by id
    assert embargoed(LIFTS - SECOND) == ["embargoed", "never-shown"]
    assert embargoed(LIFTS) == ["never-shown"]  # lifted: public now, in the public feeds
    assert embargoed(datetime(2030, 9, 1, tzinfo=timezone.utc)) == []  # never-shown has expired


@pytest.mark.parametrize(("as_of", "held"), [
    (NOW, HeldBack(drafts=1, embargoed=2, next_lift=LIFTS, next_expiry=EXPIRES,
                   tombstones_end=datetime(2025, 6, 8, tzinfo=timezone.utc))),
    # At the end of the first window: the next one's end.
    (datetime(2025, 6, 8, tzinfo=timezone.utc),
     HeldBack(drafts=1, embargoed=2, next_lift=LIFTS, next_expiry=EXPIRES,
              tombstones_end=datetime(2025, 6, 10, tzinfo=timezone.utc))),
    (EXPIRES - SECOND, HeldBack(drafts=1, embargoed=1, next_expiry=EXPIRES)),
    # The record that expires before its embargo lifts is neither a lift nor an expiry to wait for.
    (EXPIRES, HeldBack(drafts=1, embargoed=1, next_expiry=LATER_EXPIRY)),
    (LATER_EXPIRY, HeldBack(drafts=1, embargoed=1)),
])
def test_held_back_says_when_the_output_changes_next(read_only_lives: tuple[str, Path], as_of: datetime,
                                                    held: HeldBack):
    store, config = read_only_lives
    assert _read(store, config, lambda snapshot: snapshot.held_back(as_of=as_of, tombstone_window=WINDOW)) == held


def test_next_change_is_the_earliest_of_the_three():
    lift, expiry, end = (datetime(2030, month, 1, tzinfo=timezone.utc) for month in (3, 2, 4))
    assert HeldBack().next_change is None
    assert HeldBack(next_lift=lift).next_change == lift
    assert HeldBack(next_lift=lift, next_expiry=expiry, tombstones_end=end).next_change == expiry
    assert HeldBack(next_lift=lift, tombstones_end=datetime(2030, 1, 1, tzinfo=timezone.utc)).next_change == \
        datetime(2030, 1, 1, tzinfo=timezone.utc)


def test_an_export_takes_the_tombstone_window_from_the_config(lives: tuple[str, Path], tmp_path: Path):
    store, config = lives
    text = config.read_text(encoding="utf-8").replace("[site]\n", "[site]\ntombstone_days = 2\n", 1)
    config.write_text(text, encoding="utf-8")
    report = api.export(config, out_dir=tmp_path / "out", store=store, formats=["jsonfeed"], as_of=NOW)
    assert report.held_back.tombstones_end == datetime(2025, 6, 3, tzinfo=timezone.utc)
    assert report.records == 2  # steady and expiring


# Layout 2, as syndicate made it before `expires`: no such column, no ledger (user_version 2).
LAYOUT_2 = """
CREATE TABLE articles (id TEXT PRIMARY KEY, record TEXT NOT NULL, section TEXT NOT NULL, published TEXT NOT NULL,
                       updated TEXT NOT NULL, status TEXT NOT NULL, embargo_until TEXT, checked TEXT);
CREATE TABLE article_sections (section TEXT NOT NULL, id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                               published TEXT NOT NULL, status TEXT NOT NULL, embargo_until TEXT,
                               PRIMARY KEY (section, id));
CREATE INDEX article_sections_latest ON article_sections (section, published DESC, id);
CREATE INDEX articles_latest ON articles (published DESC, id);
CREATE INDEX article_sections_id ON article_sections (id);
CREATE TABLE metadata (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), store_id TEXT NOT NULL,
                       changes INTEGER NOT NULL);
"""


def _layout_2_store(path: Path, source: str) -> None:
    """A store of layout 2 holding SOURCE's records."""
    from syndicate.store.sqlite import APPLICATION_ID

    old = sqlite3.connect(path, isolation_level=None)
    old.execute("PRAGMA journal_mode = WAL")
    old.executescript(LAYOUT_2)
    old.execute("ATTACH DATABASE ? AS new", (source,))
    old.execute("INSERT INTO articles SELECT id, record, section, published, updated, status, embargo_until, checked "
                "FROM new.articles")
    old.execute("INSERT INTO article_sections SELECT section, id, published, status, embargo_until "
                "FROM new.article_sections")
    old.execute("INSERT INTO metadata SELECT * FROM new.metadata")
    old.execute("DETACH DATABASE new")
    old.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    old.execute("PRAGMA user_version = 2")
    old.close()


def test_a_store_of_layout_2_is_read_as_it_is_and_upgraded_by_the_next_import(pristine_lives_sqlite: str,
                                                                              site: Path, tmp_path: Path):
    config = _lives(site)
    old = tmp_path / "old.db"
    _layout_2_store(old, pristine_lives_sqlite)
    content = old.read_bytes()
    # Read without the expiry condition (build.is_public has it); withdrawn stories and tombstones as ever.
    assert _read(str(old), config, lambda snapshot: _public_ids(snapshot, EXPIRES))["latest None"] == [
        "embargoed", "expiring", "steady"]
    assert _read(str(old), config, lambda snapshot: (
        snapshot.held_back(as_of=NOW, tombstone_window=WINDOW), snapshot.versions())) == (
        HeldBack(drafts=1, embargoed=2, next_lift=LIFTS, tombstones_end=datetime(2025, 6, 8, tzinfo=timezone.utc)),
        {})
    assert api.store_stats(old, config_path=config, as_of=EXPIRES)[1].newest == datetime(2025, 12, 31,
                                                                                         tzinfo=timezone.utc)
    report = api.export(config, out_dir=tmp_path / "out", store=old, formats=["jsonfeed"], as_of=NOW)
    assert report.feeds == 3 and report.held_back.drafts == 1
    assert old.read_bytes() == content  # read-only: nothing added

    api.import_records([site / "store"], into=old, config_path=config)
    with sqlite3.connect(old) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (3,)
        for table in ("articles", "article_sections"):
            assert "expires" in {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        assert {"articles_withdrawn", "articles_expires", "versions"} <= {
            name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
    assert _read(str(old), config, lambda snapshot: _public_ids(snapshot, EXPIRES)) == {
        read: ["embargoed", "steady"] for read in ("latest None", "latest society", "oldest None", "oldest society")}


def test_what_an_export_asks_a_large_sqlite_store_is_found_through_indexes(pristine_lives_sqlite: str):
    """Withdrawn stories and expiries are a few rows of a large store: each query walks an index."""
    from syndicate.store import sqlite_layout as module

    moments = {"as_of": "2025-06-02T00:00:00Z", "since": "2025-05-26T00:00:00Z"}
    with sqlite3.connect(pristine_lives_sqlite) as connection:
        def plan(statement: str) -> list[str]:
            return [row[-1] for row in connection.execute("EXPLAIN QUERY PLAN " + statement, moments)]

        assert plan(module.WITHDRAWN_SINCE.format(checked="checked")) == [
            "SEARCH articles USING INDEX articles_withdrawn (updated>?)"]
        assert plan(module.FIRST_TOMBSTONE) == ["SEARCH articles USING INDEX articles_withdrawn (updated>?)"]
        assert plan(module.NEXT_EXPIRY) == ["SEARCH articles USING COVERING INDEX articles_expires (expires>?)"]


def test_what_an_export_asks_a_directory_store_s_cache_is_found_through_indexes():
    from syndicate.store import cache

    plans = cache.temporary_cache("key").query_plans()
    assert plans["withdrawn"][0] == "SEARCH records USING INDEX records_held (status=?)"
    assert plans["expiring"] == ["SEARCH records USING INDEX records_expires (expires>?)"]


def test_what_an_export_asks_a_large_postgres_store_is_found_through_indexes(pristine_lives_postgres: str):
    import psycopg

    from syndicate.store import postgres_layout as module

    with psycopg.connect(pristine_lives_postgres) as connection:
        connection.execute("SET enable_seqscan = off")  # on a few rows a scan is cheaper: priced out
        moments = {"as_of": NOW, "since": NOW - WINDOW}
        for statement, index in ((module.WITHDRAWN_SINCE, "articles_withdrawn"),
                                 (module.FIRST_TOMBSTONE, "articles_withdrawn"),
                                 (module.NEXT_EXPIRY, "articles_expires")):
            text = statement.format(checked="a.checked", articles="syndicate.articles",
                                    withdrawn=module.WITHDRAWN_STATUS)
            plan = "\n".join(row[0] for row in connection.execute("EXPLAIN " + text, moments))
            assert index in plan and "Seq Scan" not in plan, plan


def test_a_postgres_store_of_layout_2_is_read_as_it_is_and_upgraded_by_its_owner_only(
        pristine_lives_postgres: str, postgres_server: str, site: Path, tmp_path: Path):
    import psycopg

    config = _lives(site)
    with postgres_database(postgres_server, template=pristine_lives_postgres) as url:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("DROP TABLE syndicate.versions")
            admin.execute("ALTER TABLE syndicate.articles DROP COLUMN expires")
            admin.execute("ALTER TABLE syndicate.article_sections DROP COLUMN expires")
            admin.execute("UPDATE syndicate.metadata SET schema_version = 2")
        assert _read(url, config, lambda snapshot: (_public_ids(snapshot, EXPIRES)["latest None"], snapshot.held_back(
            as_of=EXPIRES - SECOND, tombstone_window=WINDOW), snapshot.versions())) == (
            # Without expires, a lift after the record expired is taken as one that shows it.
            ["embargoed", "expiring", "steady"], HeldBack(drafts=1, embargoed=1, next_lift=datetime(
                2032, 1, 1, tzinfo=timezone.utc)), {})
        assert api.store_stats(url, config_path=config, as_of=EXPIRES)[1].total == 9
        with postgres_role(url, "SELECT, INSERT, UPDATE, DELETE", prefix="importer") as (_role, importer):
            report = api.import_records([site / "store"], into=importer, config_path=config)
            assert report.replaced == 9 and len(report.warnings) == 1
            assert "the columns that keep when each record expires are missing and could not be added (this role " \
                   "does not own the tables)" in report.warnings[0]
        api.import_records([site / "store"], into=url, config_path=config)  # as the owner
        with psycopg.connect(url) as connection:
            assert connection.execute("SELECT schema_version FROM syndicate.metadata").fetchone() == (3,)
        assert _read(url, config, lambda snapshot: _public_ids(snapshot, EXPIRES)) == {
            read: ["embargoed", "steady"] for read in ("latest None", "latest society", "oldest None", "oldest society")}
