"""The directory store's import journal and lock files: what makes an import all or none,
even under SIGKILL, and what keeps a reader from seeing half of one.

All or none. Every file of an import is first staged: written and fsynced as a hidden
temporary (.syndicate-staged-*.tmp) beside its final name. Then the journal
.syndicate-import.json (which lists each staged -> final rename) is written and
fsynced; that is the commit. Then the staged files are renamed over their finals and
the journal is removed. The next import completes an interrupted journal before
anything else (it renames the staged files that remain); until then a reader that
finds a journal reads each pending staged file in place of its final, so it sees the
import whole, and writes nothing. Staged files of an import killed before its journal
are ignored by readers and removed by the next import.

The journal's format. A JSON object {"format": JOURNAL_FORMAT, "renames": [[staged,
final], ...]}, each path relative to the store in POSIX form (no '.' or '..' part):
a staged file is named as an import's staged temporary and lies in the directory of
its final, a final is a .json name that does not start with '.'. It is written as a
temporary (.syndicate-journal-*.tmp), fsynced, and renamed into place. A journal that
is not of this form is refused with a StoreError, and the store is left as it is.

Locking (flock, released by the kernel when a process dies). .syndicate.lock: an
import holds it exclusively from writing its journal to removing it; readers
(records, snapshot, stats) hold it shared while they list and read the files, and
open it without creating it (a reader writes nothing: without a lock file no import
has begun, and the read is checked afterwards). .syndicate-staging.lock: held shared
by every import while its staged files are not yet in a journal, so that removing
stale ones (which needs it exclusively, and is skipped when it is busy) never removes
a running import's files. A wait is bounded by [store] timeout (default 30 s), then a
StoreError.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import stat
import time
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from syndicate.pausepoints import pause_point
from syndicate.store import StoreError
from syndicate.store.fileio import _display, _fsync_directory, _rename, _write_new

LOCK_NAME = ".syndicate.lock"
STAGING_LOCK_NAME = ".syndicate-staging.lock"
JOURNAL_NAME = ".syndicate-import.json"
JOURNAL_FORMAT = "syndicate import journal 1"
# The temporary files an import writes: staged records, and its journal before the rename.
_TEMPORARY = re.compile(r"\.syndicate-(staged|journal)-[0-9a-f]{16}(-[0-9]+)?\.tmp\Z")
_POLL_SECONDS = 0.05

T = TypeVar("T")


class ImportJournal:
    """The journal and the lock files of the store directory ROOT. LOCATION names the
    store in messages; a lock is waited for TIMEOUT seconds at most."""

    def __init__(self, root: Path, *, location: str, timeout: float):
        self.root = root
        self.location = location
        self.timeout = timeout

    def read_consistently(self, work: Callable[[], T]) -> T:
        """WORK's result, done while no import is between its journal and the journal's removal."""
        lock = self.open_lock(LOCK_NAME, create=False)
        if lock is None:  # no import ever took the lock: read, then make sure none began meanwhile
            result = work()
            if not os.path.lexists(self.root / LOCK_NAME):
                return result
            lock = self.open_lock(LOCK_NAME, create=False)
            if lock is None:
                raise StoreError(f"{_display(self.root / LOCK_NAME)} was removed while the store was read; "
                                 "run again")
        try:
            self.wait_for(lock, fcntl.LOCK_SH, f"another import is writing {self.location}")
            return work()
        finally:
            os.close(lock)

    # The journal

    def read(self) -> list[tuple[Path, Path]] | None:
        """The (staged, final) renames of an interrupted import, or None when there is none."""
        path = self.root / JOURNAL_NAME
        try:
            descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StoreError(f"{_display(path)}: cannot read the journal of an interrupted import "
                             f"({error.strerror}); the store is left as it is") from None
        with os.fdopen(descriptor, "rb") as stream:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                raise StoreError(f"{_display(path)}: the journal of an interrupted import is not a regular file")
            text = stream.read()
        try:
            journal = json.loads(text)
            if journal["format"] != JOURNAL_FORMAT:
                raise ValueError
            renames = [(self._path(staged, staged=True), self._path(final, staged=False))
                       for staged, final in journal["renames"]]
            if any(staged.parent != final.parent for staged, final in renames):
                raise ValueError
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            raise StoreError(f"{_display(path)}: not the journal of an import that syndicate wrote; "
                             "the store is left as it is (move the file away once you have checked the store)"
                             ) from None
        return renames

    def _path(self, relative: Any, *, staged: bool) -> Path:
        """The path a journal entry names; ValueError for one that syndicate never writes."""
        if not isinstance(relative, str):
            raise ValueError
        parts = PurePosixPath(relative).parts
        if (not parts or PurePosixPath(relative).as_posix() != relative or relative.startswith("/")
                or any(part in (".", "..") for part in parts)):
            raise ValueError
        name = parts[-1]
        if staged:
            match = _TEMPORARY.match(name)
            if match is None or match.group(1) != "staged":
                raise ValueError
        elif name.startswith(".") or not name.endswith(".json"):
            raise ValueError
        return self.root.joinpath(*parts)

    def write(self, renames: Sequence[tuple[Path, Path]], token: str) -> None:
        """Write the journal of RENAMES: once it is in place, the import has happened."""
        body = {"format": JOURNAL_FORMAT,
                "renames": [[staged.relative_to(self.root).as_posix(), final.relative_to(self.root).as_posix()]
                            for staged, final in renames]}
        temporary = self.root / f".syndicate-journal-{token}.tmp"
        try:
            _write_new(temporary, json.dumps(body, ensure_ascii=False, indent=0).encode("utf-8"))
            os.replace(temporary, self.root / JOURNAL_NAME)
            _fsync_directory(self.root)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise StoreError(f"cannot write {_display(self.root / JOURNAL_NAME)}: {error.strerror}; "
                             "nothing was imported") from None

    def complete(self, renames: Sequence[tuple[Path, Path]]) -> None:
        """Rename every staged file that remains over its final, then remove the journal."""
        try:
            for staged, final in renames:
                try:
                    _rename(staged, final)
                except FileNotFoundError:
                    if os.path.lexists(staged):
                        raise
                    # renamed already, by the import that wrote the journal
                else:
                    pause_point("import-renamed")
            for folder in sorted({final.parent for _staged, final in renames}):
                _fsync_directory(folder)
            (self.root / JOURNAL_NAME).unlink()
            _fsync_directory(self.root)
        except OSError as error:
            raise StoreError(f"an import into {self.location} could not be completed: {error}; readers see it "
                             "whole, and the next import completes it") from None

    def recover(self) -> None:
        """Complete the journal of an import that was interrupted (we hold the lock)."""
        renames = self.read()
        if renames is not None:
            self.complete(renames)

    def remove_temporaries(self, list_temporaries: Callable[[], Sequence[Path]]) -> None:
        """Remove the staged files of imports killed before their journal, as LIST_TEMPORARIES
        finds them, unless an import is staging now (then a later import removes them)."""
        descriptor = self.open_lock(STAGING_LOCK_NAME, create=True)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            try:
                temporaries = list_temporaries()
            except StoreError:
                return  # the import is done; a later one cleans up
            for temporary in temporaries:
                try:
                    temporary.unlink(missing_ok=True)
                except OSError:
                    pass  # hidden, and ignored by every reader
        finally:
            os.close(descriptor)

    # Locks

    def open_lock(self, name: str, *, create: bool) -> int | None:
        """A descriptor of the lock file NAME; None when it does not exist and CREATE is false."""
        path = self.root / name
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | (os.O_CREAT if create else 0)
        try:
            descriptor = os.open(path, flags, 0o666)
        except FileNotFoundError:
            if create:
                raise StoreError(f"cannot create {_display(path)}: no such directory") from None
            return None
        except OSError as error:
            why = "it is a symbolic link" if error.errno == errno.ELOOP else error.strerror
            raise StoreError(f"{_display(path)}: cannot open the store's lock file ({why})") from None
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            os.close(descriptor)
            raise StoreError(f"{_display(path)}: the store's lock file is not a regular file")
        return descriptor

    def wait_for(self, descriptor: int, operation: int, busy: str) -> None:
        """Take the flock OPERATION on DESCRIPTOR, trying until the store's timeout has passed."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(descriptor, operation | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreError(f"{busy} (it holds a lock in {self.location}); waited {self.timeout} s "
                                     "([store] timeout in syndicate.toml): run again when it has finished"
                                     ) from None
            time.sleep(_POLL_SECONDS)
