"""`import`: copy records from stores and feed files into a store, checked on the way in."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from syndicate.config import load_config
from syndicate.dates import build_time
from syndicate.errors import InvalidRecords, Problem, UsageError
from syndicate.feeds_in import is_feed_file, read_feed
from syndicate.records import load_articles, stored_record, xml_legal_record
from syndicate.store import RawRecord, StoreStats, open_store, redacted


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportReport:
    imported: int  # records inserted or replaced
    into: str  # the store written into, fit to print (no password)
    warnings: tuple[str, ...] = ()
    skipped: tuple[Problem, ...] = ()


def _raw_records(sources: Sequence[str | Path], config, *, default_section: str | None) -> Iterator[RawRecord]:
    for source in map(str, sources):
        if is_feed_file(Path(source)):
            yield from read_feed(Path(source), config, default_section=default_section)
            continue
        store = open_store(source, config=config)
        try:
            yield from store.records()
        finally:
            store.close()


def import_records(
    sources: Sequence[str | Path],
    *,
    into: str | Path,
    config_path: str | Path,
    section: str | None = None,
    skip_invalid: bool = False,
) -> ImportReport:
    """Upsert (by id) every record of SOURCES (stores or RSS / Atom / JSON Feed files) into INTO.

    Every record is checked as an export checks it, with the site config at
    CONFIG_PATH (sections, dates, limits). By default one invalid record means
    nothing is imported; SKIP_INVALID imports the others. SECTION is the section
    of feed items whose categories name no configured section.
    """
    config = load_config(config_path)
    if section is not None and config.section(section) is None:
        raise UsageError(f"unknown section {section!r}; configured: {', '.join(s.slug for s in config.sections)}")
    raws = list(_raw_records(sources, config, default_section=section))
    loaded = load_articles(raws, config)
    if loaded.problems and not skip_invalid:
        raise InvalidRecords(loaded.problems)
    by_origin = {raw.origin: raw for raw in raws}
    stored = [stored_record(xml_legal_record(by_origin[a.origin].data), a) for a in loaded.articles]
    target = open_store(into, config=config, create=True)
    try:
        target.upsert(stored)
    finally:
        target.close()
    return ImportReport(imported=len(stored), into=redacted(str(into)), warnings=loaded.warnings,
                        skipped=loaded.problems)


def store_stats(store: str | Path | None, *, config_path: str | Path | None = None,
                as_of: datetime | None = None) -> tuple[str, StoreStats]:
    """(location, StoreStats) of a store: counts per section and status, the oldest and newest
    publication dates of what an export at AS_OF would publish, and the embargoes not yet lifted.

    STORE defaults to the config's; without a config, dates in a directory store
    that have no zone are read as UTC, month first. AS_OF (timezone-aware) defaults
    to the moment an export would use: SOURCE_DATE_EPOCH, else the clock.
    """
    config = load_config(config_path) if config_path is not None else None
    if store is None and config is None:
        raise UsageError("name a store (--store) or a configuration file (--config) that names one")
    as_of = as_of or build_time()
    location = str(store or config.store)
    opened = open_store(location, config=config)
    try:
        return opened.location, opened.stats(as_of=as_of)
    finally:
        opened.close()
