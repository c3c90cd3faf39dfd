"""The record cache of a directory store: each record file's records, parsed and checked,
kept in a SQLite file of the user's cache directory so that an export of an unchanged
store opens no record file.

Where. SYNDICATE_CACHE_DIR, else [store] cache in syndicate.toml, else
$XDG_CACHE_HOME/syndicate, else ~/.cache/syndicate; one file per store, named by a
hash of the store's absolute path (which the file also records). Nothing is written
into the store or the output. The directory is made private (0700) and the file 0600:
it holds the records, embargoed ones too.

When a file's entry is used. An entry is kept per record file under its path
relative to the store and its stamp: device, inode, size, modification time and
change time (ns). Size and mtime alone miss a file replaced by another of the same
size and mtime (a rename over it, `cp -p`, `rsync -t`, `touch -d`): the inode and
the ctime, which no program can set back, catch those. A file whose mtime or ctime
is less than RACY_NS before it was read may still change within the same clock tick
without its stamp changing (timestamps are as coarse as a jiffy, or 2 s on FAT): its
entry is stored with a stamp that never matches, so the next export reads it again.
A file that could not be opened or read is not cached either.

The whole cache is valid for one checker_key(): the cache format, syndicate's
version, the sources of the modules that parse and check records, the record schema,
the versions of the libraries they use, and the config settings checking depends
on. Another key empties it.

Safety. Every export holds the cache's write lock (SQLite, WAL) from its listing to
its end, so concurrent exports of one store take turns for that long and a record's
data is always that of the stamp it was selected by. A cache that is not a SQLite
file, or not syndicate's, or damaged, is deleted and rebuilt; one that cannot be
created or stays locked past the store timeout is replaced, for that export, by a
private temporary database (a warning says why). Nothing about the cache is ever an
error for the user.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from syndicate.errors import Problem
from syndicate.model import WITHDRAWN
from syndicate.store import RawRecord

CACHE_FORMAT = 6
APPLICATION_ID = 0x53594E43  # 'SYNC': the SQLite header field telling our cache from other databases
RACY_NS = 2_000_000_000  # a file changed less than this before it was read is read again next time
UNSETTLED = "-"  # the stamp of an entry that is never used
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)
# The modules whose code decides what a record file yields (besides syndicate.checked's, which check it).
_READING_MODULES = ("syndicate.store.files", "syndicate.store.file_index", "syndicate.store.cache")

_TABLES = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE files (path BLOB PRIMARY KEY, stamp TEXT NOT NULL)",
    """CREATE TABLE records (
    path BLOB NOT NULL, line INTEGER NOT NULL,
    record_id TEXT,      -- the record's id when it is a string (duplicates are found by it)
    problems TEXT,       -- JSON [[record id, field, message], ...] of the record alone; NULL when valid
    item_id TEXT, item_uri TEXT,  -- of a record valid alone (NULL otherwise)
    published INTEGER, status TEXT, embargo_until INTEGER,  -- microseconds since 1970, UTC
    updated INTEGER, expires INTEGER,  -- likewise
    checked TEXT,        -- of a record valid alone: its checked form (syndicate.checked)
    data BLOB,           -- the record's JSON text as the file holds it (last: the columns before it
                         -- are read without reading it); NULL when it could not be read
    PRIMARY KEY (path, line))""",
    # One row per section of a record valid alone, its own section first.
    """CREATE TABLE sections (section TEXT NOT NULL, published INTEGER NOT NULL, record_id TEXT NOT NULL,
    status TEXT NOT NULL, embargo_until INTEGER, expires INTEGER, path BLOB NOT NULL, line INTEGER NOT NULL)""",
    # The latest N: a walk down an index that stops after N public rows, as in a SQLite store.
    "CREATE INDEX records_latest ON records (published DESC, record_id) WHERE item_id IS NOT NULL",
    "CREATE INDEX sections_latest ON sections (section, published DESC, record_id)",
    "CREATE INDEX sections_path ON sections (path)",
    # What the checks across records need: ids and item ids seen twice, and the records with problems.
    "CREATE INDEX records_id ON records (record_id) WHERE record_id IS NOT NULL",
    "CREATE INDEX records_item_id ON records (item_id) WHERE item_id IS NOT NULL",
    "CREATE INDEX records_item_uri ON records (item_uri) WHERE item_uri IS NOT NULL",
    "CREATE INDEX records_guid ON records (item_uri) WHERE item_uri != item_id",
    "CREATE INDEX records_invalid ON records (path) WHERE item_id IS NULL",
    "CREATE INDEX records_held ON records (status) WHERE item_id IS NOT NULL AND status != 'published'",
    # Expiries to come (held_back's next_expiry): of the records that have one.
    "CREATE INDEX records_expires ON records (expires) WHERE item_id IS NOT NULL AND expires IS NOT NULL",
)
_HELD = ("SELECT rowid, status, embargo_until, updated, expires FROM records INDEXED BY records_held "
         "WHERE item_id IS NOT NULL AND status != 'published'")
# Withdrawn stories updated since :since, newest first (the held records are few: found through their index).
_WITHDRAWN = ("SELECT rowid, path, line FROM records INDEXED BY records_held WHERE item_id IS NOT NULL "
              "AND status != 'published' AND status IN ({}) AND updated >= :since ORDER BY updated DESC, record_id"
              ).format(", ".join(f"'{status}'" for status in WITHDRAWN))
# Still under embargo at :as_of and not expired by then, newest first (partners that take embargoed stories).
_EMBARGOED = ("SELECT rowid, path, line FROM records INDEXED BY records_held WHERE item_id IS NOT NULL "
              "AND status != 'published' AND status = 'embargoed' AND (embargo_until IS NULL OR embargo_until > :as_of) "
              "AND (expires IS NULL OR expires > :as_of) ORDER BY published DESC, record_id")
_EXPIRING = ("SELECT rowid, status, embargo_until, expires FROM records INDEXED BY records_expires "
             "WHERE item_id IS NOT NULL AND expires IS NOT NULL AND expires > :as_of ORDER BY expires")
# Public as of :as_of: published, or embargoed with the embargo lifted, and not expired (build.is_public).
_PUBLIC = ("({table}.status = 'published' OR ({table}.status = 'embargoed' AND {table}.embargo_until <= :as_of)) "
           "AND ({table}.expires IS NULL OR {table}.expires > :as_of)")
_LATEST_OF_SITE = (f"SELECT rowid, path, line FROM records WHERE item_id IS NOT NULL AND {_PUBLIC.format(table='records')} "
                   "ORDER BY published DESC, record_id")
_LATEST_IN_SECTION = ("SELECT records.rowid, sections.path, sections.line FROM sections JOIN records "
                      "ON records.path = sections.path AND records.line = sections.line "
                      f"WHERE section = :section AND {_PUBLIC.format(table='sections')} "
                      "ORDER BY sections.published DESC, sections.record_id")
# Rows whose outcome depends on other records: problems, ids twice, item ids twice (as item_id or item_uri).
_ENTANGLED = """
SELECT rowid, path, line, record_id, problems, item_id, item_uri FROM records WHERE item_id IS NULL
UNION SELECT rowid, path, line, record_id, problems, item_id, item_uri FROM records WHERE record_id IN (
    SELECT record_id FROM records WHERE record_id IS NOT NULL GROUP BY record_id HAVING count(*) > 1)
UNION SELECT rowid, path, line, record_id, problems, item_id, item_uri FROM records
    WHERE item_id IN (SELECT key FROM temp.item_keys)
UNION SELECT rowid, path, line, record_id, problems, item_id, item_uri FROM records
    WHERE item_uri IN (SELECT key FROM temp.item_keys)
"""
_ITEM_KEYS = """
INSERT INTO temp.item_keys
SELECT item_id FROM records WHERE item_id IS NOT NULL GROUP BY item_id HAVING count(*) > 1
UNION SELECT item_uri FROM records WHERE item_uri IS NOT NULL GROUP BY item_uri HAVING count(*) > 1
UNION SELECT guid.item_uri FROM records AS guid WHERE guid.item_uri != guid.item_id
    AND EXISTS (SELECT 1 FROM records AS other WHERE other.item_id = guid.item_uri)
UNION SELECT guid.item_id FROM records AS guid WHERE guid.item_uri != guid.item_id
    AND EXISTS (SELECT 1 FROM records AS other WHERE other.item_uri = guid.item_id)
"""


def cache_directory(config: Any) -> Path:
    """Where the record caches are: SYNDICATE_CACHE_DIR, [store] cache, $XDG_CACHE_HOME/syndicate
    or ~/.cache/syndicate (a relative XDG_CACHE_HOME is ignored, as the XDG specification says)."""
    if given := os.environ.get("SYNDICATE_CACHE_DIR"):
        return Path(given)
    if configured := getattr(config, "cache", None):
        return Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache") / "syndicate"


def cache_path(root: Path, config: Any) -> Path:
    """The cache file of the store at ROOT."""
    name = hashlib.sha256(os.fsencode(os.path.abspath(root))).hexdigest()[:32]
    return cache_directory(config) / f"store-{name}.sqlite3"


def checker_key(config: Any) -> str:
    """What every cached check depends on besides the record itself (see the module docstring):
    what a record's check depends on (syndicate.checked.checking_key), and what reading a record
    file does."""
    from syndicate.checked import checking_key

    return checking_key(config, modules=_READING_MODULES,
                        extra=(f"cache {CACHE_FORMAT}", repr(config.site), config.path.name,
                               str(config.max_record_bytes)))


def stamp(status: os.stat_result, *, read_at_ns: int) -> str:
    """The stamp of a file read at READ_AT_NS whose status (fstat before reading) is STATUS."""
    if max(status.st_mtime_ns, status.st_ctime_ns) > read_at_ns - RACY_NS:
        return UNSETTLED
    return listed_stamp(status)


def listed_stamp(status: os.stat_result) -> str:
    return f"{status.st_dev}:{status.st_ino}:{status.st_size}:{status.st_mtime_ns}:{status.st_ctime_ns}"


def micro(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def from_micro(value: int | None) -> datetime | None:
    return None if value is None else _EPOCH + value * _MICROSECOND


def checked_row(raw: RawRecord, source: bytes | None, config: Any) -> tuple[tuple, tuple[str, ...]]:
    """The columns (record_id ... data) of RAW checked alone, SOURCE being its JSON text; and its
    sections when it is valid alone."""
    from syndicate.records import load_articles  # records imports store: import here

    loaded = load_articles([raw], config)
    data = raw.data
    record_id = data.get("id") if isinstance(data, dict) and isinstance(data.get("id"), str) else None
    if record_id is not None and not record_id.isascii():
        # SQLite holds UTF-8 only: a lone surrogate (from a \ud800 escape) is kept as that escape.
        # Such an id is refused anyway; two records with it are still the same id.
        record_id = record_id.encode("utf-8", "backslashreplace").decode("utf-8")
    if not loaded.articles:
        problems = json.dumps([[p.record_id, p.field, p.message] for p in loaded.problems], ensure_ascii=True)
        return (record_id, problems, None, None, None, None, None, None, None, None, source), ()
    article = loaded.articles[0]
    embargo = micro(article.embargo_until) if article.embargo_until is not None else None
    expires = micro(article.expires) if article.expires is not None else None
    from syndicate.checked import checking_key, encode

    prefix = f"{raw.origin} id={article.id} "
    checked = encode(article, [w[len(prefix):] for w in loaded.warnings if w.startswith(prefix)],
                     key=checking_key(config))
    return (record_id, None, article.item_id, article.item_uri, micro(article.published), article.status, embargo,
            micro(article.updated), expires, checked, source), article.all_sections


def problems_of(text: str, origin: str) -> list[Problem]:
    return [Problem(origin=origin, record_id=record_id, field=field, message=message)
            for record_id, field, message in json.loads(text)]


class RecordCache:
    """One store's cache, open in a write transaction until close()."""

    def __init__(self, connection: sqlite3.Connection, *, path: Path | None):
        self.connection = connection
        self.path = path  # None: a temporary database, gone on close

    def get(self, key: str) -> str | None:
        row = self.connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row is not None else None

    def put(self, key: str, value: str) -> None:
        self.connection.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def stamps(self) -> dict[bytes, str]:
        return dict(self.connection.execute("SELECT path, stamp FROM files"))

    def replace(self, path: bytes, file_stamp: str, records: Iterable[tuple[int, tuple, tuple[str, ...]]]) -> None:
        """Forget what PATH held, then keep RECORDS ((line, checked_row()) each) for it under FILE_STAMP."""
        self._delete(path)
        for line, row, sections in records:
            self.connection.execute("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                    (path, line, *row))
            record_id, _problems, _item_id, _item_uri, published, status, embargo, _updated, expires, *_rest = row
            self.connection.executemany("INSERT INTO sections VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (
                (section, published, record_id, status, embargo, expires, path, line) for section in sections))
        self.connection.execute("INSERT OR REPLACE INTO files VALUES (?, ?)", (path, file_stamp))

    def forget(self, paths: Iterable[bytes]) -> None:
        for path in paths:
            self._delete(path)
            self.connection.execute("DELETE FROM files WHERE path = ?", (path,))

    def _delete(self, path: bytes) -> None:
        self.connection.execute("DELETE FROM records WHERE path = ?", (path,))
        self.connection.execute("DELETE FROM sections WHERE path = ?", (path,))

    def entangled(self) -> list[tuple]:
        """(rowid, path, line, record_id, problems, item_id, item_uri) of every record whose outcome
        depends on others (see _ENTANGLED), found through indexes."""
        self.connection.execute("CREATE TEMP TABLE IF NOT EXISTS item_keys (key TEXT)")
        self.connection.execute("DELETE FROM temp.item_keys")
        self.connection.execute(_ITEM_KEYS)
        return self.connection.execute(_ENTANGLED).fetchall()

    def latest(self, section: str | None, *, as_of: int) -> sqlite3.Cursor:
        """(rowid, path, line) of the public records valid alone (of SECTION), newest first, ties by id."""
        return self.connection.execute(_LATEST_OF_SITE if section is None else _LATEST_IN_SECTION,
                                       {"section": section, "as_of": as_of})

    def held(self) -> list[tuple[int, str, int | None, int, int | None]]:
        """(rowid, status, embargo_until, updated, expires) of the records valid alone that are not published."""
        return self.connection.execute(_HELD).fetchall()

    def withdrawn(self, *, since: int) -> list[tuple[int, bytes, int]]:
        """(rowid, path, line) of the withheld and killed records valid alone updated at SINCE or
        later, newest updated first, ties by id."""
        return self.connection.execute(_WITHDRAWN, {"since": since}).fetchall()

    def embargoed(self, *, as_of: int) -> list[tuple[int, bytes, int]]:
        """(rowid, path, line) of the records valid alone still under embargo AS_OF and not expired,
        newest published first, ties by id."""
        return self.connection.execute(_EMBARGOED, {"as_of": as_of}).fetchall()

    def expiring(self, *, as_of: int) -> sqlite3.Cursor:
        """(rowid, status, embargo_until, expires) of the records valid alone that expire after AS_OF,
        the first first."""
        return self.connection.execute(_EXPIRING, {"as_of": as_of})

    def query_plans(self) -> dict[str, list[str]]:
        """How SQLite runs each query of an export (EXPLAIN QUERY PLAN), for tests and diagnosis."""
        self.connection.execute("CREATE TEMP TABLE IF NOT EXISTS item_keys (key TEXT)")
        parameters = {"section": "s", "as_of": 0, "since": 0}
        return {name: [row[-1] for row in self.connection.execute("EXPLAIN QUERY PLAN " + text, parameters)]
                for name, text in (("item keys", _ITEM_KEYS), ("entangled", _ENTANGLED), ("held", _HELD),
                                   ("withdrawn", _WITHDRAWN), ("expiring", _EXPIRING),
                                   ("latest of site", _LATEST_OF_SITE), ("latest in section", _LATEST_IN_SECTION))}

    def data(self, rowid: int) -> tuple[bytes | None, str | None]:
        """The record's JSON text as its file holds it, and its checked form (each None when not kept)."""
        row = self.connection.execute("SELECT data, checked FROM records WHERE rowid = ?", (rowid,)).fetchone()
        return (row[0], row[1]) if row is not None else (None, None)

    def close(self, *, keep: bool = True, discard: bool = False) -> None:
        """Keep what this export added, unless not KEEP (a failure to keep it is ignored: this is a
        cache); with DISCARD, remove the cache file."""
        try:
            if self.connection.in_transaction:
                self.connection.execute("COMMIT" if keep and not discard else "ROLLBACK")
        except sqlite3.Error:
            pass
        finally:
            self.connection.close()
        if discard and self.path is not None:
            _remove(self.path)


def open_cache(root: Path, config: Any, *, timeout: float, warnings: list[str]) -> RecordCache:
    """The cache of the store at ROOT, in a write transaction, emptied unless it was made with
    checker_key(CONFIG); a temporary one, with a warning appended to WARNINGS, when the
    cache file cannot be used."""
    key = checker_key(config)
    path = cache_path(root, config)
    try:
        return _open_file(path, key, os.path.abspath(root), timeout=timeout)
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            warnings.append(f"{path}: the record cache stayed locked by another export for {timeout} s; "
                            "this export read every record file")
            return temporary_cache(key)
        why = str(error)
    except (sqlite3.Error, OSError) as error:
        why = getattr(error, "strerror", None) or str(error)
    _remove(path)  # not a database, not ours, damaged: rebuilt
    try:
        return _open_file(path, key, os.path.abspath(root), timeout=timeout)
    except (sqlite3.Error, OSError) as error:
        warnings.append(f"{path}: the record cache cannot be used ({why}; then "
                        f"{getattr(error, 'strerror', None) or error}); this export read every record file")
        return temporary_cache(key)


def temporary_cache(key: str) -> RecordCache:
    """A private on-disk database that SQLite removes when it is closed; in memory if even that fails."""
    try:
        connection = sqlite3.connect("", isolation_level=None)
        _prepare(connection, key, store="")
    except sqlite3.Error:
        connection = sqlite3.connect(":memory:", isolation_level=None)
        _prepare(connection, key, store="")
    return RecordCache(connection, path=None)


def _open_file(path: Path, key: str, store: str, *, timeout: float) -> RecordCache:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Created private before SQLite opens it: it holds the store's records.
    os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600))
    connection = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        application_id = connection.execute("PRAGMA application_id").fetchone()[0]
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if application_id != APPLICATION_ID and tables:
            raise sqlite3.DatabaseError("not a syndicate record cache")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")  # a cache: losing the last commit on power loss is fine
        connection.execute("PRAGMA journal_size_limit = 67108864")  # the WAL of a first export: cut back after it
        _prepare(connection, key, store=store)
    except BaseException:
        connection.close()
        raise
    return RecordCache(connection, path=path)


def _prepare(connection: sqlite3.Connection, key: str, *, store: str) -> None:
    """Take the write lock; make the tables anew if they are of another CACHE_FORMAT, and empty
    them if they were filled for another checker key or store."""
    connection.execute("BEGIN IMMEDIATE")
    if connection.execute("PRAGMA user_version").fetchone()[0] != CACHE_FORMAT:
        for table in ("meta", "files", "records", "sections"):
            connection.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in _TABLES:
            connection.execute(statement)
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute(f"PRAGMA user_version = {CACHE_FORMAT}")
    meta = dict(connection.execute("SELECT key, value FROM meta WHERE key IN ('checker', 'store')"))
    if meta != {"checker": key, "store": store}:
        connection.execute("DELETE FROM records")
        connection.execute("DELETE FROM sections")
        connection.execute("DELETE FROM files")
        connection.execute("DELETE FROM meta")
        connection.executemany("INSERT INTO meta VALUES (?, ?)", (("checker", key), ("store", store)))


def _remove(path: Path) -> None:
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            name.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            return  # opening it again fails and says why
