"""Where articles are kept: a directory of JSON, SQLite, or PostgreSQL, behind one interface.

A store hands out raw records (with their origin, for messages) and, for an
export, the latest N public records of a section from one consistent snapshot,
the stories withdrawn lately (tombstones), and what it holds back until when.
A SQLite or PostgreSQL store also keeps the versions ledger of the items an
export published (Snapshot.versions() reads it, Store.keep_versions() writes it;
syndicate.versions decides them); a directory store has neither method, its ledger
is kept beside the output.
Normalising records is records.py's job; choosing the feeds is build.py's.
open_store() picks the driver from the location:

  a directory (or one .json / .jsonl file) -> files.FileStore
  *.db, *.sqlite, *.sqlite3,
  sqlite:///PATH                     -> sqlite.SqliteStore (Python's sqlite3)
  postgresql://... or postgres://... -> postgres.PostgresStore (psycopg 3)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from syndicate.errors import ConfigError, Problem, SyndicateError
# Defined beside the model (see syndicate.stored); named here too, as the drivers and callers use them.
from syndicate.stored import RawRecord, StoredRecord

SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


class StoreError(SyndicateError):
    """A store that cannot be opened, read or written; the message says which and why."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedQuery:
    section: str | None  # None: the whole site
    limit: int


@dataclass(frozen=True, slots=True, kw_only=True)
class HeldBack:
    """Records of a store that no feed shows as of a moment: drafts, and embargoed records whose
    embargo has not lifted (with when the first of them lifts); and the other moments after
    which an export's output changes: the first expiry of a record that is public or under
    embargo, and the end of the first tombstone window of a withdrawn story."""

    drafts: int = 0
    embargoed: int = 0
    next_lift: datetime | None = None  # the first embargo to lift (of a record not expired by then)
    next_expiry: datetime | None = None  # the first `expires` after the moment
    tombstones_end: datetime | None = None  # the first `updated + tombstone window` after the moment

    @property
    def next_change(self) -> datetime | None:
        """The earliest moment after which an export would publish something else, or None."""
        return min(filter(None, (self.next_lift, self.next_expiry, self.tombstones_end)), default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Upserted:
    """What one upsert did: records whose id the store did not hold, and records it replaced."""

    new: int = 0
    replaced: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreStats:
    """What a store holds, as of a moment: an export made then publishes the records whose status
    is published, and the embargoed ones whose embargo_until is at or before it, unless they
    expired by then (build.is_public)."""

    counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (section, status) -> records
    oldest: datetime | None = None  # earliest publication date of a record an export would publish
    newest: datetime | None = None  # latest publication date of a record an export would publish
    embargoed: int = 0  # embargoed records whose embargo has not lifted yet
    next_lift: datetime | None = None  # when the first of those lifts
    last_lift: datetime | None = None  # when the last of those lifts

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreState:
    """Where a snapshot stands in its store's history. Every export records it in its manifest,
    and an export from an older state of the same store than the published one is refused."""

    store: str  # which store: an id it keeps (SQLite, PostgreSQL) or its resolved path (directory)
    version: int  # grows with every change: a counter the store keeps, or the newest mtime (ns)


class Snapshot(Protocol):
    """A consistent view of the store: what other writers do meanwhile is not seen."""

    # Records the snapshot could not index (a directory store reads and checks them all).
    problems: tuple[Problem, ...]
    state: StoreState

    def latest(self, query: FeedQuery, *, as_of: datetime) -> list[RawRecord]:
        """The QUERY.limit newest public records of QUERY.section, newest first, ties by id."""

    def oldest_first(self, section: str | None, *, as_of: datetime) -> Iterator[RawRecord]:
        """Every public record of SECTION (None: the whole site) AS_OF, oldest first: the reverse
        of latest()'s order (publication date, then id, the last first). Records are read as the
        iterator advances, so that a caller holds only those it keeps (archive pages). Optional:
        a snapshot that holds every record already (the directory store's) need not have it;
        syndicate.export.select then reverses latest()."""

    def withdrawn(self, *, since: datetime) -> list[RawRecord]:
        """Every record of the whole store whose status is withheld or killed and whose updated
        date is SINCE or later (the tombstones of the window that began then), newest updated
        first, ties by id."""

    def embargoed(self, *, as_of: datetime) -> list[RawRecord]:
        """Every record of the whole store still under embargo AS_OF and not expired then, newest
        published first, ties by id: what a partner that takes embargoed stories early is sent
        (README "Partner profiles"). An export asks for them only when a partner does."""

    def held_back(self, *, as_of: datetime, tombstone_window: timedelta) -> HeldBack:
        """The drafts, and the records still under embargo AS_OF, of the whole store; and when
        the first record expires and the first TOMBSTONE_WINDOW of a withdrawn story ends."""


class Store(Protocol):
    location: str

    def records(self) -> Iterator[RawRecord]:
        """Every record, in a stable order."""

    def snapshot(self) -> AbstractContextManager[Snapshot]: ...

    def upsert(self, records: Sequence[StoredRecord]) -> Upserted:
        """Insert or replace RECORDS by id, all or none, in one transaction (or one journal), and
        say how many were new and how many replaced a record of the same id. Of two records with
        the same id in RECORDS the later wins. An import calls it once per batch."""

    def stats(self, *, as_of: datetime) -> StoreStats:
        """Counts per (section, status) of every record, and the dates of StoreStats as of AS_OF."""

    def close(self) -> None: ...


def redacted(location: str) -> str:
    """LOCATION fit to print: a password in a URL, in its user part or as a password= parameter,
    replaced by '***' (in messages and reports alike), even in a URL urllib cannot split."""
    if "://" not in location:
        return location
    text = re.sub(r"(?<=://)([^:/?#@]*):[^/?#]*@", r"\1:***@", location, count=1)
    return re.sub(r"(?<=[?&])(password=)[^&#]*", r"\1***", text)


def is_sqlite(location: str) -> bool:
    return location.startswith("sqlite:///") or Path(location).suffix in SQLITE_SUFFIXES


def is_postgres(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


def open_store(location: str | Path, *, config: Any, create: bool = False) -> Store:
    """The store at LOCATION (see the module docstring), read with CONFIG's site settings.

    CREATE makes an empty directory or SQLite database when there is none (for
    `import --into`); otherwise a missing store is a ConfigError.
    """
    location = str(location)
    try:
        return _open_store(location, config=config, create=create)
    except SyndicateError as error:
        error.store_location = location
        raise


def _open_store(location: str, *, config: Any, create: bool) -> Store:
    if is_postgres(location):
        try:
            from syndicate.store.postgres import PostgresStore
        except ImportError:
            raise ConfigError("a postgresql:// store needs the PostgreSQL driver: "
                              "pip install 'syndicate-feeds[postgresql]'") from None

        return PostgresStore(location, config=config, create=create)
    if is_sqlite(location):
        from syndicate.store.sqlite import SqliteStore

        path = Path(location.removeprefix("sqlite:///")) if location.startswith("sqlite:///") else Path(location)
        if not path.exists() and not create:
            raise ConfigError(f"{path}: no such SQLite store (create one with `syndicate import ... --into {path}`)")
        return SqliteStore(path, config=config, create=create)
    from syndicate.store.files import FileStore

    path = Path(location)
    if path.is_dir() or (create and not path.exists()) or (path.is_file() and path.suffix in (".json", ".jsonl")):
        return FileStore(path, config=config)
    raise ConfigError(f"{path}: not a store: expected a directory of *.json / *.jsonl files, a SQLite file "
                      f"({', '.join(SQLITE_SUFFIXES)} or sqlite:///PATH) or a postgresql:// URL")
