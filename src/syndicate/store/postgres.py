"""PostgreSQL, for newsrooms whose editors and importers write while feeds are exported (psycopg 3).

The canonical record is kept whole as JSONB beside indexed columns; ids sort
byte-wise (COLLATE "C") as everywhere else in syndicate. An export reads one
REPEATABLE READ, READ ONLY transaction, so a writer committing meanwhile is
either wholly in the export or wholly out of it. Tables are prefixed
`syndicate_`, so the store can live in a database the newsroom already runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.types.json import Jsonb

from syndicate.store import FeedQuery, RawRecord, StoredRecord, StoreError, StoreStats

SCHEMA = """
CREATE TABLE IF NOT EXISTS syndicate_articles (
    id            text COLLATE "C" PRIMARY KEY,
    record        jsonb NOT NULL,
    section       text NOT NULL,
    published     timestamptz NOT NULL,
    updated       timestamptz NOT NULL,
    status        text NOT NULL,
    embargo_until timestamptz
);
CREATE TABLE IF NOT EXISTS syndicate_article_sections (
    section       text NOT NULL,
    id            text COLLATE "C" NOT NULL REFERENCES syndicate_articles (id) ON DELETE CASCADE,
    published     timestamptz NOT NULL,
    status        text NOT NULL,
    embargo_until timestamptz,
    PRIMARY KEY (section, id)
);
CREATE INDEX IF NOT EXISTS syndicate_article_sections_latest
    ON syndicate_article_sections (section, published DESC, id);
CREATE INDEX IF NOT EXISTS syndicate_articles_latest ON syndicate_articles (published DESC, id);
"""
# Public: published, or embargoed with the embargo lifted (build.is_public says the same).
LATEST_IN_SECTION = """
SELECT a.id, a.record FROM syndicate_article_sections AS s JOIN syndicate_articles AS a ON a.id = s.id
WHERE s.section = %(section)s
  AND (s.status = 'published' OR (s.status = 'embargoed' AND s.embargo_until <= %(as_of)s))
ORDER BY s.published DESC, s.id LIMIT %(limit)s
"""
LATEST_OF_SITE = """
SELECT id, record FROM syndicate_articles
WHERE status = 'published' OR (status = 'embargoed' AND embargo_until <= %(as_of)s)
ORDER BY published DESC, id LIMIT %(limit)s
"""

# For stats: what an export at %(as_of)s publishes (as above), and the embargoes not lifted by then.
PUBLIC = "status = 'published' OR (status = 'embargoed' AND embargo_until <= %(as_of)s)"
STILL_EMBARGOED = "status = 'embargoed' AND (embargo_until IS NULL OR embargo_until > %(as_of)s)"


def _without_password(url: str) -> str:
    """URL for messages: the password, if any, replaced."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


def latest_query(query: FeedQuery) -> str:
    return LATEST_OF_SITE if query.section is None else LATEST_IN_SECTION


class PostgresStore:
    def __init__(self, url: str, *, config: Any, create: bool = False):
        self.location = _without_password(url)
        try:
            # Autocommit: every transaction below is begun explicitly, with its isolation level.
            self.connection = psycopg.connect(url, autocommit=True, connect_timeout=10)
            with self.connection.transaction():
                self.connection.execute("SELECT pg_advisory_xact_lock(hashtext('syndicate schema'))")
                self.connection.execute(SCHEMA)
        except psycopg.Error as error:
            raise StoreError(f"{self.location}: cannot open as a PostgreSQL store: "
                             f"{str(error).strip()}") from None

    def close(self) -> None:
        self.connection.close()

    def _origin(self, record_id: str) -> str:
        return f"{self.location}#{record_id}"

    def records(self) -> Iterator[RawRecord]:
        with self.connection.cursor(name="syndicate_records") as cursor:  # server-side: bounded memory
            with self.connection.transaction():
                cursor.execute("SELECT id, record FROM syndicate_articles ORDER BY id")
                for record_id, record in cursor:
                    yield RawRecord(origin=self._origin(record_id), data=record)

    @contextmanager
    def snapshot(self) -> Iterator[_Snapshot]:
        self.connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            yield _Snapshot(self)
        finally:
            self.connection.execute("COMMIT")

    def upsert(self, records: Sequence[StoredRecord]) -> None:
        try:
            with self.connection.transaction():
                for stored in records:
                    self.connection.execute("DELETE FROM syndicate_article_sections WHERE id = %s", (stored.id,))
                    self.connection.execute(
                        "INSERT INTO syndicate_articles (id, record, section, published, updated, status, "
                        "embargo_until) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET "
                        "record = excluded.record, section = excluded.section, published = excluded.published, "
                        "updated = excluded.updated, status = excluded.status, "
                        "embargo_until = excluded.embargo_until",
                        (stored.id, Jsonb(stored.record), stored.sections[0], stored.published, stored.updated,
                         stored.status, stored.embargo_until),
                    )
                    with self.connection.cursor() as cursor:
                        cursor.executemany(
                            "INSERT INTO syndicate_article_sections (section, id, published, status, embargo_until) "
                            "VALUES (%s, %s, %s, %s, %s)",
                            [(section, stored.id, stored.published, stored.status, stored.embargo_until)
                             for section in stored.sections],
                        )
        except psycopg.Error as error:
            raise StoreError(f"{self.location}: cannot write: {str(error).strip()}") from None

    def stats(self, *, as_of: datetime) -> StoreStats:
        rows = self.connection.execute(
            "SELECT section, status, count(*) FROM syndicate_articles GROUP BY section, status "
            "ORDER BY section, status").fetchall()
        when = {"as_of": as_of}
        oldest, newest = self.connection.execute(
            "SELECT min(published), max(published) FROM syndicate_articles WHERE " + PUBLIC, when).fetchone()
        embargoed, next_lift, last_lift = self.connection.execute(
            "SELECT count(*), min(embargo_until), max(embargo_until) FROM syndicate_articles WHERE "
            + STILL_EMBARGOED, when).fetchone()
        return StoreStats(counts={(section, status): count for section, status, count in rows},
                          oldest=oldest, newest=newest, embargoed=embargoed, next_lift=next_lift,
                          last_lift=last_lift)

    def query_plan(self, query: FeedQuery, *, as_of: datetime) -> list[str]:
        """How PostgreSQL runs the latest-N query (EXPLAIN), for tests and diagnosis."""
        rows = self.connection.execute(
            "EXPLAIN " + latest_query(query), {"section": query.section, "limit": query.limit, "as_of": as_of})
        return [row[0] for row in rows]


class _Snapshot:
    problems = ()

    def __init__(self, store: PostgresStore):
        self.store = store

    def latest(self, query: FeedQuery, *, as_of: datetime) -> list[RawRecord]:
        rows = self.store.connection.execute(
            latest_query(query), {"section": query.section, "limit": query.limit, "as_of": as_of})
        return [RawRecord(origin=self.store._origin(record_id), data=record) for record_id, record in rows]
