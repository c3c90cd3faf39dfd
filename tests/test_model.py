"""The model (syndicate/model.py): frozen and checked when built, and pickled whole and cheaply for the
export's worker processes."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from syndicate.model import ArchiveLinks, Article, Author, Category, Feed, Media, Source

WHEN = datetime(2024, 1, 2, 10, 0, tzinfo=ZoneInfo("Europe/Minsk"))


def _article(**changes) -> Article:
    article = Article(
        id="a1", item_id="tag:x.org,2024:a1", item_uri="urn:a1", url="https://x.org/a1/", title="Заголовак & <b>",
        summary=None, body_html="<p>Body</p>", section="society", sections=("world",), tags=("tag",),
        categories=(Category(term="society", label="Society", scheme="https://x.org/"), Category(term="tag")),
        authors=(Author(name="Ann", affiliation="X", url="https://x.org/ann", email="ann@x.org"), Author(name="Bo")),
        published=WHEN, updated=WHEN + timedelta(hours=1), language="be",
        source=Source(name="S", url="https://s.org/"),
        media=(Media(url="https://x.org/i.jpg", type="image/jpeg", width=800, height=600, length=10,
                     caption="C", credit="K"),),
        rights="R", version=3, located="Minsk", status="embargoed",
        embargo_until=datetime(2024, 1, 3, tzinfo=timezone(timedelta(hours=5, minutes=45))), origin="store.db#a1")
    return dataclasses.replace(article, **changes)


def _feed(*items: Article, archive: ArchiveLinks | None = None) -> Feed:
    return Feed(slug="society/archive/00001", title="Society", description="D", language="be",
                home_url="https://x.org/s/", site_url="https://x.org/", base_url="https://x.org/feeds/society/",
                updated=WHEN, items=items, publisher="X", archive=archive)


def _every_field(instance) -> list:
    """Every field's value, those left out of == (origin) too."""
    return [getattr(instance, f.name) for f in dataclasses.fields(instance)]


def test_a_pickled_feed_comes_back_whole():
    links = ArchiveLinks(current="https://x.org/feeds/society/", prev_archive=None,
                         next_archive="https://x.org/feeds/society/archive/00002/")
    feed = _feed(_article(), _article(id="a2", item_id="tag:x.org,2024:a2", summary="S", origin="store.db#a2"),
                 archive=links)
    again = pickle.loads(pickle.dumps(feed, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == feed and type(again) is Feed and _every_field(again) == _every_field(feed)
    for article, original in zip(again.items, feed.items):
        assert type(article) is Article and _every_field(article) == _every_field(original)
        assert article.origin == original.origin  # not compared by ==, and kept
        assert [type(a) for a in article.authors] == [Author, Author] and type(article.media[0]) is Media
    assert again.items[0].embargo_until.utcoffset() == timedelta(hours=5, minutes=45)
    assert again.items[0].published.tzinfo is ZoneInfo("Europe/Minsk")


def test_a_pickled_article_is_as_frozen_as_the_one_built():
    again = pickle.loads(pickle.dumps(_article()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        again.title = "Changed"  # type: ignore[misc]
    assert hash(again) == hash(_article())


def test_an_article_is_checked_when_built():
    with pytest.raises(ValueError, match="must be timezone-aware"):
        _article(published=datetime(2024, 1, 2))
    with pytest.raises(ValueError, match="updated is earlier than published"):
        _article(updated=WHEN - timedelta(seconds=1))
