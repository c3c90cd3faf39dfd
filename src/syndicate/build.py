"""Articles + config -> one Feed per section and one for the whole site (format-neutral)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from syndicate.config import ALL_SLUG, Config
from syndicate.model import Article, ArchiveLinks, Feed

# An empty feed still needs an updated time, and it must not be the clock (two runs must give
# the same bytes): it is the site's newest public article's, or, on a site with none, the epoch.
_NOTHING_PUBLISHED = datetime(1970, 1, 1, tzinfo=timezone.utc)


def is_public(article: Article, *, as_of: datetime) -> bool:
    """Drafts never leave the building; an embargoed article only once its embargo has lifted;
    nothing once it has expired; withheld and killed stories are taken down."""
    if article.expires is not None and article.expires <= as_of:
        return False
    if article.status == "published":
        return True
    if article.status == "embargoed":
        return article.embargo_until is not None and article.embargo_until <= as_of
    return False


def latest(articles: Sequence[Article], limit: int) -> tuple[Article, ...]:
    """The LIMIT newest articles, newest first; equal dates are ordered by id."""
    ordered = sorted(articles, key=lambda a: a.id)
    ordered.sort(key=lambda a: a.published, reverse=True)  # stable: ties stay in id order
    return tuple(ordered[:limit])


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedSpec:
    """What one feed is: which articles (a section, or None for the whole site), how many,
    and its metadata. The store picks the articles; build_feed() makes the Feed."""

    slug: str  # the output directory name
    section: str | None
    limit: int
    title: str
    description: str
    language: str
    home_url: str
    archive: str | int | None = None  # the archive's paging (config.ARCHIVE_MONTHLY or a page size), or None


def feed_specs(config: Config, *, sections: Sequence[str] | None) -> list[FeedSpec]:
    """The feeds of the chosen SECTIONS (every configured one when None) and the site-wide feed.

    The site-wide feed is included whenever no section is chosen, or when 'all' is.
    """
    site = config.site
    chosen = [s.slug for s in config.sections] if sections is None else list(sections)
    specs = [
        FeedSpec(slug=section.slug, section=section.slug, limit=section.limit or config.limit,
                 title=f"{site.title}: {section.title}", description=section.description,
                 language=section.language or site.language, home_url=section.url,
                 archive=section.archive_of(site))
        for section in (config.section(slug) for slug in chosen if slug != ALL_SLUG)
    ]
    if sections is None or ALL_SLUG in chosen:
        specs.append(FeedSpec(slug=ALL_SLUG, section=None, limit=config.limit, title=site.title,
                              description=site.description, language=site.language, home_url=site.home_url,
                              archive=site.archive))
    return specs


def build_feed(spec: FeedSpec, items: Sequence[Article], config: Config, *,
               site_newest: Article | None, archive: ArchiveLinks | None = None,
               tombstones: Sequence[Article] = ()) -> Feed:
    """The Feed of SPEC holding ITEMS (already the latest, newest first); SITE_NEWEST, the
    site's newest public article, dates the feed when ITEMS is empty. ARCHIVE: its links to
    the archive pages (syndicate.archives). TOMBSTONES: the withdrawn stories of the feed that
    partners are still told of (tombstones_of)."""
    site = config.site
    updated = max((a.updated for a in items), default=site_newest.updated if site_newest else _NOTHING_PUBLISHED)
    return Feed(
        slug=spec.slug,
        title=spec.title,
        description=spec.description,
        language=spec.language,
        home_url=spec.home_url,
        site_url=site.home_url,
        base_url=f"{site.feeds_url}{spec.slug}/",
        # A withdrawal changes the feed: partners that poll by its date see it.
        updated=max((updated, *(a.updated for a in tombstones))),
        items=tuple(items),
        tombstones=tuple(tombstones),
        # The site publishes every feed: without a publisher configured, the site by its title
        # (NewsML-G2's provider, the feed-level Atom author), the same in every feed.
        publisher=site.publisher or site.title,
        rights=site.rights,
        logo=site.logo,
        archive=archive,
        # Subscribers subscribe to a feed's current document; an archive page is not a topic.
        hubs=(site.websub_hub,) if site.websub_hub and (archive is None or archive.current is None) else (),
    )


def is_tombstone(article: Article, *, as_of: datetime, window: timedelta) -> bool:
    """Whether partners are still told that ARTICLE is withdrawn: withheld or killed, and its
    updated date (the withdrawal's) within WINDOW before AS_OF."""
    return article.withdrawn and article.updated > as_of - window


def newest_withdrawn(articles: Sequence[Article]) -> list[Article]:
    """ARTICLES, the latest withdrawal first (updated date, then id)."""
    return sorted(sorted(articles, key=lambda a: a.id), key=lambda a: a.updated, reverse=True)


def tombstones_of(spec: FeedSpec, withdrawn: Sequence[Article]) -> list[Article]:
    """Of WITHDRAWN (newest first), the stories of SPEC's feed."""
    return [a for a in withdrawn if spec.section is None or spec.section in a.all_sections]


def build_feeds(articles: Sequence[Article], config: Config, *, sections: Sequence[str] | None,
                as_of: datetime) -> list[Feed]:
    """Every chosen feed, choosing its articles in memory from ARTICLES."""
    public = [a for a in articles if is_public(a, as_of=as_of)]
    window = config.site.tombstone_window
    withdrawn = newest_withdrawn([a for a in articles if is_tombstone(a, as_of=as_of, window=window)])
    site_newest = next(iter(latest(public, 1)), None)
    return [
        build_feed(spec, latest([a for a in public if spec.section is None or spec.section in a.all_sections],
                                spec.limit), config, site_newest=site_newest,
                   tombstones=tombstones_of(spec, withdrawn))
        for spec in feed_specs(config, sections=sections)
    ]
