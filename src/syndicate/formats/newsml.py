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
- newsItem@guid is Article.item_id (the permanent item id); @version is the
  record's version (1 when absent).
- rightsInfo: the article's rights or else the site's, held by the publisher.
- itemMeta: itemClass ninat:text, provider, versionCreated = updated,
  firstCreated = published, pubStatus stat:usable, a link to the canonical page
  (irel:seeAlso) and to each media item (irel:associatedWith, residref = its guid,
  contenttype = its media type when known).
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
  whitespace there would be text of the article.

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

from collections.abc import Iterable
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import urlsplit

from lxml import etree

from syndicate.dates import rfc3339
from syndicate.formats import Format
from syndicate.formats.newsml_checks import check, sniff

if TYPE_CHECKING:  # annotations only: importing the model is left to the code that builds feeds
    from syndicate.model import Article, Feed, Media

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


def _el(parent: etree._Element | None, element_name: str, text: str | None = None,
        **attributes: str | None) -> etree._Element:
    """A NewsML-G2 element; attributes whose value is None are left out."""
    if None in attributes.values():
        attributes = {k: v for k, v in attributes.items() if v is not None}
    if parent is None:
        element = etree.Element(_NAR + element_name, attributes, nsmap={None: NAR})
    else:
        element = etree.SubElement(parent, _NAR + element_name, attributes)
    if text is not None:
        element.text = text
    return element


def _named(parent: etree._Element, element_name: str, name: str, **attributes: str | None) -> etree._Element:
    element = _el(parent, element_name, **attributes)
    _el(element, "name", name)
    return element


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


def _xhtml(article: Article) -> etree._Element:
    """A standalone XHTML document of the article: its title and sanitised body.

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
    return document


def _rights(parent: etree._Element, article: Article, feed: Feed) -> None:
    """rightsInfo: the article's own notice, held by its original publisher when it has
    one (a syndicated article), else the site's notice, held by the site's publisher."""
    if article.rights:
        holder = (article.source.name, article.source.url) if article.source else (feed.publisher or feed.title, None)
        notice = article.rights
    elif feed.rights:
        holder, notice = (feed.publisher or feed.title, feed.site_url), feed.rights
    else:
        return
    rights = _el(parent, "rightsInfo")
    _named(rights, "copyrightHolder", holder[0], uri=holder[1])
    _el(rights, "copyrightNotice", notice)


def _item_root(guid: str, version: int, language: str) -> etree._Element:
    item = _el(None, "newsItem", guid=guid, version=str(version), **STANDARD)
    item.set(XML_LANG, language)
    _el(item, "catalogRef", href=IPTC_CATALOG)
    return item


def _item_meta(item: etree._Element, *, item_class: str, feed: Feed, article: Article) -> etree._Element:
    meta = _el(item, "itemMeta")
    _el(meta, "itemClass", qcode=item_class)
    _named(meta, "provider", feed.publisher or feed.title, uri=feed.site_url)
    _el(meta, "versionCreated", rfc3339(article.updated))
    _el(meta, "firstCreated", rfc3339(article.published))
    _el(meta, "pubStatus", qcode="stat:usable")
    return meta


def _text_item(article: Article, feed: Feed, bodies: list[tuple[etree._Element, Article]]) -> etree._Element:
    """ARTICLE's text item, its inlineXML still empty: (inlineXML, ARTICLE) is added to BODIES."""
    item = _item_root(article.item_id, article.version, article.language)
    _rights(item, article, feed)
    meta = _item_meta(item, item_class="ninat:text", feed=feed, article=article)
    _el(meta, "link", rel="irel:seeAlso", href=article.url, contenttype="text/html")
    for index, media in _media(article):
        _el(meta, "link", rel="irel:associatedWith", residref=media_guid(article, index),
            contenttype=media.type)

    content = _el(item, "contentMeta")
    _el(content, "contentCreated", rfc3339(article.published))
    _el(content, "contentModified", rfc3339(article.updated))
    if article.located:
        _named(content, "located", article.located)
    if article.source:
        _named(content, "infoSource", article.source.name, uri=article.source.url, role="isrol:originSrc")
    for author in article.authors:
        creator = _named(content, "creator", author.name, role="crol:author", uri=author.url)
        if author.affiliation or author.email:
            details = _el(creator, "personDetails")
            if author.affiliation:
                _named(details, "affiliation", author.affiliation)
            if author.email:
                _el(_el(details, "contactInfo"), "email", author.email)
    _el(content, "language", tag=article.language)
    for category in article.categories:  # a section's uri is its page as configured; a tag has none
        _named(content, "subject", category.label or category.term, uri=category.url,
               type="cpnat:abstract")
    _el(content, "slugline", article.id)
    _el(content, "headline", article.title)
    if article.located:
        _el(content, "dateline", article.located)
    if article.authors:
        _el(content, "by", "; ".join(a.byline for a in article.authors))
    if article.summary:
        _el(content, "description", article.summary, role="drol:summary")

    content_set = _el(item, "contentSet")
    bodies.append((_el(content_set, "inlineXML", contenttype="application/xhtml+xml"), article))
    return item


def _media_item(article: Article, index: int, media: Media, feed: Feed) -> etree._Element:
    item = _item_root(media_guid(article, index), article.version, article.language)
    _rights(item, article, feed)
    _item_meta(item, item_class=media_class(media), feed=feed, article=article)
    content = _el(item, "contentMeta")
    _el(content, "contentCreated", rfc3339(article.published))
    _el(content, "headline", media.caption or article.title)
    if media.credit:
        _el(content, "creditline", media.credit)
    if media.caption:
        _el(content, "description", media.caption, role="drol:caption")
    content_set = _el(item, "contentSet")
    # Pixels only for what is seen: a picture or a video.
    visual = media.kind in ("image", "video")
    _el(content_set, "remoteContent", href=media.url, contenttype=media.type,
        size=str(media.length) if media.length is not None else None,
        width=str(media.width) if visual and media.width else None,
        height=str(media.height) if visual and media.height else None)
    return item


def _package_item(feed: Feed) -> etree._Element:
    # The package is the feed itself: its guid is the URL the file is served at,
    # which stays the same while the items in it change.
    item = _el(None, "packageItem", guid=feed.url_for(FILENAME), version="1", **STANDARD)
    item.set(XML_LANG, feed.language)
    _el(item, "catalogRef", href=IPTC_CATALOG)
    if feed.rights:
        rights = _el(item, "rightsInfo")
        _named(rights, "copyrightHolder", feed.publisher or feed.title, uri=feed.site_url)
        _el(rights, "copyrightNotice", feed.rights)
    meta = _el(item, "itemMeta")
    _el(meta, "itemClass", qcode="ninat:composite")
    _named(meta, "provider", feed.publisher or feed.title, uri=feed.site_url)
    _el(meta, "versionCreated", rfc3339(feed.updated))
    _el(meta, "pubStatus", qcode="stat:usable")
    _el(meta, "link", rel="irel:seeAlso", href=feed.home_url, contenttype="text/html")
    content = _el(item, "contentMeta")
    _el(content, "headline", feed.title)
    _el(content, "description", feed.description, role="drol:summary")
    groups = _el(item, "groupSet", root="G1")
    group = _el(groups, "group", id="G1", role="group:main")
    for article in feed.items:
        ref = _el(group, "itemRef", residref=article.item_id, version=str(article.version),
                  contenttype="application/vnd.iptc.g2.newsitem+xml")
        _el(ref, "itemClass", qcode="ninat:text")
        _el(ref, "title", article.title)
    return item


def _items(feed: Feed, bodies: list[tuple[etree._Element, Article]]) -> Iterable[etree._Element]:
    for article in feed.items:
        yield _text_item(article, feed, bodies)
        for index, media in _media(article):
            yield _media_item(article, index, media, feed)


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
    item_set = _el(message, "itemSet")
    bodies: list[tuple[etree._Element, Article]] = []
    item_set.extend(_items(feed, bodies))
    item_set.append(_package_item(feed))
    # The envelope is indented by two spaces a level while every inlineXML is still empty, and
    # the XHTML goes in after: nothing may be added inside inlineXML, where whitespace would be
    # text of the article (libxml2 would put line breaks between adjacent elements, so
    # <b>Hello</b><i>World</i> would read "Hello World", and indent inside <pre>). No envelope
    # element holds both text and elements, so indenting adds only whitespace between elements.
    etree.indent(message, space="  ")
    for inline, article in bodies:
        inline.append(_xhtml(article))
    out.write(etree.tostring(message, xml_declaration=True, encoding="UTF-8") + b"\n")


NEWSML = Format(
    name="newsml",
    filename=FILENAME,
    media_type=MEDIA_TYPE,
    for_feed_readers=False,
    write=write,
    check=check,
    sniff=sniff,
)
