"""A directory of JSON: every *.json file holds one record, every *.jsonl line one record.

It has no index of its own: a snapshot lists the store (a stat per file) and takes
each record file's records, parsed and checked, from the record cache in the user's
cache directory (syndicate.store.cache), reading only the files added or changed
since (syndicate.store.file_index). The first export of a large store reads and
checks every record; a store that many write to at once belongs in SQLite.

What is read. The store's directories are walked recursively (symbolic links to
directories are not followed). Every name ending in .json or .jsonl that does not
start with '.' is a record file, and it must be a regular file or a symbolic link
to one: a FIFO, socket, device or directory under such a name is a problem for
that path, like an unreadable file (an export refuses, --skip-invalid skips it).
A file is opened with O_NONBLOCK (a FIFO never blocks), checked with fstat before
a byte is read, and read with limits.max_record_bytes enforced on the bytes read
(syndicate.store.fileio opens it). A directory that cannot be listed is a
StoreError naming it: nothing is read. Records are told apart by the id inside
them, never by their file name.

What import writes. A new id goes to <section>/<name>.json, NAME being the id
percent-encoded (all but letters, digits and - _ . ~; a leading '.' as %2E, so
that no name is hidden); a name longer than 120 characters is cut and ends in a
hash of the id, and a name already in use gets ~2, ~3... An id the store already
holds is written over the .json file that holds it.

All or none, and locking. An import is all or none even under SIGKILL, and a
reader never sees half of one: its files are staged, committed by the journal
.syndicate-import.json, then renamed, under the locks .syndicate.lock and
.syndicate-staging.lock; syndicate.store.journal gives the rules of the journal
and the locks. A single .json / .jsonl file given as a store (an import source)
is read-only: no lock, no journal.
"""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import json
import os
import secrets
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from operator import itemgetter
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from syndicate.config import DEFAULT_MAX_RECORD_BYTES, DEFAULT_STORE_TIMEOUT
from syndicate.dates import DateError, parse_date
from syndicate.pausepoints import pause_point
from syndicate.store import RawRecord, StoredRecord, StoreError, StoreStats, Upserted
from syndicate.store.cache import listed_stamp
from syndicate.store.fileio import _display, _fsync_directory, _kind, _open_regular, _Refused, _write_new, file_stem
from syndicate.store.journal import (_TEMPORARY, JOURNAL_FORMAT, JOURNAL_NAME, LOCK_NAME, STAGING_LOCK_NAME,
                                     ImportJournal)

if TYPE_CHECKING:
    from syndicate.store.file_index import FileIndex

# Also the names of fileio and journal that other modules import from here.
__all__ = ["FileStore", "file_stem", "LOCK_NAME", "STAGING_LOCK_NAME", "JOURNAL_NAME", "JOURNAL_FORMAT"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Listing:
    """The store's files as of one walk."""

    root: Path
    single_file: bool
    names: tuple[str, ...]  # record files by their final paths relative to ROOT, with '/', in path order
    stamps: tuple[str | None, ...]  # of each file: its stamp in the record cache (syndicate.store.cache)
    pending: dict[Path, Path]  # final -> the staged file an interrupted import still has to rename over it
    temporaries: tuple[Path, ...]  # files named as an import's temporaries
    version: int  # the newest mtime (ns) of the record files and directories

    @property
    def files(self) -> tuple[Path, ...]:
        """The record files' paths (made on demand: a listing of a large store is mostly not read)."""
        return (self.root,) if self.single_file else tuple(self.root / name for name in self.names)

    @property
    def fingerprint(self) -> frozenset[Any]:
        """What changes when any record file is added, replaced, edited or removed."""
        return frozenset(zip(self.names, self.stamps)) | frozenset(self.pending.items())


@dataclass(frozen=True, slots=True, kw_only=True)
class _Read:
    final: Path
    raw: RawRecord
    digest: str | None  # sha256 of a whole .json file's bytes
    line: int = 0  # of a .jsonl file's record, from 1
    text: bytes | None = None  # the record's JSON text, when asked for


class FileStore:
    def __init__(self, root: Path, *, config: Any):
        """CONFIG (a Config, or None for `stats` without one) gives the record size limit,
        the lock timeout, and the date and section settings that checking records needs."""
        self.root = Path(root)
        self.location = str(root)
        self.config = config
        self.max_record_bytes = config.max_record_bytes if config is not None else DEFAULT_MAX_RECORD_BYTES
        self.timeout = getattr(config, "store_timeout", DEFAULT_STORE_TIMEOUT)
        self.single_file = self.root.is_file()  # one record file, e.g. as an import source: read-only
        self._journal = ImportJournal(self.root, location=self.location, timeout=self.timeout)
        self.warnings: list[str] = []  # what a command may tell: e.g. that the record cache was set aside

    def close(self) -> None:
        pass

    # Reading

    @contextmanager
    def snapshot(self) -> Iterator[FileIndex]:
        """Every record checked, from the record cache where a file is unchanged (file_index.py)."""
        from syndicate.store.file_index import cached_snapshot

        with cached_snapshot(self) as index:
            yield index

    def records(self) -> Iterator[RawRecord]:
        """Every record, in path order; the files of a directory are all read (under the lock) before
        the first is given. A single .jsonl file (no lock, no journal) is read a line at a time, so
        that importing from one takes memory for one record, not for the file."""
        if self.single_file and self.root.suffix == ".jsonl":
            yield from self._stream_lines(self.root)
            return
        _listing, read = self._read_consistently(self._read_all)
        for r in read:
            yield r.raw

    def _stream_lines(self, path: Path) -> Iterator[RawRecord]:
        """The records of the .jsonl file PATH as _read_file gives them, read as they are given."""
        self._list()  # a file that cannot even be looked at is a StoreError, as for the other reads
        where = _display(path)
        try:
            descriptor, _status = _open_regular(path)
        except _Refused as refused:
            yield RawRecord(origin=where, error=str(refused))
            return
        except OSError as error:
            yield RawRecord(origin=where, error=f"cannot read: {error.strerror}")
            return
        with os.fdopen(descriptor, "rb") as stream:
            try:
                yield from self._lines(stream, where)
            except OSError as error:
                yield RawRecord(origin=where, error=f"cannot read: {error.strerror}")

    def stats(self, *, as_of: datetime) -> StoreStats:
        """Counts of every record as it is written, valid or not (an unreadable one counts
        under section '(unreadable)'); dates read with the config's settings, else as UTC.
        Publication dates are those of the records an export at AS_OF would publish (by status,
        embargo and expiry; records are not checked otherwise); a date that cannot be read is left out."""
        dayfirst = self.config.site.dayfirst if self.config is not None else False
        zone = self.config.site.timezone if self.config is not None else timezone.utc

        def date(value: Any) -> datetime | None:
            try:
                return parse_date(value, dayfirst=dayfirst, default_zone=zone)
            except DateError:
                return None

        counts: dict[tuple[str, str], int] = {}
        published: list[datetime] = []
        embargoed, lifts = 0, []
        for raw in self.records():
            data = raw.data if isinstance(raw.data, dict) else {}
            status = str(data.get("status", "published"))
            key = (str(data.get("section", "(none)")), status) if data else ("(unreadable)", "-")
            counts[key] = counts.get(key, 0) + 1
            if not data:
                continue
            embargo_until = date(data.get("embargo_until")) if status == "embargoed" else None
            expires = date(data.get("expires")) if data.get("expires") is not None else None
            if status == "published" or (embargo_until is not None and embargo_until <= as_of):
                if (when := date(data.get("published"))) is not None and (expires is None or expires > as_of):
                    published.append(when)
            elif status == "embargoed":
                embargoed += 1
                lifts += [embargo_until] if embargo_until is not None else []
        return StoreStats(counts=counts, oldest=min(published, default=None), newest=max(published, default=None),
                          embargoed=embargoed, next_lift=min(lifts, default=None), last_lift=max(lifts, default=None))

    def _read_consistently(self, work: Callable[[], T]) -> T:
        """WORK's result, done while no import is between its journal and the journal's removal."""
        if self.single_file:
            return work()
        return self._journal.read_consistently(work)

    def _read_all(self) -> tuple[_Listing, list[_Read]]:
        listing = self._list()
        read: list[_Read] = []
        for final in listing.files:
            read += self._read_file(final, listing.pending.get(final, final))[0]
        return listing, read

    def _list(self) -> _Listing:
        if self.single_file:
            try:
                status = os.stat(self.root)
            except OSError as error:
                raise StoreError(f"{_display(self.root)}: cannot read the store ({error.strerror})") from None
            return _Listing(root=self.root, single_file=True, names=(self.root.name,), stamps=(listed_stamp(status),),
                            pending={}, temporaries=(), version=status.st_mtime_ns)
        try:
            version = os.stat(self.root).st_mtime_ns
        except OSError as error:
            raise StoreError(f"{_display(self.root)}: cannot read the store ({error.strerror})") from None
        found: list[tuple[str, str | None]] = []  # (path relative to the store, stamp)
        temporaries: list[Path] = []
        folders = [(str(self.root), "")]
        while folders:
            folder, prefix = folders.pop()
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        name = entry.name
                        if entry.is_dir(follow_symlinks=False):
                            folders.append((entry.path, f"{prefix}{name}/"))
                            try:
                                version = max(version, entry.stat(follow_symlinks=False).st_mtime_ns)
                            except OSError:
                                pass  # gone meanwhile: listing it says so
                        elif name.startswith("."):
                            if _TEMPORARY.match(name):
                                temporaries.append(Path(entry.path))
                        elif name.endswith((".json", ".jsonl")):
                            try:
                                status = entry.stat()  # through a symbolic link: its target's changes count
                            except OSError:
                                found.append((prefix + name, None))  # reading it names the problem
                                continue
                            version = max(version, status.st_mtime_ns)
                            found.append((prefix + name, listed_stamp(status)))
            except OSError as error:
                raise StoreError(f"{_display(Path(folder))}: cannot list this directory of the store "
                                 f"({error.strerror}); nothing was read") from None
        pending: dict[Path, Path] = {}
        journal = self._journal.read() or []
        listed = {name for name, _stamp in found} if journal else set()
        for staged, final in journal:
            if os.path.lexists(staged):
                pending[final] = staged
                name = final.relative_to(self.root).as_posix()
                if name not in listed:  # a new record: its final name does not exist yet
                    found.append((name, None))
                    listed.add(name)
                try:
                    version = max(version, os.stat(staged).st_mtime_ns)
                except OSError:
                    pass
        found.sort(key=itemgetter(0))
        # Sorted by path so that messages and duplicate detection are the same on every host.
        return _Listing(root=self.root, single_file=False, names=tuple(name for name, _stamp in found),
                        stamps=tuple(found_stamp for _name, found_stamp in found), pending=pending,
                        temporaries=tuple(temporaries), version=version)

    def _too_large(self, size: int) -> str:
        return (f"is {size} bytes, above the limit of {self.max_record_bytes} "
                "(limits.max_record_bytes in syndicate.toml)")

    def _read_file(self, final: Path, source: Path, *,
                   keep_text: bool = False) -> tuple[list[_Read], os.stat_result | None]:
        """The records of the file FINAL, read from SOURCE (FINAL, or its staged replacement), each with
        its JSON text if KEEP_TEXT; and SOURCE's status before it was read (None if it could not be read)."""
        where = _display(final)
        try:
            descriptor, status = _open_regular(source)
        except _Refused as refused:
            return [_Read(final=final, raw=RawRecord(origin=where, error=str(refused)), digest=None)], None
        except OSError as error:
            return [_Read(final=final, raw=RawRecord(origin=where, error=f"cannot read: {error.strerror}"),
                          digest=None)], None
        read: list[_Read] = []
        try:
            with os.fdopen(descriptor, "rb") as stream:
                if final.suffix == ".jsonl":
                    for number, text, raw in self._numbered_lines(stream, where):
                        read.append(_Read(final=final, raw=raw, digest=None, line=number,
                                          text=text if keep_text else None))
                elif status.st_size > self.max_record_bytes:
                    read.append(_Read(final=final, digest=None,
                                      raw=RawRecord(origin=where, error=f"the file {self._too_large(status.st_size)}")))
                else:
                    data = stream.read(self.max_record_bytes + 1)  # the bound holds if the file grows meanwhile
                    if len(data) > self.max_record_bytes:
                        read.append(_Read(final=final, digest=None, raw=RawRecord(
                            origin=where, error=f"the file grew while it was read and {self._too_large(len(data))}")))
                    else:
                        read.append(_Read(final=final, raw=_decode(data, where),
                                          digest=hashlib.sha256(data).hexdigest(), text=data if keep_text else None))
        except OSError as error:
            read.append(_Read(final=final, raw=RawRecord(origin=where, error=f"cannot read: {error.strerror}"),
                              digest=None))
            return read, None
        return read, status

    def _lines(self, stream: IO[bytes], where: str) -> Iterator[RawRecord]:
        """One record per line, each read with a bound so that a huge line is refused, not loaded."""
        for _number, _text, raw in self._numbered_lines(stream, where):
            yield raw

    def _numbered_lines(self, stream: IO[bytes], where: str) -> Iterator[tuple[int, bytes | None, RawRecord]]:
        """(line number, its text, its record) for every line that is not blank (no text: too long)."""
        number = 0
        while line := stream.readline(self.max_record_bytes + 1):
            number += 1
            if len(line.rstrip(b"\r\n")) > self.max_record_bytes:  # too long, or cut short by the bound
                size = len(line)
                while not line.endswith(b"\n") and (line := stream.readline(1 << 20)):
                    size += len(line)  # skip the rest of the line without keeping it
                yield number, None, RawRecord(origin=f"{where}:{number}", error=f"the line {self._too_large(size)}")
                continue
            if line.strip():
                yield number, line, _decode(line, f"{where}:{number}")

    # Writing

    def upsert(self, records: Sequence[StoredRecord]) -> Upserted:
        """Write each record as one .json file: over the file that holds its id, else as
        <section>/<file_stem(id)>.json; all or none, one journal per call (a batch of an import;
        see syndicate.store.journal). An id held by a .jsonl line cannot be replaced in place.
        A record already there byte for byte is not rewritten, and counts as replaced."""
        if self.single_file:
            raise StoreError(f"{self.location}: a single record file is read-only as a store; "
                             "import into a directory")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create the store {self.location}: {error.strerror}") from None
        wanted = {stored.id: stored for stored in records}
        documents = {record_id: (json.dumps(stored.data(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
                     for record_id, stored in wanted.items()}
        token = secrets.token_hex(8)
        staged: list[tuple[Path, Path]] = []
        journaled = False
        staging: int | None = self._journal.open_lock(STAGING_LOCK_NAME, create=True)
        try:
            self._journal.wait_for(staging, fcntl.LOCK_SH, f"another import is cleaning {self.location}")
            before, read = self._read_consistently(self._read_all)
            plan, held = self._plan(wanted, documents, read)
            del read  # the whole store: not kept while the batch is written
            self._stage(plan, token, staged)
            lock = self._journal.open_lock(LOCK_NAME, create=True)
            try:
                self._journal.wait_for(lock, fcntl.LOCK_EX, f"another import or an export is using {self.location}")
                self._journal.recover()
                now = self._list()
                if now.fingerprint != before.fingerprint:
                    # Another import was committed since we read the store: plan again, under the lock.
                    for path, _final in staged:
                        path.unlink(missing_ok=True)
                    staged.clear()
                    _now, read = self._read_all()
                    plan, held = self._plan(wanted, documents, read)
                    del read
                    self._stage(plan, token, staged)
                if staged:
                    pause_point("import-staged")
                    self._journal.write(staged, token)
                    journaled = True
                    pause_point("import-journaled")
                os.close(staging)  # our staged files are in the journal: no longer anyone's to remove
                staging = None
                if journaled:
                    self._journal.complete(staged)
                self._journal.remove_temporaries(lambda: self._list().temporaries)
            finally:
                os.close(lock)
        except BaseException:
            if not journaled:
                for path, _final in staged:
                    path.unlink(missing_ok=True)
            raise
        finally:
            if staging is not None:
                os.close(staging)
        return Upserted(new=len(wanted) - held, replaced=held)

    def _plan(self, wanted: dict[str, StoredRecord], documents: dict[str, bytes],
              read: list[_Read]) -> tuple[dict[Path, bytes], int]:
        """(final path -> bytes for every record that changes, how many of WANTED the store holds),
        from READ (the store as it is)."""
        where: dict[str, Path] = {}
        digests: dict[Path, str] = {}
        taken: set[str] = set()
        for r in read:
            taken.add(self._key(r.final))
            if r.digest is not None:
                digests[r.final] = r.digest
            if isinstance(r.raw.data, dict) and isinstance(record_id := r.raw.data.get("id"), str):
                where.setdefault(record_id, r.final)  # the first in path order: the one readers keep
        plan: dict[Path, bytes] = {}
        held = 0
        for record_id, stored in wanted.items():
            final = where.get(record_id)
            if final is None:
                final = self._new_path(stored, taken)
            else:
                held += 1
            if final.suffix == ".jsonl":
                raise StoreError(f"{final}: id {record_id} is held by a line of this .jsonl file, which import "
                                 "cannot replace; move it to a .json file of its own; nothing was imported")
            if digests.get(final) != hashlib.sha256(documents[record_id]).hexdigest():
                plan[final] = documents[record_id]
        return plan, held

    def _key(self, path: Path) -> str:
        # Case folded: on a case-insensitive file system A.json and a.json are one file.
        return path.relative_to(self.root).as_posix().casefold()

    def _new_path(self, stored: StoredRecord, taken: set[str]) -> Path:
        """A free path for a new record under its section's directory."""
        folder = self.root / stored.sections[0]
        try:
            mode = os.lstat(folder).st_mode
        except FileNotFoundError:
            mode = None
        except OSError as error:
            raise StoreError(f"{_display(folder)}: {error.strerror}") from None
        if mode is not None and stat.S_ISLNK(mode):
            raise StoreError(f"{_display(folder)} is a symbolic link, which the store does not follow when it "
                             "reads: records written there would be lost; make it a directory")
        if mode is not None and not stat.S_ISDIR(mode):
            raise StoreError(f"{_display(folder)}: a section directory of the store is {_kind(mode)}")
        stem = file_stem(stored.id)
        for number in itertools.count(1):
            path = folder / (f"{stem}.json" if number == 1 else f"{stem}~{number}.json")
            if self._key(path) not in taken and not os.path.lexists(path):
                taken.add(self._key(path))
                return path
        raise AssertionError("unreachable")

    def _stage(self, plan: dict[Path, bytes], token: str, staged: list[tuple[Path, Path]]) -> None:
        """Write every file of PLAN as a hidden temporary beside its final, appending to STAGED."""
        try:
            for number, (final, data) in enumerate(plan.items()):
                final.parent.mkdir(exist_ok=True)
                path = final.parent / f".syndicate-staged-{token}-{number}.tmp"
                staged.append((path, final))
                _write_new(path, data)
            for folder in sorted({final.parent for _path, final in staged}):
                _fsync_directory(folder)
        except OSError as error:
            where = f" {_display(Path(error.filename))}" if error.filename else ""
            raise StoreError(f"cannot write{where}: {error.strerror}; nothing was imported") from None


def _decode(raw: bytes, origin: str) -> RawRecord:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return RawRecord(origin=origin, error=f"not UTF-8 ({error.reason} at byte {error.start})")
    try:
        return RawRecord(origin=origin, data=json.loads(text))
    except json.JSONDecodeError as error:
        return RawRecord(origin=origin, error=f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})")
    except RecursionError:
        return RawRecord(origin=origin, error="not usable JSON: nested too deeply")

