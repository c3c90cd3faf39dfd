"""`import`: copy records from stores and feed files into a store, checked on the way in.

An import is a pipeline in two passes, in memory that does not grow with the number
of records:

1. Check. Every record of every source is read in order and checked exactly as an
   export checks it (syndicate.records: the schema, dates, sections, URLs, sanitising;
   of two records with the same id or item id the first wins, the second is a
   problem). A usable record is normalised into the row the store keeps and spooled
   to a temporary SQLite file (in TMPDIR), which also holds the ids and item ids seen
   so far; only the problems and warnings stay in memory. What a record is on its own
   can be worked out in worker processes (one per CPU, on Linux, for imports of more
   than a few thousand records); what depends on the records before it (a duplicate
   id or item id) is decided here, in input order, so the outcome is the same either
   way. Nothing is written to the store in this pass: by default one invalid record
   anywhere means nothing is imported.
2. Write. The spool is read back in input order, BATCH_SIZE records at a time, and
   each batch is one Store.upsert: one transaction (SQLite, PostgreSQL) or one
   journal (a directory store), all or none. An import that is killed leaves the
   store with the batches committed before it, and never part of a batch; running
   it again completes it (records are upserted by id).
"""

from __future__ import annotations

import gc
import itertools
import json
import multiprocessing
import os
import sqlite3
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from syndicate.config import load_config
from syndicate.dates import build_time
from syndicate.errors import InvalidRecords, Problem, SyndicateError, UsageError
from syndicate.feeds_in import is_feed_file, is_notice, read_feed
from syndicate.pausepoints import pause_point
from syndicate.progress import Progress
from syndicate.checked import checking_key
from syndicate.records import _load_one, _validator, stored_record, xml_legal_record
from syndicate.store import StoreError, StoreStats, open_store, redacted
from syndicate.stored import RawRecord, StoredRecord
from syndicate.workers import tie_to_parent

# Records per transaction: large enough that a commit's fsync is paid rarely, small enough that a
# batch (and what the store driver builds for it) is a few MB.
DEFAULT_BATCH_SIZE = 1000
# The first pass hands records to worker processes in chunks of this many, and starts them only
# once this many records have been checked here: a small import never waits for processes to start.
_CHUNK = 64
_PARALLEL_AFTER = 2000
_MAX_WORKERS = 8


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportReport:
    imported: int  # records inserted or replaced
    into: str  # the store written into, fit to print (no password)
    warnings: tuple[str, ...] = ()
    skipped: tuple[Problem, ...] = ()  # the problems of the records left out (with skip_invalid)
    new: int = 0  # records whose id the store did not hold
    replaced: int = 0  # records that replaced one of the same id
    skipped_records: int = 0  # records left out (with skip_invalid); one may have several problems


def _raw_records(sources: Sequence[str | Path], config, *, default_section: str | None,
                 notices: list[str]) -> Iterator[RawRecord]:
    """Every record of SOURCES; what a feed says that is no record (is_notice) goes to NOTICES."""
    for source in map(str, sources):
        if is_feed_file(Path(source)):
            for raw in read_feed(Path(source), config, default_section=default_section):
                if is_notice(raw):
                    notices.extend(f"{raw.origin} {note}" for note in raw.notes)
                else:
                    yield raw
            continue
        store = open_store(source, config=config)
        try:
            yield from store.records()
        finally:
            store.close()


class _Spool:
    """The checked records of the first pass, and the ids and item ids seen, in a temporary SQLite
    file: the memory an import needs does not grow with the number of records."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="syndicate-import-")
        self.path = Path(self._folder.name) / "spool.db"
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
            for pragma in ("journal_mode = OFF", "synchronous = OFF", "locking_mode = EXCLUSIVE"):
                self._db.execute(f"PRAGMA {pragma}")
            self._db.execute("CREATE TABLE records (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, text TEXT NOT NULL, "
                             "sections TEXT NOT NULL, published TEXT NOT NULL, updated TEXT NOT NULL, "
                             "status TEXT NOT NULL, embargo_until TEXT, checked TEXT, expires TEXT)")
            self._db.execute("CREATE TABLE ids (id TEXT PRIMARY KEY, origin TEXT NOT NULL) WITHOUT ROWID")
            self._db.execute("CREATE TABLE item_ids (item_id TEXT PRIMARY KEY, origin TEXT NOT NULL) WITHOUT ROWID")
            self._db.execute("BEGIN")
        except sqlite3.Error as error:
            self.close()
            raise self.failure(error) from None
        self.count = 0
        self.ids = _SeenIn(self._db, "ids", "id")
        self.item_ids = _SeenIn(self._db, "item_ids", "item_id")

    def failure(self, error: sqlite3.Error, *, written: int = 0) -> SyndicateError:
        outcome = (f"the {written} records written before it were imported" if written else "nothing was imported")
        return SyndicateError(f"cannot import: the temporary file that holds the checked records "
                              f"({self.path.parent}, in TMPDIR) failed: {error}; {outcome}")

    @staticmethod
    def row(stored: StoredRecord) -> tuple:
        """What the spool keeps of STORED: its record as the JSON text a store writes, its dates
        with their offsets."""
        return (stored.id, stored.json_text(), json.dumps(stored.sections), stored.published.isoformat(),
                stored.updated.isoformat(), stored.status,
                stored.embargo_until.isoformat() if stored.embargo_until else None, stored.checked,
                stored.expires.isoformat() if stored.expires else None)

    def add(self, row: tuple) -> None:
        self._db.execute("INSERT INTO records (id, text, sections, published, updated, status, embargo_until, "
                         "checked, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        self.count += 1

    def batches(self, size: int) -> Iterator[list[StoredRecord]]:
        """The spooled records in the order they were added, SIZE at a time."""
        written = 0
        try:
            if self._db.in_transaction:
                self._db.execute("COMMIT")
            cursor = self._db.execute("SELECT id, text, sections, published, updated, status, embargo_until, "
                                      "checked, expires FROM records ORDER BY seq")
            rows = cursor.fetchmany(size)
        except sqlite3.Error as error:
            raise self.failure(error) from None
        while rows:
            batch = [StoredRecord(id=record_id, record=None, text=text, sections=tuple(json.loads(sections)),
                                  published=datetime.fromisoformat(published),
                                  updated=datetime.fromisoformat(updated), status=status,
                                  embargo_until=datetime.fromisoformat(embargo_until) if embargo_until else None,
                                  checked=checked, expires=datetime.fromisoformat(expires) if expires else None)
                     for record_id, text, sections, published, updated, status, embargo_until, checked, expires
                     in rows]
            yield batch
            written += len(batch)
            try:
                rows = cursor.fetchmany(size)
            except sqlite3.Error as error:
                raise self.failure(error, written=written) from None

    def close(self) -> None:
        db = getattr(self, "_db", None)
        if db is not None:
            db.close()
        self._folder.cleanup()

    def __enter__(self) -> _Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _SeenIn:
    """KEY -> the origin of the first record that had it, kept in a table of the spool: the
    mapping operations records._load_one uses on its first_seen argument."""

    def __init__(self, db: sqlite3.Connection, table: str, key: str):
        self._db = db
        self._get = f"SELECT origin FROM {table} WHERE {key} = ?"
        self._put = f"INSERT OR REPLACE INTO {table} ({key}, origin) VALUES (?, ?)"

    def get(self, key: str) -> str | None:
        row = self._db.execute(self._get, (key,)).fetchone()
        return row[0] if row else None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __getitem__(self, key: str) -> str:
        origin = self.get(key)
        if origin is None:
            raise KeyError(key)
        return origin

    def __setitem__(self, key: str, origin: str) -> None:
        self._db.execute(self._put, (key, origin))


@dataclass(slots=True)
class _Checked:
    problems: list[Problem]
    warnings: list[str]
    skipped: int = 0  # records with problems


@dataclass(frozen=True, slots=True)
class _Alone:
    """What records._load_one says of one record knowing no other, and the spool's row for it."""

    problems: list[Problem]
    warnings: list[str]
    row: tuple | None = None  # None: not usable
    item_ids: tuple[str, ...] = ()  # the article's item id and item URI (one when they are the same)


class _Checker:
    """Checks records one at a time, each on its own (in this process or in a worker)."""

    def __init__(self, config) -> None:
        self.config = config
        self.validator = _validator()
        self.key = checking_key(config)

    def alone(self, raw: RawRecord) -> _Alone:
        problems: list[Problem] = []
        warnings: list[str] = []
        article = _load_one(raw, self.validator, self.config, problems, warnings, {})
        if article is None:
            return _Alone(problems, warnings)
        legal = xml_legal_record(raw.data)
        checked, notes = article, warnings
        if legal != raw.data:
            # The store keeps the record without the characters it cannot hold: its checked form is
            # that record's check (with its own repair notes), as an export would check it.
            notes = []
            checked = _load_one(RawRecord(origin=raw.origin, data=legal), self.validator, self.config, [], notes, {})
        stored = stored_record(legal, checked or article, key=self.key if checked else None, warnings=notes,
                               origin=raw.origin)
        return _Alone(problems, warnings, _Spool.row(stored),
                      tuple(dict.fromkeys((article.item_id, article.item_uri))))

    def chunk(self, raws: list[RawRecord]) -> list[_Alone]:
        return [self.alone(raw) for raw in raws]


_worker: _Checker | None = None  # in a worker process


def _start_worker(config, parent: int) -> None:
    """A worker: killed with the importing process (even by SIGKILL); Ctrl-C is the importer's to handle."""
    global _worker
    tie_to_parent(parent)
    _worker = _Checker(config)


def _check_in_worker(raws: list[RawRecord]) -> list[_Alone]:
    assert _worker is not None
    return _worker.chunk(raws)


def _workers(requested: int | None) -> int:
    """Worker processes to check with: REQUESTED, else one per CPU this process may use (at most
    _MAX_WORKERS). Processes are forked, so only on Linux and only from a process without other
    threads (a thread holding a lock at the fork could leave a worker waiting forever); else none."""
    if requested is None:
        requested = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1, _MAX_WORKERS)
    if requested < 2 or sys.platform != "linux" or threading.active_count() > 1:
        return 0
    return requested


def _chunks(raws: Iterable[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    iterator = iter(raws)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _check_into(raws: Iterable[RawRecord], config, spool: _Spool, progress: Progress | None, *,
                workers: int | None = None) -> _Checked:
    """The first pass: each record checked as records.load_articles checks a store's records (the
    same checks, messages and order), and the usable ones spooled as the store will keep them.

    Each record is first checked on its own (by workers once there are enough records); then, in
    input order, what depends on the records before it: a record whose id an earlier record has is
    checked again here against the ids seen, which gives exactly what load_articles says of it (its
    schema problems and the duplicate id, naming the first); a usable record whose item id an
    earlier one has is a problem too. The others are registered and spooled."""
    checker = _Checker(config)
    checked = _Checked(problems=[], warnings=[])
    problems, warnings = checked.problems, checked.warnings
    count = _workers(workers)
    pool: ProcessPoolExecutor | None = None
    pending: deque[tuple[list[RawRecord], Future | list[_Alone]]] = deque()
    read = 0
    thaw = False

    def settle(raws: list[RawRecord], result: Future | list[_Alone]) -> None:
        nonlocal read
        try:
            outcomes = result.result() if isinstance(result, Future) else result
        except BrokenProcessPool as error:
            raise SyndicateError(f"cannot import: a process checking the records stopped ({error}); "
                                 "nothing was imported") from None
        for raw, alone in zip(raws, outcomes, strict=True):
            before = len(problems)
            data = raw.data if raw.error is None and isinstance(raw.data, dict) else None
            record_id = data.get("id") if data is not None and isinstance(data.get("id"), str) else None
            row = None
            if record_id is not None and record_id in spool.ids:
                _load_one(raw, checker.validator, config, problems, warnings, spool.ids)
            else:
                if record_id is not None:
                    spool.ids[record_id] = raw.origin
                problems.extend(alone.problems)
                warnings.extend(alone.warnings)
                row = alone.row
                taken = next((i for i in alone.item_ids if i in spool.item_ids), None) if row is not None else None
                if taken is not None:
                    problems.append(Problem(origin=raw.origin, record_id=record_id, field="guid",
                                            message=f"item id {taken!r} is already the item id of "
                                                    f"{spool.item_ids[taken]}; expected a guid no other record has"))
                    row = None
            if row is not None:
                for item_id in alone.item_ids:
                    spool.item_ids[item_id] = raw.origin
                spool.add(row)
                # What a feed reader filled in or repaired (syndicate.feeds_in.FeedRecord.notes).
                warnings.extend(f"{raw.origin} id={record_id} {note}" for note in getattr(raw, "notes", ()))
            elif len(problems) > before:
                checked.skipped += 1
        read += len(raws)
        if progress is not None:
            progress("check", read, None)

    try:
        for chunk in _chunks(raws, _CHUNK):
            if pool is None and count and read >= _PARALLEL_AFTER:
                # The heap the workers inherit is frozen: their collector leaves it alone, so they share it.
                thaw = gc.get_freeze_count() == 0  # unless the application froze some of it itself
                gc.freeze()
                pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"),
                                           initializer=_start_worker, initargs=(config, os.getpid()))
            result: Future | list[_Alone] | None = None
            if pool is not None:
                try:
                    result = pool.submit(_check_in_worker, chunk)
                except OSError:  # the processes could not be started (a limit on processes or memory)
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool, count = None, 0
                except BrokenProcessPool as error:
                    raise SyndicateError(f"cannot import: a process checking the records stopped ({error}); "
                                         "nothing was imported") from None
            pending.append((chunk, result if result is not None else checker.chunk(chunk)))
            while len(pending) > (2 * count if pool else 0):  # a few chunks ahead per worker, no more
                settle(*pending.popleft())
        while pending:
            settle(*pending.popleft())
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if thaw:
            gc.unfreeze()
    if progress is not None:
        progress("check", read, None)
    return checked


def import_records(
    sources: Sequence[str | Path],
    *,
    into: str | Path,
    config_path: str | Path,
    section: str | None = None,
    skip_invalid: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    workers: int | None = None,
) -> ImportReport:
    """Upsert (by id) every record of SOURCES (stores or RSS / Atom / JSON Feed files) into INTO.

    Every record is checked as an export checks it, with the site config at
    CONFIG_PATH (sections, dates, limits), before the first is written. By default
    one invalid record means nothing is imported; SKIP_INVALID imports the others.
    SECTION is the section of feed items whose categories name no configured section.
    Records are written BATCH_SIZE at a time, each batch all or none (see the module
    docstring). PROGRESS, when given, is called as the records are checked and written.
    WORKERS is how many processes check records of a large import (default: one per
    CPU; 1: this process only).
    """
    config = load_config(config_path)
    if section is not None and config.section(section) is None:
        raise UsageError(f"unknown section {section!r}; configured: {', '.join(s.slug for s in config.sections)}")
    if batch_size < 1:
        raise UsageError(f"the batch size must be at least 1, got {batch_size}")
    notices: list[str] = []
    with _Spool() as spool:
        try:
            checked = _check_into(_raw_records(sources, config, default_section=section, notices=notices), config,
                                  spool, progress,
                                  workers=workers)
        except sqlite3.Error as error:  # the spool's: the stores raise StoreErrors
            raise spool.failure(error) from None
        if checked.problems and not skip_invalid:
            raise InvalidRecords(checked.problems)
        new = replaced = 0
        target = open_store(into, config=config, create=True)
        try:
            if progress is not None:
                progress("write", 0, spool.count)
            for batch in spool.batches(batch_size):
                try:
                    upserted = target.upsert(batch)
                except StoreError as error:
                    if new + replaced:
                        raise StoreError(f"{error} (of this batch of {len(batch)} records; the {new + replaced} "
                                         "before it were imported: run the import again once this is fixed, "
                                         "records are upserted by id)") from None
                    raise
                new, replaced = new + upserted.new, replaced + upserted.replaced
                pause_point("import-batch")
                if progress is not None:
                    progress("write", new + replaced, spool.count)
            warnings = (*checked.warnings, *notices, *getattr(target, "warnings", ()))
        finally:
            target.close()
    return ImportReport(imported=new + replaced, into=redacted(str(into)), warnings=tuple(warnings),
                        skipped=tuple(checked.problems), new=new, replaced=replaced,
                        skipped_records=checked.skipped)


def store_stats(store: str | Path | None, *, config_path: str | Path | None = None,
                as_of: datetime | None = None) -> tuple[str, StoreStats]:
    """(location, StoreStats) of a store: counts per section and status, the oldest and newest
    publication dates of what an export at AS_OF would publish, and the embargoes not yet lifted.

    STORE defaults to the config's; without a config, dates in a directory store
    that have no zone are read as UTC, month first. AS_OF (timezone-aware) defaults
    to the moment an export would use: SOURCE_DATE_EPOCH, else the clock.
    """
    config = load_config(config_path) if config_path is not None else None
    if store is None and config is None:
        raise UsageError("name a store (--store) or a configuration file (--config) that names one")
    as_of = as_of or build_time()
    location = str(store or config.store)
    opened = open_store(location, config=config)
    try:
        return opened.location, opened.stats(as_of=as_of)
    finally:
        opened.close()
