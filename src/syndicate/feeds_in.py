"""Reading RSS 2.0, Atom 1.0 and JSON Feed files back into canonical records (for `import`).

For a publisher moving from another system, and for syndicate's own output.
XML is parsed with the hardened parser (no network, no DTD, no entities).
Each item becomes one record dict, in the record format's words; checking it
is records.py's job, so an item that lacks what a record needs (a date, a
section) is reported by the same contract as a bad store record, naming the
file and the item. The site config supplies what a feed lacks: the section
(categories are matched against the configured sections, else DEFAULT_SECTION).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from syndicate.config import Config
from syndicate.content import html_to_text
from syndicate.formats.xml_checks import parse_xml
from syndicate.store import RawRecord

ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
MEDIA = "http://search.yahoo.com/mrss/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# The item ids of syndicate 0.1 (tag:HOST,YYYY-MM-DD:ID), from which the record id is taken back.
_TAG_URI = re.compile(r"^tag:[^,]+,\d{4}-\d{2}-\d{2}:(?P<id>.+)$")
# An item id that can be kept as the record's guid (schemas/article.schema.json).
_GUID = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9._~:@!$&'()*+,;=/?#%-]+$")
_RECORD_ID = re.compile(r"^[A-Za-z0-9._~:@!$&'()*+,;=/-]{1,200}$")


def is_feed_file(path: Path) -> bool:
    """Whether PATH is a file holding RSS, Atom or JSON Feed (rather than a store)."""
    if not path.is_file() or path.suffix.lower() in (".db", ".sqlite", ".sqlite3", ".jsonl"):
        return False
    head = path.read_bytes()[:4096].lstrip()
    return head.startswith(b"<") or (head.startswith(b"{") and b"jsonfeed.org" in head)


def record_identity(identifier: str, *, id_prefix: str) -> tuple[str, str | None]:
    """(record id, guid) for a feed item's id.

    An id this site's syndicate wrote (ID_PREFIX + record id) gives the record id back
    and no guid. Any other id is kept as the record's guid when it is a URI, so that
    the item keeps its id in syndicate's feeds; the record id is then the record's own
    id inside a syndicate 0.1 tag URI, the identifier itself when it is a usable id,
    else a stable digest of it.
    """
    identifier = identifier.strip()
    own = identifier.removeprefix(id_prefix)
    if own != identifier and _RECORD_ID.match(own):
        return own, None
    guid = identifier if _GUID.match(identifier) and len(identifier) <= 2000 else None
    match = _TAG_URI.match(identifier)
    if match and _RECORD_ID.match(match["id"]):
        return match["id"], guid
    if _RECORD_ID.match(identifier):
        return identifier, guid
    return "imported-" + hashlib.sha256(identifier.encode("utf-8", "surrogatepass")).hexdigest()[:24], guid


class _Site:
    """What the site's config supplies to feed items: which configured section their categories
    name (by slug or by title), and which item ids are its own."""

    def __init__(self, config: Config, default: str | None):
        self.default = default
        self.id_prefix = config.site.id_prefix
        self.scheme = config.site.home_url
        self.by_name = {}
        for section in config.sections:
            self.by_name[section.slug.lower()] = section.slug
            self.by_name[section.title.lower()] = section.slug

    def split(self, categories: list[tuple[str, str | None]]) -> tuple[list[str], list[str]]:
        """(section slugs, tags) from (text, scheme) pairs; the default section when none matches."""
        sections: list[str] = []
        tags: list[str] = []
        for text, scheme in categories:
            slug = self.by_name.get(text.strip().lower())
            if slug and (scheme in (None, "", self.scheme)):
                sections.append(slug)
            elif text.strip():
                tags.append(text.strip())
        if not sections and self.default:
            sections.append(self.default)
        return list(dict.fromkeys(sections)), list(dict.fromkeys(tags))


def _record(site: _Site, *, identifier: str | None, url: str | None, title: str | None, summary: str | None,
            body: str | None, published: str | None, updated: str | None, sections: list[str], tags: list[str],
            authors: list[dict[str, str]], language: str | None, rights: str | None,
            source: dict[str, str] | None, media: list[dict[str, Any]]) -> dict[str, Any]:
    record_id, guid = record_identity(identifier or url or title or "", id_prefix=site.id_prefix)
    record: dict[str, Any] = {
        "id": record_id, "guid": guid,
        "url": url, "title": title, "summary": summary, "body": body,
        "section": sections[0] if sections else None, "sections": sections[1:], "tags": tags,
        "authors": authors, "published": published, "updated": updated, "language": language,
        "source": source, "media": media, "rights": rights,
    }
    return {k: v for k, v in record.items() if v not in (None, "", [], {})}


def _text(element: etree._Element | None) -> str | None:
    """The text of ELEMENT; unresolved entity references (never expanded here) are left out."""
    if element is None:
        return None
    text = element.xpath("string()").strip()
    return text or None


def read_feed(path: Path, config: Config, *, default_section: str | None) -> Iterator[RawRecord]:
    """One RawRecord per item of the feed file at PATH."""
    site = _Site(config, default_section)
    data = path.read_bytes()
    if data.lstrip().startswith(b"{"):
        yield from _json_feed(data, str(path), site)
        return
    try:
        root = parse_xml(data).getroot()
    except etree.XMLSyntaxError as error:
        yield RawRecord(origin=str(path), error=f"not a well-formed feed: {error}")
        return
    if root.tag == "rss":
        yield from _rss(root, str(path), site)
    elif root.tag == f"{{{ATOM}}}feed":
        yield from _atom(root, str(path), site)
    else:
        yield RawRecord(origin=str(path), error=f"not an RSS 2.0, Atom or JSON Feed document (root {root.tag!r})")


def _rss(root: etree._Element, origin: str, site: _Site) -> Iterator[RawRecord]:
    channel = root.find("channel")
    if channel is None:
        yield RawRecord(origin=origin, error="an RSS document without a channel")
        return
    base = _text(channel.find("link")) or ""
    channel_date = _text(channel.find("pubDate")) or _text(channel.find("lastBuildDate"))
    channel_language = _text(channel.find("language"))
    for number, item in enumerate(channel.iterfind("item"), start=1):
        link = _text(item.find("link"))
        description = _text(item.find("description"))
        content = _text(item.find(f"{{{CONTENT}}}encoded"))
        item_sections, tags = site.split([(_text(c) or "", c.get("domain")) for c in item.iterfind("category")])
        source = item.find("source")
        media = [
            {k: v for k, v in {
                "url": m.get("url"), "type": m.get("type"),
                "width": int(m.get("width")) if (m.get("width") or "").isdigit() else None,
                "height": int(m.get("height")) if (m.get("height") or "").isdigit() else None,
                "caption": _text(m.find(f"{{{MEDIA}}}description")), "credit": _text(m.find(f"{{{MEDIA}}}credit")),
            }.items() if v not in (None, "")}
            for m in item.iterfind(f"{{{MEDIA}}}content")
        ] + [{k: v for k, v in {"url": e.get("url"), "type": e.get("type")}.items() if v}
             for e in item.iterfind("enclosure")]
        authors = [{"name": name} for name in (_text(c) for c in item.iterfind(f"{{{DC}}}creator")) if name]
        authors += [{"name": _rss_author(_text(a))} for a in item.iterfind("author") if _text(a)]
        record = _record(
            site,
            identifier=_text(item.find("guid")), url=urljoin(base, link) if link else None,
            title=_text(item.find("title")), summary=html_to_text(description) if description else None,
            body=content or description, published=_text(item.find("pubDate")) or _text(item.find(f"{{{DC}}}date"))
            or channel_date, updated=None, sections=item_sections, tags=tags, authors=authors,
            language=_text(item.find(f"{{{DC}}}language")) or channel_language,
            rights=_text(item.find(f"{{{DC}}}rights")),
            source={"name": _text(source), "url": source.get("url")} if source is not None and _text(source) else None,
            media=[m for m in media if m.get("url")],
        )
        yield RawRecord(origin=f"{origin} item {number}", data=record)


def _rss_author(text: str) -> str:
    """RSS <author> is 'email (Name)': the name when there is one."""
    match = re.match(r"^\S+@\S+\s+\((?P<name>.+)\)$", text)
    return match["name"] if match else text


def _atom_text(element: etree._Element | None, *, as_html: bool) -> str | None:
    """An Atom text construct (RFC 4287 3.1) as HTML (AS_HTML) or as plain text."""
    if element is None:
        return None
    kind = element.get("type", "text")
    if kind == "xhtml":
        div = element.find("{http://www.w3.org/1999/xhtml}div")
        markup = "".join(etree.tostring(child, encoding="unicode") for child in (div if div is not None else []))
        return markup if as_html else html_to_text(markup)
    text = element.xpath("string()")
    if kind == "html":
        return text if as_html else html_to_text(text)
    from html import escape

    return f"<p>{escape(text)}</p>" if as_html else text


def _atom(root: etree._Element, origin: str, site: _Site) -> Iterator[RawRecord]:
    feed_language = root.get(XML_LANG)
    for number, entry in enumerate(root.iterfind(f"{{{ATOM}}}entry"), start=1):
        links = entry.findall(f"{{{ATOM}}}link")
        alternate = next((l.get("href") for l in links if l.get("rel", "alternate") == "alternate"), None)
        item_sections, tags = site.split(
            [(c.get("term", ""), c.get("scheme")) for c in entry.iterfind(f"{{{ATOM}}}category")])
        source = entry.find(f"{{{ATOM}}}source")
        source_link = None
        if source is not None:
            source_link = next((l.get("href") for l in source.iterfind(f"{{{ATOM}}}link")), None) or _text(
                source.find(f"{{{ATOM}}}id"))
        authors = [
            {k: v for k, v in {"name": _text(a.find(f"{{{ATOM}}}name")), "url": _text(a.find(f"{{{ATOM}}}uri")),
                               "email": _text(a.find(f"{{{ATOM}}}email"))}.items() if v}
            for a in entry.iterfind(f"{{{ATOM}}}author")
        ]
        record = _record(
            site,
            identifier=_text(entry.find(f"{{{ATOM}}}id")), url=alternate,
            title=_atom_text(entry.find(f"{{{ATOM}}}title"), as_html=False),
            summary=_atom_text(entry.find(f"{{{ATOM}}}summary"), as_html=False),
            body=_atom_text(entry.find(f"{{{ATOM}}}content"), as_html=True),
            published=_text(entry.find(f"{{{ATOM}}}published")) or _text(entry.find(f"{{{ATOM}}}updated")),
            updated=_text(entry.find(f"{{{ATOM}}}updated")), sections=item_sections, tags=tags,
            authors=[a for a in authors if a.get("name")], language=entry.get(XML_LANG) or feed_language,
            rights=_atom_text(entry.find(f"{{{ATOM}}}rights"), as_html=False),
            source={"name": _atom_text(source.find(f"{{{ATOM}}}title"), as_html=False), "url": source_link}
            if source is not None and source_link else None,
            media=[{k: v for k, v in {"url": l.get("href"), "type": l.get("type"), "caption": l.get("title")}.items()
                    if v} for l in links if l.get("rel") == "enclosure" and l.get("href")],
        )
        yield RawRecord(origin=f"{origin} entry {number}", data=record)


def _json_feed(data: bytes, origin: str, site: _Site) -> Iterator[RawRecord]:
    try:
        document = json.loads(data.decode("utf-8"))
        items = document["items"]
        assert isinstance(items, list)
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AssertionError):
        yield RawRecord(origin=origin, error="not a JSON Feed document (expected an object with 'items')")
        return
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            yield RawRecord(origin=f"{origin} item {number}", error="expected a JSON object")
            continue
        extension = item.get("_syndicate") if isinstance(item.get("_syndicate"), dict) else {}
        item_sections, tags = site.split([(str(t), None) for t in item.get("tags", []) if isinstance(t, str)])
        if extension.get("section"):
            item_sections = [extension["section"], *(s for s in item_sections if s != extension["section"])]
        authors = extension.get("authors") or [
            {k: v for k, v in a.items() if k in ("name", "url")} for a in item.get("authors", []) if isinstance(a, dict)]
        content = item.get("content_html")
        if content is None and isinstance(item.get("content_text"), str):
            from html import escape

            content = f"<p>{escape(item['content_text'])}</p>"
        media = extension.get("media") or [
            {k: v for k, v in {"url": a.get("url"), "type": a.get("mime_type"), "caption": a.get("title")}.items() if v}
            for a in item.get("attachments", []) if isinstance(a, dict)]
        if not media and item.get("image"):
            media = [{"url": item["image"]}]
        record = _record(
            site,
            identifier=str(item["id"]) if "id" in item else None, url=item.get("url"), title=item.get("title"),
            summary=item.get("summary"), body=content, published=item.get("date_published"),
            updated=item.get("date_modified"), sections=item_sections, tags=tags, authors=authors,
            language=item.get("language") or document.get("language"), rights=extension.get("rights"),
            source=extension.get("source"), media=media,
        )
        yield RawRecord(origin=f"{origin} item {number}", data=record)
