"""RSS 0.9x, 1.0 and 2.0 and Atom 0.3 and 1.0 items, read with feedparser (see _feedparser.py).

Each entry becomes one record dict; checking it is records.py's job. Dates are the
strings the feed wrote, read later by syndicate's own date rules, never feedparser's
parsed struct (which drops the offset and accepts offsets and years the rules refuse):
published is the first of pubDate / published / dcterms:issued, dc:date,
dcterms:created, then updated / dcterms:modified, then (RSS) the channel's date;
updated is updated / dcterms:modified when it differs.
"""

from __future__ import annotations

import re
import xml.sax
from collections.abc import Iterable, Iterator
from typing import Any

from feedparser.util import FeedParserDict

from syndicate.content import holds_html
from syndicate.feeds_in import _feedparser
from syndicate.feeds_in._source import FeedReader
from syndicate.feeds_in._common import (
    FeedRecord, Site, digest_id, html_of, http_url, language, make_record, origin, shown, text_of,
    whole_number,
)

# feedparser's content types -> the kind of text construct.
_KINDS = {"text/plain": "text", "text/html": "html", "application/xhtml+xml": "html"}
# RSS <author>: 'address (Name)', or an address alone.
_RSS_AUTHOR = re.compile(r"^(?P<email>[^@\s()]+@[^@\s()]+)\s*(?:\((?P<name>[^()]*)\))?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_REFERENCE = re.compile(r"&(#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")


def _rss_plain(value: str | None) -> str | None:
    """An RSS text element without a type (category, dc:creator, author, source, media text):
    readers take it for HTML when it holds a reference or an HTML element, and syndicate's RSS
    escapes such text once more (formats/feedgen_feeds.py), so it is read as HTML once then;
    other text ('List<String>', 'AT&T') is kept as written."""
    if value is None:
        return None
    return text_of(value, "html" if _REFERENCE.search(value) or holds_html(value) else "text")


def _kind(detail: Any) -> str:
    return _KINDS.get((detail or {}).get("type", "text/plain"), "text")


def _text(entry: FeedParserDict, key: str) -> str | None:
    """Plain text of the text construct KEY (title, rights...), None when absent."""
    if not isinstance(_raw(entry, key), str):
        return None
    return text_of(_raw(entry, key), _kind(_raw(entry, f"{key}_detail")))


def _body(entry: FeedParserDict, *, atom: bool, own: bool) -> tuple[str | None, str | None]:
    """(summary as plain text, body as HTML). feedparser copies a lone content into the summary:
    only a summary the feed wrote (one with its details) is one. syndicate's own RSS writes the
    summary as the description, and the body (if any) as content:encoded."""
    contents = [c for c in _raw(entry, "content") or [] if isinstance(c.get("value"), str) and c["value"].strip(" \t\n\r\f")]
    summary = _raw(entry, "summary") if _raw(entry, "summary_detail") else None
    summary_kind = _kind(_raw(entry, "summary_detail"))
    if contents:
        content = next((c for c in contents if _kind(c) == "html"), contents[0])
        return text_of(summary, summary_kind), html_of(content["value"], _kind(content))
    if own and summary and not text_of(summary, summary_kind):
        # syndicate's RSS (feedgen) writes the body as the description of an article without a
        # summary, which is one whose body has no text (only an image, say).
        return None, html_of(summary, "html")
    if atom or own or summary_kind == "text":
        return text_of(summary, summary_kind), None
    # An RSS description holding HTML and no content:encoded: the item's text, its body (the
    # record check makes the summary from its start).
    return None, html_of(summary, summary_kind)


def _authors(entry: FeedParserDict, feed: FeedParserDict, *, atom: bool) -> list[dict[str, str]]:
    if not atom:
        return [_rss_author(value) for value in map(_rss_plain, _raw(entry, "syndicate_authors") or []) if value]
    details = (_raw(entry, "authors") or (_raw(entry, "source") or {}).get("authors")
               or (None if _own_feed(feed, atom=True) else _raw(feed, "authors")) or [])
    authors = []
    for detail in details:
        name = (detail.get("name") or "").strip()
        email = (detail.get("email") or "").strip()
        if not name and not email:
            continue
        author = {"name": name or email}
        if email and _EMAIL.match(email):
            author["email"] = email
        if http_url(detail.get("href")):
            author["url"] = detail["href"].strip()
        authors.append(author)
    return authors


def _rss_author(value: str) -> dict[str, str]:
    """RSS <author> is 'address (Name)', or an address; dc:creator is a name."""
    match = _RSS_AUTHOR.match(value)
    if not match:
        return {"name": value}
    author = {"name": (match["name"] or "").strip() or match["email"]}
    if _EMAIL.match(match["email"]):
        author["email"] = match["email"]
    return author


def _media(entry: FeedParserDict, base: str | None, *, atom: bool) -> list[dict[str, Any]]:
    media: list[dict[str, Any]] = []
    for item in (_raw(entry, "media_content") or []):
        url = http_url(item.get("url"), base)
        if not url:
            continue
        caption = item.get("syndicate_description")
        if caption:
            caption = text_of(caption, "html") if item.get("syndicate_description_type") == "html" else (
                caption.strip() if atom else _rss_plain(caption))
        media.append({k: v for k, v in {
            "url": url, "type": item.get("type"), "width": whole_number(item.get("width")),
            "height": whole_number(item.get("height")), "length": whole_number(item.get("filesize")),
            "caption": caption, "credit": (item.get("syndicate_credit") or "").strip() if atom
            else _rss_plain(item.get("syndicate_credit")),
        }.items() if v not in (None, "")})
    known = {m["url"] for m in media}
    for link in (_raw(entry, "links") or []):
        url = http_url(link.get("href"), base)
        if link.get("rel") == "enclosure" and url and url not in known:
            known.add(url)
            media.append({k: v for k, v in {
                "url": url, "type": link.get("type"), "length": whole_number(link.get("length")),
                "caption": link.get("title"),
            }.items() if v not in (None, "")})
    for item in media:
        if item.get("length") is not None and item["length"] < 0 or item.get("length") == 0:
            item.pop("length")
        if item.get("type") and not re.fullmatch(r"[a-z]+/[A-Za-z0-9.+-]+", item["type"]):
            item.pop("type")  # a media type the record format cannot hold: implied by the URL instead
    return media


def _source(entry: FeedParserDict, notes: list[str], *, atom: bool) -> dict[str, str] | None:
    source = _raw(entry, "source")
    if not source:
        return None
    url = http_url(source.get("href")) or http_url(source.get("link")) or http_url(source.get("id"))
    name = (_text(source, "title") if atom else _rss_plain(source.get("title"))) or (
        source.get("author_detail") or {}).get("name")
    if url and not name:
        name = url.split("//", 1)[1].split("/", 1)[0]
        notes.append(f"source: no title in the feed; named by its host {shown(name)}")
    if not url:
        if name:
            notes.append(f"source: {shown(name)} has no http(s) link; left out")
        return None
    return {"name": name, "url": url}


def _raw(entry: FeedParserDict, key: str) -> Any:
    """ENTRY[KEY] as feedparser stored it (its get() answers for some keys with another's value)."""
    return dict.get(entry, key)


def _date(entry: FeedParserDict, *keys: str) -> str | None:
    return next((_raw(entry, key).strip() for key in keys
                 if isinstance(_raw(entry, key), str) and _raw(entry, key).strip()), None)


def _own_feed(feed: FeedParserDict, *, atom: bool) -> bool:
    """Whether syndicate wrote the feed (its generator says so): in Atom its feed-level author
    is then only the stand-in RFC 4287 requires (the publisher), not the entries' author; in
    RSS its description is the summary, never the body."""
    if (_raw(feed, "generator") or "") != "syndicate":
        return False
    return not atom or "syndicate" in ((_raw(feed, "generator_detail") or {}).get("href") or "")


def read(data: bytes, path: str, site: Site) -> Iterator[FeedRecord]:
    """The items of the feed document DATA, parsed whole."""
    parsed = _feedparser.parse(data)
    version = parsed.get("version") or ""
    if not version and not parsed["entries"]:
        yield FeedRecord(origin=path, error="not an RSS, Atom, JSON Feed, NewsML-G2 or ninjs document")
        return
    yield from _Items(parsed["feed"], version, path, site).records(parsed["entries"], start=1)


# What an item takes from the feed around it, when it has none of its own.
_FEED_LEVEL = ("link", "published", "syndicate_dc_date", "updated", "language", "generator", "generator_detail",
               "authors")


def read_stream(head: bytes, reader: FeedReader, path: str, site: Site, *, piece: int) -> Iterator[FeedRecord]:
    """The items of the feed document that starts with HEAD and goes on in READER, parsed as it
    streams (_feedparser.Stream), so that memory does not grow with the file. Raises
    StreamRefused, before the first item, when the document is not one a stream can read (not
    well-formed, an encoding expat does not read): the caller then reads it whole. After the first
    item, the problem is a record whose error says where the document went wrong."""
    stream = _feedparser.Stream()
    span = _feedparser.doctype_span(head)
    if span is not None and span[1] >= len(head):
        raise StreamRefused("its document type declaration does not end in its first piece")
    data = head if span is None else head[:span[0]] + head[span[1]:]
    items: _Items | None = None
    number = 1
    seen: dict[str, Any] = {}
    while True:
        last = not data
        try:
            entries = stream.feed_bytes(data, last=last)
        except xml.sax.SAXException as error:
            if items is None:
                raise StreamRefused(str(error)) from None
            yield FeedRecord(origin=path, error=f"is not well-formed XML after its item {number - 1}: {error}; "
                                                "a feed file this large is read as it streams, and must be "
                                                "well-formed (the items before it were read)")
            return
        if entries and items is None:
            items = _Items(stream.feed, stream.version, path, site)
            seen = {key: _raw(stream.feed, key) for key in _FEED_LEVEL}
        if items is not None:
            yield from items.records(entries, start=number)
            number += len(entries)
        if last:
            break
        data = reader.read(piece)
    if items is None:
        if not stream.version:
            yield FeedRecord(origin=path, error="not an RSS, Atom, JSON Feed, NewsML-G2 or ninjs document")
        return
    late = [key for key in _FEED_LEVEL if _raw(stream.feed, key) != seen[key]]
    if late:
        yield FeedRecord(origin=path, error=f"its feed-level {', '.join(late)} come after its first item; a feed "
                                            "file this large is read as it streams, so what its items take from "
                                            "the feed must come before them")


class StreamRefused(Exception):
    """A feed document a stream cannot read (before its first item): read it whole instead."""


class _Items:
    """The records of a feed's entries, given what the feed around them says."""

    def __init__(self, feed: FeedParserDict, version: str, path: str, site: Site) -> None:
        self.feed, self.path, self.site = feed, path, site
        self.atom = version.startswith("atom")
        self.base = http_url(_raw(feed, "link"))
        self.feed_date = _date(feed, "published", "syndicate_dc_date", "updated")
        self.feed_language = language(_raw(feed, "language"))
        self.own = _own_feed(feed, atom=self.atom)

    def records(self, entries: Iterable[FeedParserDict], *, start: int) -> Iterator[FeedRecord]:
        for number, entry in enumerate(entries, start=start):
            yield self.record(entry, number)

    def record(self, entry: FeedParserDict, number: int) -> FeedRecord:
        site, feed, atom, base = self.site, self.feed, self.atom, self.base
        kind, id_name = ("entry", "id") if atom else ("item", "guid")
        notes: list[str] = []
        identifier = _raw(entry, "id").strip() if isinstance(_raw(entry, "id"), str) and _raw(entry, "id").strip() else None
        where = origin(self.path, kind, number, id_name, identifier)
        link = next((l.get("href") for l in (_raw(entry, "links") or [])
                     if l.get("rel", "alternate") == "alternate" and l.get("href")), None) or _raw(entry, "link")
        url = http_url(link, base) if link and link != identifier else None
        if url is None and link and link == identifier and http_url(identifier):
            url = http_url(identifier)  # a permalink guid serves as the link
        elif url is None and link and link != identifier:
            url = link  # kept as written: the record check says why it is not a URL
        summary, body = _body(entry, atom=atom, own=self.own)
        sections, tags = site.split([((t.get("term") or t.get("label") or "") if atom
                                      else _rss_plain(t.get("term") or t.get("label") or "") or "", t.get("scheme"))
                                     for t in (_raw(entry, "tags") or []) if (t.get("term") or t.get("label"))])
        title = _text(entry, "title")
        updated = _date(entry, "updated")
        published = (_date(entry, "published", "syndicate_dc_date", "created") or updated
                     or (None if atom else self.feed_date))
        record = make_record(
            site, identifier=identifier, fallback_id=url or digest_id(title, summary, body, published),
            url=url, title=title, summary=summary, body=body, published=published,
            updated=updated if updated != published else None, sections=sections, tags=tags,
            authors=_authors(entry, feed, atom=atom),
            language=language(_raw(entry, "language")) or language((_raw(entry, "title_detail") or {}).get("language"))
            or self.feed_language, rights=_text(entry, "rights"), source=_source(entry, notes, atom=atom),
            media=_media(entry, base, atom=atom), notes=notes,
        )
        return FeedRecord(origin=where, data=record, notes=tuple(notes))
