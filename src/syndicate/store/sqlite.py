"""SQLite: the embedded store for anything beyond a handful of files (Python's sqlite3, WAL).

The canonical record is kept whole (JSON text) beside indexed columns. Dates are
UTC text 'YYYY-MM-DDTHH:MM:SSZ', which sorts as it reads. article_sections holds
one row per (section, article), so that "the latest N of a section" is one
walk down the index (section, published DESC, id) that stops after N public rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from syndicate.store import FeedQuery, RawRecord, StoredRecord, StoreError, StoreStats

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id            TEXT PRIMARY KEY,
    record        TEXT NOT NULL,
    section       TEXT NOT NULL,
    published     TEXT NOT NULL,
    updated       TEXT NOT NULL,
    status        TEXT NOT NULL,
    embargo_until TEXT
);
CREATE TABLE IF NOT EXISTS article_sections (
    section       TEXT NOT NULL,
    id            TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    published     TEXT NOT NULL,
    status        TEXT NOT NULL,
    embargo_until TEXT,
    PRIMARY KEY (section, id)
);
CREATE INDEX IF NOT EXISTS article_sections_latest ON article_sections (section, published DESC, id);
CREATE INDEX IF NOT EXISTS articles_latest ON articles (published DESC, id);
"""
# Public: published, or embargoed with the embargo lifted (build.is_public says the same).
LATEST_IN_SECTION = """
SELECT a.id, a.record FROM article_sections AS s JOIN articles AS a ON a.id = s.id
WHERE s.section = :section
  AND (s.status = 'published' OR (s.status = 'embargoed' AND s.embargo_until <= :as_of))
ORDER BY s.published DESC, s.id LIMIT :limit
"""
LATEST_OF_SITE = """
SELECT id, record FROM articles
WHERE status = 'published' OR (status = 'embargoed' AND embargo_until <= :as_of)
ORDER BY published DESC, id LIMIT :limit
"""

# For stats: what an export at :as_of publishes (as above), and the embargoes not lifted by then.
PUBLIC = "status = 'published' OR (status = 'embargoed' AND embargo_until <= :as_of)"
STILL_EMBARGOED = "status = 'embargoed' AND (embargo_until IS NULL OR embargo_until > :as_of)"


def utc_text(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _from_utc_text(text: str | None) -> datetime | None:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc) if text else None


def latest_query(query: FeedQuery) -> str:
    return LATEST_OF_SITE if query.section is None else LATEST_IN_SECTION


class SqliteStore:
    def __init__(self, path: Path, *, config: Any, create: bool = False):
        self.path = path
        self.location = str(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are begun and ended explicitly below.
            self.connection = sqlite3.connect(path, isolation_level=None, timeout=30)
            self.connection.execute("PRAGMA journal_mode = WAL")  # readers never block the writer
            self.connection.execute("PRAGMA foreign_keys = ON")
            self.connection.executescript(SCHEMA)
            self.connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.Error as error:
            raise StoreError(f"{path}: cannot open as a SQLite store: {error}") from None

    def close(self) -> None:
        self.connection.close()

    def records(self) -> Iterator[RawRecord]:
        for record_id, record in self.connection.execute("SELECT id, record FROM articles ORDER BY id"):
            yield RawRecord(origin=f"{self.path}#{record_id}", data=json.loads(record))

    @contextmanager
    def snapshot(self) -> Iterator[_Snapshot]:
        # One read transaction: in WAL mode it sees the database as it was when it began.
        self.connection.execute("BEGIN")
        try:
            yield _Snapshot(self)
        finally:
            self.connection.execute("COMMIT")

    def upsert(self, records: Sequence[StoredRecord]) -> None:
        try:
            self.connection.execute("BEGIN IMMEDIATE")
            for stored in records:
                self.connection.execute("DELETE FROM article_sections WHERE id = ?", (stored.id,))
                self.connection.execute(
                    "INSERT INTO articles (id, record, section, published, updated, status, embargo_until) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET record = excluded.record, "
                    "section = excluded.section, published = excluded.published, updated = excluded.updated, "
                    "status = excluded.status, embargo_until = excluded.embargo_until",
                    (stored.id, json.dumps(stored.record, ensure_ascii=False), stored.sections[0],
                     utc_text(stored.published), utc_text(stored.updated), stored.status,
                     utc_text(stored.embargo_until) if stored.embargo_until else None),
                )
                self.connection.executemany(
                    "INSERT INTO article_sections (section, id, published, status, embargo_until) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [(section, stored.id, utc_text(stored.published), stored.status,
                      utc_text(stored.embargo_until) if stored.embargo_until else None)
                     for section in stored.sections],
                )
            self.connection.execute("COMMIT")
        except sqlite3.Error as error:
            self.connection.execute("ROLLBACK")
            raise StoreError(f"{self.path}: cannot write: {error}") from None

    def stats(self, *, as_of: datetime) -> StoreStats:
        counts = {(section, status): count for section, status, count in self.connection.execute(
            "SELECT section, status, count(*) FROM articles GROUP BY section, status ORDER BY section, status")}
        when = {"as_of": utc_text(as_of)}
        oldest, newest = self.connection.execute(
            "SELECT min(published), max(published) FROM articles WHERE " + PUBLIC, when).fetchone()
        embargoed, next_lift, last_lift = self.connection.execute(
            "SELECT count(*), min(embargo_until), max(embargo_until) FROM articles WHERE " + STILL_EMBARGOED,
            when).fetchone()
        return StoreStats(counts=counts, oldest=_from_utc_text(oldest), newest=_from_utc_text(newest),
                          embargoed=embargoed, next_lift=_from_utc_text(next_lift),
                          last_lift=_from_utc_text(last_lift))

    def query_plan(self, query: FeedQuery) -> list[str]:
        """How SQLite runs the latest-N query (EXPLAIN QUERY PLAN), for tests and diagnosis."""
        rows = self.connection.execute(
            "EXPLAIN QUERY PLAN " + latest_query(query),
            {"section": query.section, "limit": query.limit, "as_of": utc_text(datetime.now(timezone.utc))},
        )
        return [row[-1] for row in rows]


class _Snapshot:
    problems = ()

    def __init__(self, store: SqliteStore):
        self.store = store

    def latest(self, query: FeedQuery, *, as_of: datetime) -> list[RawRecord]:
        rows = self.store.connection.execute(
            latest_query(query), {"section": query.section, "limit": query.limit, "as_of": utc_text(as_of)})
        return [RawRecord(origin=f"{self.store.path}#{record_id}", data=json.loads(record))
                for record_id, record in rows]
