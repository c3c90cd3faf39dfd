"""What each command did, as the JSON document `--json` prints for CI.

Every document is an object with "syndicate" (this layout's version, 1), "command",
"ok", "exit_code" and "seconds", then the command's own members; a command that fails
says why in "error" (and, for invalid records, lists them in "problems"). The
layout is schemas/cli-report.schema.json, and the README's "JSON reports" shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from syndicate.errors import InvalidRecords, Problem, SyndicateError

LAYOUT_VERSION = 1


def _instant(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if moment is not None else None


def problem(item: Problem) -> dict[str, Any]:
    return {"origin": item.origin, "id": item.record_id, "field": item.field, "message": item.message}


def _head(command: str, *, exit_code: int, seconds: float) -> dict[str, Any]:
    return {"syndicate": LAYOUT_VERSION, "command": command, "ok": exit_code == 0, "exit_code": exit_code,
            "seconds": round(seconds, 3)}


def failure(command: str, error: SyndicateError, *, exit_code: int, seconds: float) -> dict[str, Any]:
    """The document of a command stopped by ERROR (nothing written)."""
    document = _head(command, exit_code=exit_code, seconds=seconds)
    problems = error.problems if isinstance(error, InvalidRecords) else ()
    document["error"] = (f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in the store; nothing "
                         "was written") if problems else str(error)
    document["problems"] = [problem(p) for p in problems]
    return document


def export(report, *, out: Path, exit_code: int, seconds: float, pinged=None) -> dict[str, Any]:
    """REPORT: a syndicate.export.ExportReport; PINGED: with --ping, a syndicate.websub.PingReport."""
    document = _head("export", exit_code=exit_code, seconds=seconds)
    changed = "stale" if report.checked_only else "written"
    held = report.held_back
    document.update({
        "out": str(out), "check": report.checked_only,
        "files": {changed: [str(p) for p in report.written], "unchanged": [str(p) for p in report.unchanged]},
        "feeds": report.feeds, "records": report.records, "rendered": report.rendered,
        "held_back": {"drafts": held.drafts, "embargoed": held.embargoed, "next_lift": _instant(held.next_lift),
                      "next_expiry": _instant(held.next_expiry), "tombstones_end": _instant(held.tombstones_end)},
        "next_change": _instant(report.next_change),
        "skipped": [problem(p) for p in report.skipped], "warnings": list(report.warnings),
    })
    if pinged is not None:
        document["websub"] = {"hub": pinged.hub, "notified": list(pinged.topics), "attempts": pinged.attempts}
    return document


def next_change(held, *, site_change: datetime | None, store: str, as_of: datetime, exit_code: int,
                seconds: float) -> dict[str, Any]:
    """HELD: a syndicate.store.HeldBack, as of AS_OF; SITE_CHANGE: when the site files would change."""
    document = _head("next-change", exit_code=exit_code, seconds=seconds)
    document.update({
        "store": store, "as_of": _instant(as_of),
        "next_change": _instant(min(filter(None, (held.next_change, site_change)), default=None)),
        "next_lift": _instant(held.next_lift), "next_expiry": _instant(held.next_expiry),
        "tombstones_end": _instant(held.tombstones_end), "site_files_change": _instant(site_change),
    })
    return document


def import_(report, *, exit_code: int, seconds: float) -> dict[str, Any]:
    """REPORT: an importing.ImportReport."""
    document = _head("import", exit_code=exit_code, seconds=seconds)
    document.update({
        "into": report.into, "imported": report.imported, "new": report.new, "replaced": report.replaced,
        "skipped_records": report.skipped_records, "skipped": [problem(p) for p in report.skipped],
        "warnings": list(report.warnings),
    })
    return document


def validate(reports: Sequence, *, exit_code: int, seconds: float) -> dict[str, Any]:
    """REPORTS: api.FileReports."""
    document = _head("validate", exit_code=exit_code, seconds=seconds)
    document.update({
        "files": [{"path": str(r.path), "format": r.format_name, "valid": r.valid, "problems": list(r.problems)}
                  for r in reports],
        "checked": len(reports), "invalid": sum(not r.valid for r in reports),
    })
    return document


def stats(location: str, counts, *, seconds: float) -> dict[str, Any]:
    """COUNTS: a store.StoreStats."""
    document = _head("stats", exit_code=0, seconds=seconds)
    document.update({
        "store": location,
        "counts": [{"section": section, "status": status, "records": number}
                   for (section, status), number in sorted(counts.counts.items())],
        "total": counts.total, "oldest_published": _instant(counts.oldest),
        "newest_published": _instant(counts.newest), "embargoed": counts.embargoed,
        "next_lift": _instant(counts.next_lift), "last_lift": _instant(counts.last_lift),
    })
    return document
