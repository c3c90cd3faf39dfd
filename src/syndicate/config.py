"""syndicate.toml -> Config: the site, where the store is, the sections and their feeds."""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from datetime import timedelta, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from syndicate.content import to_uri
from syndicate.dates import DateError, site_timezone
from syndicate.errors import ConfigError

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
ALL_SLUG = "all"  # the whole-site feed's directory; no section may take it
DEFAULT_LIMIT = 50
DEFAULT_FORMATS = ("rss", "atom", "jsonfeed", "newsml")
DEFAULT_OPML_FORMAT = "rss"
# RFC 4151 section 2.1: tag:AUTHORITY,DATE: where the authority is a domain name or an e-mail address.
_TAG_PREFIX = re.compile(r"^tag:([a-z0-9]([a-z0-9.-]*[a-z0-9])?|[^@\s,:]+@[a-z0-9.-]+),"
                         r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?:$")
_URI_PREFIX = re.compile(r"^[a-z][a-z0-9+.-]*:[A-Za-z0-9._~:@!$&'()*+,;=/?#%-]*$")
# Every key each table may hold: anything else is a typing slip, reported with the closest name.
_KEYS = {
    "": ("site", "store", "defaults", "limits", "sections", "partners"),
    "site": ("title", "description", "home_url", "feeds_url", "id_prefix", "language", "timezone",
             "dayfirst", "publisher", "rights", "logo", "archive", "tombstone_days", "websub_hub"),
    "store": ("location", "path", "timeout", "cache"),
    "defaults": ("formats", "limit", "opml_format"),
    "limits": ("max_record_bytes", "max_feed_bytes"),
    "sections": ("slug", "title", "description", "url", "language", "limit", "archive"),
    "partners": ("formats", "sections", "limit", "content", "max_bytes", "min_image_width", "images_without_width",
                 "title_min", "title_max", "allowed_html", "embargo", "rights", "platform", "news_sitemap"),
}
# [partners.NAME] choices (README "Partner profiles"); the first of each is the default.
PARTNER_CONTENT = ("full", "summary")
PARTNER_IMAGES_WITHOUT_WIDTH = ("keep", "drop")
PARTNER_EMBARGO = ("hold", "mark")
PLATFORMS = ("google-news", "msn", "flipboard", "smartnews")
# A record (one .json file, one .jsonl line) larger than this is refused unread, so
# that a runaway import cannot exhaust memory. Large photo stories stay far below it.
DEFAULT_MAX_RECORD_BYTES = 2 * 1024 * 1024
# A feed file `import` reads (RSS, Atom, JSON Feed, NewsML-G2, ninjs) larger than this is
# refused before it is parsed; a gzip file is refused once this many bytes have come out of it.
DEFAULT_MAX_FEED_BYTES = 50 * 1024 * 1024
# [site] archive = "month": one archive page per calendar month (README "Archives").
ARCHIVE_MONTHLY = "month"
# How long partners are told of a withheld or killed story, from its updated date (README "The life
# of a story"): long enough for a receiver that polls daily to miss a few days and still see it.
DEFAULT_TOMBSTONE_DAYS = 7
# How long a command waits for a database lock (or a query) before giving up with a message.
DEFAULT_STORE_TIMEOUT = 30


@dataclass(frozen=True, slots=True, kw_only=True)
class Site:
    title: str
    description: str
    home_url: str
    feeds_url: str  # where the output directory is served, ending in '/'
    id_prefix: str  # every item id is this plus the record's id
    language: str
    timezone: tzinfo
    dayfirst: bool
    publisher: str | None = None
    rights: str | None = None
    logo: str | None = None
    # Archive pages of every feed (RFC 5005 section 4): ARCHIVE_MONTHLY, a page size, or None (off).
    archive: str | int | None = None
    tombstone_days: int = DEFAULT_TOMBSTONE_DAYS
    # The WebSub hub the feeds name (WebSub section 4, rel="hub") and `syndicate ping` notifies.
    websub_hub: str | None = None

    @property
    def tombstone_window(self) -> timedelta:
        return timedelta(days=self.tombstone_days)


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    slug: str
    title: str
    description: str
    url: str  # the section page on the site
    language: str | None = None
    limit: int | None = None
    # As Site.archive, or False (no archive for this section whatever the site's); None: the site's.
    archive: str | int | bool | None = None

    def archive_of(self, site: Site) -> str | int | None:
        """This section's archive paging: its own, else the site's (None: no archive)."""
        if self.archive is False:
            return None
        return site.archive if self.archive is None else self.archive


@dataclass(frozen=True, slots=True, kw_only=True)
class Partner:
    """A [partners.NAME] profile: what one partner is sent, under DIR/partners/NAME/."""

    name: str
    formats: tuple[str, ...]  # empty: the export's formats
    sections: tuple[str, ...]  # feed slugs ('all' for the site-wide feed); empty: every feed
    limit: int | None = None  # items per feed; None: the feed's own limit
    content: str = "full"  # one of PARTNER_CONTENT: "summary" sends no body
    max_bytes: int | None = None  # per file: the oldest items are dropped until it fits
    min_image_width: int | None = None  # narrower images are dropped
    images_without_width: str = "keep"  # one of PARTNER_IMAGES_WITHOUT_WIDTH, with min_image_width
    title_min: int | None = None  # characters: shorter titles leave their item out
    title_max: int | None = None  # characters: longer titles are cut at a word
    allowed_html: tuple[str, ...] | None = None  # body tags kept (their text is always kept); None: the default's
    embargo: str = "hold"  # one of PARTNER_EMBARGO: "mark" sends stories still under embargo, marked
    rights: str | None = None  # replaces every item's and the feed's rights
    platform: str | None = None  # one of PLATFORMS: `syndicate lint` checks the output against its rules
    news_sitemap: bool = False  # its own Google News sitemap of its stories (README "Google News sitemap")


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    path: Path
    site: Site
    store: str  # a directory or SQLite path (absolute), or a postgresql:// URL
    sections: tuple[Section, ...]
    formats: tuple[str, ...]
    limit: int
    opml_format: str = DEFAULT_OPML_FORMAT  # the format index.opml offers each feed in
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
    max_feed_bytes: int = DEFAULT_MAX_FEED_BYTES
    store_timeout: int = DEFAULT_STORE_TIMEOUT  # seconds a command waits for a database lock or query
    cache: str | None = None  # where a directory store's record cache goes (absolute), if not the default
    partners: tuple[Partner, ...] = ()  # [partners.NAME] profiles, in the order configured

    def section(self, slug: str) -> Section | None:
        return next((s for s in self.sections if s.slug == slug), None)


class _Table:
    """Typed access to one TOML table, with errors that name the key."""

    def __init__(self, data: Any, where: str, path: Path, *, kind: str | None = None):
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [{where}] must be a table")
        self.data, self.where, self.path = data, where, path
        _refuse_unknown(data, _KEYS[where if kind is None else kind], path, prefix=f"{where}.")

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
        """An absolute http(s) URL (an international one is accepted), as an RFC 3986 URI."""
        value = self.text(key, default, required=required)
        if value is None:
            return None
        try:
            return to_uri(value)
        except ValueError as error:
            raise self._fail(key, f"must be an absolute http(s) URL, got {value!r}: {error}") from None

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

    def archive(self, key: str) -> str | int | bool | None:
        """ARCHIVE_MONTHLY, a page size (a positive integer), False (off) or None (not given)."""
        value = self.data.get(key)
        if value is None or value is False or value == ARCHIVE_MONTHLY:
            return value
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        raise self._fail(key, f'must be "{ARCHIVE_MONTHLY}" (a page per calendar month), a page size (a '
                              f"positive integer: pages of that many items, counted from the oldest) or false; "
                              f"got {value!r}")

    def language(self, key: str, default: str | None = None) -> str | None:
        value = self.text(key, default)
        if value is not None and not LANGUAGE.match(value):
            raise self._fail(key, f"must be a BCP 47 language tag such as 'en' or 'be-BY', got {value!r}")
        return value


def _refuse_unknown(data: dict[str, Any], known: tuple[str, ...], path: Path, *, prefix: str) -> None:
    """A key not in KNOWN is a typing slip (records refuse unknown fields too): name it and
    the closest known name, so that 'timezon' or '[default]' is not silently ignored."""
    what, shown = ("key", lambda k: prefix + k) if prefix else ("table", lambda k: f"[{k}]")
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean {shown(close[0])}?" if close else f"known: {', '.join(map(shown, known))}"
            raise ConfigError(f"{path}: unknown {what} {shown(key)}; {hint}")


def _under(home_url: str, relative: str) -> str:
    """RELATIVE (a directory) under the site's home page: beside 'index.html' or a query,
    below a path that names a directory with or without its final '/'."""
    path = urlsplit(home_url).path
    if "?" in home_url or "#" in home_url or "." in path.rsplit("/", 1)[-1]:
        return urljoin(home_url, relative)
    return home_url.rstrip("/") + "/" + relative if path not in ("", "/") else urljoin(home_url, "/" + relative)


def _directory_url(table: _Table, key: str, default: str) -> str:
    """A URL under which files are served: it must end in '/' (one is added) and has no query."""
    url = table.url(key, default)
    if "?" in url or "#" in url:
        raise table._fail(key, f"must be a directory URL without query or fragment, got {url!r}")
    return url if url.endswith("/") else url + "/"


def _id_prefix(table: _Table) -> str:
    value = table.text("id_prefix", required=True)
    if value.startswith("tag:") and not _TAG_PREFIX.match(value):
        raise table._fail("id_prefix", f"{value!r} is not a tag URI prefix (RFC 4151); expected e.g. "
                                       "'tag:news.example.org,2014:' (your domain, a year you held it, ':')")
    if not _URI_PREFIX.match(value):
        raise table._fail("id_prefix", f"{value!r} is not the start of an absolute URI; expected e.g. "
                                       "'tag:news.example.org,2014:'")
    return value


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

    _refuse_unknown(raw, _KEYS[""], path, prefix="")
    site_table = _Table(raw.get("site"), "site", path)
    timezone_name = site_table.text("timezone", "UTC")
    try:
        zone = site_timezone(timezone_name)
    except DateError as error:
        raise ConfigError(f"{path}: site.timezone: {error}") from None
    home_url = site_table.url("home_url", required=True)
    site = Site(
        title=site_table.text("title", required=True),
        description=site_table.text("description", site_table.data.get("title")),
        home_url=home_url,
        feeds_url=_directory_url(site_table, "feeds_url", _under(home_url, "feeds/")),
        id_prefix=_id_prefix(site_table),
        language=site_table.language("language", "en"),
        timezone=zone,
        dayfirst=site_table.boolean("dayfirst", False),
        publisher=site_table.text("publisher"),
        rights=site_table.text("rights"),
        logo=site_table.url("logo"),
        archive=site_table.archive("archive") or None,
        tombstone_days=site_table.positive_int("tombstone_days", DEFAULT_TOMBSTONE_DAYS),
        websub_hub=site_table.url("websub_hub"),
    )

    store_table = _Table(raw.get("store", {}), "store", path)
    store = resolve_store(store_table.text("location", store_table.data.get("path", "store")), base=path.parent)
    store_timeout = store_table.positive_int("timeout", DEFAULT_STORE_TIMEOUT)
    cache = store_table.text("cache")

    defaults = _Table(raw.get("defaults", {}), "defaults", path)
    limit = defaults.positive_int("limit", DEFAULT_LIMIT)
    formats = defaults.data.get("formats", list(DEFAULT_FORMATS))
    if not isinstance(formats, list) or not formats or not all(isinstance(f, str) for f in formats):
        raise ConfigError(f"{path}: defaults.formats: must be a non-empty list of format names")
    opml_format = defaults.text("opml_format", DEFAULT_OPML_FORMAT)

    limits = _Table(raw.get("limits", {}), "limits", path)
    max_record_bytes = limits.positive_int("max_record_bytes", DEFAULT_MAX_RECORD_BYTES)
    max_feed_bytes = limits.positive_int("max_feed_bytes", DEFAULT_MAX_FEED_BYTES)

    raw_sections = raw.get("sections", [])
    if not isinstance(raw_sections, list):
        raise ConfigError(f"{path}: sections: must be an array of tables ([[sections]])")
    sections: list[Section] = []
    for index, entry in enumerate(raw_sections):
        table = _Table(entry, f"sections[{index}]", path, kind="sections")
        slug = table.text("slug", required=True)
        if not SLUG.fullmatch(slug) or slug == ALL_SLUG:
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
                # Used exactly as configured: a section page may be 'culture.html' or '?view=list'.
                url=table.url("url", _under(home_url, f"{slug}/")),
                language=table.language("language"),
                limit=table.positive_int("limit", None),
                archive=table.archive("archive"),
            )
        )
    if not sections:
        raise ConfigError(f"{path}: no [[sections]] configured; add one per section slug of the store")
    return Config(
        path=path, site=site, store=store, sections=tuple(sections), formats=tuple(formats), limit=limit,
        opml_format=opml_format, max_record_bytes=max_record_bytes, max_feed_bytes=max_feed_bytes,
        store_timeout=store_timeout, cache=str((path.parent / cache).resolve()) if cache else None,
        partners=_partners(raw.get("partners", {}), path, slugs=[s.slug for s in sections] + [ALL_SLUG]),
    )


def _partners(raw: Any, path: Path, *, slugs: list[str]) -> tuple[Partner, ...]:
    """The [partners.NAME] tables; NAME is a directory name, as a section slug."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: [partners] must hold one table per partner ([partners.NAME])")
    return tuple(_partner(name, entry, path, slugs=slugs) for name, entry in raw.items())


def _partner(name: str, entry: Any, path: Path, *, slugs: list[str]) -> Partner:
    if not SLUG.fullmatch(name):
        raise ConfigError(f"{path}: [partners.{name}]: the name must match [a-z0-9-]+ (it is a directory name)")
    table = _Table(entry, f"partners.{name}", path, kind="partners")
    sections = _names(table, "sections")
    unknown = [s for s in sections if s not in slugs]
    if unknown:
        raise table._fail("sections", f"unknown section {', '.join(map(repr, unknown))}; configured: {', '.join(slugs)}")
    title_min, title_max = table.positive_int("title_min", None), table.positive_int("title_max", None)
    if title_min is not None and title_max is not None and title_min > title_max:
        raise table._fail("title_min", f"{title_min} is more than title_max ({title_max})")
    allowed = _names(table, "allowed_html") if "allowed_html" in table.data else None
    return Partner(
        name=name, formats=_names(table, "formats"), sections=sections, limit=table.positive_int("limit", None),
        content=_choice(table, "content", PARTNER_CONTENT), max_bytes=table.positive_int("max_bytes", None),
        min_image_width=table.positive_int("min_image_width", None),
        images_without_width=_choice(table, "images_without_width", PARTNER_IMAGES_WITHOUT_WIDTH),
        title_min=title_min, title_max=title_max,
        allowed_html=tuple(tag.lower() for tag in allowed) if allowed is not None else None,
        embargo=_choice(table, "embargo", PARTNER_EMBARGO), rights=table.text("rights"),
        platform=_choice(table, "platform", PLATFORMS, default=None),
        news_sitemap=table.boolean("news_sitemap", False),
    )


def _names(table: _Table, key: str) -> tuple[str, ...]:
    """A list of names (formats, sections, HTML tags), each once; () when not given."""
    value = table.data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise table._fail(key, f"must be a list of names, got {value!r}")
    return tuple(dict.fromkeys(v.strip() for v in value))


_FIRST = object()


def _choice(table: _Table, key: str, choices: tuple[str, ...], *, default: Any = _FIRST) -> str | None:
    value = table.data.get(key, choices[0] if default is _FIRST else default)
    if value is not None and value not in choices:
        raise table._fail(key, f"must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value
