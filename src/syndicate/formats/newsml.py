"""NewsML-G2 2.35 (IPTC), power conformance: one newsMessage per feed.

Mapping (IPTC NewsML-G2 guidelines):
- header: sent = the feed's newest update (never the clock); sender = the site's
  host; origin = the publisher. With archive pages (README "Archives"), then RFC 5005's
  links, as the header's extension point (elements of another namespace) allows: an
  atom:link per relation (current, prev-archive, next-archive; href = that document's
  newsml.xml), and fh:archive where the Atom and RSS pages have it.
- itemSet: one text newsItem per article, followed by one newsItem per media
  of the article (see "Media" below), and one packageItem for the feed listing
  the text items in feed order.
- newsItem@guid is Article.item_id (the permanent item id); @version is Article.version
  (the record's own, or the one syndicate numbered: README "The life of a story").
- rightsInfo: the article's rights or else the site's, held by the publisher.
- itemMeta (in the order of the XSD's ItemManagementGroup): itemClass ninat:text,
  provider, versionCreated = Article.created (when this version was made),
  firstCreated = published, pubStatus stat:usable; for a version after the first
  (Article.signal), a correction's note as edNote and signal sig:correction, or
  signal sig:update; expires when the article has an expiry date; in a partner's feed that
  receives stories under embargo (README "Partner profiles"), embargoed before pubStatus and
  the embargo note as the first edNote; then a link to the
  canonical page (irel:seeAlso) and to each media item (irel:associatedWith,
  residref = its guid, contenttype = its media type when known).
- contentMeta: contentCreated/contentModified, located, infoSource with role
  isrol:originSrc for the "Originally published at" source, a creator
  (crol:author, uri = the author's page) per author whose personDetails hold
  the affiliation and contactInfo/email with the e-mail address, language,
  a subject per section (uri = Category.url, the section page exactly as
  configured) and per tag (no uri), slugline (the record id), headline,
  dateline (the located place), description drol:summary.
- contentSet/inlineXML: an XHTML document whose body is the sanitised body
  (sub-headings, paragraphs, quotations kept), every character of its text
  kept. The envelope is indented; nothing inside inlineXML is, since added
  whitespace there would be text of the article. The items are written as text
  (xml_text), as lxml writes the same elements indented, the header with lxml.
- Withdrawn stories (Feed.tombstones, within the site's tombstone window): after the
  articles' items, a newsItem of the same guid per story and per media of it, so that a
  receiver recalls each item it stored: pubStatus stat:withheld (status withheld) or
  stat:canceled (killed), an edNote with the kill_reason or a default (formats.lifecycle),
  the headline (and the text item's slugline), and neither content nor link: a kill must
  not hand the text or the media out again.
- packageItem: the feed, guid = the file's URL, version = Feed.version (raised whenever its
  group changes); its one group lists the text items of the feed's articles in feed order.
  Withdrawn stories are not in it: they are not part of the feed's content, only said in
  the message so that receivers see the order.

Media: every item of Article.media becomes its own newsItem, guid
"<item_id>:media:<n>" with n its 1-based position in Article.media (the ninjs
association of the same media has this uri, unless the item id is a guid that is not
a URI: ninjs then uses id_prefix + the record id, see records.item_uri). Its itemClass, from the IPTC
NewsItem Nature vocabulary (ninat), follows Media.kind:

  image/*   ninat:picture      audio/*   ninat:audio      video/*   ninat:video
  any other type, or no known type: ninat:component

ninat:component is the nature ninjs 2.2 also offers (its `type` enum is the
NewsItem Nature vocabulary, nar:itemClass, and includes "component"), so the same
media has the same nature in both formats. It does not guess what the content
is, as another nature would (a PDF is not necessarily a ninat:graphic, an unknown
file not a ninat:text), and unlike a bare link from the text item it keeps one
item per media, so every "<item_id>:media:<n>" names an item in both formats.
Each media item has the article's rightsInfo, the caption (else the article's
title) as headline, the credit as creditline, the caption as description
drol:caption, and one remoteContent: href = the media URL, contenttype only when
the media type is known, size = Media.length in bytes when known, and width and
height (pixels) for pictures and video when known.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, BinaryIO, NamedTuple
from urllib.parse import urlsplit

from lxml import etree

from syndicate.dates import rfc3339
from syndicate.formats import Format
from syndicate.formats.lifecycle import editors_notes, withdrawal_note
from syndicate.formats.newsml_checks import KNOWN_ITEMS, check, sniff
from syndicate.formats.per_article import PerArticle
from syndicate.formats.xml_text import branch, leaf

if TYPE_CHECKING:  # annotations only: importing the model is left to the code that builds feeds
    from syndicate.model import Article, Author, Feed, Media

NAR = "http://iptc.org/std/nar/2006-10-01/"
XHTML = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# The IPTC catalog that declares every scheme alias used below (ninat, stat, irel,
# crol, isrol, drol, cpnat, ...).
IPTC_CATALOG = "http://www.iptc.org/std/catalog/catalog.IPTC-G2-Standards_38.xml"
FILENAME = "newsml.xml"
MEDIA_TYPE = "application/vnd.iptc.g2.newsmessage+xml"
ATOM_NS = "http://www.w3.org/2005/Atom"
FH_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005 section 5
STANDARD = {"standard": "NewsML-G2", "standardversion": "2.35", "conformance": "power"}


_NAR = f"{{{NAR}}}"


def _el(parent: etree._Element, element_name: str, text: str | None = None, **attributes: str) -> etree._Element:
    """A NewsML-G2 element of the envelope."""
    element = etree.SubElement(parent, _NAR + element_name, attributes)
    if text is not None:
        element.text = text
    return element


def _named(depth: int, element_name: str, name: str, *children: str, **attributes: str | None) -> str:
    """Element ELEMENT_NAME at DEPTH whose first child is <name>NAME</name>, then CHILDREN."""
    return branch(depth, element_name, (leaf(depth + 1, "name", name), *children), **attributes)


# Media.kind -> the NewsItem Nature (ninat) of the media item; any other media
# (no type, or a type that is not image/audio/video) is a ninat:component.
_ITEM_CLASSES = {"image": "ninat:picture", "audio": "ninat:audio", "video": "ninat:video"}
OTHER_MEDIA_CLASS = "ninat:component"


def media_guid(article: Article, index: int) -> str:
    """The guid of the item of ARTICLE's INDEX-th (from 1) media, its position in Article.media;
    ninjs uses the same string as the association's uri."""
    return f"{article.item_id}:media:{index}"


def media_class(media: Media) -> str:
    """The itemClass QCode of MEDIA's news item."""
    return _ITEM_CLASSES.get(media.kind or "", OTHER_MEDIA_CLASS)


def _media(article: Article) -> list[tuple[int, Media]]:
    return list(enumerate(article.media, start=1))


_HTML_PARSER = etree.HTMLParser()
_XHTML = f"{{{XHTML}}}"


def _xhtml(article: Article) -> str:
    """A standalone XHTML document of the article, as text: its title and sanitised body.

    Every character of the body is kept: the text before its first element, each
    element's text and tail (the text after the last element included), and
    whitespace between elements. (lxml.html's fragment parsers drop leading text
    that is only whitespace, so the body is parsed inside a whole document; by
    libxml2's HTML parser, as lxml.html's is, without lxml.html's element classes,
    which cost a call into Python per element.)
    """
    document = etree.Element(f"{_XHTML}html", nsmap={None: XHTML})
    document.set(XML_LANG, article.language)
    head = etree.SubElement(document, f"{_XHTML}head")
    etree.SubElement(head, f"{_XHTML}title").text = article.title
    body = etree.SubElement(document, f"{_XHTML}body")
    if article.body_html:
        parsed = etree.fromstring(f"<html><body>{article.body_html}</body></html>", _HTML_PARSER)
        container = parsed.find("body")
        for element in container.iter(etree.Element):  # into the XHTML namespace, as lxml.html.html_to_xhtml
            element.tag = _XHTML + element.tag
        body.text = container.text
        body.extend(container)
    else:
        etree.SubElement(body, f"{_XHTML}p").text = article.summary or article.title
    return etree.tostring(document, encoding="unicode")


class _Site(NamedTuple):
    """What an article's items say of the site that publishes them: the same in every feed."""

    publisher: str
    url: str
    rights: str | None


def _site(feed: Feed) -> _Site:
    return _Site(feed.publisher or feed.title, feed.site_url, feed.rights)


def _rights(depth: int, article: Article, site: _Site) -> str:
    """rightsInfo: the article's own notice, held by its original publisher when it has
    one (a syndicated article), else the site's notice, held by the site's publisher."""
    if article.rights:
        holder = (article.source.name, article.source.url) if article.source else (site.publisher, None)
        notice = article.rights
    elif site.rights:
        holder, notice = (site.publisher, site.url), site.rights
    else:
        return ""
    return branch(depth, "rightsInfo", (_named(depth + 1, "copyrightHolder", holder[0], uri=holder[1]),
                                        leaf(depth + 1, "copyrightNotice", notice)))


# What every item says alike, written once (items are at depth 2 in itemSet).
_CATALOG_REF = leaf(3, "catalogRef", href=IPTC_CATALOG)
_USABLE = leaf(4, "pubStatus", qcode="stat:usable")
# IPTC Publishing Status NewsCodes (stat:) of a withdrawn story, by Article.status: withheld
# for now, or canceled for good (a kill).
_WITHDRAWN_STATUS = {"withheld": leaf(4, "pubStatus", qcode="stat:withheld"),
                     "killed": leaf(4, "pubStatus", qcode="stat:canceled")}
# IPTC Signal NewsCodes (sig:) of a new version, by Article.signal.
_SIGNALS = {signal: leaf(4, "signal", qcode=f"sig:{signal}") for signal in ("update", "correction")}


@lru_cache(maxsize=64)
def _provider(name: str, uri: str | None) -> str:
    """The provider of every item of a feed."""
    return _named(4, "provider", name, uri=uri)


def _item(guid: str, article: Article, site: _Site, *, item_class: str, status: list[str],
          content_meta: list[str], content: str | None) -> str:
    """A newsItem of ARTICLE, in itemSet: its itemMeta ends with STATUS (pubStatus and what
    follows it, links included), then CONTENT_META and, in contentSet, CONTENT (elements at depth 4), if any."""
    return branch(2, "newsItem", (
        _CATALOG_REF,
        _rights(3, article, site),
        branch(3, "itemMeta", (
            leaf(4, "itemClass", qcode=item_class),
            _provider(site.publisher, site.url),
            leaf(4, "versionCreated", rfc3339(article.created)),
            leaf(4, "firstCreated", rfc3339(article.published)),
            *status)),
        branch(3, "contentMeta", content_meta),
        *([branch(3, "contentSet", (content,))] if content is not None else [])),
        guid=guid, version=str(article.version), **STANDARD, **{"xml:lang": article.language})


def _expires(article: Article) -> list[str]:
    return [leaf(4, "expires", rfc3339(article.expires))] if article.expires else []


def _text_status(article: Article) -> list[str]:
    """The text item's embargoed (when delivered under embargo), pubStatus and what follows it in
    the XSD's order: edNote, signal, expires."""
    # Delivered before its embargo lifts (a partner's feed only): embargoed, then the editors' note.
    embargoed = [leaf(4, "embargoed", rfc3339(article.embargo_until))] \
        if article.embargo_note and article.embargo_until else []
    return [*embargoed, _USABLE, *(leaf(4, "edNote", note) for note in editors_notes(article)),
            *([_SIGNALS[article.signal]] if article.signal else []), *_expires(article)]


def _creator(author: Author) -> str:
    details = []
    if author.affiliation:
        details.append(_named(6, "affiliation", author.affiliation))
    if author.email:
        details.append(branch(6, "contactInfo", (leaf(7, "email", author.email),)))
    return _named(4, "creator", author.name, *([branch(5, "personDetails", details)] if details else []),
                  role="crol:author", uri=author.url)


def _text_item(article: Article, site: _Site) -> str:
    status = [*_text_status(article), leaf(4, "link", rel="irel:seeAlso", href=article.url, contenttype="text/html")]
    status += [leaf(4, "link", rel="irel:associatedWith", residref=media_guid(article, index), contenttype=media.type)
               for index, media in _media(article)]
    meta = [leaf(4, "contentCreated", rfc3339(article.published)),
            leaf(4, "contentModified", rfc3339(article.updated))]
    if article.located:
        meta.append(_named(4, "located", article.located))
    if article.source:
        meta.append(_named(4, "infoSource", article.source.name, uri=article.source.url, role="isrol:originSrc"))
    meta += [_creator(author) for author in article.authors]
    meta.append(leaf(4, "language", tag=article.language))
    # A section's uri is its page as configured; a tag has none.
    meta += [_named(4, "subject", c.label or c.term, uri=c.url, type="cpnat:abstract") for c in article.categories]
    meta.append(leaf(4, "slugline", article.id))
    meta.append(leaf(4, "headline", article.title))
    if article.located:
        meta.append(leaf(4, "dateline", article.located))
    if article.authors:
        meta.append(leaf(4, "by", "; ".join(a.byline for a in article.authors)))
    if article.summary:
        meta.append(leaf(4, "description", article.summary, role="drol:summary"))
    # Nothing is added inside inlineXML: whitespace there would be text of the article.
    inline = (f'{leaf(4, "inlineXML", "", contenttype="application/xhtml+xml")[:-len("</inlineXML>")]}'
              f'{_xhtml(article)}</inlineXML>')
    return _item(article.item_id, article, site, item_class="ninat:text", status=status, content_meta=meta,
                 content=inline)


def _media_item(article: Article, index: int, media: Media, site: _Site) -> str:
    meta = [leaf(4, "contentCreated", rfc3339(article.published)),
            leaf(4, "headline", media.caption or article.title)]
    if media.credit:
        meta.append(leaf(4, "creditline", media.credit))
    if media.caption:
        meta.append(leaf(4, "description", media.caption, role="drol:caption"))
    # Pixels only for what is seen: a picture or a video.
    visual = media.kind in ("image", "video")
    remote = leaf(4, "remoteContent", href=media.url, contenttype=media.type,
                  size=str(media.length) if media.length is not None else None,
                  width=str(media.width) if visual and media.width else None,
                  height=str(media.height) if visual and media.height else None)
    return _item(media_guid(article, index), article, site, item_class=media_class(media),
                 status=[_USABLE, *_expires(article)], content_meta=meta, content=remote)


def _withdrawn_items(article: Article, site: _Site) -> list[bytes]:
    """The items of the withdrawn ARTICLE, its text and each of its media: the same guids,
    their status, the note and the headline, nothing of their content."""
    status = [_WITHDRAWN_STATUS[article.status], leaf(4, "edNote", withdrawal_note(article))]
    text = _item(article.item_id, article, site, item_class="ninat:text", status=status,
                 content_meta=[leaf(4, "slugline", article.id), leaf(4, "headline", article.title)], content=None)
    media = [_item(media_guid(article, index), article, site, item_class=media_class(item), status=status,
                   content_meta=[leaf(4, "headline", item.caption or article.title)], content=None)
             for index, item in _media(article)]
    return [item.encode("utf-8") for item in (text, *media)]


def _package_item(feed: Feed) -> str:
    # The package is the feed itself: its guid is the URL the file is served at,
    # which stays the same while the items in it change.
    rights = ([branch(3, "rightsInfo", (_named(4, "copyrightHolder", feed.publisher or feed.title, uri=feed.site_url),
                                        leaf(4, "copyrightNotice", feed.rights)))] if feed.rights else [])
    references = [branch(5, "itemRef", (leaf(6, "itemClass", qcode="ninat:text"), leaf(6, "title", article.title)),
                         residref=article.item_id, version=str(article.version),
                         contenttype="application/vnd.iptc.g2.newsitem+xml") for article in feed.items]
    return branch(2, "packageItem", (
        _CATALOG_REF,
        *rights,
        branch(3, "itemMeta", (
            leaf(4, "itemClass", qcode="ninat:composite"),
            _provider(feed.publisher or feed.title, feed.site_url),
            leaf(4, "versionCreated", rfc3339(feed.updated)),
            _USABLE,
            leaf(4, "link", rel="irel:seeAlso", href=feed.home_url, contenttype="text/html"))),
        branch(3, "contentMeta", (leaf(4, "headline", feed.title),
                                  leaf(4, "description", feed.description, role="drol:summary"))),
        branch(3, "groupSet", (branch(4, "group", references, id="G1", role="group:main"),), root="G1"),
    ), guid=feed.url_for(FILENAME), version=str(feed.version), **STANDARD, **{"xml:lang": feed.language})


def _article_items(article: Article, site: _Site) -> tuple[bytes, ...]:
    """ARTICLE's items, its text and each of its media, as they are in itemSet."""
    return (_text_item(article, site).encode("utf-8"),
            *(_media_item(article, index, media, site).encode("utf-8") for index, media in _media(article)))


# An article's items are the same in every feed of the site: made once while they are kept (the
# text item's XHTML, which parsing the body makes, costs the most of them). Bytes: about as many
# articles as the RSS and Atom writers keep.
_ARTICLE_ITEMS = PerArticle(_article_items, limit=6 * 2**20, size=lambda items: sum(map(len, items)))


def write(feed: Feed, out: BinaryIO) -> None:
    host = urlsplit(feed.home_url).hostname
    links = feed.archive_links(FILENAME)
    prefixes = {**({"atom": ATOM_NS} if links else {}), **({"fh": FH_NS} if feed.is_archive_document else {})}
    message = etree.Element(f"{{{NAR}}}newsMessage", nsmap={None: NAR, **prefixes})
    header = _el(message, "header")
    _el(header, "sent", rfc3339(feed.updated))
    _el(header, "sender", host)
    _el(header, "origin", feed.publisher or feed.title)
    for relation, href in links:
        etree.SubElement(header, f"{{{ATOM_NS}}}link", rel=relation, href=href, type=MEDIA_TYPE)
    if feed.is_archive_document:
        etree.SubElement(header, f"{{{FH_NS}}}archive")
    _el(message, "itemSet")
    etree.indent(message, space="  ")  # as the items are (xml_text)
    envelope = etree.tostring(message, xml_declaration=True, encoding="UTF-8")
    # The items and the package go in the empty itemSet, the first '<itemSet/>' (the header's
    # text and attribute values hold no '<': it is written as '&lt;').
    before, after = envelope.split(b"<itemSet/>", 1)
    site = _site(feed)
    items = [item for article in feed.items for item in _ARTICLE_ITEMS(article, site)]
    items += [item for article in feed.tombstones for item in _withdrawn_items(article, site)]
    document = b"".join([before, b"<itemSet>", *items, f"{_package_item(feed)}\n  </itemSet>".encode("utf-8"),
                         after, b"\n"])
    out.write(document)
    KNOWN_ITEMS.wrote(document, items)


NEWSML = Format(
    name="newsml",
    filename=FILENAME,
    media_type=MEDIA_TYPE,
    for_feed_readers=False,
    write=write,
    check=check,
    sniff=sniff,
)
