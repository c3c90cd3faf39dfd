"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1).

What the spec has no field for travels in the `_syndicate` extension object
(spec: "Extensions"), on the feed and on every item:
  item._syndicate = {
    "section": "<slug>",                      # the article's own section
    "authors": [{"name", "affiliation"?, "url"?, "email"?}],   # structured bylines
    "source": {"name", "url"},                 # "Originally published at"
    "rights": "...",                           # copyright notice
    "media": [{"url", "type"?, "width"?, "height"?, "length"?, "caption"?, "credit"?}],
    "version": N,                              # Article.version, from the second version on
    "correction": "..."                        # a correction's note, on the version it corrects
  }
  feed._syndicate = {"rights": "...", "updated": "<RFC 3339>",
                     "archive": true,                     # where RSS and Atom have fh:archive
                     "page_url": "<this page's URL>",     # on an archive page
                     "links": {"current"?, "prev-archive"?, "next-archive"?: "<URL>"},  # RFC 5005
                     "tombstones": [{"id", "url", "status", "when", "reason"}]}

The life of a story (README "The life of a story"): a withdrawn story (withheld or killed) leaves
the items; for the site's tombstone window, feed._syndicate.tombstones says so, newest first:
its item id, its page's URL, its status ("withheld" or "killed"), when it was withdrawn (RFC
3339 of Article.created) and the note to the receiving editors (the kill_reason, or a default:
formats.lifecycle). The spec has no field for a correction's note: besides
item._syndicate.correction, it closes the item's text, as a last paragraph of content_html, or
of content_text for an item without a body, so that every reader shows it.

WebSub (README "WebSub"): with a hub configured, a current feed's "hubs" is
[{"type": "WebSub", "url": "<the hub>"}], its topic feed_url; archive pages have none.

Archive pages (README "Archives"): next_url (spec: "the next n items") is the page of the
next older items, as RFC 5005's prev-archive: the current feed's is the newest page, each
page's the one before it, the oldest page has none. An archive page's feed_url is the current
feed's, the feed it is part of (the spec's "unique identifier for the feed").

Attachments (spec: "attachments"): every media item whose type is known (from the
record, or implied by its URL's extension), with `size_in_bytes` when known. The
spec reads attachments sharing a `title` as alternate representations of one
thing, so a caption is the `title` only when no other attachment of the item has
the same caption; every caption stays in `_syndicate.media`.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from syndicate.content import is_absolute_http_url
from syndicate.dates import is_rfc3339, rfc3339
from syndicate.formats import Format
from syndicate.formats.known_items import KnownItems
from syndicate.formats.lifecycle import correction_note, with_correction_html, with_correction_text, withdrawal_note
from syndicate.formats.per_article import PerArticle
from syndicate.formats.json_checks import (
    compact, dump_items, external_json_schema_problems, item_line, items_schema_problems, parse_json, sniff_json,
)
from syndicate.resources import json_schema

if TYPE_CHECKING:  # annotations only: importing the model is left to the code that builds feeds
    from syndicate.model import Article, Feed, Media

VERSION = "https://jsonfeed.org/version/1.1"
FILENAME = "feed.json"
# Items found valid by the schema, and the files written last (known_items).
KNOWN_ITEMS = KnownItems()
SCHEMA = "jsonfeed-1.1.schema.json"


def _media(media: Media) -> dict[str, Any]:
    return compact({"url": media.url, "type": media.type, "width": media.width, "height": media.height,
                     "length": media.length, "caption": media.caption, "credit": media.credit})


def _attachments(media: tuple[Media, ...]) -> list[dict[str, Any]]:
    typed = [m for m in media if m.type]
    shared = {caption for caption, count in Counter(m.caption for m in typed if m.caption).items() if count > 1}
    return [compact({"url": m.url, "mime_type": m.type, "title": m.caption if m.caption not in shared else None,
                     "size_in_bytes": m.length}) for m in typed]


def _item(article: Article) -> dict[str, Any]:
    image = article.lead_image
    return compact({
        "id": article.item_id,
        "url": article.url,
        "title": article.title,
        "summary": article.summary,
        "content_html": with_correction_html(article.body_html, article) if article.body_html else None,
        # Spec: content_html or content_text must be present; the summary stands in for a body.
        "content_text": None if article.body_html else with_correction_text(article.summary or article.title,
                                                                              article),
        "image": image.url if image else None,
        "date_published": rfc3339(article.published),
        "date_modified": rfc3339(article.updated),
        "authors": [compact({"name": a.byline, "url": a.url}) for a in article.authors],
        "tags": [c.label or c.term for c in article.categories],
        "language": article.language,
        "attachments": _attachments(article.media),
        "_syndicate": compact({
            "section": article.section,
            "authors": [compact({"name": a.name, "affiliation": a.affiliation, "url": a.url, "email": a.email})
                        for a in article.authors],
            "source": {"name": article.source.name, "url": article.source.url} if article.source else None,
            "rights": article.rights,
            "media": [_media(m) for m in article.media],
            "version": article.version if article.version > 1 else None,
            "correction": correction_note(article),
        }),
    })


def _tombstone(article: Article) -> dict[str, Any]:
    return {"id": article.item_id, "url": article.url, "status": article.status, "when": rfc3339(article.created),
            "reason": withdrawal_note(article)}


# Each article's item line, the same in every file, made once while kept.
_LINES = PerArticle(lambda article: item_line(_item(article)), limit=6 * 2**20, size=len)


def write(feed: Feed, out: BinaryIO) -> None:
    links = dict(feed.archive_links(FILENAME))
    page = feed.url_for(FILENAME) != feed.identity_for(FILENAME)  # an archive page
    envelope = compact({
        "version": VERSION,
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": feed.identity_for(FILENAME),
        "description": feed.description,
        "next_url": links.get("prev-archive"),
        "icon": feed.logo,
        "language": feed.language,
        # Spec: "hubs" (WebSub), "describes endpoints that can be used to subscribe to real-time
        # notifications"; the topic is feed_url.
        "hubs": [{"type": "WebSub", "url": hub} for hub in feed.hubs],
        "_syndicate": compact({"rights": feed.rights, "updated": rfc3339(feed.updated),
                               "archive": True if feed.is_archive_document else None,
                               "page_url": feed.url_for(FILENAME) if page else None,
                               "links": links, "tombstones": [_tombstone(a) for a in feed.tombstones]}),
    })
    # "items" is required even when empty; it comes last, one item a line (json_checks.dump_items).
    out.write(dump_items(envelope, [_LINES(a) for a in feed.items], known=KNOWN_ITEMS))


def check(data: bytes, external_schema: Path | None = None) -> list[str]:
    try:
        document = parse_json(data)
    except ValueError as error:
        return [str(error)]
    problems = items_schema_problems(document, data, json_schema(SCHEMA), f"schemas/{SCHEMA}", items_at="items",
                                     known=KNOWN_ITEMS)
    problems += external_json_schema_problems(document, external_schema)
    if problems or not isinstance(document, dict):
        return problems
    for key in ("home_page_url", "feed_url"):
        if key in document and not is_absolute_http_url(document[key]):
            problems.append(f"{key}: {document[key]!r} is not an absolute http(s) URL")
    for index, hub in enumerate(document.get("hubs", ())):
        if not is_absolute_http_url(hub["url"]):  # a hub is POSTed to (WebSub section 5)
            problems.append(f"hubs/{index}/url: {hub['url']!r} is not an absolute http(s) URL")
    ids: set[str] = set()
    for index, item in enumerate(document["items"]):
        for key in ("date_published", "date_modified"):
            if key in item and not is_rfc3339(item[key]):
                problems.append(f"items/{index}/{key}: {item[key]!r} is not an RFC 3339 date-time with a zone")
        for key in ("url", "image"):
            if key in item and not is_absolute_http_url(item[key]):
                problems.append(f"items/{index}/{key}: {item[key]!r} is not an absolute http(s) URL")
        if item["id"] in ids:
            problems.append(f"items/{index}/id: {item['id']!r} appears more than once")
        ids.add(item["id"])
    return problems + _tombstone_problems(document.get("_syndicate"))


def _tombstone_problems(extension: Any) -> list[str]:
    """What the schema leaves open of our extension's tombstones (an extension object's members
    are free): each one's URL, date and status."""
    tombstones = extension.get("tombstones") if isinstance(extension, dict) else None
    if tombstones is None:
        return []
    from syndicate.model import WITHDRAWN  # only for a file that has tombstones

    if not isinstance(tombstones, list) or not all(isinstance(t, dict) for t in tombstones):
        return ["_syndicate/tombstones: not a list of objects"]
    problems = []
    for index, tombstone in enumerate(tombstones):
        path = f"_syndicate/tombstones/{index}"
        if not isinstance(tombstone.get("url"), str) or not is_absolute_http_url(tombstone["url"]):
            problems.append(f"{path}/url: {tombstone.get('url')!r} is not an absolute http(s) URL")
        if not isinstance(tombstone.get("when"), str) or not is_rfc3339(tombstone["when"]):
            problems.append(f"{path}/when: {tombstone.get('when')!r} is not an RFC 3339 date-time with a zone")
        if tombstone.get("status") not in WITHDRAWN:
            problems.append(f"{path}/status: {tombstone.get('status')!r} is not one of {', '.join(WITHDRAWN)}")
    return problems


def _sniff(data: bytes) -> bool:
    document = sniff_json(data)
    return isinstance(document, dict) and str(document.get("version", "")).startswith("https://jsonfeed.org/")


JSON_FEED = Format(
    name="jsonfeed",
    filename=FILENAME,
    media_type="application/feed+json",
    for_feed_readers=True,
    write=write,
    check=check,
    sniff=_sniff,
)
