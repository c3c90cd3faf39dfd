"""The versions ledger of SQLite and PostgreSQL stores: kept apart from the records (the store's state
stays), read in a snapshot, refused with what to fix where the exporting user may not write it."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest

from syndicate.config import load_config
from syndicate.store import StoreError, open_store

from tests.conftest import EXAMPLE_CONFIG
from tests.store.conftest import postgres_role

CREATED = datetime(2026, 11, 27, 21, 0, 0, 123456, tzinfo=timezone.utc)
ENTRIES = {
    "tag:news.example.org,2024:a": (1, "digest-a", CREATED),
    "tag:news.example.org,2024:b": (3, "digest-b", datetime(2026, 11, 28, 9, 30, tzinfo=timezone(timedelta(hours=3)))),
}


@pytest.fixture(params=["sqlite", "postgres"])
def database_store(request: pytest.FixtureRequest) -> str:
    """The example store in SQLite and in PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("example_sqlite"))
    return request.getfixturevalue("example_postgres_url")


def _opened(location: str):
    return open_store(location, config=load_config(EXAMPLE_CONFIG))


def _snapshot_of(location: str):
    """(the store's state, its versions) as a snapshot reads them."""
    store = _opened(location)
    try:
        with store.snapshot() as snapshot:
            return snapshot.state, snapshot.versions()
    finally:
        store.close()


def test_the_ledger_round_trips_and_leaves_the_store_state_as_it_was(database_store: str):
    state, versions = _snapshot_of(database_store)
    assert versions == {}
    store = _opened(database_store)  # read-only, as an export opens it
    try:
        store.keep_versions(ENTRIES)
        store.keep_versions({})
    finally:
        store.close()
    after, versions = _snapshot_of(database_store)
    assert after == state  # neither "nothing changed" nor "never back in time" sees the ledger
    assert versions == ENTRIES
    assert all(created.utcoffset() == timedelta(0) for _version, _digest, created in versions.values())

    store = _opened(database_store)
    try:
        with store.snapshot() as snapshot:  # kept while the export's snapshot is open
            store.keep_versions({"tag:news.example.org,2024:a": (2, "digest-a2", CREATED + timedelta(days=1))})
            assert snapshot.versions() == ENTRIES  # the snapshot sees the store as it began
    finally:
        store.close()
    assert _snapshot_of(database_store) == (state, {**ENTRIES, "tag:news.example.org,2024:a": (
        2, "digest-a2", CREATED + timedelta(days=1))})

    # A lower version never goes over a higher one: one kept in an OUT while the store was busy
    # may come after another export raised the item.
    store = _opened(database_store)
    try:
        store.keep_versions({"tag:news.example.org,2024:a": (1, "stale", CREATED)})
    finally:
        store.close()
    assert _snapshot_of(database_store)[1]["tag:news.example.org,2024:a"] == (2, "digest-a2", CREATED + timedelta(days=1))


def test_keeping_versions_changes_no_record(example_sqlite: Path):
    def rows() -> list[tuple]:
        with sqlite3.connect(example_sqlite) as connection:
            return connection.execute("SELECT * FROM articles ORDER BY id").fetchall()

    before = rows()
    store = _opened(str(example_sqlite))
    try:
        store.keep_versions(ENTRIES)
    finally:
        store.close()
    assert rows() == before


def test_a_store_made_before_the_ledger_gets_it_from_the_first_export_that_keeps_it(example_sqlite: Path):
    with sqlite3.connect(example_sqlite) as connection:
        connection.execute("DROP TABLE versions")
    assert _snapshot_of(str(example_sqlite))[1] == {}
    store = _opened(str(example_sqlite))
    try:
        store.keep_versions(ENTRIES)
    finally:
        store.close()
    assert _snapshot_of(str(example_sqlite))[1] == ENTRIES


def test_a_directory_store_keeps_no_ledger(tmp_path: Path):
    store = open_store(Path(EXAMPLE_CONFIG).parent / "store", config=load_config(EXAMPLE_CONFIG))
    try:
        assert not hasattr(store, "keep_versions")
        with store.snapshot() as snapshot:
            assert not hasattr(snapshot, "versions")
    finally:
        store.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes a file whatever its permissions say")
def test_a_sqlite_store_the_user_may_not_write_is_a_store_error_that_says_so(example_sqlite: Path):
    state = _snapshot_of(str(example_sqlite))[0]
    example_sqlite.chmod(0o444)
    store = _opened(str(example_sqlite))
    try:
        with pytest.raises(StoreError) as raised:
            store.keep_versions(ENTRIES)
    finally:
        store.close()
        example_sqlite.chmod(0o644)
    message = str(raised.value)
    assert message.startswith(f"{example_sqlite}: cannot keep the versions of the items it exported: ")
    assert "readonly database" in message and "must be able to write the store's file and its directory" in message
    assert _snapshot_of(str(example_sqlite)) == (state, {})


def _kept_by(location: str) -> StoreError | None:
    """What keeping ENTRIES in the store at LOCATION raised, if anything."""
    store = _opened(location)
    try:
        store.keep_versions(ENTRIES)
    except StoreError as error:
        return error
    finally:
        store.close()
    return None


def test_a_postgres_role_that_may_not_write_the_ledger_is_told_what_to_grant(example_postgres_url: str):
    with postgres_role(example_postgres_url, "SELECT", prefix="reader") as (role, reader):
        message = str(_kept_by(reader))
        assert message.startswith(f"{reader}: cannot keep the versions of the items it exported: the role "
                                  f"{role} may not (permission denied for table versions); ")
        assert f"GRANT SELECT, INSERT, UPDATE ON syndicate.versions TO {role};" in message
        with psycopg.connect(example_postgres_url, autocommit=True) as admin:
            admin.execute(f"GRANT INSERT, UPDATE ON syndicate.versions TO {role}")
        assert _kept_by(reader) is None  # what the message said was enough
        assert _snapshot_of(reader)[1] == ENTRIES


def test_a_postgres_store_without_the_ledger_says_who_adds_it(example_postgres_url: str):
    with psycopg.connect(example_postgres_url, autocommit=True) as admin:
        admin.execute("DROP TABLE syndicate.versions")
    with postgres_role(example_postgres_url, "SELECT", prefix="reader") as (role, reader):
        assert _snapshot_of(reader)[1] == {}
        assert ("the store has no table syndicate.versions yet: import into it once as the tables' owner (that "
                f"adds the table), then an administrator grants: GRANT SELECT, INSERT, UPDATE ON syndicate.versions "
                f"TO {role};") in str(_kept_by(reader))
    assert _kept_by(example_postgres_url) is None  # the owner makes it
    assert _snapshot_of(example_postgres_url)[1] == ENTRIES


def test_a_sqlite_store_sqlite_opens_read_only_is_a_store_error_that_says_so(example_sqlite: Path, monkeypatch):
    """What a file the user may not write gives (the test above), for a run as root too: SQLite opens
    such a file read-only, and the first write fails."""
    store = _opened(str(example_sqlite))
    connect = store._connect
    monkeypatch.setattr(store, "_connect", lambda mode, **options: connect("ro", **options))
    try:
        with pytest.raises(StoreError) as raised:
            store.keep_versions(ENTRIES)
    finally:
        store.close()
    assert str(raised.value) == (
        f"{example_sqlite}: cannot keep the versions of the items it exported: attempt to write a readonly "
        "database; syndicate keeps them in the store (its table versions), so the user that exports must be "
        "able to write the store's file and its directory: give that user write permission on both")
