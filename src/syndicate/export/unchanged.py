"""Nothing changed, nothing done: an export whose inputs are those of the published files.

Every export records in OUT/manifest.json, beside the store state it read, what else its files
depend on (`export` in the manifest): a hash of syndicate's version, the configuration file's
bytes, the store's location and the options that choose what is written (formats, sections,
skip_invalid); the next moment at which the same store would export differently (the first
embargo to lift, story to expire or tombstone window to close: HeldBack.next_change; or a site
file made from the moment to change: site_files.next_change); and what the export reported (feeds, records, held back, warnings, skipped
records). After publishing, it also notes the size and modification time of every file the
manifest lists, and of the manifest, in the user's cache directory (the record caches'; see
syndicate.store.cache), not under OUT (which holds only what partners fetch) nor in the
manifest (whose bytes stay the same from run to run). When a later export finds the same hash, the same store
state, that moment not yet reached and every file as the stamps say (none changed by hand,
none removed), it reports what the last one did and reads no record, renders nothing and
writes nothing. Without the stamps (a new cache, an older version's output, a copy) the export runs.

This module is the whole of that path, so it imports only what it needs: the configuration,
the store (for its state) and the manifest, not the writers or the record checks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from syndicate.config import Config
from syndicate.errors import Problem, SyndicateError
from syndicate.export.report import ExportReport
from syndicate.store import HeldBack, StoreState, open_store
from syndicate.versions import PENDING_VERSIONS_FILE


def export_key(config_path: str | Path, *, store: str, formats: Sequence[str] | None,
               sections: Sequence[str] | None, skip_invalid: bool) -> str:
    """The hash of what an export's files depend on, besides the store's records and the time."""
    from syndicate import __version__

    chosen = {"syndicate": __version__, "store": store, "formats": list(formats) if formats else None,
              "sections": list(sections) if sections else None, "skip_invalid": skip_invalid}
    digest = hashlib.sha256(json.dumps(chosen, sort_keys=True).encode("utf-8"))
    digest.update(Path(config_path).read_bytes())
    return digest.hexdigest()


def export_entry(key: str, report: ExportReport) -> dict[str, Any]:
    """The manifest's `export` entry for an export with KEY that reported REPORT."""
    held = report.held_back
    return {
        "key": key,
        "next_change": _moment(report.next_change),
        "site_change": _moment(report.site_change),
        "feeds": report.feeds,
        "records": report.records,
        "held_back": {"drafts": held.drafts, "embargoed": held.embargoed, "next_lift": _moment(held.next_lift),
                      "next_expiry": _moment(held.next_expiry), "tombstones_end": _moment(held.tombstones_end)},
        "warnings": list(report.warnings),
        "skipped": [[p.origin, p.record_id, p.field, p.message] for p in report.skipped],
    }


def _moment(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _read_moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _stamp(path: Path) -> list[int] | None:
    try:
        status = path.stat()
    except (OSError, ValueError):
        return None
    return [status.st_size, status.st_mtime_ns]


def _stamps_path(config: Config, out: Path) -> Path:
    from syndicate.store.cache import cache_directory

    where = str(out.resolve()).encode("utf-8", "surrogateescape")
    return cache_directory(config) / "exports" / f"{hashlib.sha256(where).hexdigest()}.json"


def write_stamps(config: Config, out: Path, relatives: Sequence[str], *, fingerprint: str | None) -> None:
    """Note the size and modification time of OUT's RELATIVES (the manifest's files and itself),
    and the FINGERPRINT of the store's files (a directory store's; None for a database).
    Only a later export's shortcut depends on them: where they cannot be written, it is not taken."""
    from syndicate.export.publish import write_atomically

    stamps = {"store": fingerprint, "files": {relative: _stamp(out / relative) for relative in sorted(relatives)}}
    try:
        path = _stamps_path(config, out)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, (json.dumps(stamps, indent=0) + "\n").encode("utf-8"))
    except (OSError, ValueError, SyndicateError):
        pass


def _noted(config: Config, out: Path) -> dict[str, Any] | None:
    try:
        stamps = json.loads(_stamps_path(config, out).read_bytes())
    except (OSError, ValueError):
        return None
    return stamps if isinstance(stamps, dict) and isinstance(stamps.get("files"), dict) else None


def noted_files(config: Config, out: Path) -> dict[str, list[int]]:
    """The size and modification time noted for each of OUT's files by the last export into it
    (empty without them): a file that still has them need not be read to know its bytes are those
    the manifest's hash was made of."""
    noted = _noted(config, out)
    return {relative: stamp for relative, stamp in noted["files"].items() if isinstance(stamp, list)} \
        if noted is not None else {}


def as_noted(noted: dict[str, list[int]], out: Path, relative: str) -> bool:
    """Whether OUT's file RELATIVE has the size and modification time NOTED for it."""
    stamp = noted.get(relative)
    return stamp is not None and stamp == _stamp(out / relative)


def _files_match(noted: dict[str, Any], out: Path, relatives: Sequence[str]) -> bool:
    files = noted["files"]
    return set(files) == set(relatives) and all(
        files[relative] is not None and files[relative] == _stamp(out / relative) for relative in relatives)


def store_fingerprint(snapshot: Any) -> str | None:
    """What a snapshot adds to its state to tell one store content from another (a directory
    store's files as listed); None where the state says it all."""
    return getattr(snapshot, "fingerprint", None)


def _state(config: Config, store: str) -> tuple[StoreState, str | None]:
    opened = open_store(store, config=config)
    try:
        with opened.snapshot() as snapshot:
            return snapshot.state, store_fingerprint(snapshot)
    finally:
        opened.close()


def unchanged_report(config_path: str | Path, config: Config, *, out: Path, store: str,
                     formats: Sequence[str] | None, sections: Sequence[str] | None, skip_invalid: bool,
                     check: bool, as_of: datetime) -> ExportReport | None:
    """What the last export into OUT reported, if an export now would write exactly its files;
    else None (the export runs)."""
    from syndicate.export.manifest import MANIFEST, read_manifest

    manifest = read_manifest(out)
    entry = manifest.export
    if entry is None or manifest.store is None:
        return None
    try:
        if entry["key"] != export_key(config_path, store=store, formats=formats, sections=sections,
                                      skip_invalid=skip_invalid):
            return None
        if entry["next_change"] is not None and as_of >= datetime.fromisoformat(entry["next_change"]):
            return None  # an embargo has lifted, a story expired or a tombstone's window closed since
        if (out / PENDING_VERSIONS_FILE).exists():
            return None  # versions the store could not take last time: the export keeps them there
        noted = _noted(config, out)
        if noted is None or not _files_match(noted, out, [*manifest.files, MANIFEST]):
            return None  # a published file was changed or removed since: render it again
        state, fingerprint = _state(config, store)
        if state != manifest.store or fingerprint != noted.get("store"):
            return None
        held = entry["held_back"]
        root = out.resolve()
        return ExportReport(
            written=(), unchanged=tuple(root / relative for relative in [*manifest.files, MANIFEST]), rendered=0,
            feeds=entry["feeds"], records=entry["records"], warnings=tuple(entry["warnings"]),
            skipped=tuple(Problem(origin=origin, record_id=record_id, field=field, message=message)
                          for origin, record_id, field, message in entry["skipped"]),
            checked_only=check,
            held_back=HeldBack(drafts=held["drafts"], embargoed=held["embargoed"],
                               next_lift=_read_moment(held["next_lift"]), next_expiry=_read_moment(held["next_expiry"]),
                               tombstones_end=_read_moment(held["tombstones_end"])),
            site_change=_read_moment(entry["site_change"]))
    except (KeyError, TypeError, ValueError):
        return None  # an entry this version does not read: the export runs and writes a new one
