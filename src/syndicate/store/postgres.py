"""PostgreSQL, for newsrooms whose editors and importers write while feeds are exported (psycopg 3).

The canonical record is kept whole as JSONB beside indexed columns; ids sort
byte-wise (COLLATE "C") as everywhere else in syndicate. Everything syndicate
creates lives in one schema of its own, `syndicate` unless the URL names another
with `?schema=NAME` (taken out of the URL before libpq sees it): the tables
articles, article_sections, metadata (the layout's version, the store's id and
a counter every import raises) and versions (the ledger of the versions exports
published), so the store can live in a database the newsroom already runs.

Opening a store only reads the catalog and the metadata row: no lock is taken and
nothing is created, so a role that may only SELECT can export. Only `import --into`
creates the schema's tables (in a new or empty schema) or moves syndicate 0.1's
tables (syndicate_articles and syndicate_article_sections in the search path)
into it, and that waits at most a few seconds for its locks. An upsert finds the
section rows of a record it replaces through the index article_sections_id (id);
a store made before that index gets it from the first import into it by the
tables' owner (the layout version stays 2), and another role imports without it,
slower, with a warning that says how to add it; a store of layout 2 gets the
expires columns, the indexes of withdrawn stories and expiries and the ledger
the same way (and becomes layout 3). The one write of an export is the versions
ledger (keep_versions), on a connection of its own: a reader role needs INSERT
and UPDATE on that table alone (README). An export reads one
REPEATABLE READ, READ ONLY transaction, so a writer committing meanwhile is either
wholly in the export or wholly out of it, and neither waits for the other. Every
wait for a lock or a query is bounded by [store] timeout (lock_timeout,
statement_timeout).
"""

from __future__ import annotations

import re
import uuid
import zlib
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote

import psycopg
from psycopg import errors, sql
from psycopg.pq import TransactionStatus

from syndicate.config import DEFAULT_STORE_TIMEOUT
from syndicate.pausepoints import pause_point
from syndicate.store import (FeedQuery, HeldBack, RawRecord, StoredRecord, StoreError, StoreState, StoreStats,
                             Upserted, redacted)
from syndicate.store.postgres_layout import (ADD_CHECKED, ADD_EXPIRES, BUMP_CHANGES, CHECKED, CREATE_SECTIONS_BY_ID,
                                             CREATE_TABLES, CREATE_VERSIONS, DEFAULT_SCHEMA, DELETE_SECTIONS, EMBARGOED,
                                             FIRST_TOMBSTONE, HAS_CHECKED, HAS_COLUMN, HELD, HELD_BACK, IDENTIFIER,
                                             INSERT_SECTION, INSPECT, KEEP_VERSION, LATEST_IN_SECTION, LATEST_OF_SITE,
                                             NEXT_EXPIRY, OLDEST_IN_SECTION, OLDEST_OF_SITE, OLD_TABLES, PUBLIC,
                                             SCHEMA_VERSION, SECTIONS_BY_ID, STILL_EMBARGOED, TABLES, UPSERT_ARTICLE,
                                             UPSERT_CHECKED_ARTICLE, VERSIONS, WITHDRAWN_SINCE, WITHDRAWN_STATUS)

# Creating or upgrading the tables waits for its locks at most this long (or [store] timeout if
# shorter): while DDL waits for a table, PostgreSQL queues every later reader of it behind it.
DDL_LOCK_WAIT = 5
README_ROLES = 'the README, "A PostgreSQL the newsroom already runs"'


def store_timeout(config: Any) -> int:
    """Seconds to wait for a lock or a query: [store] timeout, or the default without a config."""
    return getattr(config, "store_timeout", None) or DEFAULT_STORE_TIMEOUT


def _secrets(url: str) -> list[str]:
    """The password in URL, as written and decoded, to be kept out of any message."""
    found = []
    if (match := re.search(r"://([^/?@]*?):([^@]*)@", url)) and match.group(2):
        found.append(match.group(2))
    found += re.findall(r"(?<=[?&])password=([^&]*)", url)
    found += [unquote(secret) for secret in found]
    return sorted({secret for secret in found if secret}, key=len, reverse=True)


def split_url(url: str) -> tuple[str, str]:
    """(the URL libpq is given, the schema): ?schema=NAME taken out, the rest as written."""
    base, mark, query = url.partition("?")
    kept, schema = [], DEFAULT_SCHEMA
    for parameter in query.split("&") if mark else []:
        key, _, value = parameter.partition("=")
        if unquote(key) == "schema":
            schema = unquote(value)
        elif parameter:
            kept.append(parameter)
    if not IDENTIFIER.fullmatch(schema):
        raise StoreError(f"{redacted(url)}: ?schema={schema!r} is not a schema name syndicate accepts: "
                         "lower-case letters, digits and _, not starting with a digit, at most 63 characters")
    return base + ("?" + "&".join(kept) if kept else ""), schema


@dataclass(frozen=True, slots=True)
class _Layout:
    kind: str  # current, old, empty (no store yet), foreign, newer
    schema_exists: bool = False
    others: tuple[str, ...] = ()  # tables of the schema that are not syndicate's
    old_schema: str | None = None  # where syndicate 0.1's tables are (kind old)
    version: int = 0


class PostgresStore:
    def __init__(self, url: str, *, config: Any, create: bool = False):
        """CREATE (import --into): write, creating the store's tables when there are none and
        moving syndicate 0.1's tables into the store's schema. Otherwise only read."""
        self.location = redacted(url)
        self._hidden = _secrets(url)
        self.timeout = store_timeout(config)
        self.writable = create
        self.old = False  # syndicate 0.1's layout, read as it is (records and stats; no snapshot)
        self.checked = CHECKED  # what a query selects for a record's checked form (NULL: a store without them)
        self.expiring = True  # whether the store has the expires columns (a store of layout 2 may not)
        self.warnings: list[str] = []  # for the import's report: what it could not do, and why
        self.connection: psycopg.Connection | None = None
        conninfo, self.schema = split_url(url)
        self._conninfo = conninfo  # for the ledger's connection of its own
        self._use(self.schema)
        try:
            # Autocommit: every transaction below is begun explicitly, with its isolation level.
            self.connection = psycopg.connect(conninfo, autocommit=True, connect_timeout=max(2, self.timeout))
        except psycopg.Error as error:
            raise StoreError(f"{self.location}: cannot open as a PostgreSQL store: {self._text(error)}") from None
        try:
            wait = f"{self.timeout * 1000}"
            self.connection.execute("SELECT set_config('lock_timeout', %s, false), "
                                    "set_config('statement_timeout', %s, false)", (wait, wait))
            layout = self._inspect()
            if create and layout.kind in ("empty", "old"):
                self._create_or_upgrade()
            elif create and layout.kind == "current":
                self._add_sections_by_id()
                self._add_checked()
                self._add_expires()
            elif layout.kind == "old":
                self.old = True
                self.expiring = False
                self._use(layout.old_schema or "public", old=True)
            else:
                self._refuse(layout)
                if not self._has_checked():
                    self.checked = "NULL"
                self.expiring = self._has_column("articles", "expires")
        except psycopg.Error as error:
            failure = self._failure(error, "open the store")
            self.close()
            raise failure from None
        except BaseException:
            self.close()
            raise

    def _use(self, schema: str, *, old: bool = False) -> None:
        names = OLD_TABLES if old else ("articles", "article_sections")
        self.tables = f"{schema}.{names[0]}, {schema}.{names[1]}"  # for messages
        self.articles = sql.Identifier(schema, names[0])
        self.sections = sql.Identifier(schema, names[1])
        self.metadata = sql.Identifier(schema, "metadata")

    def _sql(self, text: str) -> sql.Composed:
        expiring = self.expiring
        return sql.SQL(text).format(
            articles=self.articles, sections=self.sections, metadata=self.metadata,
            versions=sql.Identifier(self.schema, VERSIONS), schema=sql.Identifier(self.schema),
            checked=sql.SQL(self.checked), withdrawn=sql.SQL(WITHDRAWN_STATUS),
            unexpired=sql.SQL(" AND (expires IS NULL OR expires > %(as_of)s)" if expiring else ""),
            unexpired_s=sql.SQL(" AND (s.expires IS NULL OR s.expires > %(as_of)s)" if expiring else ""),
            shown=sql.SQL(" AND (expires IS NULL OR expires > embargo_until)" if expiring else ""),
            expires_column=sql.SQL(", expires" if expiring else ""),
            expires_value=sql.SQL(", %s" if expiring else ""),
            expires_typed=sql.SQL(", %s::timestamptz" if expiring else ""),
            expires_set=sql.SQL(", expires = excluded.expires" if expiring else ""))

    def _has_column(self, table: str, column: str) -> bool:
        assert self.connection is not None
        return self.connection.execute(HAS_COLUMN, (f"{self.schema}.{table}", column)).fetchone()[0]

    def _add_expires(self) -> None:
        """Give a store of layout 2 the expires columns, their indexes and the ledger (as _add_checked
        its columns: only the tables' owner may; another role imports without them, and says so)."""
        if self._has_column("articles", "expires"):
            return
        why = self._upgrade(ADD_EXPIRES, busy="the table was busy")
        if why is not None:
            self.expiring = False
            self.warnings.append(
                f"{self.location}: the columns that keep when each record expires are missing and could not be "
                f"added ({why}); exports leave expired records out all the same, but look further for the "
                "latest ones. The tables' owner adds them with one import into the store.")

    def _has_checked(self) -> bool:
        assert self.connection is not None
        return self.connection.execute(HAS_CHECKED, (f"{self.schema}.articles",)).fetchone()[0]

    def _add_checked(self) -> None:
        """Give a store made before checked forms existed their columns (as _add_sections_by_id
        its index: only the tables' owner may; another role imports without them, and says so)."""
        assert self.connection is not None
        if self._has_checked():
            return
        why = self._upgrade((ADD_CHECKED,), busy="the table was busy")
        if why is not None:
            self.checked = "NULL"
            self.warnings.append(
                f"{self.location}: the columns that keep each record as checked on import (so that exports do "
                f"not check it again) are missing and could not be added ({why}); the tables' owner can add "
                f"them once: ALTER TABLE {self.schema}.articles ADD COLUMN checked text, "
                "ADD COLUMN checked_record text;")

    def _upgrade(self, statements: Sequence[str], *, busy: str) -> str | None:
        """Run STATEMENTS (DDL that adds to a store of the current layout) in a transaction that waits
        briefly for its locks, under the advisory lock of the store's creation; None when done, else
        why it could not be (BUSY when the table was busy): another role imports without it."""
        assert self.connection is not None
        wait = min(self.timeout, DDL_LOCK_WAIT)
        try:
            self.connection.execute("BEGIN")
            self.connection.execute("SELECT set_config('lock_timeout', %s, true)", (f"{wait * 1000}",))
            self.connection.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                                    (0x53594E44, zlib.crc32(self.schema.encode()) - (1 << 31)))
            for statement in statements:
                self.connection.execute(self._sql(statement))
            self.connection.execute("COMMIT")
        except (errors.InsufficientPrivilege, errors.LockNotAvailable, errors.QueryCanceled) as error:
            self._rollback()
            return "this role does not own the tables" if isinstance(error, errors.InsufficientPrivilege) else busy
        return None

    # Opening

    def _inspect(self) -> _Layout:
        """The layout, from the catalog and the metadata row: reads only, takes no lock a writer waits for."""
        assert self.connection is not None
        schema_exists, tables, old_articles, old_sections = self.connection.execute(
            INSPECT, {"schema": self.schema}).fetchone()
        tables = set(tables)
        if "metadata" in tables:
            try:
                row = self.connection.execute(self._sql("SELECT schema_version FROM {metadata}")).fetchone()
            except errors.InsufficientPrivilege as error:
                raise StoreError(self._no_privilege(error, "read the store")) from None
            except (errors.UndefinedColumn, errors.InvalidTextRepresentation):
                row = None
            if row is None:
                return _Layout("foreign", True, tuple(sorted(tables)))
            if row[0] > SCHEMA_VERSION:
                return _Layout("newer", True, version=row[0])
            if not TABLES <= tables:
                return _Layout("foreign", True, tuple(sorted(tables)))
            return _Layout("current", True)
        if tables - {VERSIONS}:  # the ledger alone: made beforehand, to grant a reader its use (README)
            return _Layout("foreign", schema_exists, tuple(sorted(tables)))
        if old_articles is not None and old_articles == old_sections:
            return _Layout("old", schema_exists, old_schema=old_articles)
        return _Layout("empty", schema_exists)

    def _refuse(self, layout: _Layout) -> None:
        """Raise unless LAYOUT is a store this open may use as it is."""
        if layout.kind == "foreign":
            raise StoreError(f"{self.location}: schema {self.schema} holds tables that are not syndicate's "
                             f"({', '.join(layout.others[:5])}); syndicate keeps its store in a schema of its "
                             "own: name another with ?schema=NAME")
        if layout.kind == "newer":
            raise StoreError(f"{self.location}: this store was written by a newer syndicate (layout "
                             f"{layout.version}, this one knows {SCHEMA_VERSION}); upgrade syndicate to use it")
        if layout.kind == "empty":
            raise StoreError(f"{self.location}: no syndicate store in schema {self.schema} of this database "
                             f"(create one with `syndicate import ... --into URL`)")

    def _create_or_upgrade(self) -> None:
        """Create the tables, or move syndicate 0.1's into the schema, in one transaction that
        waits briefly for its locks and checks again, under an advisory lock, what is there."""
        assert self.connection is not None
        wait = min(self.timeout, DDL_LOCK_WAIT)
        doing = "create the store"
        try:
            self.connection.execute("BEGIN")
            self.connection.execute("SELECT set_config('lock_timeout', %s, true)", (f"{wait * 1000}",))
            # Two imports creating the same store at once: the second waits, then finds it made.
            self.connection.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                                    (0x53594E44, zlib.crc32(self.schema.encode()) - (1 << 31)))
            layout = self._inspect()
            if layout.kind not in ("empty", "old"):
                self._refuse(layout)
                self.connection.execute("COMMIT")  # another import created it meanwhile
                return
            if layout.kind == "old":
                doing = f"move syndicate 0.1's tables into schema {self.schema}"
            if not layout.schema_exists:
                self.connection.execute(self._sql("CREATE SCHEMA {schema}"))
            for statement in CREATE_TABLES:
                self.connection.execute(self._sql(statement))
            # A store made before the counter existed starts at 0, as a new one does.
            self.connection.execute(self._sql(
                "INSERT INTO {metadata} (schema_version, store_id, changes) VALUES (%s, %s, 0)"),
                (SCHEMA_VERSION, uuid.uuid4()))
            if layout.kind == "old":
                articles, sections = (sql.Identifier(layout.old_schema or "public", name) for name in OLD_TABLES)
                parts = {"old_articles": articles, "old_sections": sections}
                # Writers of an older syndicate wait (readers do not) until the tables are gone.
                self.connection.execute(sql.SQL("LOCK TABLE {old_articles}, {old_sections} IN EXCLUSIVE MODE")
                                        .format(**parts))
                self.connection.execute(sql.SQL(
                    "INSERT INTO {articles} (id, record, section, published, updated, status, embargo_until) "
                    "SELECT id, record, section, published, updated, status, embargo_until FROM {old_articles}"
                ).format(articles=self.articles, **parts))
                self.connection.execute(sql.SQL(
                    "INSERT INTO {sections} (section, id, published, status, embargo_until) "
                    "SELECT section, id, published, status, embargo_until FROM {old_sections}"
                ).format(sections=self.sections, **parts))
                self.connection.execute(sql.SQL("DROP TABLE {old_sections}, {old_articles}").format(**parts))
            self.connection.execute("COMMIT")
        except psycopg.Error as error:
            user = self._user()
            if "must be owner" in str(error):  # dropping syndicate 0.1's tables
                privilege = "run this import as the role that owns syndicate 0.1's tables"
            else:
                privilege = (f"an administrator makes it the owner of the schema, once: CREATE SCHEMA {self.schema} "
                             f"AUTHORIZATION {user}; or ALTER SCHEMA {self.schema} OWNER TO {user}; "
                             f"(see {README_ROLES})")
            failure = self._failure(error, doing, wait=wait, hint="try again when it is done", privilege=privilege)
            self._rollback()
            raise failure from None
        except BaseException:
            self._rollback()
            raise

    def _has_sections_by_id(self) -> bool:
        assert self.connection is not None
        return self.connection.execute("SELECT to_regclass(%s) IS NOT NULL",
                                       (f"{self.schema}.{SECTIONS_BY_ID}",)).fetchone()[0]

    def _add_sections_by_id(self) -> None:
        """Give a store of this layout made before article_sections_id existed that index (the layout
        version stays: nothing a reader relies on changes). Only the tables' owner may; for another
        role the import goes on without it, slower, and says so."""
        assert self.connection is not None
        if self._has_sections_by_id():
            return
        why = self._upgrade((CREATE_SECTIONS_BY_ID,),
                            busy="the table was busy, or building it took longer than [store] timeout")
        if why is not None:
            self.warnings.append(
                f"{self.location}: the index {SECTIONS_BY_ID}, which keeps imports into a large store fast, is "
                f"missing and could not be created ({why}); the tables' owner can create it once: CREATE INDEX "
                f"{SECTIONS_BY_ID} ON {self.schema}.article_sections (id);")

    # Transactions and errors

    def _alive(self) -> bool:
        return self.connection is not None and not self.connection.closed and not self.connection.broken

    def _rollback(self) -> None:
        """Roll back the open transaction, if the connection still has one: a failed ROLLBACK
        (the server gone) must not hide the error that made it necessary."""
        if self._alive() and self.connection.info.transaction_status != TransactionStatus.IDLE:
            try:
                self.connection.execute("ROLLBACK")
            except psycopg.Error:
                pass

    def _text(self, error: BaseException) -> str:
        """ERROR's message on one line, without the password (libpq quotes the URL in some)."""
        primary = getattr(getattr(error, "diag", None), "message_primary", None)  # without CONTEXT lines
        text = " ".join((primary or str(error)).split())
        for secret in self._hidden:
            if secret in text:
                if len(secret) < 4:  # too short to replace without garbling the rest
                    return "(the server's message is withheld: it shows the password)"
                text = text.replace(secret, "***")
        return text

    def _user(self) -> str:
        try:
            return self.connection.info.user if self.connection is not None else "?"
        except psycopg.Error:
            return "?"

    def _no_privilege(self, error: psycopg.Error, doing: str, *, hint: str | None = None) -> str:
        hint = hint or f"the grants an exporting and an importing role need are in {README_ROLES}"
        return f"{self.location}: cannot {doing}: the role {self._user()} may not ({self._text(error)}); {hint}"

    def _failure(self, error: psycopg.Error, doing: str, *, wait: int | None = None,
                 hint: str = "or raise [store] timeout", privilege: str | None = None) -> StoreError:
        where, text = self.location, self._text(error)
        if isinstance(error, errors.LockNotAvailable):
            return StoreError(f"{where}: cannot {doing}: waited {wait or self.timeout} s for a lock on the store; "
                              f"another command holds it, {hint}")
        if isinstance(error, errors.QueryCanceled) and "statement timeout" in text:
            return StoreError(f"{where}: cannot {doing}: waited {self.timeout} s for a query to finish; another "
                              "command holds a lock it needs or the server is slow to answer: raise [store] timeout "
                              "if the store is that large")
        if isinstance(error, errors.InsufficientPrivilege):
            return StoreError(self._no_privilege(error, doing, hint=privilege))
        if not self._alive() or isinstance(error, (errors.AdminShutdown, errors.CrashShutdown,
                                                   errors.CannotConnectNow, psycopg.InterfaceError)):
            return StoreError(f"{where}: cannot {doing}: lost the connection to the server ({text})")
        if isinstance(error, errors.DiskFull):
            return StoreError(f"{where}: cannot {doing}: the server's disk is full ({text}); the store is as it was")
        if isinstance(error, (errors.SerializationFailure, errors.DeadlockDetected)):
            return StoreError(f"{where}: cannot {doing}: another command changed the store at the same time "
                              f"({text}); run it again")
        return StoreError(f"{where}: cannot {doing}: {text}")

    @contextmanager
    def _reading(self, doing: str) -> Iterator[psycopg.Connection]:
        """One REPEATABLE READ, READ ONLY transaction: one snapshot, begun by its first query,
        that no writer waits for and that waits for no writer."""
        assert self.connection is not None
        try:
            self.connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield self.connection
        except psycopg.Error as error:
            raise self._failure(error, doing) from None
        finally:
            self._rollback()  # nothing was written: ending it so is the same as COMMIT

    # The Store protocol

    def close(self) -> None:
        if self.connection is not None:
            self._rollback()
            self.connection.close()

    def _origin(self, record_id: str) -> str:
        return f"{self.location}#{record_id}"

    def records(self) -> Iterator[RawRecord]:
        with self._reading("read the store") as connection:
            with connection.cursor(name="syndicate_records") as cursor:  # server-side: bounded memory
                cursor.execute(self._sql("SELECT id, record FROM {articles} ORDER BY id"))
                for record_id, record in cursor:
                    yield RawRecord(origin=self._origin(record_id), data=record)

    @contextmanager
    def snapshot(self) -> Iterator[_Snapshot]:
        if self.old:
            raise StoreError(f"{self.location}: this store has the layout of syndicate 0.1 (tables "
                             f"{self.tables}), without the "
                             "id and change counter an export records; upgrade it once, as the role that owns "
                             "those tables, with `syndicate import URL --into URL` (the same URL twice), "
                             "then export again")
        with self._reading("read the store") as connection:
            # The first query takes the snapshot: the state is that of the records read after it.
            row = connection.execute(self._sql("SELECT store_id, changes FROM {metadata}")).fetchone()
            if row is None:
                raise StoreError(f"{self.location}: the store is damaged: its metadata row (id and change "
                                 "counter) is missing")
            store_id, changes = row
            yield _Snapshot(self, StoreState(store=str(store_id), version=changes))

    def upsert(self, records: Sequence[StoredRecord]) -> Upserted:
        """Insert or replace RECORDS by id and raise the change counter, all in one transaction:
        a batch of an import. The rows of the batch are sent in pipelines (executemany), and each
        statement finds its rows through an index."""
        if not self.writable:
            raise RuntimeError(f"{self.location}: opened to read; open_store(..., create=True) to write")
        if not records:
            return Upserted()
        assert self.connection is not None
        wanted = {stored.id: stored for stored in records}  # of one id twice, the later wins
        ids = list(wanted)
        with_checked = self.checked != "NULL"
        expires = (lambda stored: (stored.expires,)) if self.expiring else (lambda stored: ())
        articles = [(stored.id, stored.json_text(), stored.sections[0], stored.published, stored.updated,
                     stored.status, stored.embargo_until, *((stored.checked,) if with_checked else ()), *expires(stored))
                    for stored in wanted.values()]
        sections = [(section, stored.id, stored.published, stored.status, stored.embargo_until, *expires(stored))
                    for stored in wanted.values() for section in dict.fromkeys(stored.sections)]
        committing = False
        try:
            self.connection.execute("BEGIN")
            with self.connection.cursor() as cursor:
                # First: the counter's row lock makes concurrent imports take turns (within [store] timeout),
                # so the ids held now are those the batch replaces.
                cursor.execute(self._sql(BUMP_CHANGES))
                held = [row[0] for row in cursor.execute(self._sql(HELD), (ids,))]
                if held:
                    cursor.execute(self._sql(DELETE_SECTIONS), (held,))
                cursor.executemany(self._sql(UPSERT_CHECKED_ARTICLE if with_checked else UPSERT_ARTICLE), articles)
                cursor.executemany(self._sql(INSERT_SECTION), sections)
            pause_point("import-committing")
            committing = True
            self.connection.execute("COMMIT")
        except psycopg.Error as error:
            failure = self._failure(error, "import")
            if committing and not self._alive():
                failure = StoreError(f"{failure}; the import may or may not have been committed: run it again "
                                     "(records are upserted by id)")
            self._rollback()
            raise failure from None
        except BaseException:
            self._rollback()
            raise
        return Upserted(new=len(ids) - len(held), replaced=len(held))

    def keep_versions(self, entries: dict[str, tuple[int, str, datetime]]) -> None:
        """Keep ENTRIES (item id -> (version, digest, created)) in the versions ledger, in one
        transaction of a connection of its own (the export's snapshot, READ ONLY, may still be open).
        The change counter and the records are untouched, so the store's state is the same after."""
        rows = [(item, version, digest, created) for item, (version, digest, created) in entries.items()]
        if not rows:
            return
        if any(created.tzinfo is None for _item, _version, _digest, created in rows):
            raise ValueError("a version's created date must be timezone-aware")
        doing = "keep the versions of the items it exported"
        try:
            connection = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=max(2, self.timeout))
        except psycopg.Error as error:
            raise StoreError(f"{self.location}: cannot {doing}: {self._text(error)}") from None
        table = f"{self.schema}.{VERSIONS}"
        try:
            wait = f"{self.timeout * 1000}"
            connection.execute("SELECT set_config('lock_timeout', %s, false), "
                               "set_config('statement_timeout', %s, false)", (wait, wait))
            connection.execute("BEGIN")
            if not connection.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()[0]:
                try:
                    connection.execute(self._sql(CREATE_VERSIONS))
                except errors.InsufficientPrivilege as error:
                    raise StoreError(self._no_privilege(error, doing, hint=(
                        f"the store has no table {table} yet: import into it once as the tables' owner (that "
                        f"adds the table), then an administrator grants: GRANT SELECT, INSERT, UPDATE ON {table} "
                        f"TO {self._user()}; (see {README_ROLES})"))) from None
            with connection.cursor() as cursor:
                cursor.executemany(self._sql(KEEP_VERSION), rows)
            connection.execute("COMMIT")
        except errors.InsufficientPrivilege as error:
            raise StoreError(self._no_privilege(error, doing, hint=(
                f"an export keeps the versions it published in the table {table}; an administrator grants it "
                f"once: GRANT SELECT, INSERT, UPDATE ON {table} TO {self._user()}; (see {README_ROLES})"))) from None
        except psycopg.Error as error:
            raise self._failure(error, doing) from None
        finally:
            connection.close()  # a transaction left open is rolled back

    def stats(self, *, as_of: datetime) -> StoreStats:
        when = {"as_of": as_of}
        with self._reading("count the store's records") as connection:
            rows = connection.execute(self._sql(
                "SELECT section, status, count(*) FROM {articles} GROUP BY section, status "
                "ORDER BY section, status")).fetchall()
            oldest, newest = connection.execute(
                self._sql("SELECT min(published), max(published) FROM {articles} WHERE " + PUBLIC), when).fetchone()
            embargoed, next_lift, last_lift = connection.execute(self._sql(
                "SELECT count(*), min(embargo_until), max(embargo_until) FROM {articles} WHERE " + STILL_EMBARGOED),
                when).fetchone()
        return StoreStats(counts={(section, status): count for section, status, count in rows},
                          oldest=oldest, newest=newest, embargoed=embargoed, next_lift=next_lift,
                          last_lift=last_lift)

    def latest_query(self, query: FeedQuery) -> sql.Composed:
        return self._sql(LATEST_OF_SITE if query.section is None else LATEST_IN_SECTION)

    def query_plan(self, query: FeedQuery, *, as_of: datetime) -> list[str]:
        """How PostgreSQL runs the latest-N query (EXPLAIN), for tests and diagnosis."""
        assert self.connection is not None
        rows = self.connection.execute(
            sql.SQL("EXPLAIN ") + self.latest_query(query),
            {"section": query.section, "limit": query.limit, "as_of": as_of})
        return [row[0] for row in rows]


class _Snapshot:
    problems = ()

    def __init__(self, store: PostgresStore, state: StoreState):
        self.store = store
        self.state = state
        self.cursors = 0

    def latest(self, query: FeedQuery, *, as_of: datetime) -> list[RawRecord]:
        assert self.store.connection is not None
        try:
            rows = self.store.connection.execute(
                self.store.latest_query(query), {"section": query.section, "limit": query.limit, "as_of": as_of})
            return [RawRecord(origin=self.store._origin(record_id), text=record, checked=checked)
                    for record_id, record, checked in rows]
        except psycopg.Error as error:
            raise self.store._failure(error, "read the store") from None

    def oldest_first(self, section: str | None, *, as_of: datetime) -> Iterator[RawRecord]:
        assert self.store.connection is not None
        self.cursors += 1  # a name of its own: several may be open in one transaction
        try:
            with self.store.connection.cursor(name=f"syndicate_oldest_{self.cursors}") as cursor:
                cursor.execute(self.store._sql(OLDEST_OF_SITE if section is None else OLDEST_IN_SECTION),
                               {"section": section, "as_of": as_of})
                for record_id, record, checked in cursor:
                    yield RawRecord(origin=self.store._origin(record_id), text=record, checked=checked)
        except psycopg.Error as error:
            raise self.store._failure(error, "read the store") from None

    def withdrawn(self, *, since: datetime) -> list[RawRecord]:
        return self._records(WITHDRAWN_SINCE, {"since": since})

    def embargoed(self, *, as_of: datetime) -> list[RawRecord]:
        return self._records(EMBARGOED, {"as_of": as_of})

    def _records(self, statement: str, parameters: dict[str, Any]) -> list[RawRecord]:
        """The records STATEMENT (id, record, checked) selects with PARAMETERS."""
        assert self.store.connection is not None
        try:
            rows = self.store.connection.execute(self.store._sql(statement), parameters)
            return [RawRecord(origin=self.store._origin(record_id), text=record, checked=checked)
                    for record_id, record, checked in rows]
        except psycopg.Error as error:
            raise self.store._failure(error, "read the store") from None

    def held_back(self, *, as_of: datetime, tombstone_window: timedelta) -> HeldBack:
        store = self.store
        assert store.connection is not None
        moments = {"as_of": as_of, "since": as_of - tombstone_window}
        try:
            drafts, embargoed, lift = store.connection.execute(store._sql(HELD_BACK), moments).fetchone()
            expiry = store.connection.execute(store._sql(NEXT_EXPIRY), moments).fetchone()[0] if store.expiring \
                else None
            first_withdrawn = store.connection.execute(store._sql(FIRST_TOMBSTONE), moments).fetchone()[0]
        except psycopg.Error as error:
            raise store._failure(error, "read the store") from None
        return HeldBack(drafts=drafts, embargoed=embargoed, next_lift=lift, next_expiry=expiry,
                        tombstones_end=first_withdrawn + tombstone_window if first_withdrawn else None)

    def versions(self, ids: Collection[str] | None = None) -> dict[str, tuple[int, str, datetime]]:
        """The versions ledger (syndicate.versions): item id -> (version, digest, created), of IDS
        only when given (an export asks for the items it exports); {} before the first export kept one."""
        store = self.store
        assert store.connection is not None
        try:
            if not store.connection.execute("SELECT to_regclass(%s) IS NOT NULL",
                                            (f"{store.schema}.{VERSIONS}",)).fetchone()[0]:
                return {}
            query = "SELECT id, version, digest, created FROM {versions}"
            rows = store.connection.execute(store._sql(query)) if ids is None else \
                store.connection.execute(store._sql(query + " WHERE id = ANY(%s)"), (list(ids),))
            return {item: (version, digest, created.astimezone(timezone.utc))
                    for item, version, digest, created in rows}
        except psycopg.Error as error:
            raise store._failure(error, "read the store's versions") from None
