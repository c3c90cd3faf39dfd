"""SQLite: the embedded store for anything beyond a handful of files (Python's sqlite3, WAL).

The canonical record is kept whole (JSON text) beside indexed columns. Dates are
UTC text 'YYYY-MM-DDTHH:MM:SSZ', which sorts as it reads. article_sections holds
one row per (section, article), so that "the latest N of a section" is one
walk down the index (section, published DESC, id) that stops after N public rows.
metadata holds the store's id and a counter every import raises (StoreState).
An upsert finds the section rows of a record it replaces through the index
article_sections_id (id): one search per record, never a scan of the table.

A file is syndicate's when its header says so (application_id "SYND",
user_version 3, or 2: the layout before `expires`, read as it is), or when it has
exactly the two tables of syndicate 0.1's layout (user_version 1), which
`import --into` upgrades. Any other database is another application's and is
refused. Only `import --into` writes records: it creates the tables in a new or
empty database, or upgrades an older layout (adding what a store of layout 2
lacks: the expires columns, the indexes of withdrawn stories and expiries, the
versions ledger), and then upserts. A store of layout 2 made before
article_sections_id or the checked column existed gets them the same way.
Export, stats and import sources open the file read-only (a `mode=ro` URI) and
change nothing in it; reading a store in WAL mode may leave SQLite's own -wal and
-shm files beside it, as any reader does, but a file that is not a store is
refused before SQLite opens it for reading in a way that would create them. The
one write of an export is the versions ledger (keep_versions), through a
connection of its own, which changes no record and not the change counter.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from syndicate.checked import record_digest
from syndicate.config import DEFAULT_STORE_TIMEOUT
from syndicate.pausepoints import pause_point
from syndicate.store import FeedQuery, HeldBack, RawRecord, StoredRecord, StoreError, StoreState, StoreStats, Upserted
from syndicate.store.sqlite_layout import (ADD_CHECKED, ADD_EXPIRES, APPLICATION_ID, BUMP_CHANGES, CHECKED,
                                           CREATE_METADATA, CREATE_TABLES, CREATE_VERSIONS, DELETE_SECTIONS, EXPIRES,
                                           FIRST_TOMBSTONE, HELD, HELD_BACK, INSERT_SECTION, KEEP_VERSION,
                                           NEXT_EXPIRY, OLDEST_IN_SECTION, OLDEST_OF_SITE, OLD_TABLES,
                                           READABLE_VERSIONS, SCHEMA_VERSION, SECTIONS_BY_ID, SHOWN_WHEN_LIFTED,
                                           STILL_EMBARGOED, TABLES, UPGRADE_INDEXES, UPSERT_ARTICLE, VERSIONS,
                                           WITHDRAWN_SINCE, latest_query, public)

# Primary result codes (https://sqlite.org/rescode.html).
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR = 3, 5, 6, 8, 10
_CORRUPT, _FULL, _CANTOPEN, _AUTH, _NOTADB = 11, 13, 14, 23, 26

_HELD_CHUNK = 500  # ids per query of an upsert: well below SQLite's limit on parameters

# Seconds an export waits for the write lock to keep its versions (syndicate.export.run._keep_versions).
LEDGER_WAIT = 2


def utc_text(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def ledger_text(moment: datetime) -> str:
    """MOMENT in the versions ledger: ISO 8601 in UTC, to the microsecond (it is read back as it was)."""
    if moment.tzinfo is None:
        raise ValueError(f"a version's created date must be timezone-aware: {moment!r}")
    return moment.astimezone(timezone.utc).isoformat()


def _from_utc_text(text: str | None) -> datetime | None:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc) if text else None


def _raw(path: Path, record_id: str, record: str, checked: str | None = None) -> RawRecord:
    """A stored record as read back, parsed when first asked for (RawRecord): text another program wrote
    there that is not JSON is named, not raised. CHECKED, the column, holds the digest of the record
    its checked form was made from, then the form: the form goes with the record only if that is this one."""
    if checked is not None:
        digest, _, form = checked.partition(":")
        checked = form if isinstance(record, str) and digest == record_digest(record) else None
    return RawRecord(origin=f"{path}#{record_id}", text=record, checked=checked)


def _checked_column(stored: StoredRecord) -> str | None:
    return None if stored.checked is None else f"{record_digest(stored.json_text())}:{stored.checked}"


def store_timeout(config: Any) -> int:
    """Seconds to wait for a lock or a query: [store] timeout, or the default without a config."""
    return getattr(config, "store_timeout", None) or DEFAULT_STORE_TIMEOUT


@dataclass(frozen=True, slots=True)
class _Header:
    """The first 100 bytes of a database file, read without SQLite (so without creating anything)."""

    size: int
    wal: bool = False
    user_version: int = 0
    application_id: int = 0


@dataclass(frozen=True, slots=True)
class _Layout:
    kind: str  # current, old, empty, newer, foreign
    why: str = ""  # for foreign: what makes it another application's


def _layout(application_id: int, user_version: int, tables: set[str]) -> _Layout:
    if application_id == APPLICATION_ID:
        if user_version > SCHEMA_VERSION:
            return _Layout("newer")
        if user_version in READABLE_VERSIONS and TABLES <= tables:
            return _Layout("current")
        return _Layout("foreign", f"it is marked as syndicate's but lacks its tables (user_version {user_version})")
    if application_id != 0:
        return _Layout("foreign", f"its application_id is {application_id:#x}, another application's")
    if user_version == 0 and not tables:
        return _Layout("empty")
    if user_version == 1 and tables == OLD_TABLES:
        return _Layout("old")
    if user_version not in (0, 1):
        return _Layout("foreign", f"its user_version is {user_version}, another application's")
    names = ", ".join(sorted(tables - TABLES)[:5] or sorted(tables)[:5])
    return _Layout("foreign", f"it holds tables of another application ({names})")


class SqliteStore:
    def __init__(self, path: Path, *, config: Any, create: bool = False):
        """CREATE (import --into): write, creating the store when there is none (a new or empty
        file) and upgrading an old layout. Otherwise read only: the file is opened read-only."""
        self.path = path
        self.location = str(path)
        self.timeout = store_timeout(config)
        self.writable = create
        self.old = False  # syndicate 0.1's layout, read as it is (records and stats; no snapshot)
        self.checked = CHECKED  # what a query selects for a record's checked form
        self.expiring = True  # whether the store has the expires columns (a store of layout 2 has not)
        self.connection: sqlite3.Connection | None = None
        try:
            if create:
                self._open_to_write()
            else:
                self._open_to_read()
        except sqlite3.Error as error:
            self.close()
            raise self._failure(error, "open the store") from None
        except BaseException:
            self.close()
            raise

    # Opening

    def _header(self) -> _Header:
        try:
            with self.path.open("rb") as file:
                header = file.read(100)
        except FileNotFoundError:
            raise StoreError(f"{self.location}: no such SQLite store (create one with "
                             f"`syndicate import ... --into {self.location}`)") from None
        except OSError as error:
            raise StoreError(f"{self.location}: cannot read: {error.strerror}") from None
        if not header:
            return _Header(size=0)
        if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
            raise StoreError(f"{self.location}: not a SQLite database (its first bytes are not SQLite's header)")
        return _Header(size=len(header), wal=header[18] == 2 or header[19] == 2,
                       user_version=int.from_bytes(header[60:64], "big", signed=True),
                       application_id=int.from_bytes(header[68:72], "big", signed=True))

    def _uri(self, mode: str, *, immutable: bool = False) -> str:
        return self.path.absolute().as_uri() + f"?mode={mode}" + ("&immutable=1" if immutable else "")

    def _connect(self, mode: str, *, immutable: bool = False, timeout: float | None = None) -> sqlite3.Connection:
        # isolation_level=None: transactions are begun and ended explicitly below.
        return sqlite3.connect(self._uri(mode, immutable=immutable), uri=True, isolation_level=None,
                               timeout=self.timeout if timeout is None else timeout)

    @staticmethod
    def _read_layout(connection: sqlite3.Connection) -> _Layout:
        application_id = connection.execute("PRAGMA application_id").fetchone()[0]
        user_version = connection.execute("PRAGMA user_version").fetchone()[0]
        tables = {name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")}
        return _layout(application_id, user_version, tables)

    def _live_layout(self) -> _Layout:
        """The layout as of now, read in one read transaction."""
        assert self.connection is not None
        begun = not self.connection.in_transaction
        if begun:
            self.connection.execute("BEGIN")
        try:
            return self._read_layout(self.connection)
        finally:
            if begun:
                self._end()

    def _peek(self, header: _Header) -> None:
        """Refuse a file that is plainly not a store before opening it for real: a read-only
        connection creates no file beside a database in rollback-journal mode, but would create
        -wal and -shm files beside one in WAL mode, so that one is first read as immutable (its
        main file only, without SQLite's shared memory). A store whose newest changes are still
        in its WAL may look empty or old to that look; the real connection reads it whole."""
        if header.size == 0 or header.application_id == APPLICATION_ID:
            return
        try:
            peek = self._connect("ro", immutable=header.wal)
        except sqlite3.Error:
            return  # the real connection will say what is wrong
        try:
            layout = self._read_layout(peek)
        except sqlite3.Error as error:
            if header.wal:  # a page read while a checkpoint wrote it: ask the real connection
                return
            raise self._failure(error, "open the store") from None
        finally:
            peek.close()
        self._refuse(layout, writing=self.writable)

    def _refuse(self, layout: _Layout, *, writing: bool) -> None:
        if layout.kind == "foreign":
            raise StoreError(f"{self.location}: not a syndicate store: {layout.why}. syndicate reads and writes "
                             "only a database it created; to make one, give `syndicate import --into` a new file")
        if layout.kind == "newer":
            raise StoreError(f"{self.location}: this store was written by a newer syndicate "
                             f"(its layout is newer than {SCHEMA_VERSION}); upgrade syndicate to use it")
        if layout.kind == "empty" and not writing:
            raise StoreError(f"{self.location}: an empty database, not a syndicate store yet "
                             f"(fill it with `syndicate import ... --into {self.location}`)")

    def _open_to_read(self) -> None:
        header = self._header()
        if header.size == 0:
            self._refuse(_Layout("empty"), writing=False)
        self._peek(header)
        self.connection = self._connect("ro")
        layout = self._live_layout()
        self._refuse(layout, writing=False)
        self.old = layout.kind == "old"
        if layout.kind == "current" and not self._has_checked():
            self.checked = "NULL"  # made before the column existed (by a reader that does not write)
        self.expiring = self._has_column(EXPIRES)

    def _open_to_write(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"{self.location}: cannot create its directory: {error.strerror}") from None
        if self.path.exists():
            self._peek(self._header())
        self.connection = self._connect("rwc")
        self.connection.execute("PRAGMA foreign_keys = ON")
        layout = self._live_layout()
        self._refuse(layout, writing=True)
        if layout.kind == "current" and self._up_to_date():
            return
        if self.connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self.connection.execute("PRAGMA journal_mode = WAL")  # readers never block the writer
        try:
            # The write lock, waited for as long as [store] timeout (readers are not blocked by it).
            self.connection.execute("BEGIN IMMEDIATE")
            layout = self._live_layout()  # another import may have created it meanwhile
            self._refuse(layout, writing=True)
            if layout.kind in ("empty", "old"):
                if layout.kind == "empty":
                    for statement in CREATE_TABLES:
                        self.connection.execute(statement)
                self.connection.execute(CREATE_METADATA)
                # A store made before the counter existed starts at 0, as a new one does.
                self.connection.execute("INSERT INTO metadata (singleton, store_id, changes) VALUES (1, ?, 0)",
                                        (str(uuid.uuid4()),))
                self.connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                self.connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            # New stores, old ones, and stores made before an index, a column or the ledger existed.
            if not self._has_checked():
                self.connection.execute(ADD_CHECKED)
            if not self._has_column(EXPIRES):
                for statement in ADD_EXPIRES:
                    self.connection.execute(statement)
            for statement in UPGRADE_INDEXES:
                self.connection.execute(statement)
            self.connection.execute(CREATE_VERSIONS)
            self.connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self.connection.execute("COMMIT")
        except sqlite3.Error as error:
            self._rollback()
            doing = "create the store" if layout.kind == "empty" else "upgrade the store's layout"
            raise self._failure(error, doing, waiting_for="the write lock") from None
        except BaseException:
            self._rollback()
            raise

    def _has_checked(self) -> bool:
        return self._has_column(CHECKED)

    def _has_column(self, name: str) -> bool:
        assert self.connection is not None
        return any(row[1] == name for row in self.connection.execute("PRAGMA table_info(articles)"))

    def _up_to_date(self) -> bool:
        """Whether the store has this layout's every column, index and table (nothing to upgrade)."""
        assert self.connection is not None
        names = {name for (name,) in self.connection.execute("SELECT name FROM sqlite_master")}
        return (self.connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
                and {SECTIONS_BY_ID, "articles_withdrawn", "articles_expires", VERSIONS} <= names
                and self._has_checked() and self._has_column(EXPIRES))

    # Transactions and errors

    def _end(self) -> None:
        """End a read transaction; a failure to end it hides nothing (nothing was written)."""
        self._rollback()

    def _rollback(self) -> None:
        """Roll back the transaction, if SQLite has not already (it does on a full disk): a failed
        ROLLBACK must not hide the error that made it necessary."""
        if self.connection is not None and self.connection.in_transaction:
            try:
                self.connection.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def _failure(self, error: sqlite3.Error, doing: str, *, waiting_for: str = "a lock on the store") -> StoreError:
        code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
        text = str(error)
        if code in (_BUSY, _LOCKED):
            return StoreError(f"{self.location}: cannot {doing}: waited {self.timeout} s for {waiting_for}; "
                              "another command holds it, or raise [store] timeout")
        if code == _FULL:
            return StoreError(f"{self.location}: cannot {doing}: the disk is full, or the database reached its "
                              f"size limit ({text}); the store is as it was")
        if code == _NOTADB:
            return StoreError(f"{self.location}: not a SQLite database ({text})")
        if code == _CORRUPT:
            return StoreError(f"{self.location}: the SQLite database is damaged ({text}); restore it from a backup")
        if code in (_PERM, _READONLY, _CANTOPEN, _AUTH):
            return StoreError(f"{self.location}: cannot {doing}: {text} (check the permissions of the file "
                              "and of its directory)")
        if code == _IOERR:
            return StoreError(f"{self.location}: cannot {doing}: an input/output error ({text})")
        return StoreError(f"{self.location}: cannot {doing}: {text}")

    @contextmanager
    def _reading(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One read transaction: in WAL mode it sees the database as it was when it began,
        and neither waits for a writer nor holds one up."""
        assert self.connection is not None
        try:
            self.connection.execute("BEGIN")
            yield self.connection
        except sqlite3.Error as error:
            raise self._failure(error, doing) from None
        finally:
            self._end()

    # The Store protocol

    def close(self) -> None:
        if self.connection is not None:
            self._rollback()
            self.connection.close()
            self.connection = None

    def records(self) -> Iterator[RawRecord]:
        with self._reading("read the store") as connection:
            for record_id, record in connection.execute("SELECT id, record FROM articles ORDER BY id"):
                yield _raw(self.path, record_id, record)

    @contextmanager
    def snapshot(self) -> Iterator[_Snapshot]:
        if self.old:
            raise StoreError(f"{self.location}: this store has the layout of an older syndicate, without the "
                             "id and change counter an export records; upgrade it once with "
                             f"`syndicate import {self.location} --into {self.location}`, then export again")
        with self._reading("read the store") as connection:
            # The first read begins the snapshot: the state is that of the records read after it.
            row = connection.execute("SELECT store_id, changes FROM metadata").fetchone()
            if row is None:
                raise StoreError(f"{self.location}: the store is damaged: its metadata row (id and change "
                                 "counter) is missing")
            store_id, changes = row
            yield _Snapshot(self, StoreState(store=store_id, version=changes))

    def upsert(self, records: Sequence[StoredRecord]) -> Upserted:
        """Insert or replace RECORDS by id and raise the change counter, all in one transaction:
        a batch of an import. Every statement is run for the whole batch (executemany), and
        each finds its rows through an index."""
        if not self.writable:
            raise RuntimeError(f"{self.location}: opened to read; open_store(..., create=True) to write")
        if not records:
            return Upserted()
        assert self.connection is not None
        wanted = {stored.id: stored for stored in records}  # of one id twice, the later wins
        ids = list(wanted)
        articles, sections = [], []
        for stored in wanted.values():
            published, embargo_until = utc_text(stored.published), (
                utc_text(stored.embargo_until) if stored.embargo_until else None)
            expires = utc_text(stored.expires) if stored.expires else None
            articles.append((stored.id, stored.json_text(), stored.sections[0],
                             published, utc_text(stored.updated), stored.status, embargo_until,
                             _checked_column(stored), expires))
            sections += [(section, stored.id, published, stored.status, embargo_until, expires)
                         for section in dict.fromkeys(stored.sections)]
        try:
            self.connection.execute("BEGIN IMMEDIATE")
            self.connection.execute(BUMP_CHANGES)
            held: list[str] = []
            for start in range(0, len(ids), _HELD_CHUNK):
                chunk = ids[start:start + _HELD_CHUNK]
                held += [row[0] for row in self.connection.execute(
                    HELD.format(marks=", ".join("?" * len(chunk))), chunk)]
            self.connection.executemany(DELETE_SECTIONS, [(record_id,) for record_id in held])
            self.connection.executemany(UPSERT_ARTICLE, articles)
            self.connection.executemany(INSERT_SECTION, sections)
            pause_point("import-committing")
            self.connection.execute("COMMIT")
        except sqlite3.Error as error:
            self._rollback()
            raise self._failure(error, "import", waiting_for="the write lock") from None
        except BaseException:
            self._rollback()
            raise
        return Upserted(new=len(ids) - len(held), replaced=len(held))

    def keep_versions(self, entries: dict[str, tuple[int, str, datetime]]) -> None:
        """Keep ENTRIES (item id -> (version, digest, created)) in the versions ledger, in one
        transaction of a connection of its own: the store stays open read-only for the export,
        whose snapshot may still be open (in WAL mode a reader does not hold up a writer). The
        change counter and the records are untouched, so the store's state is the same after."""
        rows = [(item, version, digest, ledger_text(created)) for item, (version, digest, created) in entries.items()]
        if not rows:
            return
        doing = "keep the versions of the items it exported"
        try:
            # An export does not queue behind an import for long: the export keeps them in OUT meanwhile.
            connection = self._connect("rw", timeout=min(self.timeout, LEDGER_WAIT))
        except sqlite3.Error as error:
            raise self._ledger_failure(error, doing) from None
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(CREATE_VERSIONS)
            connection.executemany(KEEP_VERSION, rows)
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            if connection.in_transaction:
                try:
                    connection.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            raise self._ledger_failure(error, doing) from None
        finally:
            connection.close()

    def _ledger_failure(self, error: sqlite3.Error, doing: str) -> StoreError:
        code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
        if code in (_PERM, _READONLY, _CANTOPEN, _AUTH):
            return StoreError(f"{self.location}: cannot {doing}: {error}; syndicate keeps them in the store (its "
                              f"table {VERSIONS}), so the user that exports must be able to write the store's file "
                              "and its directory: give that user write permission on both")
        return self._failure(error, doing, waiting_for="the write lock")

    def upsert_plans(self) -> dict[str, list[str]]:
        """How SQLite runs each statement of an upsert (EXPLAIN QUERY PLAN), for tests and diagnosis."""
        assert self.connection is not None
        statements = {
            "bump changes": (BUMP_CHANGES, ()),
            "held ids": (HELD.format(marks="?, ?"), ("a", "b")),
            "delete sections": (DELETE_SECTIONS, ("a",)),
            "upsert article": (UPSERT_ARTICLE, ("a", "{}", "s", "t", "t", "published", None, None, None)),
            "insert section": (INSERT_SECTION, ("s", "a", "t", "published", None, None)),
        }
        return {name: [row[-1] for row in self.connection.execute("EXPLAIN QUERY PLAN " + text, parameters)]
                for name, (text, parameters) in statements.items()}

    def stats(self, *, as_of: datetime) -> StoreStats:
        when = {"as_of": utc_text(as_of)}
        with self._reading("count the store's records") as connection:
            counts = {(section, status): count for section, status, count in connection.execute(
                "SELECT section, status, count(*) FROM articles GROUP BY section, status ORDER BY section, status")}
            oldest, newest = connection.execute(
                "SELECT min(published), max(published) FROM articles WHERE " + public(expiring=self.expiring),
                when).fetchone()
            embargoed, next_lift, last_lift = connection.execute(
                "SELECT count(*), min(embargo_until), max(embargo_until) FROM articles WHERE " + STILL_EMBARGOED,
                when).fetchone()
        return StoreStats(counts=counts, oldest=_from_utc_text(oldest), newest=_from_utc_text(newest),
                          embargoed=embargoed, next_lift=_from_utc_text(next_lift),
                          last_lift=_from_utc_text(last_lift))

    def query_plan(self, query: FeedQuery) -> list[str]:
        """How SQLite runs the latest-N query (EXPLAIN QUERY PLAN), for tests and diagnosis."""
        assert self.connection is not None
        rows = self.connection.execute(
            "EXPLAIN QUERY PLAN " + latest_query(query, checked=self.checked, expiring=self.expiring),
            {"section": query.section, "limit": query.limit, "as_of": utc_text(datetime.now(timezone.utc))},
        )
        return [row[-1] for row in rows]


class _Snapshot:
    problems = ()

    def __init__(self, store: SqliteStore, state: StoreState):
        self.store = store
        self.state = state

    def latest(self, query: FeedQuery, *, as_of: datetime) -> list[RawRecord]:
        assert self.store.connection is not None
        try:
            rows = self.store.connection.execute(
                latest_query(query, checked=self.store.checked, expiring=self.store.expiring),
                {"section": query.section, "limit": query.limit, "as_of": utc_text(as_of)})
            return [_raw(self.store.path, record_id, record, checked) for record_id, record, checked in rows]
        except sqlite3.Error as error:
            raise self.store._failure(error, "read the store") from None

    def oldest_first(self, section: str | None, *, as_of: datetime) -> Iterator[RawRecord]:
        assert self.store.connection is not None
        try:
            expiring = self.store.expiring
            query = (OLDEST_OF_SITE.format(checked=self.store.checked, public=public(expiring=expiring))
                     if section is None else
                     OLDEST_IN_SECTION.format(checked=self.store.checked, public=public("s", expiring=expiring)))
            rows = self.store.connection.execute(query, {"section": section, "as_of": utc_text(as_of)})
            for record_id, record, checked in rows:  # sqlite3 steps the statement as rows are taken
                yield _raw(self.store.path, record_id, record, checked)
        except sqlite3.Error as error:
            raise self.store._failure(error, "read the store") from None

    def withdrawn(self, *, since: datetime) -> list[RawRecord]:
        assert self.store.connection is not None
        try:
            rows = self.store.connection.execute(WITHDRAWN_SINCE.format(checked=self.store.checked),
                                                 {"since": utc_text(since)})
            return [_raw(self.store.path, record_id, record, checked) for record_id, record, checked in rows]
        except sqlite3.Error as error:
            raise self.store._failure(error, "read the store") from None

    def held_back(self, *, as_of: datetime, tombstone_window: timedelta) -> HeldBack:
        assert self.store.connection is not None
        expiring = self.store.expiring
        moments = {"as_of": utc_text(as_of), "since": utc_text(as_of - tombstone_window)}
        try:
            connection = self.store.connection
            drafts, embargoed, lift = connection.execute(
                HELD_BACK.format(shown=SHOWN_WHEN_LIFTED if expiring else ""), moments).fetchone()
            expiry = connection.execute(NEXT_EXPIRY, moments).fetchone()[0] if expiring else None
            first = connection.execute(FIRST_TOMBSTONE, moments).fetchone()[0]
        except sqlite3.Error as error:
            raise self.store._failure(error, "read the store") from None
        first_withdrawn = _from_utc_text(first)
        return HeldBack(drafts=drafts, embargoed=embargoed, next_lift=_from_utc_text(lift),
                        next_expiry=_from_utc_text(expiry),
                        tombstones_end=first_withdrawn + tombstone_window if first_withdrawn else None)

    def versions(self, ids: Collection[str] | None = None) -> dict[str, tuple[int, str, datetime]]:
        """The versions ledger (syndicate.versions): item id -> (version, digest, created), of IDS
        only when given (an export asks for the items it exports); {} before the first export kept one."""
        assert self.store.connection is not None
        try:
            connection = self.store.connection
            if connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                  (VERSIONS,)).fetchone() is None:
                return {}
            query = f"SELECT id, version, digest, created FROM {VERSIONS}"
            if ids is None:
                rows = list(connection.execute(query))
            else:
                asked = list(ids)
                rows = [row for start in range(0, len(asked), _HELD_CHUNK)
                        for row in connection.execute(
                            f"{query} WHERE id IN ({','.join('?' * len(asked[start:start + _HELD_CHUNK]))})",
                            asked[start:start + _HELD_CHUNK])]
            return {item: (version, digest, datetime.fromisoformat(created)) for item, version, digest, created in rows}
        except sqlite3.Error as error:
            raise self.store._failure(error, "read the store's versions") from None
