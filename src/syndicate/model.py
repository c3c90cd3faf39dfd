"""The format-neutral model every writer reads: frozen, validated when built.

One Article type serves every format (as Django's feedgenerator shares one item
model between its RSS and Atom writers); a Feed is a titled, ordered selection
of Articles. Datetimes must carry a zone: the check happens here, when an
object is built, so no writer ever has to guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


def _require_aware(owner: str, name: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{owner}.{name} must be timezone-aware, got {value!r}")


def _rebuilt(cls: type, values: tuple) -> object:
    """An instance of CLS holding VALUES, its fields in order, as _Pickled made them: not checked
    again, since it was when first built."""
    instance = object.__new__(cls)
    for name, value in zip(cls.__slots__, values):
        object.__setattr__(instance, name, value)
    return instance


class _Pickled:
    """Pickled as a tuple of its fields: the export hands pages of articles to worker processes,
    and the slotted dataclasses' own pickling (a dict of their fields, built and read in Python)
    costs 2.5 times as much."""

    __slots__ = ()

    def __reduce__(self) -> tuple:
        return _rebuilt, (type(self), tuple([getattr(self, name) for name in self.__slots__]))


@dataclass(frozen=True, slots=True, kw_only=True)
class Author(_Pickled):
    name: str
    affiliation: str | None = None
    url: str | None = None
    email: str | None = None

    @property
    def byline(self) -> str:
        """'Name, Affiliation' as the article page prints it."""
        return f"{self.name}, {self.affiliation}" if self.affiliation else self.name


@dataclass(frozen=True, slots=True, kw_only=True)
class Source(_Pickled):
    """The "Originally published at" attribution of a syndicated article."""

    name: str
    url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Media(_Pickled):
    url: str
    type: str | None = None  # the record's media type, else the one its URL's extension implies
    width: int | None = None
    height: int | None = None
    length: int | None = None  # size in bytes
    caption: str | None = None
    credit: str | None = None

    @property
    def kind(self) -> str | None:
        """'image', 'audio' or 'video' (the top-level media type), else None."""
        top = (self.type or "").partition("/")[0]
        return top if top in ("image", "audio", "video") else None

    @property
    def is_image(self) -> bool:
        return self.kind == "image"


@dataclass(frozen=True, slots=True, kw_only=True)
class Category(_Pickled):
    """A section (scheme = the site's home URL, label = its title, url = its page) or a free tag."""

    term: str
    label: str | None = None
    scheme: str | None = None
    url: str | None = None


# A record's status (schemas/article.schema.json): published, or embargoed until embargo_until,
# are public (build.is_public); drafts never are; withheld and killed stories are taken down.
STATUSES = ("published", "draft", "embargoed", "withheld", "killed")
WITHDRAWN = ("withheld", "killed")


@dataclass(frozen=True, slots=True, kw_only=True)
class Article(_Pickled):
    id: str  # the record's id
    item_id: str  # the permanent id of the item (records.item_id says how it is made)
    # The same where a format requires an absolute URI (Atom id, ninjs uri): records.item_uri.
    item_uri: str = ""
    url: str
    title: str
    summary: str | None
    body_html: str | None  # sanitised, absolute URLs
    section: str
    sections: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    categories: tuple[Category, ...] = ()  # sections first, then tags
    authors: tuple[Author, ...] = ()
    published: datetime
    updated: datetime
    language: str
    source: Source | None = None
    media: tuple[Media, ...] = ()
    rights: str | None = None
    version: int = 1
    located: str | None = None  # dateline place
    status: str = "published"  # one of STATUSES
    embargo_until: datetime | None = None
    kill_reason: str | None = None  # why a killed (or withheld) story must be taken down
    correction: str | None = None  # what a correction changed and why (README "The life of a story")
    expires: datetime | None = None  # when the item leaves every feed
    version_pinned: bool = False  # the record sets its own version: syndicate.versions never raises it
    version_created: datetime | None = None  # when this version was made (syndicate.versions); None: updated
    origin: str = field(default="", compare=False, repr=False)  # where it was read from, for messages

    def __post_init__(self) -> None:
        for name in ("published", "updated", "embargo_until", "expires", "version_created"):
            _require_aware("Article", name, getattr(self, name))
        if self.updated < self.published:
            raise ValueError(f"Article {self.id}: updated is earlier than published")

    @property
    def withdrawn(self) -> bool:
        """Withheld (for now) or killed (for good): partners must take the story down, and each
        format says so for a while (a tombstone) instead of carrying it."""
        return self.status in WITHDRAWN

    @property
    def signal(self) -> str | None:
        """What a new version of a published story is: 'correction' when the record has a
        correction note, else 'update'; None for a first version or a withdrawn story."""
        if self.version <= 1 or self.withdrawn:
            return None
        return "correction" if self.correction else "update"

    @property
    def created(self) -> datetime:
        """When this version of the item was made (NewsML-G2 versionCreated)."""
        return self.version_created or self.updated

    @property
    def all_sections(self) -> tuple[str, ...]:
        return (self.section, *(s for s in self.sections if s != self.section))

    @property
    def lead_image(self) -> Media | None:
        return next((m for m in self.media if m.is_image), None)


# RFC 5005 section 4's link relations, in the order writers write them.
ARCHIVE_RELATIONS = ("current", "prev-archive", "next-archive")


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchiveLinks(_Pickled):
    """Where a feed document stands among its archive pages (RFC 5005 section 4, "Archived Feeds").

    Each link is a directory URL (the Feed.base_url of that document): a writer adds its own file
    name, so that an RSS page links RSS pages and an Atom page Atom pages.
    """

    current: str | None = None  # on an archive page: the current feed ("current"); None on the current feed
    prev_archive: str | None = None  # the page of the next older items ("prev-archive")
    next_archive: str | None = None  # the page of the next newer items ("next-archive")

    @property
    def is_archive_document(self) -> bool:
        """Whether the page is an archive document in RFC 5005's sense, whose set of entries does
        not change, marked with fh:archive: every page but the newest, which is still filling.
        The newest becomes one, and gains its next-archive link, when a newer page starts."""
        return self.current is not None and self.next_archive is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Feed(_Pickled):
    """One section's (or the whole site's) feed, independent of format."""

    slug: str  # the output directory name
    title: str
    description: str
    language: str
    home_url: str  # the section page a reader would open
    site_url: str  # the site's home page (the publisher's)
    base_url: str  # where this feed's directory is served, ending in '/'
    updated: datetime
    items: tuple[Article, ...]
    publisher: str | None = None
    rights: str | None = None
    logo: str | None = None
    generator: str = "syndicate"
    archive: ArchiveLinks | None = None  # with archives on: the current feed's and each page's links
    # Stories withheld or killed within the site's tombstone window, newest first: each format
    # says they must be taken down (README "The life of a story"); never among the items.
    tombstones: tuple[Article, ...] = ()
    version: int = 1  # of the feed as a package of items (NewsML-G2 packageItem): syndicate.versions
    # The WebSub hubs subscribers are sent to (WebSub section 4, "Discovery"), on a current feed.
    hubs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require_aware("Feed", "updated", self.updated)
        for name, url in (("base_url", self.base_url), *((f"archive.{k}", getattr(self.archive, k))
                                                        for k in ("current", "prev_archive", "next_archive")
                                                        if self.archive is not None)):
            if url is not None and not url.endswith("/"):
                raise ValueError(f"Feed.{name} must end with '/': {url!r}")

    def url_for(self, filename: str) -> str:
        """The absolute URL at which FILENAME of this feed is served (rel=self)."""
        return self.base_url + filename

    def identity_for(self, filename: str) -> str:
        """The URL that names the feed FILENAME belongs to (the Atom id, JSON Feed's feed_url): its
        own, or on an archive page the current feed's, since every page is part of that one feed."""
        current = self.archive.current if self.archive is not None else None
        return (current or self.base_url) + filename

    def archive_links(self, filename: str) -> list[tuple[str, str]]:
        """(relation, URL of FILENAME there) for each RFC 5005 link of this document, in the order
        of ARCHIVE_RELATIONS; none without archive pages."""
        if self.archive is None:
            return []
        directories = (self.archive.current, self.archive.prev_archive, self.archive.next_archive)
        return [(relation, directory + filename)
                for relation, directory in zip(ARCHIVE_RELATIONS, directories, strict=True) if directory]

    @property
    def is_archive_document(self) -> bool:
        return self.archive is not None and self.archive.is_archive_document
