"""syndicate.toml -> Config: the site, where the store is, the sections and their feeds."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any

from syndicate.content import is_absolute_http_url
from syndicate.dates import DateError, site_timezone
from syndicate.errors import ConfigError

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
ALL_SLUG = "all"  # the whole-site feed's directory; no section may take it
DEFAULT_LIMIT = 50
DEFAULT_FORMATS = ("rss", "atom", "jsonfeed", "newsml")
# A record (one .json file, one .jsonl line) larger than this is refused unread, so
# that a runaway import cannot exhaust memory. Large photo stories stay far below it.
DEFAULT_MAX_RECORD_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class Site:
    title: str
    description: str
    home_url: str
    feeds_url: str  # where the output directory is served, ending in '/'
    language: str
    timezone: tzinfo
    dayfirst: bool
    publisher: str | None = None
    rights: str | None = None
    logo: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    slug: str
    title: str
    description: str
    url: str  # the section page on the site
    language: str | None = None
    limit: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    path: Path
    site: Site
    store: str  # a directory or SQLite path (absolute), or a postgresql:// URL
    sections: tuple[Section, ...]
    formats: tuple[str, ...]
    limit: int
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES

    def section(self, slug: str) -> Section | None:
        return next((s for s in self.sections if s.slug == slug), None)


class _Table:
    """Typed access to one TOML table, with errors that name the key."""

    def __init__(self, data: Any, where: str, path: Path):
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [{where}] must be a table")
        self.data, self.where, self.path = data, where, path

    def _fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}: {self.where}.{key}: {message}")

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.data.get(key, default)
        if value is None:
            if required:
                raise self._fail(key, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self._fail(key, f"must be a non-empty string, got {value!r}")
        return value.strip()

    def url(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.text(key, default, required=required)
        if value is not None and not is_absolute_http_url(value):
            raise self._fail(key, f"must be an absolute http(s) URL, got {value!r}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self._fail(key, f"must be true or false, got {value!r}")
        return value

    def positive_int(self, key: str, default: int | None) -> int | None:
        value = self.data.get(key, default)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise self._fail(key, f"must be a positive integer, got {value!r}")
        return value

    def language(self, key: str, default: str | None = None) -> str | None:
        value = self.text(key, default)
        if value is not None and not LANGUAGE.match(value):
            raise self._fail(key, f"must be a BCP 47 language tag such as 'en' or 'be-BY', got {value!r}")
        return value


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def resolve_store(location: str, *, base: Path) -> str:
    """LOCATION with a relative path (also inside sqlite:///) made absolute against BASE."""
    if "://" in location and not location.startswith("sqlite:///"):
        return location  # a server URL
    prefix = "sqlite:///" if location.startswith("sqlite:///") else ""
    return prefix + str((base / location.removeprefix(prefix)).resolve())


def load_config(path: str | Path) -> Config:
    """Read and check syndicate.toml at PATH; raise ConfigError naming the bad key."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None

    site_table = _Table(raw.get("site"), "site", path)
    timezone_name = site_table.text("timezone", "UTC")
    try:
        zone = site_timezone(timezone_name)
    except DateError as error:
        raise ConfigError(f"{path}: site.timezone: {error}") from None
    home_url = _with_slash(site_table.url("home_url", required=True))
    site = Site(
        title=site_table.text("title", required=True),
        description=site_table.text("description", site_table.data.get("title")),
        home_url=home_url,
        feeds_url=_with_slash(site_table.url("feeds_url", home_url + "feeds/")),
        language=site_table.language("language", "en"),
        timezone=zone,
        dayfirst=site_table.boolean("dayfirst", False),
        publisher=site_table.text("publisher"),
        rights=site_table.text("rights"),
        logo=site_table.url("logo"),
    )

    store_table = _Table(raw.get("store", {}), "store", path)
    store = resolve_store(store_table.text("location", store_table.data.get("path", "store")), base=path.parent)

    defaults = _Table(raw.get("defaults", {}), "defaults", path)
    limit = defaults.positive_int("limit", DEFAULT_LIMIT)
    formats = defaults.data.get("formats", list(DEFAULT_FORMATS))
    if not isinstance(formats, list) or not formats or not all(isinstance(f, str) for f in formats):
        raise ConfigError(f"{path}: defaults.formats: must be a non-empty list of format names")

    limits = _Table(raw.get("limits", {}), "limits", path)
    max_record_bytes = limits.positive_int("max_record_bytes", DEFAULT_MAX_RECORD_BYTES)

    raw_sections = raw.get("sections", [])
    if not isinstance(raw_sections, list):
        raise ConfigError(f"{path}: sections: must be an array of tables ([[sections]])")
    sections: list[Section] = []
    for index, entry in enumerate(raw_sections):
        table = _Table(entry, f"sections[{index}]", path)
        slug = table.text("slug", required=True)
        if not SLUG.match(slug) or slug == ALL_SLUG:
            raise ConfigError(
                f"{path}: sections[{index}].slug: {slug!r} must match [a-z0-9-]+ and not be {ALL_SLUG!r}"
            )
        if any(s.slug == slug for s in sections):
            raise ConfigError(f"{path}: sections[{index}].slug: {slug!r} is configured twice")
        sections.append(
            Section(
                slug=slug,
                title=table.text("title", required=True),
                description=table.text("description", table.data.get("title")),
                url=_with_slash(table.url("url", f"{home_url}{slug}/")),
                language=table.language("language"),
                limit=table.positive_int("limit", None),
            )
        )
    if not sections:
        raise ConfigError(f"{path}: no [[sections]] configured; add one per section slug of the store")
    return Config(
        path=path, site=site, store=store, sections=tuple(sections), formats=tuple(formats), limit=limit,
        max_record_bytes=max_record_bytes,
    )
