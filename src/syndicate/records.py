"""Raw store records -> Articles: checked against schemas/article.schema.json, then normalised.

Every problem in the store is collected before anything is raised, so one run
lists all of them (InvalidRecords), each naming the record and the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from syndicate.config import Config
from syndicate.content import collapse_whitespace, html_to_text, sanitize_html, teaser, xml_legal
from syndicate.dates import DateError, parse_date
from syndicate.errors import InvalidRecords, Problem
from syndicate.model import Article, Author, Category, Media, Source
from syndicate.resources import json_schema
from syndicate.store import RawRecord

# What a value of each shared definition must look like, in the record format's words.
_EXPECTATIONS = {
    "slug": "a slug of lower-case letters, digits and single hyphens, e.g. 'society'",
    "http_url": "an absolute http(s) URL",
}


def _validator() -> Draft202012Validator:
    return Draft202012Validator(json_schema("article.schema.json"))


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
        return field, f"unknown field ({error.message.split('(')[-1].rstrip(')')})"
    definitions = json_schema("article.schema.json")["$defs"]
    expected = next((_EXPECTATIONS[name] for name in _EXPECTATIONS if definitions[name] == error.schema), None)
    if error.validator in ("pattern", "maxLength") and expected:
        return field, f"{error.instance!r} is not {expected}"
    if error.validator == "pattern" and field == "title":
        return field, "must not be blank"
    if error.validator == "minLength" and error.instance == "":
        return field, "must not be empty"
    return field, error.message


def _text(value: str | None, *, fix: list[str], field: str) -> str | None:
    if value is None:
        return None
    cleaned, removed = xml_legal(value)
    if removed:
        fix.append(f"{field}: removed {removed} character(s) that XML 1.0 cannot carry")
    return cleaned


def _plain(value: str | None, *, fix: list[str], field: str) -> str | None:
    """A plain-text field: XML-legal, whitespace collapsed (titles, names, captions)."""
    text = _text(value, fix=fix, field=field)
    return collapse_whitespace(text) if text is not None else None


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

    for field in ("section", *(f"sections[{i}]" for i in range(len(data.get("sections", []))))):
        slug = data["section"] if field == "section" else data["sections"][int(field[9:-1])]
        if config.section(slug) is None:
            known = ", ".join(s.slug for s in config.sections)
            problem(field, f"section {slug!r} is not configured in {config.path.name} (configured: {known})")

    published, updated, embargo_until = date("published"), date("updated"), date("embargo_until")
    if published and updated and updated < published:
        problem("updated", f"{data['updated']!r} is earlier than published {data['published']!r}")
    if len(problems) > problems_before or published is None:
        return None

    fix: list[str] = []
    tags = tuple(_plain(t, fix=fix, field="tags") for t in data.get("tags", ()))
    body_source = _text(data.get("body"), fix=fix, field="body")
    body = sanitize_html(body_source, base_url=data["url"]) if body_source else None
    summary = _plain(data.get("summary"), fix=fix, field="summary")
    if summary is None and body:
        summary = teaser(html_to_text(body))
    article = Article(
        id=record_id,
        url=data["url"],
        title=_plain(data["title"], fix=fix, field="title"),
        summary=summary or None,
        body_html=body or None,
        section=data["section"],
        sections=tuple(data.get("sections", ())),
        tags=tags,
        categories=(
            *(Category(term=slug, label=config.section(slug).title, scheme=site.home_url)
              for slug in dict.fromkeys((data["section"], *data.get("sections", ())))),
            *(Category(term=tag) for tag in tags),
        ),
        authors=tuple(
            Author(
                name=_plain(a["name"], fix=fix, field="authors.name"),
                affiliation=_plain(a.get("affiliation"), fix=fix, field="authors.affiliation"),
                url=a.get("url"),
                email=a.get("email"),
            )
            for a in data.get("authors", ())
        ),
        published=published,
        updated=updated or published,
        language=data.get("language", site.language),
        source=Source(name=_plain(data["source"]["name"], fix=fix, field="source.name"),
                      url=data["source"]["url"]) if "source" in data else None,
        media=tuple(
            Media(
                url=m["url"],
                type=m.get("type"),
                width=m.get("width"),
                height=m.get("height"),
                caption=_plain(m.get("caption"), fix=fix, field="media.caption"),
                credit=_plain(m.get("credit"), fix=fix, field="media.credit"),
            )
            for m in data.get("media", ())
        ),
        rights=_plain(data.get("rights"), fix=fix, field="rights"),
        version=data.get("version", 1),
        located=_plain(data.get("located"), fix=fix, field="located"),
        status=data.get("status", "published"),
        embargo_until=embargo_until,
        origin=origin,
    )
    warnings.extend(f"{origin} id={record_id} {note}" for note in fix)
    return article


def load_articles(records: Iterable[RawRecord], config: Config) -> tuple[list[Article], list[str]]:
    """Every record of the store as an Article, plus warnings about text that was repaired.

    Raises InvalidRecords listing every problem when any record is unusable.
    """
    validator = _validator()
    problems: list[Problem] = []
    warnings: list[str] = []
    articles: list[Article] = []
    first_seen: dict[str, str] = {}
    for record in records:
        if record.error is not None:
            problems.append(Problem(origin=record.origin, record_id=None, field="record", message=record.error))
            continue
        data = record.data
        if not isinstance(data, dict):
            problems.append(Problem(origin=record.origin, record_id=None, field="record",
                                    message=f"expected a JSON object, got {type(data).__name__}"))
            continue
        record_id = data.get("id") if isinstance(data.get("id"), str) else None
        errors = sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
        for error in errors:
            field, message = _describe(error)
            problems.append(Problem(origin=record.origin, record_id=record_id, field=field, message=message))
        if record_id is not None:
            if record_id in first_seen:
                problems.append(Problem(origin=record.origin, record_id=record_id, field="id",
                                        message=f"duplicate id, first used in {first_seen[record_id]}"))
                continue
            first_seen[record_id] = record.origin
        if errors:
            continue
        article = _article(data, record.origin, config, problems, warnings)
        if article is not None:
            articles.append(article)
    if problems:
        raise InvalidRecords(problems)
    return articles, warnings
