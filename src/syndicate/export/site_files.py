"""Files of the whole site beside index.opml (a news sitemap, stylesheets, preview pages), each
made by one module and named by one line of SITE_FILES, as a format is one line of the formats'
registry.

A maker is called once per export (not for a shard's: `syndicate index` writes the merged tree's
index only) with what the export knows of the site, and returns (path relative to OUT, bytes)
for each file it makes, checked: a file that fails its checks raises OutputInvalid, and nothing
is published. The files go into the manifest like the index, so an unchanged one is not
rewritten and an export with nothing changed does not make them again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from syndicate.build import FeedSpec
from syndicate.config import Config
from syndicate.model import Article
from syndicate.previews.pages import preview_files
from syndicate.sitemap import site_news_sitemap, site_next_change


@dataclass(frozen=True, slots=True, kw_only=True)
class Site:
    """What a maker is given."""

    config: Config
    specs: Sequence[FeedSpec]  # every feed of this export, the site-wide one last
    latest: dict[str, list[Article]]  # each feed's latest articles by slug, newest first
    formats: Sequence[str]  # the formats written, by name
    as_of: datetime  # the export's moment (SOURCE_DATE_EPOCH or the clock)
    out: Path
    # Whether SPECS are every feed of the site (an export of some sections, --section, holds only
    # theirs: a file of the whole site's stories is then left as the last full export made it).
    complete: bool = True


Maker = Callable[[Site], Iterable[tuple[str, bytes]]]

# One line per kind of site file, in the order they are made.
SITE_FILES: tuple[Maker, ...] = (
    site_news_sitemap,
    preview_files,  # feed.xsl and the HTML pages of syndicate.previews
)


# What makes a site file change with the store as it was: the export's moment (the news sitemap's
# two days). One line per kind of site file whose bytes depend on it, giving the moment at which
# they would next change (None: never), so that the export with nothing changed is not taken
# after it (export/unchanged.py).
SITE_FILE_CHANGES: tuple[Callable[[Site], datetime | None], ...] = (
    site_next_change,
)


def next_change(site: Site) -> datetime | None:
    """The earliest moment at which a site file of SITE would be made otherwise, or None."""
    return min(filter(None, (changes(site) for changes in SITE_FILE_CHANGES)), default=None)


def site_files(site: Site) -> list[tuple[str, bytes]]:
    """Every site file of SITE, by relative path, in SITE_FILES order."""
    return [made for maker in SITE_FILES for made in maker(site)]
