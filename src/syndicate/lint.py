"""`syndicate lint`: each partner profile's output checked against the published rules of the
platform it names (README "Partner profiles").

The rules are data, schemas/platform-rules.json: each names its platform, what it checks (one of
CHECKS below), the platform's limit, whether breaking it is an error or advice, and where the
platform publishes it, with the date it was read. A file is read back as `import` reads a feed
(syndicate.feeds_in), so the checks see what a platform's ingest would, whatever the format.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

from syndicate.config import Config, Partner
from syndicate.errors import UsageError
from syndicate.resources import json_schema

RULES_FILE = "platform-rules.json"
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([^\"']+)[\"']")


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    id: str
    platform: str
    check: str  # a key of CHECKS
    limit: Any
    level: str  # "error" or "advice"
    what: str
    source: str  # the URL where the platform publishes it


@cache
def json_rules(platform: str) -> tuple[Rule, ...]:
    """PLATFORM's rules, as schemas/platform-rules.json writes them."""
    return tuple(Rule(id=r["id"], platform=r["platform"], check=r["check"], limit=r["limit"], level=r["level"],
                      what=r["what"], source=r["source"]["url"])
                 for r in json_schema(RULES_FILE)["rules"] if r["platform"] == platform)


def rules_of(platform: str) -> tuple[Rule, ...]:
    """The rules lint checks a PLATFORM's files with."""
    return json_rules(platform)


def _image_sides(media: dict[str, Any]) -> list[int]:
    return [side for side in (media.get("width"), media.get("height")) if isinstance(side, int)]


def _images(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in record.get("media", []) if str(m.get("type", "image/")).startswith("image/")]


def _published(record: dict[str, Any]) -> datetime | None:
    """The item's publication date as the file gives it (RFC 822 in RSS, RFC 3339 elsewhere)."""
    from syndicate.dates import DateError, parse_date

    try:
        return parse_date(str(record.get("published", "")), dayfirst=False, default_zone=timezone.utc)
    except DateError:
        return None


def _tags(body: str) -> set[str]:
    from lxml import html as lxml_html  # as content.py: read only when a rule needs it

    fragment = lxml_html.fragment_fromstring(body, create_parent="div")
    return {element.tag for element in fragment.iter() if element is not fragment and isinstance(element.tag, str)}


# Item checks: (record, limit, the file's newest publication date) -> what is wrong, or None.
_ITEM_CHECKS: dict[str, Callable[[dict[str, Any], Any, datetime], str | None]] = {
    "title_chars_min": lambda r, n, _: None if len(r.get("title") or "") >= n
    else f"title of {len(r.get('title') or '')} characters, fewer than {n}",
    "title_chars_max": lambda r, n, _: None if len(r.get("title") or "") <= n
    else f"title of {len(r.get('title') or '')} characters, more than {n}",
    "body_required": lambda r, _n, _a: None if r.get("body") else "no body (only a summary)",
    "image_required": lambda r, n, _: None if len(_images(r)) >= n else f"{len(_images(r))} images, fewer than {n}",
    "image_min_side": lambda r, n, _: next((f"image {m['url']} is {min(_image_sides(m))} px on a side, less than {n}"
                                            for m in _images(r) if _image_sides(m) and min(_image_sides(m)) < n), None),
    "published_within_days": lambda r, n, newest: None if (_published(r) or newest) > newest - timedelta(days=n)
    else f"published {_published(r).date()}, more than {n} days before the file's newest item ({newest.date()})",
    "html_tags_allowed": lambda r, allowed, _: (lambda bad: f"body HTML has <{'>, <'.join(sorted(bad))}>" if bad
                                                else None)(_tags(r["body"]) - set(allowed) if r.get("body") else set()),
}
# File checks: (data, items, limit) -> what is wrong, or None.
_FILE_CHECKS: dict[str, Callable[[bytes, int, Any], str | None]] = {
    "file_bytes_max": lambda data, _i, n: None if len(data) <= n else f"{len(data):,} bytes, more than {n:,}",
    "items_max": lambda _d, items, n: None if items <= n else f"{items} items, more than {n}",
    "items_min": lambda _d, items, n: None if items >= n else f"{items} items, fewer than {n}",
    "encoding": lambda data, _i, name: None if _encoding(data) == name else f"encoded as {_encoding(data)}, not {name}",
}
CHECKS = (*_ITEM_CHECKS, *_FILE_CHECKS)


def _encoding(data: bytes) -> str:
    declared = _XML_ENCODING.match(data)
    name = declared.group(1).decode("ascii", "replace").lower() if declared else "utf-8"
    try:
        data.decode(name)
    except (LookupError, UnicodeDecodeError):
        return f"not {name}"
    return name


def lint_files(partner: Partner, files: Iterable[tuple[str, bytes]], config: Config) -> list[str]:
    """One line per problem of PARTNER's FILES ((path relative to the output directory, bytes),
    feeds and others) with the rules of its platform: 'FILE: item N (ID): RULE: what', or
    'FILE: RULE: what' for the whole file; advice lines start with 'advice: '. None without a platform.
    The lines depend on the files alone, never on the clock: an item's age is judged at the file's
    newest publication date (when the platform fetches a feed, about when it changed last)."""
    rules = rules_of(partner.platform) if partner.platform else ()
    if not rules:
        return []
    from syndicate.feeds_in import is_feed_file, is_notice, read_feed
    from syndicate.formats import FORMATS

    feed_files = {fmt.filename for fmt in FORMATS.values()}

    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="syndicate-lint-") as scratch:
        root = Path(scratch)
        for relative, data in sorted(files):
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            if path.name not in feed_files or not is_feed_file(path):
                continue  # index.opml
            records = [raw for raw in read_feed(path, config, default_section=None) if not is_notice(raw)]
            items = [raw for raw in records if raw.error is None and isinstance(raw.data, dict)]
            lines += [f"{relative}: {raw.error}" for raw in records if raw.error is not None]
            newest = max(filter(None, (_published(raw.data) for raw in items)), default=None)
            for rule in rules:
                prefix = "advice: " if rule.level == "advice" else ""
                if rule.check in _FILE_CHECKS:
                    problem = _FILE_CHECKS[rule.check](data, len(items), rule.limit)
                    lines += [f"{prefix}{relative}: {rule.id}: {problem} ({rule.source})"] if problem else []
                    continue
                for number, raw in enumerate(items, start=1):
                    problem = _ITEM_CHECKS[rule.check](raw.data, rule.limit, newest)
                    if problem:
                        lines.append(f"{prefix}{relative}: item {number} ({raw.data.get('id')}): {rule.id}: "
                                     f"{problem} ({rule.source})")
    return lines


def lint(config: Config, out: Path, *, partners: Sequence[str] = ()) -> list[str]:
    """Every problem of the partners' files in OUT (those of PARTNERS, or of every profile)."""
    known = {p.name: p for p in config.partners}
    unknown = [name for name in partners if name not in known]
    if unknown:
        raise UsageError(f"unknown partner {', '.join(map(repr, unknown))}; configured: {', '.join(known) or 'none'}")
    from syndicate.partners import partner_dir

    lines = []
    for partner in (known[name] for name in partners or known):
        directory = out / partner_dir(partner)
        if partner.platform is None:
            continue
        if not directory.is_dir():
            raise UsageError(f"{directory}: no such directory: export first (syndicate export --out {out})")
        files = [(path.relative_to(out).as_posix(), path.read_bytes())
                 for path in sorted(directory.rglob("*")) if path.is_file()]
        lines += lint_files(partner, files, config)
    return lines


def is_broken(lines: Sequence[str]) -> bool:
    """Whether LINES (lint's) hold a broken rule, not only advice."""
    return any(not line.startswith("advice: ") for line in lines)
