"""A directory store's snapshot, made from its record cache (syndicate.store.cache).

The store is listed (a stat per record file, no file opened). When the listing is
the one the cache last left (a digest of every name and stamp), nothing is read;
otherwise a file whose stamp the cache holds is not read, and any other is read and
each of its records checked alone (load_articles of that record), the cache keeping
the outcome. Then the checks that involve several records are replayed, in path
order, as load_articles makes them over the whole store (an id seen before, an item
id another record has), over the only records they can concern, which the cache's
indexes find: those with problems, and those whose id or item id another has. The
problems of such a record are worded by load_articles itself, given the pair (the
record that came first, this one), so that a snapshot lists exactly the problems a
check of every record would. The latest N are a walk down an index, as in a SQLite
store; only the chosen records' JSON is read from the cache.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from syndicate.errors import Problem
from syndicate.model import WITHDRAWN
from syndicate.store import FeedQuery, HeldBack, RawRecord, StoreState
from syndicate.store.cache import (UNSETTLED, RecordCache, checked_row, checker_key, from_micro, micro,
                                   open_cache, problems_of, stamp, temporary_cache)
from syndicate.store.fileio import _display

# A reference to one record: (its file's path relative to the store, its line (0 in a .json file), its cache rowid).
_Ref = tuple[str, int, int]


@contextmanager
def cached_snapshot(store: Any) -> Iterator[FileIndex]:
    """The snapshot of the FileStore STORE, from its cache; a cache that fails while it is read is
    set aside for a temporary one (a warning in STORE.warnings says so)."""
    cache = open_cache(store.root, store.config, timeout=store.timeout, warnings=store.warnings)
    try:
        try:
            index = store._read_consistently(lambda: _index(store, cache))
        except sqlite3.Error as error:
            cache = _set_aside(store, cache, error)
            index = store._read_consistently(lambda: _index(store, cache))
    except BaseException:
        cache.close(keep=False)  # an update cut short (an error, Ctrl-C) is never kept in part
        raise
    try:
        yield index
    finally:
        index._cache.close()  # the cache, or the one that replaced it when it failed meanwhile


def _set_aside(store: Any, cache: RecordCache, error: sqlite3.Error) -> RecordCache:
    """A temporary cache in place of CACHE, which failed with ERROR (and is removed)."""
    store.warnings.append(f"{cache.path}: the record cache failed ({error}) and was set aside; "
                          "this export read every record file")
    cache.close(discard=True)
    return temporary_cache(checker_key(store.config))


def _listing_digest(names: Iterable[str], stamps: Iterable[str | None]) -> str:
    digest = hashlib.sha256()
    for name, file_stamp in zip(names, stamps):
        digest.update(f"{name}\0{file_stamp}\0".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _index(store: Any, cache: RecordCache) -> FileIndex:
    """Bring the cache up to date with the store as listed now, then replay the checks across records."""
    listing = store._list()
    # The listing as the cache last left it: nothing was added, removed or changed since.
    if listing.pending or cache.get("listing") != _listing_digest(listing.names, listing.stamps):
        known = cache.stamps()
        pending = {final.relative_to(store.root).as_posix(): staged for final, staged in listing.pending.items()}
        kept: list[str | None] = []
        for name, listed in zip(listing.names, listing.stamps):
            encoded = os.fsencode(name)
            if listed is not None and known.get(encoded) == listed and name not in pending:
                kept.append(listed)
                continue
            final = store.root if listing.single_file else store.root / name
            read_at = time.time_ns()
            reads, status = store._read_file(final, pending.get(name, final), keep_text=True)
            file_stamp = stamp(status, read_at_ns=read_at) if status is not None and name not in pending else UNSETTLED
            cache.replace(encoded, file_stamp, [(r.line, *checked_row(r.raw, r.text, store.config)) for r in reads])
            kept.append(file_stamp)
        cache.forget(set(known).difference(map(os.fsencode, listing.names)))
        cache.put("listing", _listing_digest(listing.names, kept))
    state = StoreState(store=str(store.root.resolve()), version=listing.version)
    # Every file as listed now (device, inode, size, times): what an export with nothing changed
    # compares, since a file rewritten with the same size and mtime leaves the version as it was.
    settled = not listing.pending and None not in listing.stamps
    fingerprint = _listing_digest(listing.names, listing.stamps) if settled else None
    return FileIndex(store, cache, state, single_file=listing.single_file, fingerprint=fingerprint)


class FileIndex:
    """The snapshot: the problems of the store, and latest() from the cache's indexes."""

    def __init__(self, store: Any, cache: RecordCache, state: StoreState, *, single_file: bool,
                 fingerprint: str | None = None):
        self.state = state
        self.fingerprint = fingerprint
        self._store = store
        self._cache = cache
        self._single_file = single_file
        self._replay()

    def _rebuilt(self, error: sqlite3.Error) -> None:
        """Set aside a cache that failed after the snapshot was made (ERROR), for a temporary one."""
        cache = _set_aside(self._store, self._cache, error)
        self._cache = cache
        self._store._read_consistently(lambda: _index(self._store, cache))
        self._replay()

    def _replay(self) -> None:
        cache = self._cache
        # Replayed in path order over the records whose outcome depends on others; every other
        # record is as it was checked alone.
        entangled = sorted(cache.entangled(), key=lambda row: (os.fsdecode(row[1]), row[2]))
        problems: list[Problem] = []
        self._excluded: set[int] = set()  # rowids of records valid alone that the replay rules out
        first_seen: dict[str, _Ref] = {}
        item_ids: dict[str, _Ref] = {}
        for rowid, path, line, record_id, record_problems, item_id, item_uri in entangled:
            ref = (os.fsdecode(path), line, rowid)
            if record_id is not None:
                first = first_seen.get(record_id)
                if first is not None:
                    problems += self._problems_after(first, ref)
                    self._excluded.add(rowid)
                    continue
                first_seen[record_id] = ref
            if record_problems is not None:
                problems += problems_of(record_problems, self._origin(ref))
                continue
            taken = item_id if item_id in item_ids else item_uri if item_uri in item_ids else None
            if taken is not None:
                problems += self._problems_after(item_ids[taken], ref)
                self._excluded.add(rowid)
                continue
            item_ids.setdefault(item_id, ref)
            item_ids.setdefault(item_uri, ref)
        self.problems = tuple(problems)

    def _origin(self, ref: _Ref) -> str:
        name, line, _rowid = ref
        where = _display(self._final(name))
        return f"{where}:{line}" if line else where

    def _final(self, name: str) -> Path:
        return self._store.root if self._single_file else self._store.root / name

    def _problems_after(self, first: _Ref, ref: _Ref) -> list[Problem]:
        """The problems of the record REF when the record FIRST came before it (same id, or item id)."""
        from syndicate.records import load_articles  # records imports store: import here

        raw = self._raw(ref)
        loaded = load_articles([self._raw(first), raw], self._store.config)
        return [problem for problem in loaded.problems if problem.origin == raw.origin]

    def _raw(self, ref: _Ref) -> RawRecord:
        """The record REF as the store holds it: from the cache, else (a cache that fails now) from its file."""
        from syndicate.store.files import _decode

        name, line, rowid = ref
        try:
            text, checked = self._cache.data(rowid)
        except sqlite3.Error:
            text, checked = None, None
        if text is not None and checked is not None:  # valid alone: parsed only if its checked form is not used
            return RawRecord(origin=self._origin(ref), text=text, checked=checked)
        if text is not None:
            return _decode(text, self._origin(ref))
        final = self._final(name)
        reads, _status = self._store._read_file(final, final)
        return next((r.raw for r in reads if r.line == line),
                    RawRecord(origin=self._origin(ref), error="changed while it was read; run again"))

    def latest(self, query: FeedQuery, *, as_of: datetime) -> list[RawRecord]:
        try:
            return self._latest(query, as_of=as_of)
        except sqlite3.Error as error:
            self._rebuilt(error)
            return self._latest(query, as_of=as_of)

    def _latest(self, query: FeedQuery, *, as_of: datetime) -> list[RawRecord]:
        chosen: list[_Ref] = []
        if query.limit > 0:
            with closing(self._cache.latest(query.section, as_of=micro(as_of))) as rows:
                for rowid, path, line in rows:
                    if rowid not in self._excluded:
                        chosen.append((os.fsdecode(path), line, rowid))
                        if len(chosen) == query.limit:
                            break
        return [self._raw(ref) for ref in chosen]

    def withdrawn(self, *, since: datetime) -> list[RawRecord]:
        return self._records(lambda: self._cache.withdrawn(since=micro(since)))

    def embargoed(self, *, as_of: datetime) -> list[RawRecord]:
        return self._records(lambda: self._cache.embargoed(as_of=micro(as_of)))

    def _records(self, select: Callable[[], list[tuple[int, bytes, int]]]) -> list[RawRecord]:
        """The valid records whose (rowid, path, line) SELECT gives, asked once more of a rebuilt cache."""
        try:
            rows = select()
        except sqlite3.Error as error:
            self._rebuilt(error)
            rows = select()
        return [self._raw((os.fsdecode(path), line, rowid)) for rowid, path, line in rows
                if rowid not in self._excluded]

    def held_back(self, *, as_of: datetime, tombstone_window: timedelta) -> HeldBack:
        """Of the valid records: the drafts, those still under embargo, the first expiry and the
        first end of a tombstone window."""
        try:
            return self._held_back(as_of=as_of, tombstone_window=tombstone_window)
        except sqlite3.Error as error:
            self._rebuilt(error)
            return self._held_back(as_of=as_of, tombstone_window=tombstone_window)

    def _held_back(self, *, as_of: datetime, tombstone_window: timedelta) -> HeldBack:
        moment, since = micro(as_of), micro(as_of - tombstone_window)
        held = [row[1:] for row in self._cache.held() if row[0] not in self._excluded]
        lifts = [embargo for status, embargo, _updated, expires in held if status == "embargoed"
                 and embargo is not None and embargo > moment]
        # A lift after which the record has expired changes no feed.
        shown_lifts = [embargo for status, embargo, _updated, expires in held if status == "embargoed"
                       and embargo is not None and embargo > moment and (expires is None or expires > embargo)]
        withdrawn = [updated for status, _embargo, updated, _expires in held if status in WITHDRAWN
                     and updated > since]
        next_expiry = None
        with closing(self._cache.expiring(as_of=moment)) as rows:
            for rowid, status, embargo, expires in rows:  # the first first: stops at the first that counts
                if rowid not in self._excluded and (status == "published" or (
                        status == "embargoed" and embargo is not None and embargo < expires)):
                    next_expiry = expires
                    break
        first_withdrawn = from_micro(min(withdrawn, default=None))
        return HeldBack(drafts=sum(status == "draft" for status, *_rest in held), embargoed=len(lifts),
                        next_lift=from_micro(min(shown_lifts, default=None)), next_expiry=from_micro(next_expiry),
                        tombstones_end=first_withdrawn + tombstone_window if first_withdrawn else None)
