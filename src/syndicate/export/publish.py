"""Putting files where partners read them: all or nothing, inside the output directory only.

Every new file is first staged (written to a temporary file beside its target,
flushed and fsynced); only when every one is staged are they renamed into
place, in order, and their directories fsynced. A failure while staging (a
full disk, an I/O error, a target that is not a regular file) removes what was
staged and leaves the published tree exactly as it was.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from syndicate.errors import SyndicateError
from syndicate.pausepoints import pause_point

class PublishError(SyndicateError):
    """The output directory cannot be written, or another export is writing it."""


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def target_path(out_dir: Path, relative: str) -> Path:
    """OUT_DIR/RELATIVE, refusing any path that would land outside OUT_DIR.

    Symbolic links are followed before the check, so a link planted in the
    output directory (a section directory or a feed file pointing elsewhere)
    is refused as well as '..' and absolute paths.
    """
    try:
        root = out_dir.resolve()
        target = (root / relative).resolve()
    except OSError as error:  # e.g. a path too long for the file system
        raise PublishError(f"cannot use the output path {out_dir / relative}: {_reason(error)}") from None
    if root not in target.parents:
        raise PublishError(f"refusing to write {relative!r}: it resolves to {target}, outside the output "
                           f"directory {root} (a '..' or a symbolic link?)")
    return target


@contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold OUT_DIR's lock for the block, so that two exports never interleave.

    An export holds it from before it reads the store until its last write. The
    second export refuses at once rather than waiting: a scheduler that started
    it will start it again, and a person sees why it stopped. The lock is the
    kernel's (flock) on the directory itself, so it needs no file beside the
    feeds (nothing to follow, nothing to publish) and a killed export releases
    it by dying. A directory the export created and then failed in is removed.
    """
    try:
        created = not out_dir.exists()
        out_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as error:
        raise PublishError(f"cannot write to the output directory {out_dir}: {_reason(error)}") from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishError(
                f"another export is writing to {out_dir}; nothing was written: run again when it has finished"
            ) from None
        _remove_stale_temporaries(out_dir)
        yield
    except BaseException:
        if created:  # an export that failed leaves no trace where there was nothing
            with suppress(OSError):
                out_dir.rmdir()
        raise
    finally:
        os.close(descriptor)  # releases the lock


def _remove_stale_temporaries(out_dir: Path) -> None:
    """Temporary files left by an export that was killed before its renames (we hold the lock):
    regular files named .*.tmp in OUT_DIR and in its real subdirectories at any depth (archive
    pages are three levels down), never through a link."""
    folders = [out_dir]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(Path(entry.path))
                elif (entry.name.startswith(".") and entry.name.endswith(".tmp")
                        and entry.is_file(follow_symlinks=False)):
                    Path(entry.path).unlink(missing_ok=True)


def read_published(path: Path) -> bytes | None:
    """The bytes of the regular file at PATH, or None when there is none.

    Opened without blocking and without following a symbolic link, then checked to be
    a regular file, so that a FIFO or a device planted in the output never hangs or
    floods an export: it is a PublishError naming the path.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise PublishError(f"{path} is a symbolic link; expected a regular file or nothing") from None
        raise PublishError(f"cannot read {path}: {_reason(error)}") from None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise PublishError(f"{path} is not a regular file (a FIFO, a device or a directory?); "
                               "remove it, an export writes its own")
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            return stream.read()
    except OSError as error:
        raise PublishError(f"cannot read {path}: {_reason(error)}") from None
    finally:
        os.close(descriptor)


@dataclass(frozen=True, slots=True)
class _Staged:
    temporary: Path
    target: Path


def _stage(path: Path, data: bytes) -> _Staged:
    """DATA written and fsynced to a temporary file beside PATH."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return _Staged(Path(temporary), path)


def _fsync_directory(path: Path) -> None:
    directory = os.open(path, os.O_RDONLY)
    try:
        os.fsync(directory)  # make the renames themselves durable
    finally:
        os.close(directory)


class Staging:
    """Files staged as they come, then put in place together: all or nothing.

    add() stages a file at once (written and fsynced beside its target), so that an export
    need not hold every file's bytes until the end; a path that already holds exactly its
    bytes is not touched (so unchanged files keep their modification time). commit() renames
    the staged files into place in the order they were added. Leaving the block without a
    commit (an error, an invalid file found later) removes every staged file: nothing is
    replaced and the previous files are as they were.
    """

    def __init__(self) -> None:
        self.staged: list[_Staged] = []
        self.unchanged: list[Path] = []
        self.created: list[Path] = []  # directories made for staged files
        self.committed = False

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *_exception: object) -> None:
        for item in self.staged:
            item.temporary.unlink(missing_ok=True)  # those not renamed: a failure stopped the export
        if not self.committed:  # nor the directories made for them: no trace of a failed export
            for folder in sorted(self.created, key=lambda folder: len(folder.parts), reverse=True):
                with suppress(OSError):
                    folder.rmdir()

    def add(self, path: Path, data: bytes) -> None:
        if read_published(path) == data:
            self.unchanged.append(path)
            return
        folder = path.parent
        while not folder.exists():
            self.created.append(folder)
            folder = folder.parent
        try:
            self.staged.append(_stage(path, data))
        except OSError as error:
            raise PublishError(f"cannot write {path}: {_reason(error)}; nothing was published, "
                               "the previous files are as they were") from None

    def commit(self) -> tuple[list[Path], list[Path]]:
        """Rename every staged file into place, in order; (written, unchanged)."""
        self.committed = True
        pause_point("export-staged")
        for item in self.staged:
            try:
                os.replace(item.temporary, item.target)
            except OSError as error:
                raise PublishError(f"cannot replace {item.target}: {_reason(error)}") from None
            pause_point("export-renamed")
        for folder in dict.fromkeys(item.target.parent for item in self.staged):
            _fsync_directory(folder)
        return [item.target for item in self.staged], self.unchanged


def publish(files: Mapping[Path, bytes]) -> tuple[list[Path], list[Path]]:
    """Replace each path of FILES with its bytes, all or nothing, in the order of FILES;
    (written, unchanged). See Staging."""
    with Staging() as staging:
        for path, data in files.items():
            staging.add(path, data)
        return staging.commit()


def write_atomically(path: Path, data: bytes) -> bool:
    """Replace PATH with DATA so that a reader sees the old file or the new one, never a mix.

    Returns False, touching nothing, when PATH already holds exactly DATA.
    """
    written, _unchanged = publish({path: data})
    return bool(written)


def write_beside(path: Path, data: bytes) -> None:
    """Replace PATH, a file of OUT that partners do not fetch (a directory store's versions ledger),
    atomically and durably, outside the published files' commit (whose steps it does not count)."""
    try:
        staged = _stage(path, data)
        try:
            os.replace(staged.temporary, staged.target)
        except BaseException:
            staged.temporary.unlink(missing_ok=True)
            raise
        _fsync_directory(path.parent)
    except OSError as error:
        raise PublishError(f"cannot write {path}: {_reason(error)}; nothing was published") from None
