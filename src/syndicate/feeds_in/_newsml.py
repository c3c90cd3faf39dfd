"""IPTC NewsML-G2 items: a newsMessage of newsItems (as syndicate writes newsml.xml) or one newsItem.

Parsed with the hardened XML parser (no network, no DTD, no entities). Mapping (the
reverse of formats/newsml.py): guid -> the guid; version; xml:lang or
contentMeta/language -> language; rightsInfo/copyrightNotice -> rights;
firstCreated (else contentCreated, else versionCreated) -> published;
versionCreated (else contentModified) -> updated; embargoed -> an embargo; pubStatus
stat:withheld -> status withheld, stat:canceled -> killed, with edNote as the kill_reason;
the edNote of an item signalled sig:correction -> the correction note; link irel:seeAlso -> url (else the guid
when it is an http(s) URL); located/name -> located; infoSource with an http(s)
uri -> source; creator -> authors (name, uri, personDetails affiliation and e-mail;
without creators, one author per "; "-separated `by`); subject -> sections (by
section page or title) and tags; headline -> title; description drol:summary ->
summary; inlineXML -> body (XHTML, or NITF's body.content; other XML as its text).

Only text items (itemClass ninat:text, or none) become records. A picture, audio,
video, graphic or component item that a text item links to (irel:associatedWith,
residref = its guid) is that item's media: remoteContent href, contenttype, size,
width, height; description drol:caption -> caption; creditline -> credit. Any other
such item is reported (it would otherwise vanish unseen); a packageItem is skipped.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

from lxml import etree

from syndicate.feeds_in._common import (
    FeedRecord, Site, digest_id, html_of, http_url, language, make_record, origin, whole_number, withdrawal_notice,
    with_raw_controls,
)

NAR = "http://iptc.org/std/nar/2006-10-01/"
XHTML = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_N = {"n": NAR}
# pubStatus of an item partners must take down -> the record's status (IPTC's PublishingStatus scheme).
WITHDRAWN_STATUS = {"stat:withheld": "withheld", "stat:canceled": "killed"}


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    text = " ".join(element.xpath("string()").split())
    return text or None


def _first(item: etree._Element, path: str) -> etree._Element | None:
    found = item.xpath(path, namespaces=_N)
    return found[0] if found else None


def _name(element: etree._Element | None) -> str | None:
    """The first <name> of a concept, else its own text."""
    if element is None:
        return None
    return _text(_first(element, "n:name")) or None


def _markup(container: etree._Element) -> str:
    """The HTML of CONTAINER's content: its text, then every child as markup, namespaces dropped."""
    copy = etree.fromstring(etree.tostring(container))
    for element in copy.iter():
        if isinstance(element.tag, str):
            element.tag = _local(element.tag)
    etree.cleanup_namespaces(copy)
    pieces = [html.escape(copy.text or "", quote=False)]
    for child in copy:
        pieces.append(etree.tostring(child, encoding="unicode", with_tail=True))
    return "".join(pieces)


def _body(item: etree._Element) -> str | None:
    inline = _first(item, "n:contentSet/n:inlineXML")
    if inline is None:
        return None
    document = next((c for c in inline if isinstance(c.tag, str)), None)
    if document is None:
        return html_of(inline.text, "text")
    body = next((e for e in document.iter() if _local(e.tag) in ("body", "body.content")), None)
    if _local(document.tag) in ("nitf",):
        body = next((e for e in document.iter() if _local(e.tag) == "body.content"), body)
    if body is None:
        return html_of(_text(document), "text")
    return with_raw_controls(_markup(body)).strip(" \t\n\r\f") or None  # NBSP is content


def _media(item: etree._Element) -> dict[str, Any] | None:
    remote = _first(item, "n:contentSet/n:remoteContent[@href]")
    if remote is None or not http_url(remote.get("href")):
        return None
    caption = _first(item, "n:contentMeta/n:description[@role='drol:caption']")
    return {k: v for k, v in {
        "url": remote.get("href").strip(), "type": remote.get("contenttype"),
        "length": whole_number(remote.get("size")), "width": whole_number(remote.get("width")) or None,
        "height": whole_number(remote.get("height")) or None, "caption": _text(caption),
        "credit": _text(_first(item, "n:contentMeta/n:creditline")),
    }.items() if v not in (None, "")}


def _authors(meta: etree._Element | None) -> list[dict[str, str]]:
    if meta is None:
        return []
    authors = []
    for creator in meta.xpath("n:creator", namespaces=_N):
        name = _name(creator)
        if not name:
            continue
        details = _first(creator, "n:personDetails")
        author = {"name": name, "url": http_url(creator.get("uri")),
                  "affiliation": _name(_first(details, "n:affiliation")) if details is not None else None,
                  "email": _text(_first(details, "n:contactInfo/n:email")) if details is not None else None}
        authors.append({k: v for k, v in author.items() if v})
    if not authors and _text(_first(meta, "n:by")):
        authors = [{"name": n.strip()} for n in _text(_first(meta, "n:by")).split("; ") if n.strip()]
    return authors


def _withdrawn(item: etree._Element) -> str | None:
    """'withheld' or 'killed' when ITEM's pubStatus says it must be taken down, else None."""
    status = _first(item, "n:itemMeta/n:pubStatus")
    return WITHDRAWN_STATUS.get(status.get("qcode")) if status is not None else None


def read(root: etree._Element, path: str, site: Site) -> Iterator[FeedRecord]:
    if root.tag == f"{{{NAR}}}newsItem":
        items = [root]
    elif root.tag == f"{{{NAR}}}newsMessage":
        items = root.xpath("n:itemSet/n:newsItem", namespaces=_N)
    else:
        yield FeedRecord(origin=path, error=f"not a NewsML-G2 newsMessage or newsItem (root {root.tag!r})")
        return
    numbered = list(enumerate(items, start=1))
    texts = [(n, i) for n, i in numbered if (_first(i, "n:itemMeta/n:itemClass") is None
                                            or _first(i, "n:itemMeta/n:itemClass").get("qcode") == "ninat:text")]
    by_guid = {i.get("guid"): (n, i) for n, i in numbered if (n, i) not in texts and i.get("guid")}
    used: set[str] = set()
    for number, item in texts:
        notes: list[str] = []
        identifier = (item.get("guid") or "").strip() or None
        where = origin(path, "newsItem", number, "guid", identifier)
        meta = _first(item, "n:contentMeta")
        item_meta = _first(item, "n:itemMeta")
        withdrawn = _withdrawn(item)
        if withdrawn and item.xpath("n:itemMeta/n:link[@rel='irel:seeAlso'] | n:contentSet", namespaces=_N) == []:
            used.update(i.get("guid") for _n, i in by_guid.values() if _withdrawn(i))
            yield withdrawal_notice(where, identifier, withdrawn)
            continue
        media = []
        for link in item.xpath("n:itemMeta/n:link[@rel='irel:associatedWith'][@residref]", namespaces=_N):
            associated = by_guid.get(link.get("residref"))
            found = _media(associated[1]) if associated else None
            if found:
                media.append(found)
                used.add(link.get("residref"))
        see_also = _first(item, "n:itemMeta/n:link[@rel='irel:seeAlso'][@href]")
        url = see_also.get("href").strip() if see_also is not None else None
        url = url or (identifier if http_url(identifier) else None)
        title = _text(_first(meta, "n:headline")) if meta is not None else None
        summary = _text(_first(meta, "n:description[@role='drol:summary']")) if meta is not None else None
        body = _body(item)
        if summary is None and title and body == f"<p>{html.escape(title, quote=False)}</p>":
            body = None  # syndicate's stand-in for an article with neither body nor summary

        def when(*paths: str) -> str | None:
            return next((_text(_first(item, p)) for p in paths if _text(_first(item, p))), None)

        published = when("n:itemMeta/n:firstCreated", "n:contentMeta/n:contentCreated", "n:itemMeta/n:versionCreated")
        updated = when("n:itemMeta/n:versionCreated", "n:contentMeta/n:contentModified")
        subjects = meta.xpath("n:subject", namespaces=_N) if meta is not None else []
        sections, tags = site.split([(_name(s) or "", s.get("uri")) for s in subjects if _name(s)])
        source = next(({"name": _name(s) or http_url(s.get("uri")).split("//", 1)[1].split("/", 1)[0],
                        "url": s.get("uri").strip()}
                       for s in (meta.xpath("n:infoSource", namespaces=_N) if meta is not None else [])
                       if http_url(s.get("uri")) and s.get("role") in (None, "isrol:originSrc")), None)
        rights = _text(_first(item, "n:rightsInfo/n:copyrightNotice"))
        lang = (_first(meta, "n:language").get("tag") if meta is not None and _first(meta, "n:language") is not None
                else None) or item.get(XML_LANG)
        record = make_record(
            site, identifier=identifier, fallback_id=url or digest_id(title, summary, body, published),
            url=url, title=title, summary=summary, body=body, published=published,
            updated=updated if updated != published else None, sections=sections, tags=tags,
            authors=_authors(meta), language=language(lang), rights=site.own_rights(rights), source=source, media=media,
            version=whole_number(item.get("version")) or None,
            located=_name(_first(meta, "n:located")) if meta is not None else None, notes=notes,
        )
        embargo = _text(_first(item_meta, "n:embargoed")) if item_meta is not None else None
        if embargo:
            record.update(status="embargoed", embargo_until=embargo)
        status = withdrawn
        note = _text(_first(item_meta, "n:edNote")) if item_meta is not None else None
        signals = {s.get("qcode") for s in item_meta.xpath("n:signal", namespaces=_N)} if item_meta is not None else set()
        if status is not None:
            record["status"] = status
            if note:
                record["kill_reason"] = note
        elif note and "sig:correction" in signals:
            record["correction"] = note
        yield FeedRecord(origin=where, data=record, notes=tuple(notes))
    for guid, (number, item) in by_guid.items():
        if guid not in used:
            item_class = _first(item, "n:itemMeta/n:itemClass")
            yield FeedRecord(origin=origin(path, "newsItem", number, "guid", guid),
                             error=f"a {item_class.get('qcode') if item_class is not None else 'media'} item "
                                   f"no text item of the file links to (irel:associatedWith); only text items "
                                   f"become records, and media only with the text item they belong to")
