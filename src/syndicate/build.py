"""Articles + config -> one Feed per section and one for the whole site (format-neutral)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from syndicate.config import ALL_SLUG, Config, Section
from syndicate.model import Article, Feed

# An empty feed still needs an updated time; it must not be the clock (two runs
# must give the same bytes), so it is the Unix epoch.
_EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=timezone.utc)


def is_public(article: Article, *, as_of: datetime) -> bool:
    """Drafts never leave the building; an embargoed article only once its embargo has lifted."""
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


def _feed(*, slug: str, title: str, description: str, language: str, home_url: str,
          items: tuple[Article, ...], config: Config) -> Feed:
    site = config.site
    return Feed(
        slug=slug,
        title=title,
        description=description,
        language=language,
        home_url=home_url,
        site_url=site.home_url,
        base_url=f"{site.feeds_url}{slug}/",
        updated=max((a.updated for a in items), default=_EMPTY_FEED_UPDATED),
        items=items,
        publisher=site.publisher,
        rights=site.rights,
        logo=site.logo,
    )


def section_feed(section: Section, articles: Sequence[Article], config: Config) -> Feed:
    members = [a for a in articles if section.slug in a.all_sections]
    return _feed(
        slug=section.slug,
        title=f"{config.site.title}: {section.title}",
        description=section.description,
        language=section.language or config.site.language,
        home_url=section.url,
        items=latest(members, section.limit or config.limit),
        config=config,
    )


def site_feed(articles: Sequence[Article], config: Config) -> Feed:
    site = config.site
    return _feed(
        slug=ALL_SLUG,
        title=site.title,
        description=site.description,
        language=site.language,
        home_url=site.home_url,
        items=latest(articles, config.limit),
        config=config,
    )


def build_feeds(articles: Sequence[Article], config: Config, *, sections: Sequence[str] | None,
                as_of: datetime) -> list[Feed]:
    """The feeds of the chosen SECTIONS (all configured ones when None) and the site-wide feed.

    The site-wide feed is built whenever no section is chosen, or when 'all' is.
    """
    public = [a for a in articles if is_public(a, as_of=as_of)]
    chosen = [s.slug for s in config.sections] if sections is None else list(sections)
    feeds = [section_feed(config.section(slug), public, config) for slug in chosen if slug != ALL_SLUG]
    if sections is None or ALL_SLUG in chosen:
        feeds.append(site_feed(public, config))
    return feeds
