"""JSON Feed 1.0 and 1.1 items (feedparser 6 does not read JSON Feed).

Every member is checked for its type before it is used: a member that is null is
absent; one of another type than the spec's is a problem naming the item and the
member, never a crash. JSON Feed 1.0's `author` object is read as `authors`, and
the feed's authors stand for an item's when it has none (spec: "authors").
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

from syndicate.feeds_in._common import (
    FeedRecord, Site, digest_id, html_of, http_url, language, make_record, origin, whole_number,
    with_raw_controls,
)

_TYPE_NAMES = {str: "a string", list: "a list", dict: "an object"}


class _Problems(Exception):
    pass


def _get(item: dict[str, Any], key: str, kind: type, problems: list[str]) -> Any:
    """ITEM[KEY] when it is of KIND; None when absent or null; else a problem naming KEY."""
    value = item.get(key)
    if value is None:
        return None
    if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool) and key == "id":
        return str(value)  # spec: an id that is a number is read as a string
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        problems.append(f"{key}: expected {_TYPE_NAMES[kind]}, got {_shown(value)}")
        return None
    return value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _objects(item: dict[str, Any], key: str, problems: list[str]) -> list[dict[str, Any]]:
    values = _get(item, key, list, problems) or []
    if any(not isinstance(v, dict) for v in values):
        problems.append(f"{key}: expected a list of objects, got {_shown(values)}")
        return []
    return values


def _authors(owner: dict[str, Any], problems: list[str]) -> list[dict[str, str]]:
    """The authors of an item or feed: 1.1's `authors`, else 1.0's `author`."""
    values = _objects(owner, "authors", problems)
    if not values:
        single = _get(owner, "author", dict, problems)
        values = [single] if single else []
    authors = []
    for value in values:
        name = value.get("name") if isinstance(value.get("name"), str) else None
        url = http_url(value.get("url"))
        if name and name.strip() or url:
            authors.append({k: v for k, v in {"name": (name or "").strip() or url, "url": url}.items() if v})
    return authors


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(p.strip(), quote=False)}</p>" for p in re.split(r"\n\s*\n", text) if p.strip())


def read(document: Any, path: str, site: Site) -> Iterator[FeedRecord]:
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        yield FeedRecord(origin=path, error="not a JSON Feed document (expected an object with a list of 'items')")
        return
    feed_problems: list[str] = []
    feed_authors = _authors(document, feed_problems)
    feed_language = language(document.get("language"))
    for number, item in enumerate(document["items"], start=1):
        if not isinstance(item, dict):
            yield FeedRecord(origin=f"{path} item {number}", error=f"expected a JSON object, got {_shown(item)}")
            continue
        problems: list[str] = []
        notes: list[str] = []
        identifier = _get(item, "id", str, problems)
        identifier = identifier.strip() if identifier and identifier.strip() else None
        where = origin(path, "item", number, "id", identifier)
        extension = item.get("_syndicate") if isinstance(item.get("_syndicate"), dict) else {}
        tags = _get(item, "tags", list, problems) or []
        if any(not isinstance(t, str) for t in tags):
            problems.append(f"tags: expected a list of strings, got {_shown(tags)}")
            tags = []
        sections, tags = site.split([(t, None) for t in tags])
        if isinstance(extension.get("section"), str) and extension["section"]:
            sections = [extension["section"], *(s for s in sections if s != extension["section"])]
        authors = _authors(item, problems) or feed_authors
        if isinstance(extension.get("authors"), list) and extension["authors"]:
            authors = extension["authors"]
        title = _get(item, "title", str, problems)
        summary = _get(item, "summary", str, problems)
        content_html = _get(item, "content_html", str, problems)
        content_text = _get(item, "content_text", str, problems)
        if content_html is not None:
            body = html_of(content_html, "html")
        elif content_text and content_text.strip() not in ((summary or "").strip(), (title or "").strip()):
            body = with_raw_controls(_paragraphs(content_text)) or None
        else:
            body = None  # no text but the summary or title again (JSON Feed requires some content)
        attachments = _objects(item, "attachments", problems)
        media = extension.get("media") if isinstance(extension.get("media"), list) else [
            {k: v for k, v in {
                "url": http_url(a.get("url")), "type": a.get("mime_type") if isinstance(a.get("mime_type"), str)
                else None, "caption": a.get("title") if isinstance(a.get("title"), str) else None,
                "length": whole_number(a.get("size_in_bytes")) or None,
            }.items() if v not in (None, "")}
            for a in attachments]
        media = [m for m in media if not isinstance(m, dict) or m.get("url")]
        image = http_url(_get(item, "image", str, problems))
        if image and not any(isinstance(m, dict) and m.get("url") == image for m in media):
            media.insert(0, {"url": image})
        url_value = _get(item, "url", str, problems)
        external = _get(item, "external_url", str, problems)
        url = url_value or (identifier if http_url(identifier) else None) or external
        published = _get(item, "date_published", str, problems)
        updated = _get(item, "date_modified", str, problems)
        item_language = _get(item, "language", str, problems)
        version = whole_number(extension.get("version"))  # ours: from the second version on
        if problems:
            yield FeedRecord(origin=where, error="; ".join(problems))
            continue
        record = make_record(
            site, identifier=identifier, fallback_id=url or digest_id(title, summary, body, published),
            url=url, title=title, summary=summary, body=body, published=published or updated,
            updated=updated if published else None, sections=sections, tags=tags, authors=authors,
            language=language(item_language) or feed_language,
            rights=extension.get("rights"), source=extension.get("source"), media=media,
            version=version if version and version >= 1 else None, notes=notes,
        )
        yield FeedRecord(origin=where, data=record, notes=tuple(notes))
