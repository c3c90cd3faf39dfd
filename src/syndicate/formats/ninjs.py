"""IPTC ninjs 2.2, News in JSON (https://www.iptc.org/standards/ninjs/).

A feed is written as a JSON array of ninjs 2.2 objects, one per article, in
feed order. ninjs 2.2 forbids properties it does not define (its schema says
`unevaluatedProperties: false`), so there is no extension object: what 2.2
has no place for is left out (see "Not carried" below). Every item:

  uri               Article.item_uri: the item id (the NewsML-G2 newsItem guid) when it is
                    an absolute URI, as ninjs requires; else id_prefix + the record id
  version           str(Article.version)
  standard          {"name": "ninjs", "version": "2.2", "schema": <IPTC schema URL>}
  type              "text"
  representationtype "full" when there is a body, else "partial"
  pubstatus         "usable" (only published articles, or lifted embargoes, reach a feed)
  ednote            a correction's note, on the version it corrects (formats.lifecycle)
  firstcreated      RFC 3339 of Article.published
  versioncreated    RFC 3339 of Article.created (when this version was made)
  contentcreated    RFC 3339 of Article.published
  embargoed         RFC 3339 of Article.embargo_until, when there was one
  expires           RFC 3339 of Article.expires, when it has one
  language          Article.language
  headlines         [{"role": "main", "value": title}]
  descriptions      [{"role": "summary", "value": summary}]
  bodies            [{"role": "main", "contenttype": "text/html", "value": body_html}]
  by                every Author.byline ("Name, Affiliation"), joined with "; "
  located           Article.located (the dateline place)
  subjects          one per Category, sections first, then tags:
                    section {"name": label, "uri": Category.url (the section page
                             exactly as configured, as the NewsML-G2 subject uri),
                             "literal": term (its slug)};
                    tag     {"name": term}
  infosources       [{"name": Source.name, "uri": Source.url}]: "Originally published at".
                    No role: in NewsML-G2 (nar:infoSource) a party without a role
                    is the one that originated the content.
  copyrightnotice   Article.rights, else Feed.rights
  copyrightholder   with the article's own notice: its original publisher (Source.name),
                    absent when it has none; with the feed's notice: Feed.publisher.
  renditions        [{"name": "web", "href": Article.url, "contenttype": "text/html"}]:
                    the article's page. ninjs 2.2 has no `links` property; the
                    published web page is the article's HTML rendition.
  associations      one per media in Article.media, every one, in order:
                    {"name": "<type><n>", "uri": uri + ":media:<n>",
                     "type": <type>,
                     "descriptions": [{"role": "caption", "value": caption}],
                     "by": credit,
                     "renditions": [{"name": "original", "href": url, "contenttype": type,
                                     "sizeinbytes": length, "width": width, "height": height}]}
                    where <n> is the 1-based position in Article.media (so the uri is
                    the guid of the NewsML-G2 item of the same media) and <type> follows
                    Media.kind: image -> "picture", audio -> "audio", video -> "video",
                    any other media type or none known -> "component" (the value of
                    the 2.2 `type` enum, the NewsItem Nature vocabulary, that does not
                    guess what the content is; NewsML-G2 uses ninat:component too).
                    contenttype only when the media type is known, sizeinbytes only
                    when Media.length is, width and height only for a picture or video.

Withdrawn stories (Feed.tombstones, within the site's tombstone window) follow the items,
one object each, so that receivers take them down: uri, version, standard, type "text",
representationtype "partial", pubstatus "withheld" (status withheld) or "canceled" (killed),
ednote (the kill_reason, or a default: formats.lifecycle), firstcreated, versioncreated,
language and headlines; nothing of the text or media (2.2 has no signal: a new version says
what it is by its version and, for a correction, its ednote).

Not carried (2.2 has no property for them): each author's separate name,
affiliation, url and e-mail. 2.2 describes no author structurally: `by` is a
natural-language statement (nar:by), and `people`, which has contactinfo, maps
to nar:subject, the people the story is about, not who wrote it; the byline
text keeps name and affiliation, and NewsML-G2 carries the e-mail. Also not
carried: the article's section as distinct from its other sections (all are
subjects, the own section first); the feed's own metadata (title, description,
home page, logo) since the document is a bare array.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from syndicate.content import is_absolute_http_url
from syndicate.dates import is_rfc3339, rfc3339
from syndicate.formats import Format
from syndicate.formats.known_items import KnownItems
from syndicate.formats.lifecycle import editors_notes, withdrawal_note
from syndicate.formats.per_article import PerArticle
from syndicate.formats.json_checks import (
    compact, dump_items, external_json_schema_problems, item_line, items_schema_problems, parse_json, sniff_json,
)
from syndicate.resources import json_schema

if TYPE_CHECKING:  # annotations only: importing the model is left to the code that builds feeds
    from syndicate.model import Article, Category, Feed, Media

FILENAME = "ninjs.json"
# Items found valid by the schema, and the files written last (known_items).
KNOWN_ITEMS = KnownItems()
SCHEMA = "ninjs-2.2-profile.schema.json"
STANDARD = {
    "name": "ninjs",
    "version": "2.2",
    "schema": "http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json",
}
_DATES = ("firstcreated", "versioncreated", "contentcreated", "embargoed", "expires")
# ninjs pubstatus (nar:pubStatus) of a withdrawn story, by Article.status.
_WITHDRAWN_STATUS = {"withheld": "withheld", "killed": "canceled"}
# Media.kind (the IANA top-level media type) -> ninjs news type of the association;
# any other media, or media of unknown type, is a "component".
_MEDIA_TYPES = {"image": "picture", "audio": "audio", "video": "video"}
OTHER_MEDIA_TYPE = "component"


def _subject(category: Category) -> dict[str, Any]:
    if category.url:  # a section: its page exactly as configured
        return {"name": category.label or category.term, "uri": category.url, "literal": category.term}
    return {"name": category.label or category.term}


def _copyright_holder(article: Article, rights: str | None, publisher: str | None) -> str | None:
    """Whose the copyright notice is: a syndicated article's own notice is its original publisher's,
    the site's (RIGHTS) its PUBLISHER's."""
    if article.rights:
        return article.source.name if article.source else None
    return publisher if rights else None


def _association(article: Article, number: int, media: Media) -> dict[str, Any]:
    news_type = _MEDIA_TYPES.get(media.kind or "", OTHER_MEDIA_TYPE)
    visual = media.kind in ("image", "video")  # pixels only for what is seen
    return compact({
        "name": f"{news_type}{number}",
        "uri": f"{article.item_uri or article.item_id}:media:{number}",
        "type": news_type,
        "descriptions": [{"role": "caption", "value": media.caption}] if media.caption else None,
        "by": media.credit,
        "renditions": [compact({"name": "original", "href": media.url, "contenttype": media.type,
                                 "sizeinbytes": media.length,
                                 "width": media.width if visual else None,
                                 "height": media.height if visual else None})],
    })


def _item(article: Article, rights: str | None, publisher: str | None) -> dict[str, Any]:
    """ARTICLE's item in a feed of the site whose notice is RIGHTS and publisher PUBLISHER."""
    associations = [_association(article, n, m) for n, m in enumerate(article.media, start=1)]
    return compact({
        "uri": article.item_uri or article.item_id,  # ninjs requires a URI (records.item_uri)
        "version": str(article.version),
        "standard": STANDARD,
        "type": "text",
        "representationtype": "full" if article.body_html else "partial",
        "pubstatus": "usable",
        "ednote": " ".join(editors_notes(article)) or None,
        "firstcreated": rfc3339(article.published),
        "versioncreated": rfc3339(article.created),
        "contentcreated": rfc3339(article.published),
        "embargoed": rfc3339(article.embargo_until) if article.embargo_until else None,
        "expires": rfc3339(article.expires) if article.expires else None,
        "language": article.language,
        "headlines": [{"role": "main", "value": article.title}],
        "descriptions": [{"role": "summary", "value": article.summary}] if article.summary else None,
        "bodies": [{"role": "main", "contenttype": "text/html", "value": article.body_html}]
        if article.body_html else None,
        "by": "; ".join(a.byline for a in article.authors),
        "located": article.located,
        "subjects": [_subject(c) for c in article.categories],
        "infosources": [{"name": article.source.name, "uri": article.source.url}] if article.source else None,
        "copyrightnotice": article.rights or rights,
        "copyrightholder": _copyright_holder(article, rights, publisher),
        "renditions": [{"name": "web", "href": article.url, "contenttype": "text/html"}],
        "associations": associations,
    })


def _withdrawn(article: Article) -> dict[str, Any]:
    """The object of the withdrawn ARTICLE: what it is, its status and the note, no content."""
    return {
        "uri": article.item_uri or article.item_id,
        "version": str(article.version),
        "standard": STANDARD,
        "type": "text",
        "representationtype": "partial",
        "pubstatus": _WITHDRAWN_STATUS[article.status],
        "ednote": withdrawal_note(article),
        "firstcreated": rfc3339(article.published),
        "versioncreated": rfc3339(article.created),
        "language": article.language,
        "headlines": [{"role": "main", "value": article.title}],
    }


# Each article's item line, the same in every feed of the site, made once while kept.
_LINES = PerArticle(lambda article, *site: item_line(_item(article, *site)), limit=6 * 2**20, size=len)


def write(feed: Feed, out: BinaryIO) -> None:
    lines = [_LINES(article, feed.rights, feed.publisher) for article in feed.items]
    lines += [item_line(_withdrawn(article)) for article in feed.tombstones]
    out.write(dump_items(None, lines, known=KNOWN_ITEMS))


def _objects(document: list[dict[str, Any]]):
    """(path, object) for every item and every association in it."""
    for index, item in enumerate(document):
        yield f"{index}", item
        for number, association in enumerate(item.get("associations", ())):
            yield f"{index}/associations/{number}", association


def _instant(text: str) -> datetime:
    """An RFC 3339 date-time as an aware datetime, to compare instants whatever their offsets."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _rule_problems(document: list[dict[str, Any]]) -> list[str]:
    """What our schema cannot say: zones, http(s) URLs, unique uris, date order."""
    problems: list[str] = []
    uris: set[str] = set()
    for path, item in _objects(document):
        for key in _DATES:
            if key in item and not is_rfc3339(item[key]):
                problems.append(f"{path}/{key}: {item[key]!r} is not an RFC 3339 date-time with a zone")
        if all(key in item and is_rfc3339(item[key]) for key in ("firstcreated", "versioncreated")) and (
            _instant(item["versioncreated"]) < _instant(item["firstcreated"])
        ):
            problems.append(f"{path}/versioncreated: {item['versioncreated']!r} is earlier than firstcreated")
        for number, rendition in enumerate(item.get("renditions", ())):
            if "href" in rendition and not is_absolute_http_url(rendition["href"]):
                problems.append(f"{path}/renditions/{number}/href: {rendition['href']!r} "
                                "is not an absolute http(s) URL")
        for number, source in enumerate(item.get("infosources", ())):
            if "uri" in source and not is_absolute_http_url(source["uri"]):
                problems.append(f"{path}/infosources/{number}/uri: {source['uri']!r} "
                                "is not an absolute http(s) URL")
        if item["uri"] in uris:
            problems.append(f"{path}/uri: {item['uri']!r} appears more than once")
        uris.add(item["uri"])
    return problems


def check(data: bytes, external_schema: Path | None = None) -> list[str]:
    """Problems with a ninjs.json file: our profile schema, the rules it cannot express, and
    EXTERNAL_SCHEMA (a JSON Schema for one ninjs object, applied to every item) when given."""
    try:
        document = parse_json(data)
    except ValueError as error:
        return [str(error)]
    problems = items_schema_problems(document, data, json_schema(SCHEMA), f"schemas/{SCHEMA}", items_at=None,
                                     known=KNOWN_ITEMS)
    if not problems:  # the rules below rely on the shape the schema asserts
        problems = _rule_problems(document)
    # A ninjs schema describes one news object: it applies to every item of the array.
    return problems + external_json_schema_problems(document, external_schema, per_item=True)


def _sniff(data: bytes) -> bool:
    document = sniff_json(data)
    return (isinstance(document, list) and bool(document) and isinstance(document[0], dict)
            and "uri" in document[0] and "versioncreated" in document[0])


NINJS = Format(
    name="ninjs",
    filename=FILENAME,
    media_type="application/json",
    for_feed_readers=False,
    write=write,
    check=check,
    sniff=_sniff,
)
