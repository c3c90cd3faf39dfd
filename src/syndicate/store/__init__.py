"""Stores hand out raw records with their origin; normalising them is records.py's job.

open_store() picks a driver from the location. Only the directory-of-JSON store
exists so far; SQLite and PostgreSQL drivers will be modules beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from syndicate.errors import ConfigError


@dataclass(frozen=True, slots=True, kw_only=True)
class RawRecord:
    """One record as the store holds it, or why it could not even be parsed."""

    origin: str  # FILE or FILE:LINE
    data: Any = None
    error: str | None = None


class Store(Protocol):
    def records(self) -> Iterator[RawRecord]: ...


def open_store(location: str | Path, *, max_record_bytes: int) -> Store:
    """The store at LOCATION; records above MAX_RECORD_BYTES are refused unread."""
    from syndicate.store.files import FileStore

    path = Path(location)
    if path.is_dir():
        return FileStore(path, max_record_bytes=max_record_bytes)
    raise ConfigError(f"{path}: the store must be a directory of *.json / *.jsonl files")
