"""Putting files where partners read them: atomically, inside the output directory only."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from syndicate.errors import UsageError


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def target_path(out_dir: Path, relative: str) -> Path:
    """OUT_DIR/RELATIVE, refusing any path that would land outside OUT_DIR."""
    root = out_dir.resolve()
    target = (root / relative).resolve()
    if root not in target.parents:
        raise UsageError(f"refusing to write {relative!r}: it resolves outside the output directory {root}")
    return target


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
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # make the rename itself durable
    finally:
        os.close(directory)
    return True
