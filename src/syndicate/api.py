"""The library surface: export(), index_shards(), validate(), import_records(), stats(), ping().
The CLI is a thin layer over these."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from syndicate.errors import OutputInvalid, SyndicateError, UsageError

if TYPE_CHECKING:
    from syndicate.export import ExportReport, IndexReport, export, index_shards, next_change
    from syndicate.formats import Format
    from syndicate.importing import ImportReport, import_records, store_stats
    from syndicate.opml import CheckedFile
    from syndicate.progress import Progress
    from syndicate.serve import make_server
    from syndicate.websub import PingReport, configured_hub, ping

__all__ = ["ExportReport", "FileReport", "ImportReport", "IndexReport", "OutputInvalid", "PingReport", "Progress",
           "SyndicateError", "configured_hub", "export", "import_records", "index_shards", "make_server",
           "next_change", "ping", "store_stats", "validate"]

# Where each name of the surface is defined. Each module is imported when one of its names
# is first used: a command loads what it needs, and `--help` loads none of them.
_DEFINED_IN = {
    "ExportReport": "syndicate.export",
    "export": "syndicate.export",
    "IndexReport": "syndicate.export",
    "index_shards": "syndicate.export",
    "next_change": "syndicate.export",
    "ImportReport": "syndicate.importing",
    "Progress": "syndicate.progress",
    "import_records": "syndicate.importing",
    "store_stats": "syndicate.importing",
    "PingReport": "syndicate.websub",
    "configured_hub": "syndicate.websub",
    "ping": "syndicate.websub",
    "make_server": "syndicate.serve",
}


def __getattr__(name: str):
    if name in _DEFINED_IN:
        value = getattr(import_module(_DEFINED_IN[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'syndicate.api' has no attribute {name!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class FileReport:
    path: Path
    format_name: str | None
    problems: tuple[str, ...] = field(default=())

    @property
    def valid(self) -> bool:
        return not self.problems


def _files_under(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(Path(folder) / name for folder, _dirs, names in os.walk(path) for name in names
                      if not name.startswith("."))
    return [path]


@cache
def _checked_files() -> tuple[Format | CheckedFile, ...]:
    """Every kind of file validate knows: the registry's feed formats, then the other files an export
    writes. Each has a name, a filename, check() and sniff(); validate asks nothing else of them."""
    from syndicate.formats import FORMATS
    from syndicate.opml import INDEX_FILE
    from syndicate.sitemap import NEWS_SITEMAP_FILE

    return (*FORMATS.values(), INDEX_FILE, NEWS_SITEMAP_FILE)


def _kind_of(filename: str, data: bytes) -> Format | CheckedFile | None:
    """What a file is, by its name first, else by its content (None: nothing validate knows)."""
    by_name = next((kind for kind in _checked_files() if kind.filename == filename), None)
    return by_name or next((kind for kind in _checked_files() if kind.sniff(data)), None)


def validate(paths: Sequence[str | Path], *,
             external_schemas: Mapping[str, str | Path] | None = None,
             progress: Progress | None = None) -> list[FileReport]:
    """Check every feed file, and index.opml, at PATHS (files, or directories searched recursively).

    A file is recognised by its name (rss.xml, atom.xml, feed.json, ..., index.opml)
    or else by its content; files of no known kind are skipped when found in a
    directory and reported when named directly. EXTERNAL_SCHEMAS maps a format
    name (or "opml") to a further schema its files must pass (e.g. "newsml" to
    IPTC's NewsML-G2 XSD): XSD or RELAX NG for XML formats, JSON Schema for JSON ones.
    PROGRESS, when given, is called with ("check", files checked, files found) as they are checked.
    Raises UsageError, checking nothing, when a path or schema does not exist or a format is unknown.
    """
    external = {name: Path(path) for name, path in (external_schemas or {}).items()}
    known = [kind.name for kind in _checked_files()]
    unknown = [name for name in external if name not in known]
    if unknown:
        raise UsageError(f"unknown format {', '.join(map(repr, unknown))}; known: {', '.join(known)}")
    for name, path in external.items():
        if not path.is_file():
            raise UsageError(f"the {name} schema {path} does not exist")
    # A path that is not there is a mistake in the call, not an invalid file: nothing is checked.
    missing = [given for given in map(Path, paths) if not given.exists()]
    if missing:
        raise UsageError("; ".join(f"{given}: no such file or directory" for given in missing))
    # Every file first, so that progress knows how many there are.
    targets = [(given, path) for given in map(Path, paths) for path in _files_under(given)]
    reports: list[FileReport] = []
    for done, (given, path) in enumerate(targets):
        if progress is not None:
            progress("check", done, len(targets))
        try:
            data = path.read_bytes()
        except OSError as error:
            reports.append(FileReport(path=path, format_name=None, problems=(f"cannot read: {error.strerror}",)))
            continue
        kind = _kind_of(path.name, data)
        if kind is None:
            if path == given:
                reports.append(FileReport(path=path, format_name=None, problems=(
                    f"not a file syndicate knows ({', '.join(k.name for k in _checked_files())})",)))
            continue
        problems = kind.check(data, external.get(kind.name))
        reports.append(FileReport(path=path, format_name=kind.name, problems=tuple(problems)))
    if progress is not None:
        progress("check", len(targets), len(targets))
    return reports
