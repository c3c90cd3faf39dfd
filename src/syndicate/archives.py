"""Archive pages of a feed (RFC 5005 section 4, "Archived Feeds"): every public article of the
feed on exactly one page, each page linked to its neighbours and to the current feed, the
current feed to the newest page.

Paging is stable: which page an article is on, and what else that page holds, depends only on
the articles of the page's own span, never on how many newer ones there are. So a page that is
full keeps its items (and its bytes, which the incremental export then does not render again)
while newer articles arrive:

  "month"  one page per calendar month of publication, in the site's time zone; key YYYY-MM.
           A month before the newest article's month is full.
  N        pages of N articles, counted from the oldest: page 1 (key 00001) holds the oldest
           N. A page of N articles is full.

Articles arrive oldest first, in the reverse of the current feed's order (publication date,
then id, the last first), as the store reads them; ArchivePages holds one page at a time and
hands a page on when the next one starts, whose key its next-archive link names. The newest
page is the one still filling. Layout: OUT/<feed>/archive/<key>/<file>.
"""

from __future__ import annotations

from dataclasses import replace

from syndicate.build import FeedSpec, build_feed, latest
from syndicate.config import ARCHIVE_MONTHLY, Config
from syndicate.model import Article, ArchiveLinks, Feed

ARCHIVE_DIRECTORY = "archive"


class ArchivePages:
    """The archive pages of the feed of SPEC, made as its articles are added, oldest first."""

    def __init__(self, spec: FeedSpec, config: Config):
        self.spec, self.config = spec, config
        self.current_url = f"{config.site.feeds_url}{spec.slug}/"
        self.added = 0
        self.key: str | None = None  # the page filling now
        self.items: list[Article] = []
        self.previous: str | None = None  # the page before it

    def _key(self, article: Article) -> str:
        if self.spec.archive == ARCHIVE_MONTHLY:
            local = article.published.astimezone(self.config.site.timezone)
            return f"{local.year:04d}-{local.month:02d}"
        return f"{self.added // self.spec.archive + 1:05d}"

    def _url(self, key: str | None) -> str | None:
        return f"{self.current_url}{ARCHIVE_DIRECTORY}/{key}/" if key is not None else None

    def add(self, article: Article) -> Feed | None:
        """Add ARTICLE, not older than any added before; the Feed of the page it completes, if any."""
        key = self._key(article)
        self.added += 1
        if key == self.key:
            self.items.append(article)
            return None
        done = self._page(next_key=key) if self.key is not None else None
        self.previous, self.key, self.items = self.key, key, [article]
        return done

    def finish(self) -> Feed | None:
        """The Feed of the newest page (the one still filling), once every article is added."""
        return self._page(next_key=None) if self.key is not None else None

    def _page(self, *, next_key: str | None) -> Feed:
        # Same title and metadata as the current feed: every page is a document of that one feed.
        spec = replace(self.spec, slug=f"{self.spec.slug}/{ARCHIVE_DIRECTORY}/{self.key}")
        links = ArchiveLinks(current=self.current_url, prev_archive=self._url(self.previous),
                             next_archive=self._url(next_key))
        return build_feed(spec, latest(self.items, len(self.items)), self.config, site_newest=None, archive=links)

    def current_feed(self, items: list[Article], *, site_newest: Article | None,
                     tombstones: list[Article] | tuple[Article, ...] = ()) -> Feed:
        """The current feed (ITEMS, its latest articles, and its TOMBSTONES), linked to the newest page."""
        return build_feed(self.spec, items, self.config, site_newest=site_newest,
                          archive=ArchiveLinks(prev_archive=self._url(self.key)), tombstones=tombstones)
