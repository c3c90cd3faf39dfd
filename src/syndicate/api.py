"""The library surface: export() and validate(). The CLI is a thin layer over these."""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from syndicate.build import build_feeds
from syndicate.config import ALL_SLUG, Config, load_config
from syndicate.dates import build_time
from syndicate.errors import InvalidRecords, Problem, SyndicateError, UsageError
from syndicate.formats import FORMATS, format_for
from syndicate.model import Feed
from syndicate.opml import Subscription, write_opml
from syndicate.publish import output_lock, target_path, write_atomically
from syndicate.records import load_articles
from syndicate.store import open_store

INDEX = "index.opml"


class OutputInvalid(SyndicateError):
    """A file syndicate rendered failed its own checks; nothing was published."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportReport:
    written: tuple[Path, ...]  # files whose bytes changed
    unchanged: tuple[Path, ...]  # files that already held exactly these bytes
    feeds: int
    records: int  # usable records read from the store, drafts and embargoed ones included
    warnings: tuple[str, ...] = ()
    skipped: tuple[Problem, ...] = ()  # with skip_invalid: why records were left out


@dataclass(frozen=True, slots=True, kw_only=True)
class FileReport:
    path: Path
    format_name: str | None
    problems: tuple[str, ...] = field(default=())

    @property
    def valid(self) -> bool:
        return not self.problems


def _chosen_formats(names: Sequence[str] | None, default: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(names or default))
    unknown = [n for n in chosen if n not in FORMATS]
    if unknown:
        raise UsageError(f"unknown format {', '.join(map(repr, unknown))}; known: {', '.join(FORMATS)}")
    return chosen


def _render(feeds: Sequence[Feed], format_names: Sequence[str]) -> dict[str, bytes]:
    """Every feed in every chosen format, as bytes keyed by OUT-relative path, each checked."""
    rendered: dict[str, bytes] = {}
    problems: list[str] = []
    for feed in feeds:
        for name in format_names:
            fmt = FORMATS[name]
            buffer = io.BytesIO()
            fmt.write(feed, buffer)
            relative = f"{feed.slug}/{fmt.filename}"
            rendered[relative] = buffer.getvalue()
            problems += [f"{relative}: {p}" for p in fmt.check(rendered[relative], None)]
    if problems:
        raise OutputInvalid("rendered output failed its checks; nothing was written:\n" + "\n".join(problems))
    return rendered


def export(
    config_path: str | Path,
    *,
    out_dir: str | Path,
    store: str | Path | None = None,
    formats: Sequence[str] | None = None,
    sections: Sequence[str] | None = None,
    skip_invalid: bool = False,
    as_of: datetime | None = None,
) -> ExportReport:
    """Write every chosen feed of the store described by CONFIG_PATH into OUT_DIR.

    Nothing is written unless every record is valid (or SKIP_INVALID leaves the
    invalid ones out) and every rendered file passes its checks. Each file is
    replaced atomically and the index is written last, under a lock on OUT_DIR.
    AS_OF decides which embargoes have lifted; it defaults to SOURCE_DATE_EPOCH
    or the clock.
    """
    config = load_config(config_path)
    format_names = _chosen_formats(formats, config.formats)
    if sections:
        unknown = [s for s in sections if s != ALL_SLUG and config.section(s) is None]
        if unknown:
            known = ", ".join([s.slug for s in config.sections] + [ALL_SLUG])
            raise UsageError(f"unknown section {', '.join(map(repr, unknown))}; configured: {known}")
    loaded = load_articles(
        open_store(store or config.store, max_record_bytes=config.max_record_bytes).records(), config
    )
    if loaded.problems and not skip_invalid:
        raise InvalidRecords(loaded.problems)
    feeds = build_feeds(loaded.articles, config, sections=sections, as_of=as_of or build_time())
    rendered = _render(feeds, format_names)

    out = Path(out_dir)
    with output_lock(out):
        # Every target is checked before the first write, so a planted link stops the export whole.
        targets = {target_path(out, relative): data for relative, data in rendered.items()}
        index = target_path(out, INDEX)
        written, unchanged = [], []
        for path, data in targets.items():
            (written if write_atomically(path, data) else unchanged).append(path)
        (written if _write_index(index, out=out, config=config) else unchanged).append(index)
    return ExportReport(written=tuple(written), unchanged=tuple(unchanged), feeds=len(feeds),
                        records=len(loaded.articles), warnings=loaded.warnings, skipped=loaded.problems)


def _write_index(index: Path, *, out: Path, config: Config) -> bool:
    """index.opml, written last: it lists what is on disk now, this run's files and earlier ones."""
    subscriptions = []
    for slug, title, home_url in [(s.slug, s.title, s.url) for s in config.sections] + [
        (ALL_SLUG, config.site.title, config.site.home_url)
    ]:
        for fmt in FORMATS.values():
            if (out / slug / fmt.filename).is_file():
                subscriptions.append(Subscription(
                    title=title, format_name=fmt.name,
                    feed_url=f"{config.site.feeds_url}{slug}/{fmt.filename}", home_url=home_url,
                ))
    buffer = io.BytesIO()
    write_opml(subscriptions, title=config.site.title, out=buffer)
    return write_atomically(index, buffer.getvalue())


def _files_under(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(Path(folder) / name for folder, _dirs, names in os.walk(path) for name in names
                      if not name.startswith("."))
    return [path]


def validate(paths: Sequence[str | Path], *,
             external_schemas: Mapping[str, str | Path] | None = None) -> list[FileReport]:
    """Check every feed file at PATHS (files, or directories searched recursively).

    A file is recognised by its name (rss.xml, atom.xml, feed.json, ...) or else
    by its content; files of no known format are skipped when found in a
    directory and reported when named directly. EXTERNAL_SCHEMAS maps a format
    name to a further schema its files must pass (e.g. "newsml" to IPTC's
    NewsML-G2 XSD): XSD or RELAX NG for XML formats, JSON Schema for JSON ones.
    """
    external = {name: Path(path) for name, path in (external_schemas or {}).items()}
    unknown = [name for name in external if name not in FORMATS]
    if unknown:
        raise UsageError(f"unknown format {', '.join(map(repr, unknown))}; known: {', '.join(FORMATS)}")
    for name, path in external.items():
        if not path.is_file():
            raise UsageError(f"the {name} schema {path} does not exist")
    reports: list[FileReport] = []
    for given in map(Path, paths):
        if not given.exists():
            reports.append(FileReport(path=given, format_name=None, problems=("no such file or directory",)))
            continue
        for path in _files_under(given):
            try:
                data = path.read_bytes()
            except OSError as error:
                reports.append(FileReport(path=path, format_name=None, problems=(f"cannot read: {error.strerror}",)))
                continue
            fmt = format_for(path.name, data)
            if fmt is None:
                if path == given and path.name != INDEX:
                    reports.append(FileReport(path=path, format_name=None,
                                              problems=("not a feed syndicate knows (RSS 2.0, Atom 1.0, JSON Feed 1.1)",)))
                continue
            problems = fmt.check(data, external.get(fmt.name))
            reports.append(FileReport(path=path, format_name=fmt.name, problems=tuple(problems)))
    return reports
