"""The inputs hash of a feed file (export/manifest.py): whatever a Feed holds decides it."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from syndicate.export.manifest import inputs_hashes
from syndicate.model import Article, Author, Category, Feed, Media, Source

WHEN = datetime(2024, 1, 2, 10, 0, tzinfo=timezone(timedelta(hours=3)))


def _article(**changes) -> Article:
    article = Article(
        id="a1", item_id="tag:x.org,2024:a1", item_uri="tag:x.org,2024:a1", url="https://x.org/a1/",
        title="Title", summary="Summary", body_html="<p>Body</p>", section="society", sections=("world",),
        tags=("tag",), categories=(Category(term="society", label="Society", scheme="https://x.org/"),),
        authors=(Author(name="Ann", affiliation="X", url="https://x.org/ann", email="ann@x.org"),),
        published=WHEN, updated=WHEN, language="en", source=Source(name="S", url="https://s.org/"),
        media=(Media(url="https://x.org/i.jpg", type="image/jpeg", width=800, height=600, length=10,
                     caption="C", credit="K"),),
        rights="R", version=1, located="Minsk", status="published", embargo_until=None, origin="store#a1")
    return dataclasses.replace(article, **changes)


def _feed(*items: Article) -> Feed:
    return Feed(slug="society", title="Society", description="D", language="en", home_url="https://x.org/s/",
                site_url="https://x.org/", base_url="https://x.org/feeds/society/", updated=WHEN, items=items)


OTHER_VALUES = {
    "id": "a2", "item_id": "tag:x.org,2024:a2", "item_uri": "urn:a2", "url": "https://x.org/a2/", "title": "Other",
    "summary": None, "body_html": "<p>Body.</p>", "section": "world", "sections": (), "tags": ("other",),
    "categories": (Category(term="society", label="People", scheme="https://x.org/"),),
    "authors": (Author(name="Ann", affiliation="Y"),), "published": WHEN - timedelta(seconds=1),
    "updated": WHEN + timedelta(hours=1), "language": "be", "source": None,
    "media": (Media(url="https://x.org/i.jpg", type="image/jpeg", width=801, height=600),),
    "rights": "None", "version": 2, "located": None, "status": "embargoed", "embargo_until": WHEN,
    "kill_reason": "Legal", "correction": "Fixed the name.", "expires": WHEN + timedelta(days=1),
    "version_pinned": True, "version_created": WHEN + timedelta(hours=2), "embargo_note": "Embargoed until then.",
}


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(Article) if f.compare])
def test_every_field_of_an_article_changes_the_inputs_hash(name):
    assert name in OTHER_VALUES, f"Article.{name} is new: give it another value here"
    before = inputs_hashes(_feed(_article()), ["rss"])
    assert inputs_hashes(_feed(_article(**{name: OTHER_VALUES[name]})), ["rss"]) != before


def test_where_an_article_was_read_from_does_not_change_it():
    assert inputs_hashes(_feed(_article()), ["rss"]) == inputs_hashes(_feed(_article(origin="file.json")), ["rss"])


def test_items_are_told_apart_whatever_their_text_holds():
    # The same text split differently between two items, or between a string and a repr.
    one = _feed(_article(title="a\x00sb"), _article(id="a2"))
    other = _feed(_article(title="a"), _article(id="a2"))
    assert inputs_hashes(one, ["rss"]) != inputs_hashes(other, ["rss"])
    assert inputs_hashes(_feed(_article(rights="None")), ["rss"]) != inputs_hashes(_feed(_article(rights=None)), ["rss"])


def test_feed_fields_and_format_change_it():
    base = _feed(_article())
    assert inputs_hashes(dataclasses.replace(base, title="Other"), ["rss"]) != inputs_hashes(base, ["rss"])
    hashes = inputs_hashes(base, ["rss", "atom"])
    assert hashes["rss"] != hashes["atom"]
