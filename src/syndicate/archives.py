"""Archive pages of a feed (RFC 5005 section 4, "Archived Feeds"): every public article of the
feed on exactly one page, each page linked to its neighbours and to the current feed, the
current feed to the newest page.

Paging is stable: which page an article is on, and what else that page holds, depends only on
the articles of the page's own span, never on how many newer ones there are. So a page that is
full keeps its items (and its bytes, which the incremental export then does not render again)
while newer articles arrive:

  "month"  one page per calendar month of publication, in the site's time zone; key YYYY-MM.
           A month before the newest article's month is full.
  N        pages of N articles, counted from the oldest (by publication date, then id):
           page 1 (key 00001) holds the oldest N. A page of N articles is full.

The newest page is the one still filling. Layout: OUT/<feed>/archive/<key>/<file>.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import tzinfo
from itertools import groupby

from syndicate.build import FeedSpec, build_feed, latest
from syndicate.config import ARCHIVE_MONTHLY, Config
from syndicate.model import Article, ArchiveLinks, Feed

ARCHIVE_DIRECTORY = "archive"


@dataclass(frozen=True, slots=True)
class Page:
    key: str  # its directory under archive/
    items: list[Article]  # oldest first


def _oldest_first(article: Article) -> tuple:
    return article.published, article.id


def _month(article: Article, zone: tzinfo) -> str:
    local = article.published.astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}"


def paginate(articles: Iterable[Article], paging: str | int, *, zone: tzinfo) -> list[Page]:
    """The archive pages of ARTICLES, oldest first, by PAGING (ARCHIVE_MONTHLY or a page size)."""
    ordered = sorted(articles, key=_oldest_first)
    if paging == ARCHIVE_MONTHLY:
        # Sorted by instant, the local month never goes back: each month is one run.
        return [Page(month, list(run)) for month, run in groupby(ordered, key=lambda a: _month(a, zone))]
    return [Page(f"{number:05d}", ordered[start:start + paging])
            for number, start in enumerate(range(0, len(ordered), paging), start=1)]


def archived_feeds(spec: FeedSpec, articles: Sequence[Article], config: Config, *,
                   site_newest: Article | None) -> list[Feed]:
    """The current feed of SPEC (the latest spec.limit of ARTICLES, every public article of the
    feed, newest first), then its archive pages, oldest first, each holding every article of its span."""
    pages = paginate(articles, spec.archive, zone=config.site.timezone)
    current_url = f"{config.site.feeds_url}{spec.slug}/"
    urls = [f"{current_url}{ARCHIVE_DIRECTORY}/{page.key}/" for page in pages]
    feeds = [build_feed(spec, articles[:spec.limit], config, site_newest=site_newest,
                        archive=ArchiveLinks(prev_archive=urls[-1] if urls else None))]
    for index, page in enumerate(pages):
        # Same title and metadata as the current feed: every page is a document of that one feed.
        page_spec = replace(spec, slug=f"{spec.slug}/{ARCHIVE_DIRECTORY}/{page.key}")
        links = ArchiveLinks(current=current_url, prev_archive=urls[index - 1] if index else None,
                             next_archive=urls[index + 1] if index + 1 < len(urls) else None)
        feeds.append(build_feed(page_spec, latest(page.items, len(page.items)), config, site_newest=None,
                                archive=links))
    return feeds
