"""Putting files where partners read them: atomically, inside the output directory only."""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from syndicate.errors import SyndicateError

LOCK_NAME = ".syndicate.lock"


class PublishError(SyndicateError):
    """The output directory cannot be written, or another export is writing it."""


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def target_path(out_dir: Path, relative: str) -> Path:
    """OUT_DIR/RELATIVE, refusing any path that would land outside OUT_DIR.

    Symbolic links are followed before the check, so a link planted in the
    output directory (a section directory or a feed file pointing elsewhere)
    is refused as well as '..' and absolute paths.
    """
    root = out_dir.resolve()
    target = (root / relative).resolve()
    if root not in target.parents:
        raise PublishError(f"refusing to write {relative!r}: it resolves to {target}, outside the output "
                           f"directory {root} (a '..' or a symbolic link?)")
    return target


@contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold OUT_DIR's lock for the block, so that two exports never interleave their files.

    The second export refuses at once rather than waiting: a scheduler that
    started it will start it again, and a person sees why it stopped. The lock
    is the kernel's (flock), so a killed export releases it by dying.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(out_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise PublishError(f"cannot write to the output directory {out_dir}: {error.strerror}") from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishError(
                f"another export is writing to {out_dir} (it holds {out_dir / LOCK_NAME}); "
                "nothing was written: run again when it has finished"
            ) from None
        _remove_stale_temporaries(out_dir)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _remove_stale_temporaries(out_dir: Path) -> None:
    """Temporary files left by an export that was killed before its rename (we hold the lock)."""
    for temporary in out_dir.glob("*/.*.tmp"):
        temporary.unlink(missing_ok=True)
    for temporary in out_dir.glob(".*.tmp"):
        temporary.unlink(missing_ok=True)


def write_atomically(path: Path, data: bytes) -> bool:
    """Replace PATH with DATA so that a reader sees the old file or the new one, never a mix.

    The bytes go to a temporary file in the same directory, are flushed and
    fsynced, then renamed over PATH. Returns False, touching nothing, when PATH
    already holds exactly DATA (so unchanged feeds keep their modification time).
    """
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as error:
        raise PublishError(f"cannot read {path}: {error.strerror}") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise PublishError(f"cannot write {path}: {error.strerror}") from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise PublishError(f"cannot write {path}: {error.strerror}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # make the rename itself durable
    finally:
        os.close(directory)
    return True
