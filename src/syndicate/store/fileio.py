"""The directory store's file operations: record files opened safely, new files written
durably, and the file name a new record gets.

Rules kept here (the module docstring of syndicate.store.files says what the store
reads and writes): a record file must be a regular file or a symbolic link to one; it
is checked with stat before it is opened (a device is never opened), opened with
O_NONBLOCK (a FIFO never blocks), and checked again with fstat on the open descriptor
(a file swapped meanwhile is caught). A file an import writes is created new
(O_EXCL, never through a symbolic link) and fsynced, and a directory is fsynced after
the names in it change. A new record's file name (file_stem) is its id
percent-encoded, never hidden, and at most 120 characters.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from urllib.parse import quote

_MAX_STEM = 120  # characters of a file name made from an id, before .json


def _display(path: Path) -> str:
    """PATH relative to the working directory when it is below it, for shorter messages."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def file_stem(record_id: str) -> str:
    """The file name (without .json) a new record of RECORD_ID is written under: the id
    percent-encoded, never starting with '.', at most _MAX_STEM characters."""
    stem = quote(record_id, safe="")  # keeps letters, digits and - _ . ~; '/' and '%' are escaped
    if stem.startswith("."):
        stem = "%2E" + stem[1:]
    if len(stem) > _MAX_STEM:
        cut = _MAX_STEM - 41
        while "%" in stem[cut - 2:cut]:  # never inside a %XX escape
            cut -= 1
        stem = stem[:cut] + "~" + hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:40]
    return stem


class _Refused(Exception):
    """A record file that is not a regular file; the message says what it is."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"


def _refusal(mode: int) -> _Refused:
    return _Refused(f"is {_kind(mode)}, not a regular file: a store reads regular files only")


def _open_regular(path: Path) -> tuple[int, os.stat_result]:
    """An open descriptor of PATH, which must be a regular file or a symbolic link to one.

    It is checked before opening (so a device is never opened) and, on the open
    descriptor, after (so a file swapped meanwhile is caught); O_NONBLOCK makes even
    that open of a FIFO return at once.
    """
    if not stat.S_ISREG((before := os.stat(path)).st_mode):
        raise _refusal(before.st_mode)
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise _refusal(status.st_mode)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor, status


def _write_new(path: Path, data: bytes) -> None:
    """Create PATH (it must not exist) holding DATA, fsynced."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _rename(staged: Path, final: Path) -> None:
    os.replace(staged, final)


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
