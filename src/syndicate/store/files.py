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
    def __init__(self, root: Path, *, max_record_bytes: int):
        self.root = root
        self.max_record_bytes = max_record_bytes

    def _too_large(self, size: int) -> str:
        return (f"is {size} bytes, above the limit of {self.max_record_bytes} "
                "(limits.max_record_bytes in syndicate.toml)")

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
                if path.suffix == ".jsonl":
                    yield from self._lines(path, where)
                else:
                    size = path.stat().st_size
                    if size > self.max_record_bytes:
                        yield RawRecord(origin=where, error=f"the file {self._too_large(size)}")
                        continue
                    yield _decode(path.read_bytes(), where)
            except OSError as error:
                yield RawRecord(origin=where, error=f"cannot read: {error.strerror}")

    def _lines(self, path: Path, where: str) -> Iterator[RawRecord]:
        """One record per line, each read with a bound so that a huge line is refused, not loaded."""
        with path.open("rb") as stream:
            number = 0
            while line := stream.readline(self.max_record_bytes + 1):
                number += 1
                if len(line.rstrip(b"\r\n")) > self.max_record_bytes:  # too long, or cut short by the bound
                    size = len(line)
                    while not line.endswith(b"\n") and (line := stream.readline(1 << 20)):
                        size += len(line)  # skip the rest of the line without keeping it
                    yield RawRecord(origin=f"{where}:{number}", error=f"the line {self._too_large(size)}")
                    continue
                if line.strip():
                    yield _decode(line, f"{where}:{number}")


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
