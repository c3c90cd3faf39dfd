"""DIR/sitemap-news.xml: a Google News sitemap of the articles published in the two days before
an export's moment, and its checks.

Google's "News sitemaps" (developers.google.com/search/docs/crawling-indexing/sitemaps/news-sitemap):
only articles created in the last two days, at most 1,000 news:news tags per sitemap, each with
the publication's name and language, the publication date and the title. The file is a sitemap
of the Sitemaps protocol 0.9 with that extension, checked against schemas/sitemap-0.9.xsd (which
imports schemas/sitemap-news-0.9.xsd) and for what a schema cannot say (how many entries, each
URL once) before it is published.

The articles are those the export has at hand: each feed's latest (Site.latest), so the feeds'
limits bound what the sitemap can list. Nothing here reads the clock: the window ends at the
export's moment (SOURCE_DATE_EPOCH or the clock, read once by the export).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from lxml import etree

from syndicate.dates import rfc3339
from syndicate.errors import OutputInvalid
from syndicate.formats.xml_checks import (HARDENED_PARSER, _duplicates, _urls, external_schema_problems,
                                          parse_or_problem, root_is)
from syndicate.opml import CheckedFile
from syndicate.resources import schema_path

if TYPE_CHECKING:
    from syndicate.config import Config
    from syndicate.export.site_files import Site
    from syndicate.model import Article

FILENAME = "sitemap-news.xml"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
SCHEMA = "sitemap-0.9.xsd"
# "Only include recent URLs for articles that were created in the last two days."
WINDOW = timedelta(days=2)
# "Each sitemap can have a maximum of 1,000 news:news tags."
MAX_ENTRIES = 1000
# Google reads zh-cn and zh-tw for Chinese, an ISO 639 code for every other language.
_TRADITIONAL = ("hant", "tw", "hk", "mo")


def news_language(tag: str) -> str:
    """The BCP 47 language TAG as news:language wants it: its primary subtag, lower case; for
    Chinese, zh-tw for Traditional script or a Taiwan, Hong Kong or Macao tag, else zh-cn."""
    primary, *rest = tag.lower().split("-")
    if primary != "zh":
        return primary
    return "zh-tw" if any(subtag in _TRADITIONAL for subtag in rest) else "zh-cn"


def recent(articles: Iterable[Article], *, as_of: datetime) -> list[Article]:
    """Of ARTICLES, those published in the two days before AS_OF (after AS_OF - WINDOW, at AS_OF
    or before), newest first (ties by id), each URL once (its newest article's), at most MAX_ENTRIES."""
    since = as_of - WINDOW
    ordered = sorted({a.id: a for a in articles if since < a.published <= as_of}.values(), key=lambda a: a.id)
    ordered.sort(key=lambda a: a.published, reverse=True)
    by_url: dict[str, Article] = {}
    for article in ordered:
        by_url.setdefault(article.url, article)
    return list(by_url.values())[:MAX_ENTRIES]


def next_change(articles: Iterable[Article], *, as_of: datetime) -> datetime | None:
    """When the sitemap of ARTICLES made at AS_OF would next be different with nothing else
    changed: when its oldest entry leaves the window, or an article dated later than AS_OF
    enters it, whichever comes first (None: neither ever happens)."""
    articles = list(articles)
    oldest = min((a.published for a in recent(articles, as_of=as_of)), default=None)
    later = min((a.published for a in articles if a.published > as_of), default=None)
    return min(filter(None, (oldest and oldest + WINDOW, later)), default=None)


def write_news_sitemap(articles: Iterable[Article], *, publication: str, home_url: str, as_of: datetime,
                       out: BinaryIO) -> None:
    """The news sitemap of the RECENT articles among ARTICLES as of AS_OF, for the publication
    named PUBLICATION. The Sitemaps protocol wants at least one <url>: with no recent article,
    HOME_URL is listed alone, without news:news, which Google reads as a page that is not news."""
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS, "news": NEWS_NS})
    listed = recent(articles, as_of=as_of)
    for article in listed:
        url = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = article.url
        news = etree.SubElement(url, f"{{{NEWS_NS}}}news")
        where = etree.SubElement(news, f"{{{NEWS_NS}}}publication")
        etree.SubElement(where, f"{{{NEWS_NS}}}name").text = publication
        etree.SubElement(where, f"{{{NEWS_NS}}}language").text = news_language(article.language)
        # "the original date and time at which the article was published on your site"
        etree.SubElement(news, f"{{{NEWS_NS}}}publication_date").text = rfc3339(article.published)
        etree.SubElement(news, f"{{{NEWS_NS}}}title").text = article.title
    if not listed:
        etree.SubElement(etree.SubElement(root, f"{{{SITEMAP_NS}}}url"), f"{{{SITEMAP_NS}}}loc").text = home_url
    out.write(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def news_sitemap(articles: Iterable[Article], *, config: Config, as_of: datetime,
                 publication: str | None = None, named: str = FILENAME) -> bytes:
    """The checked bytes of the news sitemap of ARTICLES as of AS_OF, for CONFIG's site (its
    title is the publication's name unless PUBLICATION is given). Raises OutputInvalid, naming
    the file as NAMED, when they fail the checks."""
    buffer = io.BytesIO()
    write_news_sitemap(articles, publication=publication or config.site.title, home_url=config.site.home_url,
                       as_of=as_of, out=buffer)
    data = buffer.getvalue()
    problems = check_news_sitemap(data)
    if problems:
        raise OutputInvalid("rendered output failed its checks; nothing was written:\n"
                            + "\n".join(f"{named}: {p}" for p in problems))
    return data


def site_news_sitemap(site: Site) -> list[tuple[str, bytes]]:
    """The site's news sitemap, of every feed's latest articles (a SITE_FILES maker); none from an
    export of some sections, which does not see the others' stories."""
    if not site.complete:
        return []
    articles = [article for items in site.latest.values() for article in items]
    return [(FILENAME, news_sitemap(articles, config=site.config, as_of=site.as_of))]


def site_next_change(site: Site) -> datetime | None:
    """When the site's news sitemap would next change with nothing else changed (None for an
    export of some sections, which makes none)."""
    if not site.complete:
        return None
    return next_change([article for items in site.latest.values() for article in items], as_of=site.as_of)


@cache
def _schema() -> etree.XMLSchema:
    # The news schema is imported from the file beside it, read locally (HARDENED_PARSER: no network).
    return etree.XMLSchema(etree.parse(str(schema_path(SCHEMA)), HARDENED_PARSER))


def check_news_sitemap(data: bytes, external_schema: Path | None = None) -> list[str]:
    """Problems with a news sitemap (empty when valid)."""
    tree, problems = parse_or_problem(data)
    if tree is None:
        return problems
    schema = _schema()
    if not schema.validate(tree):
        problems += [f"line {e.line}: {e.message} (schemas/{SCHEMA})" for e in schema.error_log]
    problems += external_schema_problems(tree, external_schema)
    names = {"s": SITEMAP_NS, "news": NEWS_NS}
    entries = tree.xpath("/s:urlset/s:url/news:news", namespaces=names)
    if len(entries) > MAX_ENTRIES:
        problems.append(f"{len(entries)} news:news entries: a news sitemap holds at most {MAX_ENTRIES}")
    locations = tree.xpath("/s:urlset/s:url/s:loc", namespaces=names)
    problems += _urls(locations)
    problems += _duplicates((loc.text or "" for loc in locations), "<loc>")
    for element in tree.xpath("//news:publication_date", namespaces=names):
        # The schema checks the form (W3C Datetime); this, that it is a day and time that exist.
        try:
            datetime.fromisoformat((element.text or "").replace("Z", "+00:00"))
        except ValueError:
            problems.append(f"line {element.sourceline}: news:publication_date {element.text!r} is not a date "
                            "that exists")
    return problems


NEWS_SITEMAP_FILE = CheckedFile(name="sitemap", filename=FILENAME, check=check_news_sitemap,
                                sniff=lambda data: root_is(data, f"{{{SITEMAP_NS}}}urlset"))
