"""A directory of JSON: every *.json file holds one record, every *.jsonl line one record.

It has no index: a snapshot reads and checks every record, then sorts in memory.
That suits a small site or a git-kept example; a large store belongs in SQLite.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from syndicate.build import is_public, latest
from syndicate.config import DEFAULT_MAX_RECORD_BYTES
from syndicate.dates import DateError, parse_date
from syndicate.errors import Problem
from syndicate.model import Article
from syndicate.publish import write_atomically
from syndicate.store import FeedQuery, RawRecord, StoredRecord, StoreError, StoreStats


def _display(path: Path) -> str:
    """PATH relative to the working directory when it is below it, for shorter messages."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class FileStore:
    def __init__(self, root: Path, *, config: Any):
        """CONFIG (a Config, or None for `stats` without one) gives the record size limit,
        and the date and section settings that checking records needs."""
        self.root = root
        self.location = str(root)
        self.config = config
        self.max_record_bytes = config.max_record_bytes if config is not None else DEFAULT_MAX_RECORD_BYTES

    def close(self) -> None:
        pass

    def _load(self) -> tuple[list[RawRecord], list[Article], tuple[Problem, ...]]:
        from syndicate.records import load_articles  # records imports store: import here

        raws = list(self.records())
        loaded = load_articles(raws, self.config)
        return raws, list(loaded.articles), loaded.problems

    @contextmanager
    def snapshot(self) -> Iterator[_Snapshot]:
        raws, articles, problems = self._load()
        yield _Snapshot(raws, articles, problems)

    def stats(self, *, as_of: datetime) -> StoreStats:
        """Counts of every record as it is written, valid or not (an unreadable one counts
        under section '(unreadable)'); dates read with the config's settings, else as UTC.
        Publication dates are those of the records an export at AS_OF would publish (by status
        and embargo; records are not checked otherwise); a date that cannot be read is left out."""
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
            if status == "published" or (embargo_until is not None and embargo_until <= as_of):
                if (when := date(data.get("published"))) is not None:
                    published.append(when)
            elif status == "embargoed":
                embargoed += 1
                lifts += [embargo_until] if embargo_until is not None else []
        return StoreStats(counts=counts, oldest=min(published, default=None), newest=max(published, default=None),
                          embargoed=embargoed, next_lift=min(lifts, default=None), last_lift=max(lifts, default=None))

    def upsert(self, records: Sequence[StoredRecord]) -> None:
        """Write each record as one .json file: over the file that holds its id, else as
        <section>/<id>.json. An id held by a .jsonl line cannot be replaced in place."""
        where: dict[str, Path] = {}
        for path in self._files():
            if path.suffix == ".jsonl":
                with path.open("rb") as lines:
                    for line in lines:
                        record = _decode(line, str(path)).data
                        if isinstance(record, dict) and isinstance(record.get("id"), str):
                            where[record["id"]] = path
            elif path.stat().st_size <= self.max_record_bytes:
                record = _decode(path.read_bytes(), str(path)).data
                if isinstance(record, dict) and isinstance(record.get("id"), str):
                    where[record["id"]] = path
        for stored in records:
            path = where.get(stored.id) or self.root / stored.sections[0] / f"{quote(stored.id, safe='')}.json"
            if path.suffix == ".jsonl":
                raise StoreError(f"{path}: id {stored.id} is held by a line of this .jsonl file, which import "
                                 "cannot replace; move it to a .json file of its own")
            text = json.dumps(stored.record, ensure_ascii=False, indent=2) + "\n"
            write_atomically(path, text.encode("utf-8"))

    def _too_large(self, size: int) -> str:
        return (f"is {size} bytes, above the limit of {self.max_record_bytes} "
                "(limits.max_record_bytes in syndicate.toml)")

    def _files(self) -> list[Path]:
        if self.root.is_file():  # a single record file, e.g. as an import source
            return [self.root]
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


class _Snapshot:
    """Every record read and checked once; latest() sorts in memory."""

    def __init__(self, raws: list[RawRecord], articles: list[Article], problems: tuple[Problem, ...]):
        self.problems = problems
        self._articles = articles
        self._raw = {raw.origin: raw for raw in raws}

    def latest(self, query: FeedQuery, *, as_of: datetime) -> list[RawRecord]:
        chosen = [a for a in self._articles if is_public(a, as_of=as_of)
                  and (query.section is None or query.section in a.all_sections)]
        return [self._raw[a.origin] for a in latest(chosen, query.limit)]
