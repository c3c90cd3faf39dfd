"""A record as checked on import, kept beside it in an indexed store, so that an export builds
its Article without checking or sanitising the record again.

An import checks every record (schema, dates, URLs, sections) and turns it into an Article
(sanitised body, absolute URLs, repaired text). encode() keeps that Article, and the notes of
what was repaired, as one line of text: the "checked form". An export that reads a record with
its checked form decodes the Article from it, which costs a JSON parse instead of a check; the
export's output and its report are the same as if the record had been checked again.

When the checked form is used. It starts with checking_key(config), and is used only when
that still matches. The key covers syndicate's version, the sources of the modules that check
records and of this one, the record schema, the versions of the libraries checking uses (a
sanitiser that changed may sanitise differently), and the settings of the config that checking
depends on (the site's id prefix, zone, day-first dates and language; which sections exist).
Another key, and every record is checked again, as before (an import writes new checked forms).
A store hands out a record's checked form only when the record is still the one it was made
from (each store keeps a digest of the record beside it), so that a record changed by anything
that did not write a new checked form (an older syndicate, a hand edit in SQL) is checked.

What is not kept: the categories, which carry the sections' titles and pages from the config
and are made from the section slugs and tags again on decode; and the record's origin, which
is where the export read it.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when first used: an export with nothing changed needs neither
    from syndicate.model import Article

FORMAT = 2  # of the checked form: part of the key
# The modules whose code decides what a record checks to (and this one, which keeps it).
CHECKING_MODULES = ("syndicate.records", "syndicate.dates", "syndicate.content", "syndicate.config",
                    "syndicate.model", "syndicate.checked")
CHECKING_LIBRARIES = ("jsonschema", "python-dateutil", "nh3", "lxml", "idna", "rfc3339-validator",
                      "rfc3986-validator")

_keys: dict[tuple[int, tuple[str, ...], tuple[str, ...]], tuple[Any, str]] = {}


def checking_key(config: Any, *, modules: tuple[str, ...] = (), extra: tuple[str, ...] = ()) -> str:
    """The hash of everything a record's check depends on besides the record (see the module
    docstring); MODULES and EXTRA add more, for a cache that depends on more. Made once per
    process and config."""
    memo = (id(config), modules, extra)
    held = _keys.get(memo)
    if held is not None and held[0] is config:
        return held[1]
    site = config.site
    digest = hashlib.sha256(_code_part(modules, extra))
    digest.update(repr((site.id_prefix, str(site.timezone), site.dayfirst, site.language,
                        tuple(s.slug for s in config.sections))).encode("utf-8", "surrogatepass"))
    key = digest.hexdigest()
    _keys[memo] = (config, key)
    return key


@cache
def _code_part(modules: tuple[str, ...], extra: tuple[str, ...]) -> bytes:
    """What the key holds besides the config: the same for every config of a process (syndicate's
    version, the sources of the checking modules and of MODULES, the record schema, the versions
    of the libraries, EXTRA)."""
    from importlib import metadata

    from syndicate import __version__
    from syndicate.resources import schema_path

    parts = [f"checked {FORMAT}", f"syndicate {__version__}", f"python {sys.version}",
             schema_path("article.schema.json").read_text(encoding="utf-8"), *extra]
    for name in (*CHECKING_MODULES, *modules):
        module = sys.modules.get(name) or __import__(name, fromlist=["_"])
        parts.append(Path(module.__file__).read_text(encoding="utf-8"))
    for library in CHECKING_LIBRARIES:
        try:
            parts.append(f"{library} {metadata.version(library)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{library} -")
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).digest()


def record_digest(text: str) -> str:
    """A digest of a record's JSON text as a store holds it, kept with its checked form."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _date(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def fields(article: Article) -> list[Any]:
    """What ARTICLE holds, as JSON values, but its categories and origin (in encode()'s order)."""
    return [
        article.id, article.item_id, article.item_uri, article.url, article.title, article.summary,
        article.body_html, article.section, list(article.sections), list(article.tags),
        [[a.name, a.affiliation, a.url, a.email] for a in article.authors],
        _date(article.published), _date(article.updated), article.language,
        [article.source.name, article.source.url] if article.source else None,
        [[m.url, m.type, m.width, m.height, m.length, m.caption, m.credit] for m in article.media],
        article.rights, article.version, article.located, article.status, _date(article.embargo_until),
        article.kill_reason, article.correction, _date(article.expires), article.version_pinned,
        _date(article.version_created),
    ]


def encode(article: Article, notes: list[str] | tuple[str, ...], *, key: str) -> str:
    """The checked form of ARTICLE, checked with KEY, NOTES saying what was repaired."""
    fields_ = [*fields(article), list(notes)]
    text = json.dumps(fields_, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, which UTF-8 text cannot hold: escaped, it comes back the same
        text = json.dumps(fields_, ensure_ascii=True, separators=(",", ":"))
    return f"{key}\n{text}"


class Decoder:
    """Articles from checked forms, for one config (whose sections give the categories)."""

    def __init__(self, config: Any) -> None:
        from syndicate.model import Category

        self.key = checking_key(config)
        site = config.site
        self._sections = {s.slug: Category(term=s.slug, label=s.title, scheme=site.home_url, url=s.url)
                          for s in config.sections}

    def decode(self, checked: str, *, origin: str) -> tuple[Article, list[str]] | None:
        """The Article and the repair notes of CHECKED, a record's checked form, read from ORIGIN;
        None when it is not usable (checked with another key), and the record must be checked."""
        key, _, body = checked.partition("\n")
        if key != self.key:
            return None
        from syndicate.model import Article, Author, Category, Media, Source

        (record_id, item_id, item_uri, url, title, summary, body_html, section, sections, tags, authors,
         published, updated, language, source, media, rights, version, located, status, embargo_until,
         kill_reason, correction, expires, version_pinned, version_created, notes) = json.loads(body)
        try:
            categories = (*(self._sections[slug] for slug in dict.fromkeys((section, *sections))),
                          *(Category(term=tag) for tag in tags))
        except KeyError:
            return None  # a section no longer configured: the check says so
        article = Article(
            id=record_id, item_id=item_id, item_uri=item_uri, url=url, title=title, summary=summary,
            body_html=body_html, section=section, sections=tuple(sections), tags=tuple(tags),
            categories=categories,
            authors=tuple(Author(name=n, affiliation=a, url=u, email=e) for n, a, u, e in authors),
            published=datetime.fromisoformat(published), updated=datetime.fromisoformat(updated),
            language=language, source=Source(name=source[0], url=source[1]) if source else None,
            media=tuple(Media(url=u, type=t, width=w, height=h, length=n, caption=c, credit=cr)
                        for u, t, w, h, n, c, cr in media),
            rights=rights, version=version, located=located, status=status,
            embargo_until=datetime.fromisoformat(embargo_until) if embargo_until else None,
            kill_reason=kill_reason, correction=correction,
            expires=datetime.fromisoformat(expires) if expires else None, version_pinned=version_pinned,
            version_created=datetime.fromisoformat(version_created) if version_created else None, origin=origin)
        return article, notes
