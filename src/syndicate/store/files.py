"""A directory of JSON: every *.json file holds one record, every *.jsonl line one record."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from syndicate.store import RawRecord


def _display(path: Path) -> str:
    """PATH relative to the working directory when it is below it, for shorter messages."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class FileStore:
    def __init__(self, root: Path):
        self.root = root

    def _files(self) -> list[Path]:
        found = [
            Path(folder) / name
            for folder, _dirs, names in os.walk(self.root)
            for name in names
            if name.endswith((".json", ".jsonl")) and not name.startswith(".")
        ]
        # Sorted by path so that messages and duplicate detection are the same on every host.
        return sorted(found, key=lambda p: p.relative_to(self.root).as_posix())

    def records(self) -> Iterator[RawRecord]:
        for path in self._files():
            where = _display(path)
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError as error:
                yield RawRecord(origin=where, error=f"not UTF-8 ({error.reason} at byte {error.start})")
                continue
            except OSError as error:
                yield RawRecord(origin=where, error=f"cannot read: {error.strerror}")
                continue
            if path.suffix == ".jsonl":
                for number, line in enumerate(text.splitlines(), start=1):
                    if line.strip():
                        yield _decode(line, f"{where}:{number}")
            else:
                yield _decode(text, where)


def _decode(text: str, origin: str) -> RawRecord:
    try:
        return RawRecord(origin=origin, data=json.loads(text))
    except json.JSONDecodeError as error:
        return RawRecord(origin=origin, error=f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})")
