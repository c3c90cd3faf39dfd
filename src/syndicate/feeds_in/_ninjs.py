"""IPTC ninjs items: a JSON array of ninjs objects (as syndicate writes ninjs.json) or one object.

Mapping (the reverse of formats/ninjs.py; also ninjs 1.x's flat names, and ninjs 3's
camelCase ones, read as their lower-case 2.x names):
uri -> the guid; renditions "web" (or the first text/html one) -> url, else the uri
when it is an http(s) URL; headlines main -> title; descriptions summary -> summary;
bodies main (text/html or XHTML; plain text as paragraphs) -> body; firstcreated
(else contentcreated, else versioncreated) -> published; versioncreated -> updated;
embargoed -> an embargo; pubstatus withheld -> status withheld, canceled -> killed, with
ednote as the kill_reason; by -> authors
(one per "; "-separated byline); subjects -> sections (by literal slug, section
page or title) and tags; located; infosources[0] -> source; copyrightnotice ->
rights; language; version; associations -> media (their first rendition with an
http(s) href: contenttype, sizeinbytes, width, height; caption; `by` as credit).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

from syndicate.feeds_in._common import (
    FeedRecord, Site, digest_id, html_of, http_url, language, make_record, origin, whole_number, withdrawal_notice,
    with_raw_controls,
)


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _role(values: Any, role: str) -> dict[str, Any] | None:
    entries = _list(values)
    return next((e for e in entries if e.get("role") == role), entries[0] if entries else None)


def _body(item: dict[str, Any]) -> str | None:
    bodies = _list(item.get("bodies"))
    for wanted in ("text/html", "application/xhtml+xml", "body_xhtml", "text/plain"):
        body = next((b for b in bodies if b.get("contenttype") == wanted and isinstance(b.get("value"), str)
                     and (b.get("role") in (None, "main") or wanted != "text/plain")), None)
        if body:
            if wanted == "text/plain":
                return with_raw_controls("".join(f"<p>{html.escape(p.strip(), quote=False)}</p>"
                                                 for p in re.split(r"\n\s*\n", body["value"]) if p.strip()))
            return html_of(body["value"], "html")
    if isinstance(item.get("body_html"), str):  # ninjs 1.x
        return html_of(item["body_html"], "html")
    if isinstance(item.get("body_text"), str):
        return html_of(item["body_text"], "text")
    return None


def _media(item: dict[str, Any]) -> list[dict[str, Any]]:
    media = []
    associations = item.get("associations")
    values = associations.values() if isinstance(associations, dict) else _list(associations)  # 1.x: an object
    for association in values:
        if not isinstance(association, dict):
            continue
        rendition = next((r for r in _list(association.get("renditions")) if http_url(r.get("href"))), None)
        if rendition is None:
            continue
        caption = _role(association.get("descriptions"), "caption")
        media.append({k: v for k, v in {
            "url": rendition["href"].strip(), "type": _text(rendition.get("contenttype")),
            "width": whole_number(rendition.get("width")) or None,
            "height": whole_number(rendition.get("height")) or None,
            "length": whole_number(rendition.get("sizeinbytes")),
            "caption": _text(caption.get("value")) if caption else _text(association.get("description_text")),
            "credit": _text(association.get("by")),
        }.items() if v is not None})
    return media


def _lower_keys(value: Any, depth: int = 0) -> Any:
    """VALUE with every object key lower-cased (ninjs 3 writes 'versionCreated' for 2's
    'versioncreated'), a few levels deep: deeper than ninjs goes is left as it is."""
    if depth > 8:
        return value
    if isinstance(value, dict):
        return {(k.lower() if isinstance(k, str) else k): _lower_keys(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_keys(v, depth + 1) for v in value]
    return value


def read(document: Any, path: str, site: Site) -> Iterator[FeedRecord]:
    items = document if isinstance(document, list) else [document]
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            yield FeedRecord(origin=f"{path} item {number}", error="expected a ninjs object")
            continue
        item = _lower_keys(item)
        notes: list[str] = []
        identifier = _text(item.get("uri"))
        where = origin(path, "item", number, "uri", identifier)
        web = next((r for r in _list(item.get("renditions"))
                    if r.get("name") == "web" or r.get("contenttype") == "text/html"), None)
        url = _text(web.get("href")) if web else None
        url = url or (identifier if http_url(identifier) else None)
        status = {"withheld": "withheld", "canceled": "killed"}.get(item.get("pubstatus"))
        # A notice without the story: no body, and no page of its own (a uri that is a URL is no page
        # when the object says it is partial, as syndicate's withdrawn objects do).
        if status is not None and not item.get("bodies") and web is None and \
                (url is None or item.get("representationtype") == "partial"):
            yield withdrawal_notice(where, identifier, status)
            continue
        headline = _role(item.get("headlines"), "main")
        title = _text(headline.get("value")) if headline else _text(item.get("headline"))
        description = _role(item.get("descriptions"), "summary")
        summary = _text(description.get("value")) if description else _text(item.get("description_text"))
        body = _body(item)
        sections, tags = site.split([(s.get("literal") if s.get("literal") in site.by_name.values() else
                                      s.get("name") or s.get("literal") or "", s.get("uri"))
                                     for s in _list(item.get("subjects")) if s.get("name") or s.get("literal")])
        published = next((item[k] for k in ("firstcreated", "contentcreated", "versioncreated")
                          if _text(item.get(k))), None)
        updated = _text(item.get("versioncreated"))
        by = _text(item.get("by"))
        source = next(({"name": s["name"].strip(), "url": s["uri"].strip()} for s in _list(item.get("infosources"))
                       if _text(s.get("name")) and http_url(s.get("uri"))), None)
        version = whole_number(item.get("version"))
        record = make_record(
            site, identifier=identifier, fallback_id=url or digest_id(title, summary, body, published),
            url=url, title=title, summary=summary, body=body, published=published,
            updated=updated if updated != published else None, sections=sections, tags=tags,
            authors=[{"name": name.strip()} for name in by.split("; ") if name.strip()] if by else [],
            language=language(item.get("language")), rights=site.own_rights(_text(item.get("copyrightnotice"))), source=source,
            media=_media(item), version=version if version and version >= 1 else None,
            located=_text(item.get("located")), notes=notes,
        )
        if _text(item.get("embargoed")):
            record.update(status="embargoed", embargo_until=item["embargoed"].strip())
        if status is not None:
            record["status"] = status
            if _text(item.get("ednote")):
                record["kill_reason"] = _text(item.get("ednote"))
        yield FeedRecord(origin=where, data=record, notes=tuple(notes))
