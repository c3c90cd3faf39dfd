"""RSS 2.0 and Atom 1.0, written with feedgen (the only module that imports it, when it writes).

Both writers share one generator set up from the Feed; they differ only in the
element hooks of _Extras (extend_rss / extend_atom). The generator writes the feed
without its entries; each article's entry, the same in every file of a format, is
feedgen's element serialised once where it would be in a file, and put where
feedgen puts its entries (the last children of channel or feed): a file is
byte for byte what feedgen writes with the entries added. The hooks also work
around feedgen's traps:
- add_entry() prepends unless order="append";
- the RSS channel <link> is the last link() call, so rel=self goes first;
- updated and lastBuildDate default to now(), so both are always set from the data;
- its Atom <source> lacks id and updated, and its media extension wraps every
  media:content in media:group, so source and media are written here instead;
- its RSS dates keep the article's offset (+0545 is "problematical" to the W3C
  validator), so pubDate and lastBuildDate are rewritten in GMT.

WebSub (README "WebSub"): with a hub configured, a current feed links it with rel="hub" (in RSS,
an atom:link element) after its rel="self" link, the topic; archive pages do not.

With archive pages (RFC 5005 section 4), a feed's links to them are Atom links (in RSS,
atom:link elements, as RFC 5005 Appendix B says) with rel current, prev-archive and
next-archive, each to the same format's file. An archive page has the current feed's id,
since every page is part of that one feed, and every page but the newest (still filling,
see model.ArchiveLinks) carries fh:archive.

The life of a story (README "The life of a story"): a withdrawn story (withheld or killed)
leaves both formats' items. For the site's tombstone window, Atom says so with RFC 6721's
at:deleted-entry, one per story, newest first, before the entries (where RFC 4287 puts a feed's
extension elements): ref = the entry's id, when = Article.created (when it was withdrawn),
at:comment = the note to the receiving editors (the kill_reason, or a default:
formats.lifecycle) and a link to the story's page, which identifies it to readers that know
entries by their links. The at: prefix is declared on each element, so that a feed without one
is as before. RSS has no such element: the item leaves the channel, nothing more. Neither
format has a field for a correction's note: it closes the entry's text (formats.lifecycle),
the last paragraph of the HTML content (Atom content, RSS content:encoded), or of the summary
of an entry without a body (Atom summary, RSS description).

Each file names the site's feed stylesheet (syndicate.previews) in its prolog, so that a browser
that opens it shows a page a person can read: <?xml-stylesheet type="text/xsl"?> with the
stylesheet's absolute URL, at the top of site.feeds_url.

Plain text (titles, names, captions) follows the RSS Best Practices Profile,
"Character data", in both formats: '&' and '<' are written as the hexadecimal
references &#x26; and &#x3C;, the form the widest number of readers show as text
(and the W3C validator's sign that text is meant as text). In RSS, whose readers
may take any text for HTML, text holding something they would decode or read as a
tag (a reference such as '&amp;', or '<' before a letter) is escaped once more, so
that it shows as written and never becomes an element; the item description, which
RSS readers render as HTML, is always escaped once more.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, BinaryIO

from lxml import etree

from syndicate.dates import rfc822, rfc3339
from syndicate.formats import Format
from syndicate.formats.atom_checks import KNOWN_ENTRIES, TOMBSTONES_NS
from syndicate.formats.lifecycle import with_correction_html, with_correction_text, withdrawal_note
from syndicate.formats.per_article import PerArticle
from syndicate.formats.xml_checks import KNOWN_RSS_ITEMS, check_atom, check_rss, root_is
from syndicate.formats.xml_text import branch, leaf
from syndicate.previews import STYLESHEET

if TYPE_CHECKING:  # annotations only
    from feedgen.entry import FeedEntry
    from feedgen.feed import FeedGenerator

    from syndicate.model import Article, Feed

ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
FH_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005 section 5
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RSS_SPEC = "https://www.rssboard.org/rss-specification"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str | None) -> etree._Element:
    if None in attributes.values():
        attributes = {k: v for k, v in attributes.items() if v is not None}
    element = etree.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


# What a reader that takes RSS text for HTML would decode or read as a tag: a character or
# entity reference, or a '<' that could open a tag, a comment or a declaration.
_READ_AS_HTML = re.compile(r"&(#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);|<[A-Za-z/!?]")
# The plain-text elements of a channel, whose text _plain_text() writes.
_CHANNEL_TEXT = ("title", "description", "copyright", "image/title")
# An item's are its children of these names and the caption and credit of its media:content, the
# only elements that have children in an item: one walk of the item finds them all.
_ITEM_TEXT = ("title", "category", "author", "source", f"{{{DC_NS}}}creator", f"{{{DC_NS}}}rights",
              f"{{{MEDIA_NS}}}description", f"{{{MEDIA_NS}}}credit")


def _plain_text(elements: Iterable[etree._Element]) -> None:
    """Escape once more the plain text of ELEMENTS that a reader would otherwise decode as HTML."""
    for element in elements:
        if element.text and _READ_AS_HTML.search(element.text):
            element.text = html.escape(element.text, quote=False)


def _hex_references(document: bytes) -> bytes:
    """The serialised feed with '&' and '<' as &#x26; and &#x3C; (RSS Best Practices Profile)."""
    return document.replace(b"&amp;", b"&#x26;").replace(b"&lt;", b"&#x3C;")


@cache
def _hooks() -> tuple[type, type]:
    """feedgen's extension classes for the feed and for each entry, defined on first use: only
    writing needs feedgen, and `validate` should not wait for it to be imported."""
    from feedgen.ext.base import BaseEntryExtension, BaseExtension

    class _Namespaces(BaseExtension):
        """Feed-level hook: declares the prefixes the entry hooks use, and mends the channel."""

        feed: Feed
        format: Format

        def extend_ns(self) -> dict[str, str]:
            return {"dc": DC_NS, "media": MEDIA_NS, **({"fh": FH_NS} if self.feed.is_archive_document else {})}

        def extend_rss(self, rss: etree._Element) -> etree._Element:
            channel = rss.find("channel")
            channel.find("lastBuildDate").text = rfc822(self.feed.updated)
            _plain_text(element for path in _CHANNEL_TEXT for element in channel.iterfind(path))
            _hub_links(channel, self.feed, link=f"{{{ATOM_NS}}}link")
            _archive_links(channel, self.feed, self.format, link=f"{{{ATOM_NS}}}link")
            return rss

        def extend_atom(self, feed: etree._Element) -> etree._Element:
            # Called before feedgen appends the entries: the links come before them, as RFC 4287 wants.
            _hub_links(feed, self.feed, link="link")
            _archive_links(feed, self.feed, self.format, link="link")
            return feed


    class _Extras(BaseEntryExtension):
        """Entry-level hooks: what feedgen cannot write, or writes wrongly, per format."""

        article: Article

        def extend_rss(self, item: etree._Element) -> etree._Element:
            article = self.article
            children = {child.tag: child for child in item}  # one of each but author (see below)
            # The RSS guid (isPermaLink="false": it is not a URL) is the item id unchanged, which
            # may be any text; the entry id feedgen wrote here is the Atom one, which must be a URI.
            children["guid"].text = article.item_id
            children["pubDate"].text = rfc822(article.published)
            description = children.get("description")
            text = _summary(article)
            if description is not None and text:
                # RSS readers render <description> as HTML: the plain-text summary is escaped
                # once more so that a literal '<' or '&' in it shows as written.
                description.text = html.escape(text, quote=False)
            # RSS <author> holds one address and may not stand beside dc:creator (RSS Best
            # Practices Profile): a sole author with an e-mail gets it, every other byline
            # is a dc:creator.
            if not (len(article.authors) == 1 and article.authors[0].email):
                for author in [child for child in item if child.tag == "author"]:
                    item.remove(author)
                for author in article.authors:
                    _sub(item, f"{{{DC_NS}}}creator", author.byline)
            _sub(item, f"{{{DC_NS}}}language", article.language)
            if article.rights:
                _sub(item, f"{{{DC_NS}}}rights", article.rights)
            if article.source:
                _sub(item, "source", article.source.name, url=article.source.url)
            enclosure = next((m for m in article.media if m.kind in ("audio", "video")), None)
            if enclosure:
                # RSS 2.0 allows one enclosure; its length is required, 0 when unknown (RSS Profile).
                _sub(item, "enclosure", url=enclosure.url, length=str(enclosure.length or 0), type=enclosure.type)
            for media in article.media:
                content = _sub(
                    item, f"{{{MEDIA_NS}}}content", url=media.url, type=media.type, fileSize=_int(media.length),
                    medium=media.kind, width=_int(media.width), height=_int(media.height),
                )
                if media.caption:
                    _sub(content, f"{{{MEDIA_NS}}}description", media.caption, type="plain")
                if media.credit:
                    _sub(content, f"{{{MEDIA_NS}}}credit", media.credit)
            _plain_text(item.iter(*_ITEM_TEXT))
            return item

        def extend_atom(self, entry: etree._Element) -> etree._Element:
            # feedgen builds Atom elements without a namespace and declares the Atom
            # namespace as the default on <feed>, so these unqualified names are Atom's.
            article = self.article
            entry.set(XML_LANG, article.language)
            for media in article.media:
                # RFC 4287 4.2.7.2: rel="enclosure" for a potentially large related resource.
                _sub(entry, "link", rel="enclosure", href=media.url, type=media.type,
                     length=_int(media.length), title=media.caption)
            if article.source:
                # RFC 4287 4.2.11: a copied entry keeps its source's metadata.
                source = _sub(entry, "source")
                _sub(source, "id", article.source.url)
                _sub(source, "title", article.source.name)
                _sub(source, "link", rel="alternate", href=article.source.url)
                _sub(source, "updated", rfc3339(article.updated))
            return entry

    return _Namespaces, _Extras


def _hub_links(parent: etree._Element, feed: Feed, *, link: str) -> None:
    """WebSub section 4 ("Discovery"): an XML feed names its hubs with embedded link elements,
    rel="hub", beside the rel="self" link that names the topic (in RSS, atom:link elements)."""
    for hub in feed.hubs:
        _sub(parent, link, rel="hub", href=hub)


def _archive_links(parent: etree._Element, feed: Feed, fmt: Format, *, link: str) -> None:
    """RFC 5005 section 4: the links to the current feed and the neighbouring archive pages, and
    fh:archive on an archive document."""
    for relation, href in feed.archive_links(fmt.filename):
        _sub(parent, link, rel=relation, href=href, type=fmt.media_type)
    if feed.is_archive_document:
        _sub(parent, f"{{{FH_NS}}}archive")


def _summary(article: Article) -> str | None:
    """The plain-text summary; the title for an article with neither summary nor body, since
    an entry needs text of its own to show (W3C: MissingTextualContent). Without a body, a
    correction's note closes it."""
    if article.body_html:
        return article.summary
    return with_correction_text(article.summary or article.title, article)


def _int(value: int | None) -> str | None:
    return str(value) if value is not None else None


def _generator(feed: Feed, fmt: Format) -> FeedGenerator:
    """FEED's generator in FMT, without its entries (_item() makes each)."""
    from feedgen.feed import FeedGenerator

    filename = fmt.filename
    generator = FeedGenerator()
    generator.register_extension("syndicate", *_hooks())
    generator.syndicate.feed = feed
    generator.syndicate.format = fmt
    generator.id(feed.identity_for(filename))
    generator.title(feed.title)
    generator.description(feed.description)  # RSS description and Atom subtitle
    generator.language(feed.language)
    # RFC 4287 4.1.2: an entry without an author takes the feed's, so the feed always has one.
    generator.author({"name": feed.publisher or feed.title})
    generator.link(href=feed.url_for(filename), rel="self")
    generator.link(href=feed.home_url, rel="alternate")  # last link() = the RSS channel <link>
    generator.updated(feed.updated)
    generator.lastBuildDate(feed.updated)
    generator.generator("syndicate", uri="https://pypi.org/project/syndicate-feeds/")
    generator.docs(RSS_SPEC)
    if feed.rights:
        generator.rights(feed.rights)
    if feed.logo:
        generator.logo(feed.logo)
    return generator


def _entry(article: Article) -> FeedEntry:
    """ARTICLE's feedgen entry, the same in every feed and in both formats: feedgen makes the
    elements of each file anew from it, and only reads it."""
    from feedgen.entry import FeedEntry

    entry = FeedEntry()
    entry.register_extension("syndicate", _hooks()[1])  # the generator's add_entry leaves it so
    entry.id(article.item_uri or article.item_id)  # Atom's id must be a URI: see _Extras.extend_rss
    entry.title(article.title)
    entry.link(href=article.url, rel="alternate")
    entry.published(article.published)
    entry.updated(article.updated)
    # Each list in one call: feedgen maps every author and category it holds again on each call.
    if article.authors:
        entry.author([{k: v for k, v in (("name", author.byline), ("email", author.email), ("uri", author.url)) if v}
                      for author in article.authors])
    if _summary(article):
        entry.summary(_summary(article), type="text")
    if article.body_html:
        entry.content(with_correction_html(article.body_html, article), type="html")
    if article.categories:
        # Only the keys that are set: feedgen's RSS value is label-or-term, and a None label empties it.
        entry.category([{k: v for k, v in (("term", category.term), ("label", category.label),
                                           ("scheme", category.scheme)) if v} for category in article.categories])
    if article.rights:
        entry.rights(article.rights)
    entry.syndicate.article = article
    return entry


# An article's entry is made for both formats, one after the other, when a feed's files are written.
_ENTRIES = PerArticle(_entry, limit=1_000)


# What is around an item in a file of each format, as feedgen starts the file: the root and its
# namespace prefixes, the element holding the items, and the text that starts an item and that
# ends the items.
_RSS_CONTEXT = ("rss", {"version": "2.0"}, {"dc": DC_NS, "media": MEDIA_NS, "atom": ATOM_NS,
                                           "content": "http://purl.org/rss/1.0/modules/content/"},
                "channel", b"\n    <item>", b"\n  </channel>")
_ATOM_CONTEXT = ("feed", {"xmlns": ATOM_NS}, {"dc": DC_NS, "media": MEDIA_NS}, None, b"\n  <entry", b"\n</feed>")


def _item(article: Article, context: tuple) -> bytes:
    """ARTICLE's item (RSS) or entry (Atom) as it is in every file of the format: feedgen's
    element, serialised where it is in a file (the namespaces an item uses are declared the
    same on every file's root, and its indentation is that of its depth)."""
    root_tag, attributes, namespaces, holder, start, end = context
    root = etree.Element(root_tag, attributes, nsmap=namespaces)
    entry = _ENTRIES(article)
    if holder is None:
        root.append(entry.atom_entry())
    else:
        etree.SubElement(root, holder).append(entry.rss_entry())
    document = etree.tostring(root, pretty_print=True, encoding="UTF-8")
    return _hex_references(document[document.index(start):document.rindex(end)])


# Each article's item in each format, the same in every file, made once while kept (its entry's
# elements and their serialisation cost the most of a file). 6 MiB: every item of the current
# feeds of a site of twenty sections (about 550 articles for the latest 50 of each) and a page
# or two of an archive; an article's section pages come too long after its page of `all` for
# a bound of memory to keep it that long (README, "Writing and checking archive pages").
_RSS_ITEMS = PerArticle(_item, limit=6 * 2**20, size=len)
_ATOM_ENTRIES = PerArticle(_item, limit=6 * 2**20, size=len)


def _document(envelope: bytes, closing: bytes, items: list[bytes]) -> bytes:
    """ENVELOPE, a file feedgen wrote without items, with ITEMS put before CLOSING, as feedgen
    puts them (its items are the last children of the element CLOSING ends)."""
    at = envelope.rindex(closing)
    return b"".join([envelope[:at], *items, envelope[at:]])


def _with_stylesheet(envelope: bytes, feed: Feed) -> bytes:
    """ENVELOPE with the site's feed stylesheet named after its XML declaration, in the prolog
    (Associating Style Sheets with XML documents 1.0): a browser that opens the file shows it
    as a page (syndicate.previews). The stylesheet is at the top of the output directory, in
    which the file's directory is its slug (base_url = feeds_url + slug, an archive page's and
    a partner's too), by its absolute URL: browsers apply XSLT only from the document's own origin."""
    href = feed.base_url.removesuffix(f"{feed.slug}/") + STYLESHEET
    # A pseudo-attribute is quoted and escaped as an attribute value is.
    href = href.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    at = envelope.index(b"?>") + len(b"?>")
    return b"".join([envelope[:at], f'\n<?xml-stylesheet type="text/xsl" href="{href}"?>'.encode(), envelope[at:]])


def write_rss(feed: Feed, out: BinaryIO) -> None:
    envelope = _hex_references(_generator(feed, RSS).rss_str(pretty=True, encoding="UTF-8"))
    envelope = _with_stylesheet(envelope, feed)
    items = [_RSS_ITEMS(article, _RSS_CONTEXT) for article in feed.items]
    document = _document(envelope, _RSS_CONTEXT[-1], items)
    out.write(document)
    KNOWN_RSS_ITEMS.wrote(document, items)


def _deleted_entry(article: Article) -> bytes:
    """RFC 6721 section 3: the withdrawn ARTICLE's at:deleted-entry, as it is in a file (a child
    of the feed, indented as an entry is)."""
    element = branch(1, "at:deleted-entry", (
        leaf(2, "at:comment", withdrawal_note(article)),
        leaf(2, "link", rel="alternate", type="text/html", href=article.url),
    ), **{"xmlns:at": TOMBSTONES_NS, "ref": article.item_uri or article.item_id, "when": rfc3339(article.created)})
    return _hex_references(element.encode("utf-8"))


def write_atom(feed: Feed, out: BinaryIO) -> None:
    envelope = _hex_references(_generator(feed, ATOM).atom_str(pretty=True, encoding="UTF-8"))
    envelope = _with_stylesheet(envelope, feed)
    entries = [_ATOM_ENTRIES(article, _ATOM_CONTEXT) for article in feed.items]
    # The tombstones come before the entries: after the feed's metadata, as its extension elements.
    document = _document(envelope, _ATOM_CONTEXT[-1], [*map(_deleted_entry, feed.tombstones), *entries])
    out.write(document)
    KNOWN_ENTRIES.wrote(document, entries)


RSS = Format(
    name="rss",
    filename="rss.xml",
    media_type="application/rss+xml",
    for_feed_readers=True,
    write=write_rss,
    check=check_rss,
    sniff=lambda data: root_is(data, "rss"),
)
ATOM = Format(
    name="atom",
    filename="atom.xml",
    media_type="application/atom+xml",
    for_feed_readers=True,
    write=write_atom,
    check=check_atom,
    sniff=lambda data: root_is(data, f"{{{ATOM_NS}}}feed"),
)
