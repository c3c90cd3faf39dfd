"""Raw store records -> Articles: checked against schemas/article.schema.json, then normalised.

Every problem in the store is collected, so one run lists all of them, each
naming the record and the field; the caller decides whether any problem stops
the export (the default) or only skips the records concerned.
"""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from syndicate.checked import Decoder, encode
from syndicate.compiled_schemas import compile_schema
from syndicate.config import Config
from syndicate.content import (
    collapse_whitespace, holds_html, html_to_text, sanitize_html, teaser, to_uri, xml_legal,
)
from syndicate.dates import DateError, parse_date
from syndicate.errors import Problem
from syndicate.model import Article, Author, Category, Media, Source
from syndicate.resources import json_schema
from syndicate.stored import RawRecord, StoredRecord

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

# What a value of each shared definition must look like, in the record format's words.
_EXPECTATIONS = {
    "id": "an id of letters, digits and - . _ ~ : @ ! $ & ' ( ) * + , ; = /",
    "slug": "a slug of lower-case letters, digits and single hyphens, e.g. 'society'",
    "http_url": "an absolute http(s) URL such as 'https://example.org/a/'",
    "guid": "an id without control characters or surrounding whitespace, such as 'post-17@example' or "
            "'tag:news.example.org,2014:a1'",
}
_JSON_TYPES = {"string": "a string", "array": "a list", "object": "an object", "integer": "a whole number",
               "number": "a number", "boolean": "true or false"}


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadResult:
    articles: tuple[Article, ...]  # the usable records
    problems: tuple[Problem, ...]  # why the others are unusable
    warnings: tuple[str, ...]  # text repaired in usable records
    skipped: int  # records left out because of problems


class RecordSchema:
    """schemas/article.schema.json, compiled once: a valid record is passed by the compiled test
    alone; jsonschema (imported on first need) lists what is wrong with the others. Formats are
    not asserted, as by jsonschema without a format checker: dates are parsed by _article()."""

    def __init__(self) -> None:
        self.schema = json_schema("article.schema.json")
        self.test = compile_schema(self.schema, formats=False)
        self._validator: Any = None

    def iter_errors(self, data: Any) -> Iterable[ValidationError]:
        if self.test(data):
            return ()
        if self._validator is None:
            from jsonschema import Draft202012Validator

            self._validator = Draft202012Validator(self.schema)
        return self._validator.iter_errors(data)


@cache
def _validator() -> RecordSchema:
    """The record schema, compiled once per process."""
    return RecordSchema()


def _field_name(path: Iterable[Any]) -> str:
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "record"


def _describe(error: ValidationError) -> tuple[str, str]:
    """(field, message) for one schema violation, in the words of the record format."""
    field = _field_name(error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return (f"{field}.{missing}" if error.absolute_path else missing), "is required"
    if error.validator == "additionalProperties":
        return field, (f"unknown field ({error.message.split('(')[-1].rstrip(')')}); expected only the "
                       "fields of schemas/article.schema.json")
    schema = json_schema("article.schema.json")
    definitions = {**schema["$defs"], "id": schema["properties"]["id"], "guid": schema["properties"]["guid"]}
    expected = next((_EXPECTATIONS[name] for name in _EXPECTATIONS if definitions[name] == error.schema), None)
    if error.validator in ("pattern", "maxLength") and expected:
        return field, f"{_shown(error.instance)} is not {expected}"
    if error.validator == "type":
        return field, f"expected {_JSON_TYPES.get(error.validator_value, error.validator_value)}, got {_shown(error.instance)}"
    if error.validator == "enum":
        return field, f"expected one of {', '.join(map(str, error.validator_value))}, got {_shown(error.instance)}"
    if error.validator == "maxLength":
        return field, f"is {len(error.instance)} characters long; expected at most {error.validator_value}"
    if error.validator in ("pattern", "minLength") and isinstance(error.instance, str) and not error.instance.strip():
        return field, "must not be empty or blank"
    if error.validator == "minimum":
        return field, f"expected at least {error.validator_value}, got {_shown(error.instance)}"
    if error.validator == "uniqueItems":
        return field, "expected each value once, got repeats"
    return field, error.message


def _shown(value: Any) -> str:
    """VALUE for a message: repr, cut short so that a huge field cannot flood the terminal."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _text(value: str | None, *, fix: list[str], field: str) -> str | None:
    if value is None:
        return None
    cleaned, removed = xml_legal(value)
    if removed:
        fix.append(f"{field}: removed {removed} character(s) that XML 1.0 cannot carry or that are controls")
    return cleaned


def _plain(value: str | None, *, fix: list[str], field: str) -> str | None:
    """A plain-text field (titles, names, captions): XML-legal, whitespace collapsed, None when empty.

    Text stays text: '<', '&' and ']]>' are kept (each writer escapes them). Only a
    field that holds HTML elements is HTML, and is turned into its text.
    """
    text = _text(value, fix=fix, field=field)
    if text is None:
        return None
    if holds_html(text):
        fix.append(f"{field}: removed HTML markup from a plain-text field")
        return html_to_text(text) or None
    return collapse_whitespace(text) or None


# Python's own table of extensions only (not the host's /etc/mime.types), so that the
# same record gives the same type on every machine.
_MEDIA_TYPES = mimetypes.MimeTypes()


def media_type(url: str, given: str | None) -> str | None:
    """GIVEN, else the media type the extension of URL's path implies, else None."""
    return given or _MEDIA_TYPES.guess_type(urlsplit(url).path, strict=True)[0]


def item_id(data: dict[str, Any], config: Config) -> str:
    """The item's permanent id: the record's `guid` when it has one, else the site's
    `id_prefix` plus the record's id. Neither depends on the article's URL, its dates, or
    the site's zone, so correcting them never changes the id."""
    return data.get("guid") or config.site.id_prefix + data["id"]


# A guid that is an absolute URI, as the Atom id and the ninjs uri must be.
_URI_GUID = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9._~:@!$&'()*+,;=/?#%-]+$")


def item_uri(data: dict[str, Any], config: Config) -> str:
    """The item's permanent id where a format requires an absolute URI (Atom, ninjs): the
    item id when it is one, else the site's `id_prefix` plus the record's id. A guid that
    is not a URI (an RSS guid such as '12345') is kept unchanged where any text will do."""
    guid = data.get("guid")
    return guid if guid and _URI_GUID.match(guid) else config.site.id_prefix + data["id"]


def _article(data: dict[str, Any], origin: str, config: Config, problems: list[Problem],
             warnings: list[str]) -> Article | None:
    site = config.site
    record_id = data["id"]
    problems_before = len(problems)

    def problem(field: str, message: str) -> None:
        problems.append(Problem(origin=origin, record_id=record_id, field=field, message=message))

    def date(field: str) -> datetime | None:
        if field not in data:
            return None
        try:
            return parse_date(data[field], dayfirst=site.dayfirst, default_zone=site.timezone)
        except DateError as error:
            problem(field, str(error))
            return None

    def uri(field: str, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return to_uri(value)
        except ValueError as error:
            problem(field, f"{_shown(value)}: {error}")
            return None

    url = uri("url", data["url"])
    author_urls = [uri(f"authors[{i}].url", a.get("url")) for i, a in enumerate(data.get("authors", ()))]
    source_url = uri("source.url", data["source"]["url"]) if "source" in data else None
    media_urls = [uri(f"media[{i}].url", m["url"]) for i, m in enumerate(data.get("media", ()))]

    for field in ("section", *(f"sections[{i}]" for i in range(len(data.get("sections", []))))):
        slug = data["section"] if field == "section" else data["sections"][int(field[9:-1])]
        if config.section(slug) is None:
            known = ", ".join(s.slug for s in config.sections)
            problem(field, f"section {slug!r} is not configured in {config.path.name} (configured: {known})")

    published, updated, embargo_until = date("published"), date("updated"), date("embargo_until")
    expires = date("expires")
    if published and updated and updated < published:
        problem("updated", f"{data['updated']!r} is earlier than published {data['published']!r}")
    if len(problems) > problems_before or published is None or url is None:
        return None

    fix: list[str] = []
    title = _plain(data["title"], fix=fix, field="title")
    author_names = [_plain(a["name"], fix=fix, field=f"authors[{i}].name")
                    for i, a in enumerate(data.get("authors", ()))]
    source_name = _plain(data["source"]["name"], fix=fix, field="source.name") if "source" in data else None
    # Required text that hygiene emptied: every format needs it, so the record cannot be used.
    for field, value, expected in (("title", title, "a plain-text headline"),
                                   *((f"authors[{i}].name", name, "a person's name")
                                     for i, name in enumerate(author_names)),
                                   *((("source.name", source_name, "the original publisher's name"),)
                                     if "source" in data else ())):
        if not value:
            problem(field, f"is empty once characters XML cannot carry and markup are removed; expected {expected}")
    if len(problems) > problems_before:
        return None
    tags = tuple(t for t in (_plain(t, fix=fix, field="tags") for t in data.get("tags", ())) if t)
    body_source = _text(data.get("body"), fix=fix, field="body")
    # Sanitising decodes character references ('&#1;'): what they decode to is checked too.
    body = _text(sanitize_html(body_source, base_url=url), fix=fix, field="body") if body_source else None
    summary = _plain(data.get("summary"), fix=fix, field="summary")
    if summary is None and body:
        summary = teaser(html_to_text(body))
    article = Article(
        id=record_id,
        item_id=item_id(data, config),
        item_uri=item_uri(data, config),
        url=url,
        title=title,
        summary=summary or None,
        body_html=body or None,
        section=data["section"],
        sections=tuple(data.get("sections", ())),
        tags=tags,
        categories=(
            *(Category(term=slug, label=config.section(slug).title, scheme=site.home_url,
                       url=config.section(slug).url)
              for slug in dict.fromkeys((data["section"], *data.get("sections", ())))),
            *(Category(term=tag) for tag in tags),
        ),
        authors=tuple(
            Author(
                name=name,
                affiliation=_plain(a.get("affiliation"), fix=fix, field="authors.affiliation"),
                url=author_url,
                email=a.get("email"),
            )
            for a, name, author_url in zip(data.get("authors", ()), author_names, author_urls, strict=True)
        ),
        published=published,
        updated=updated or published,
        language=data.get("language", site.language),
        source=Source(name=source_name, url=source_url) if source_url else None,
        media=tuple(
            Media(
                url=media_url,
                type=media_type(media_url, m.get("type")),
                width=m.get("width"),
                height=m.get("height"),
                length=m.get("length"),
                caption=_plain(m.get("caption"), fix=fix, field="media.caption"),
                credit=_plain(m.get("credit"), fix=fix, field="media.credit"),
            )
            for m, media_url in zip(data.get("media", ()), media_urls, strict=True)
        ),
        rights=_plain(data.get("rights"), fix=fix, field="rights"),
        version=data.get("version", 1),
        located=_plain(data.get("located"), fix=fix, field="located"),
        status=data.get("status", "published"),
        embargo_until=embargo_until,
        kill_reason=_plain(data.get("kill_reason"), fix=fix, field="kill_reason"),
        correction=_plain(data.get("correction"), fix=fix, field="correction"),
        expires=expires,
        version_pinned="version" in data,
        origin=origin,
    )
    warnings.extend(f"{origin} id={record_id} {note}" for note in fix)
    return article


def load_articles(records: Iterable[RawRecord], config: Config) -> LoadResult:
    """Every usable record of the store as an Article, and every problem with the others.

    Of two records with the same id the first (in store order) is kept and the
    second is a problem.
    """
    validator = _validator()
    decoder: Decoder | None = None
    problems: list[Problem] = []
    warnings: list[str] = []
    articles: list[Article] = []
    first_seen: dict[str, str] = {}
    item_ids: dict[str, str] = {}
    skipped = 0
    for record in records:
        before = len(problems)
        decoded = None
        if record.checked is not None:
            decoder = decoder or Decoder(config)
            decoded = decoder.decode(record.checked, origin=record.origin)
        if decoded is not None:  # checked on import, by this code and config: as _load_one would give
            article, notes = decoded
            if article.id in first_seen:
                problems.append(Problem(origin=record.origin, record_id=article.id, field="id",
                                        message=f"duplicate id, first used in {first_seen[article.id]}; "
                                                "expected an id no other record has"))
                article = None
            else:
                first_seen[article.id] = record.origin
                warnings.extend(f"{record.origin} id={article.id} {note}" for note in notes)
        else:
            article = _load_one(record, validator, config, problems, warnings, first_seen)
        taken = next((i for i in dict.fromkeys((article.item_id, article.item_uri)) if i in item_ids), None) \
            if article is not None else None
        if taken is not None:
            problems.append(Problem(origin=record.origin, record_id=article.id, field="guid",
                                    message=f"item id {taken!r} is already the item id of "
                                            f"{item_ids[taken]}; expected a guid no other record has"))
            article = None
        if article is not None:
            item_ids.setdefault(article.item_id, article.origin)
            item_ids.setdefault(article.item_uri, article.origin)
            articles.append(article)
            # What a feed reader filled in or repaired (syndicate.feeds_in.FeedRecord.notes).
            warnings.extend(f"{record.origin} id={article.id} {note}" for note in getattr(record, "notes", ()))
        elif len(problems) > before:
            skipped += 1
    return LoadResult(articles=tuple(articles), problems=tuple(problems), warnings=tuple(warnings),
                      skipped=skipped)


def _load_one(record: RawRecord, validator: RecordSchema, config: Config, problems: list[Problem],
              warnings: list[str], first_seen: dict[str, str]) -> Article | None:
    if record.error is not None:
        problems.append(Problem(origin=record.origin, record_id=None, field="record", message=record.error))
        return None
    data = record.data
    if not isinstance(data, dict):
        problems.append(Problem(origin=record.origin, record_id=None, field="record",
                                message=f"expected a JSON object, got {type(data).__name__}"))
        return None
    record_id = data.get("id") if isinstance(data.get("id"), str) else None
    errors = sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    for error in errors:
        field, message = _describe(error)
        problems.append(Problem(origin=record.origin, record_id=record_id, field=field, message=message))
    if record_id is not None:
        if record_id in first_seen:
            problems.append(Problem(origin=record.origin, record_id=record_id, field="id",
                                    message=f"duplicate id, first used in {first_seen[record_id]}; "
                                            "expected an id no other record has"))
            return None
        first_seen[record_id] = record.origin
    if errors:
        return None
    return _article(data, record.origin, config, problems, warnings)


def stored_record(data: dict[str, Any], article: Article, *, key: str | None = None, warnings: Iterable[str] = (),
                  origin: str = "") -> StoredRecord:
    """The record DATA, checked and normalised as ARTICLE, with the columns an indexed store keeps;
    with KEY (syndicate.checked.checking_key), also its checked form, WARNINGS being what its
    check (of DATA, read from ORIGIN) repaired."""
    text = json.dumps(data, ensure_ascii=False)
    checked = None
    if key is not None:
        prefix = f"{origin} id={article.id} "
        notes = [w[len(prefix):] for w in warnings if w.startswith(prefix)]
        checked = encode(article, notes, key=key)
    return StoredRecord(id=article.id, record=data, text=text, checked=checked, sections=article.all_sections,
                        published=article.published, updated=article.updated, status=article.status,
                        embargo_until=article.embargo_until, expires=article.expires)


def xml_legal_record(value: Any) -> Any:
    """VALUE (a record or part of one) with every string made XML-legal, for stores such as
    PostgreSQL's JSONB that cannot hold some of those characters (NUL, lone surrogates)."""
    if isinstance(value, str):
        return xml_legal(value)[0]
    if isinstance(value, list):
        return [xml_legal_record(v) for v in value]
    if isinstance(value, dict):
        return {xml_legal_record(k): xml_legal_record(v) for k, v in value.items()}
    return value
