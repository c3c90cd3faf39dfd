"""The library surface: export(), validate(), import_records(), stats(). The CLI is a thin layer over these."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from syndicate.errors import SyndicateError, UsageError
from syndicate.exporting import INDEX, ExportReport, OutputInvalid, export
from syndicate.formats import FORMATS, format_for
from syndicate.importing import ImportReport, import_records, store_stats

__all__ = ["ExportReport", "FileReport", "ImportReport", "OutputInvalid", "SyndicateError", "export",
           "import_records", "store_stats", "validate"]


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
