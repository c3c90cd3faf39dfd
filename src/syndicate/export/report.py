"""What an export reports: the files it wrote or found unchanged, and what it read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from syndicate.errors import Problem
from syndicate.store import HeldBack


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportReport:
    written: tuple[Path, ...]  # files whose bytes changed (with check: that would change)
    unchanged: tuple[Path, ...]  # files that already held exactly these bytes
    rendered: int  # files rendered this time; the others' inputs had not changed
    feeds: int  # feeds exported (not counting their archive pages)
    records: int  # records in at least one feed or archive page
    warnings: tuple[str, ...] = ()
    skipped: tuple[Problem, ...] = ()  # with skip_invalid: why records were left out
    checked_only: bool = False
    held_back: HeldBack = HeldBack()  # what the store holds that no feed shows yet
    # When the site files (the news sitemap's two days) would next change with the store as it is.
    site_change: datetime | None = None

    @property
    def next_change(self) -> datetime | None:
        """The earliest moment at which an export of the same store would write other files."""
        return min(filter(None, (self.held_back.next_change, self.site_change)), default=None)

    @property
    def stale(self) -> bool:
        return bool(self.written)
