"""The library surface: export(), validate(), import_records(), stats(). The CLI is a thin layer over these."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from syndicate.errors import SyndicateError, UsageError
from syndicate.exporting import ExportReport, OutputInvalid, export
from syndicate.formats import FORMATS, Format
from syndicate.importing import ImportReport, import_records, store_stats
from syndicate.opml import INDEX_FILE, CheckedFile
from syndicate.progress import Progress

__all__ = ["ExportReport", "FileReport", "ImportReport", "OutputInvalid", "Progress", "SyndicateError", "export",
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


# Every kind of file validate knows: the registry's feed formats, then the other files an export
# writes. Each has a name, a filename, check() and sniff(); validate asks nothing else of them.
CHECKED_FILES: tuple[Format | CheckedFile, ...] = (*FORMATS.values(), INDEX_FILE)


def _kind_of(filename: str, data: bytes) -> Format | CheckedFile | None:
    """What a file is, by its name first, else by its content (None: nothing validate knows)."""
    by_name = next((kind for kind in CHECKED_FILES if kind.filename == filename), None)
    return by_name or next((kind for kind in CHECKED_FILES if kind.sniff(data)), None)


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
    """
    external = {name: Path(path) for name, path in (external_schemas or {}).items()}
    known = [kind.name for kind in CHECKED_FILES]
    unknown = [name for name in external if name not in known]
    if unknown:
        raise UsageError(f"unknown format {', '.join(map(repr, unknown))}; known: {', '.join(known)}")
    for name, path in external.items():
        if not path.is_file():
            raise UsageError(f"the {name} schema {path} does not exist")
    # Every file first, so that progress knows how many there are.
    targets = [(given, path) for given in map(Path, paths)
               for path in (_files_under(given) if given.exists() else [None])]
    reports: list[FileReport] = []
    for done, (given, path) in enumerate(targets, start=1):
        if progress is not None:
            progress("check", done - 1, len(targets))
        if path is None:
            reports.append(FileReport(path=given, format_name=None, problems=("no such file or directory",)))
            continue
        try:
            data = path.read_bytes()
        except OSError as error:
            reports.append(FileReport(path=path, format_name=None, problems=(f"cannot read: {error.strerror}",)))
            continue
        kind = _kind_of(path.name, data)
        if kind is None:
            if path == given:
                reports.append(FileReport(path=path, format_name=None, problems=(
                    f"not a file syndicate knows ({', '.join(k.name for k in CHECKED_FILES)})",)))
            continue
        problems = kind.check(data, external.get(kind.name))
        reports.append(FileReport(path=path, format_name=kind.name, problems=tuple(problems)))
    if progress is not None:
        progress("check", len(targets), len(targets))
    return reports
