"""RSS 2.0 and Atom 1.0, written with feedgen (the only module that imports it).

Both writers share one generator set up from the Feed; they differ only in the
element hooks of _Extras (extend_rss / extend_atom), which also work around
feedgen's traps:
- add_entry() prepends unless order="append";
- the RSS channel <link> is the last link() call, so rel=self goes first;
- updated and lastBuildDate default to now(), so both are always set from the data;
- its RSS dates keep the datetime's offset (+0545 and the like, which some readers
  and the W3C validator dislike), so pubDate and lastBuildDate are rewritten in GMT;
- its Atom <source> lacks id and updated, and its media extension wraps every
  media:content in media:group, so source and media are written here instead.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import BinaryIO

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from syndicate.dates import rfc822, rfc3339
from syndicate.formats import Format
from syndicate.formats.xml_checks import check_atom, check_rss, root_is
from syndicate.model import Article, Feed

ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RSS_SPEC = "https://www.rssboard.org/rss-specification"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, {k: v for k, v in attributes.items() if v is not None})
    if text is not None:
        element.text = text
    return element


class _Namespaces(BaseExtension):
    """Feed-level hooks: declares the prefixes the entry hooks use; writes lastBuildDate in GMT."""

    updated: datetime

    def extend_ns(self) -> dict[str, str]:
        return {"dc": DC_NS, "media": MEDIA_NS}

    def extend_rss(self, rss: etree._Element) -> etree._Element:
        for element in rss.iterfind("channel/lastBuildDate"):
            element.text = rfc822(self.updated)
        return rss


class _Extras(BaseEntryExtension):
    """Entry-level hooks: what feedgen cannot write, or writes wrongly, per format."""

    article: Article

    def extend_rss(self, item: etree._Element) -> etree._Element:
        article = self.article
        for element in item.iterfind("pubDate"):
            element.text = rfc822(article.published)
        description = item.find("description")
        if description is not None and article.summary:
            # RSS readers render <description> as HTML: the plain-text summary is escaped
            # once more so that a literal '<' or '&' in it shows as written.
            description.text = html.escape(article.summary, quote=False)
        for author in article.authors:
            _sub(item, f"{{{DC_NS}}}creator", author.byline)
        _sub(item, f"{{{DC_NS}}}language", article.language)
        if article.rights:
            _sub(item, f"{{{DC_NS}}}rights", article.rights)
        if article.source:
            _sub(item, "source", article.source.name, url=article.source.url)
        for media in article.media:
            content = _sub(
                item, f"{{{MEDIA_NS}}}content", url=media.url, type=media.type,
                medium="image" if media.is_image else None,
                width=_int(media.width), height=_int(media.height),
            )
            if media.caption:
                _sub(content, f"{{{MEDIA_NS}}}description", media.caption, type="plain")
            if media.credit:
                _sub(content, f"{{{MEDIA_NS}}}credit", media.credit)
        return item

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        # feedgen builds Atom elements without a namespace and declares the Atom
        # namespace as the default on <feed>, so these unqualified names are Atom's.
        article = self.article
        entry.set(XML_LANG, article.language)
        for media in article.media:
            # RFC 4287 4.2.7.2: rel="enclosure" for a potentially large related resource.
            _sub(entry, "link", rel="enclosure", href=media.url, type=media.type,
                 title=media.caption)
        if article.source:
            # RFC 4287 4.2.11: a copied entry keeps its source's metadata.
            source = _sub(entry, "source")
            _sub(source, "id", article.source.url)
            _sub(source, "title", article.source.name)
            _sub(source, "link", rel="alternate", href=article.source.url)
            _sub(source, "updated", rfc3339(article.updated))
        return entry


def _int(value: int | None) -> str | None:
    return str(value) if value is not None else None


def _generator(feed: Feed, *, filename: str) -> FeedGenerator:
    generator = FeedGenerator()
    generator.register_extension("syndicate", _Namespaces, _Extras)
    generator.id(feed.url_for(filename))
    generator.title(feed.title)
    generator.description(feed.description)  # RSS description and Atom subtitle
    generator.language(feed.language)
    # RFC 4287 4.1.2: an entry without an author takes the feed's, so the feed always has one.
    generator.author({"name": feed.publisher or feed.title})
    generator.link(href=feed.url_for(filename), rel="self")
    generator.link(href=feed.home_url, rel="alternate")  # last link() = the RSS channel <link>
    generator.updated(feed.updated)
    generator.lastBuildDate(feed.updated)
    generator.syndicate.updated = feed.updated  # lastBuildDate, rewritten in GMT
    generator.generator("syndicate", uri="https://pypi.org/project/syndicate/")
    generator.docs(RSS_SPEC)
    if feed.rights:
        generator.rights(feed.rights)
    if feed.logo:
        generator.logo(feed.logo)
    for article in feed.items:
        _add_entry(generator, article)
    return generator


def _add_entry(generator: FeedGenerator, article: Article) -> None:
    entry = generator.add_entry(order="append")
    entry.id(article.tag_uri)  # also the RSS guid, isPermaLink="false": it is not a URL
    entry.title(article.title)
    entry.link(href=article.url, rel="alternate")
    entry.published(article.published)
    entry.updated(article.updated)
    for author in article.authors:
        entry.author({k: v for k, v in (("name", author.byline), ("uri", author.url)) if v})
    if article.summary:
        entry.summary(article.summary, type="text")
    if article.body_html:
        entry.content(article.body_html, type="html")
    for category in article.categories:
        # Only the keys that are set: feedgen's RSS value is label-or-term, and a None label empties it.
        entry.category({k: v for k, v in (("term", category.term), ("label", category.label),
                                          ("scheme", category.scheme)) if v})
    if article.rights:
        entry.rights(article.rights)
    entry.syndicate.article = article


def write_rss(feed: Feed, out: BinaryIO) -> None:
    out.write(_generator(feed, filename=RSS.filename).rss_str(pretty=True, encoding="UTF-8"))


def write_atom(feed: Feed, out: BinaryIO) -> None:
    out.write(_generator(feed, filename=ATOM.filename).atom_str(pretty=True, encoding="UTF-8"))


RSS = Format(
    name="rss",
    filename="rss.xml",
    media_type="application/rss+xml",
    write=write_rss,
    check=check_rss,
    sniff=lambda data: root_is(data, "rss"),
)
ATOM = Format(
    name="atom",
    filename="atom.xml",
    media_type="application/atom+xml",
    write=write_atom,
    check=check_atom,
    sniff=lambda data: root_is(data, f"{{{ATOM_NS}}}feed"),
)
