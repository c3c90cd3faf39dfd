"""What every input format shares: the record id and guid of an item, the site's sections,
how an item is named in messages, and text turned into the record format's fields."""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from syndicate.config import Config
from syndicate.content import html_to_text, teaser
from syndicate.stored import RawRecord

# The item ids of syndicate 0.1 (tag:HOST,YYYY-MM-DD:ID), from which the record id is taken back.
_TAG_URI = re.compile(r"^tag:[^,]+,\d{4}-\d{2}-\d{2}:(?P<id>.+)$")
_RECORD_ID = re.compile(r"^[A-Za-z0-9._~:@!$&'()*+,;=/-]{1,200}$")
# A guid the record format accepts (schemas/article.schema.json): no control characters, nothing
# XML cannot carry, no surrounding whitespace, at most 2,000 characters.
_GUID = re.compile("^[^\\s\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]"
                   "(?:[^\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]{0,1998}"
                   "[^\\s\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff])?$")
# A character or entity reference to a character XML 1.0 cannot carry (C0 controls but tab, LF
# and CR; DEL; U+FFFE, U+FFFF). HTML parsers turn them into the character itself.
_CONTROL_REFERENCE = re.compile(r"&#(?:[xX]0*(?P<hex>[0-9A-Fa-f]{1,6})|0*(?P<dec>[0-9]{1,7}));?")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")
TITLE_FROM_TEXT = 100  # characters of a description that stand in for a missing title
MAX_SUMMARY = 10_000  # the record format's longest summary (schemas/article.schema.json)


class FeedRecord(RawRecord):
    """A RawRecord read from a feed file, with notes: what was filled in or repaired,
    each to be reported as a warning naming the item."""

    __slots__ = ("notes",)

    def __init__(self, *, notes: tuple[str, ...] = (), **fields: Any) -> None:
        super().__init__(**fields)
        self.notes = tuple(notes)


def notice(origin: str, message: str) -> FeedRecord:
    """An item that is no record, only a notice to report as a warning naming it (is_notice): a
    withdrawal that carries no story, as syndicate's own NewsML-G2 and ninjs write them."""
    return FeedRecord(origin=origin, data=None, notes=(message,))


def is_notice(raw: RawRecord) -> bool:
    return isinstance(raw, FeedRecord) and raw.error is None and raw.data is None


def withdrawal_notice(origin: str, identifier: str | None, status: str) -> FeedRecord:
    return notice(origin, f"status: a notice that item {identifier!r} is {status}, without the story: not imported; "
                          "to take a story of the store down, set its record's status")


def record_identity(identifier: str, *, id_prefix: str) -> tuple[str, str | None]:
    """(record id, guid) for a feed item's id.

    An id this site's syndicate wrote (ID_PREFIX + record id) gives the record id back
    and no guid. Any other id is kept, unchanged, as the record's guid (when the record
    format accepts it: no control characters, at most 2,000 characters), so that the
    item keeps the id its subscribers know; the record id is then the record's own id
    inside a syndicate 0.1 tag URI, the identifier itself when it is a usable id, else a
    stable digest of it.
    """
    identifier = identifier.strip()
    own = identifier.removeprefix(id_prefix)
    if own != identifier and _RECORD_ID.match(own):
        return own, None
    guid = identifier if _GUID.match(identifier) else None
    match = _TAG_URI.match(identifier)
    if match and _RECORD_ID.match(match["id"]):
        return match["id"], guid
    if _RECORD_ID.match(identifier):
        return identifier, guid
    return "imported-" + hashlib.sha256(identifier.encode("utf-8", "surrogatepass")).hexdigest()[:24], guid


class Site:
    """What the site's config supplies to feed items: which configured section their categories
    name (by slug or by title), and which item ids are its own."""

    def __init__(self, config: Config, default: str | None):
        self.default = default
        self.id_prefix = config.site.id_prefix
        self.scheme = config.site.home_url
        self.rights = config.site.rights
        self.by_name: dict[str, str] = {}
        self.by_url: dict[str, str] = {}
        for section in config.sections:
            self.by_name[section.slug.lower()] = section.slug
            self.by_name[section.title.lower()] = section.slug
            self.by_url[section.url] = section.slug

    def own_rights(self, notice: str | None) -> str | None:
        """NOTICE as an item's own rights: None when it is the site's notice (which NewsML-G2 and
        ninjs repeat on every item that has none of its own)."""
        return None if notice is None or notice == self.rights else notice

    def split(self, categories: list[tuple[str, str | None]]) -> tuple[list[str], list[str]]:
        """(section slugs, tags) from (text, scheme) pairs; the default section when none matches."""
        sections: list[str] = []
        tags: list[str] = []
        for text, scheme in categories:
            text = text.strip()
            slug = self.by_name.get(text.lower()) or (self.by_url.get(scheme) if scheme else None)
            if slug and (scheme in (None, "", self.scheme) or self.by_url.get(scheme) == slug):
                sections.append(slug)
            elif text:
                tags.append(text)
        if not sections and self.default:
            sections.append(self.default)
        return list(dict.fromkeys(sections)), list(dict.fromkeys(tags))


def shown(value: str) -> str:
    """VALUE quoted for a message, cut short."""
    text = repr(value)
    return text if len(text) <= 80 else text[:76] + "...'"


def origin(path: str, kind: str, number: int, id_name: str, identifier: str | None) -> str:
    """How messages name an item: the file, its position, and the id it has in the file."""
    named = f"{path} {kind} {number}"
    return f"{named} ({id_name} {shown(identifier)})" if identifier else named


def _control_code(match: re.Match[str]) -> int | None:
    """The character a reference stands for, when it is one XML cannot carry, else None."""
    code = int(match["hex"], 16) if match["hex"] else int(match["dec"])
    return code if (code < 0x20 and code not in (9, 10, 13)) or code in (0x7F, 0xFFFE, 0xFFFF) else None


def with_raw_controls(markup: str) -> str:
    """MARKUP with each character reference to a character XML cannot carry written as that
    character, as an HTML parser would read it, so that the record check removes it with a
    warning naming the item (a reference such as '&#1;' would otherwise reach every feed)."""
    if "&#" not in markup:
        return markup
    return _CONTROL_REFERENCE.sub(lambda m: m[0] if _control_code(m) is None else chr(_control_code(m)), markup)


# While HTML is read as text, a control character stands in the private-use area (lxml refuses
# controls), and comes back once the text is out, for the record check to remove and name.
_STAND_IN = 0xF700


def text_of(value: str | None, kind: str) -> str | None:
    """Plain text of a text construct of KIND ('text' or 'html'): HTML is read once, text is kept."""
    if value is None:
        return None
    if kind == "html":
        if "&#" in value:
            value = _CONTROL_REFERENCE.sub(
                lambda m: m[0] if _control_code(m) is None else chr(_STAND_IN + (_control_code(m) & 0xFF)), value)
            text = html_to_text(value)
            text = re.sub("[\uf700-\uf7ff]", lambda m: _control(ord(m[0]) - _STAND_IN), text)
        else:
            text = html_to_text(value)
        return text or None
    return value.strip() or None


def _control(low: int) -> str:
    return chr(0xFF00 | low) if low in (0xFE, 0xFF) else chr(low)


def html_of(value: str | None, kind: str) -> str | None:
    """An HTML fragment of a text construct of KIND ('text' or 'html')."""
    if value is None or not value.strip(" \t\n\r\f"):  # a lone no-break space is content
        return None
    if kind == "html":
        return with_raw_controls(value)
    return "<p>" + html.escape(value.strip(), quote=False) + "</p>"


def title_from(text: str | None) -> str | None:
    """A title for an item that has none: the start of its text, cut at a word boundary."""
    return teaser(text, limit=TITLE_FROM_TEXT) if text else None


def language(value: Any) -> str | None:
    """A language tag in BCP 47 form ('en_US' as 'en-US'), None when it is none."""
    if not isinstance(value, str) or not _LANGUAGE.match(value.strip()):
        return None
    return value.strip().replace("_", "-")


def http_url(value: Any, base: str | None = None) -> str | None:
    """VALUE (resolved against BASE) when it is an absolute http(s) URL, else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        url = urljoin(base, value.strip()) if base else value.strip()
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not one)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return parts.scheme.lower() + url[len(parts.scheme):]  # schemes are case-insensitive (RFC 3986)


def whole_number(value: Any) -> int | None:
    """VALUE as a whole number when it is one written in ASCII digits (or is an int), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]{1,18}\s*", value):
        return int(value)
    return None


def make_record(site: Site, *, identifier: str | None, fallback_id: str, url: str | None, title: str | None,
                summary: str | None, body: str | None, published: str | None, updated: str | None,
                sections: list[str], tags: list[str], authors: list[dict[str, Any]], language: str | None,
                rights: str | None, source: dict[str, str] | None, media: list[dict[str, Any]],
                version: int | None = None, located: str | None = None,
                notes: list[str]) -> dict[str, Any]:
    """The record dict of one item; a missing title is made from the summary or body (noted)."""
    record_id, guid = record_identity(identifier or fallback_id, id_prefix=site.id_prefix)
    if identifier is None and fallback_id.startswith("imported-"):
        record_id, guid = fallback_id, None
    if summary and len(summary) > MAX_SUMMARY:
        notes.append(f"summary: {len(summary):,} characters, more than a summary holds ({MAX_SUMMARY:,}); "
                     + ("left out" if body else "kept as the body") + ", the summary made from the body's start")
        body = body or "".join(f"<p>{html.escape(p.strip(), quote=False)}</p>"
                               for p in re.split(r"\n\s*\n", summary) if p.strip())
        summary = None
    if not (title and title.strip()):
        made = title_from(summary or (html_to_text(body) if body else None))
        if made:
            notes.append(f"title: none in the feed; made from the start of its text: {made!r}")
            title = made
    record: dict[str, Any] = {
        "id": record_id, "guid": guid,
        "url": url, "title": title, "summary": summary, "body": body,
        "section": sections[0] if sections else None, "sections": sections[1:], "tags": tags,
        "authors": authors, "published": published, "updated": updated, "language": language,
        "source": source, "media": media, "rights": rights, "version": version, "located": located,
    }
    return {k: v for k, v in record.items() if v not in (None, "", [], {})}


def digest_id(*parts: Any) -> str:
    """A stable record id for an item that has no id and no link: a digest of its content."""
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return "imported-" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]
