from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from syndicate.model import Article, Author, Category, Feed, Media

LIFE = datetime(2025, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=3)))
SITE = "https://news.example.org/"
SECTION = Category(term="society", label="Society", scheme=SITE, url=f"{SITE}society/")


def story(name: str, **fields) -> Article:
    """A published article of the society section, version 1, changed by FIELDS."""
    values = dict(
        id=name, item_id=f"tag:news.example.org,2025:{name}", item_uri=f"tag:news.example.org,2025:{name}",
        url=f"{SITE}society/{name}/", title=f"The {name} story", summary=f"What the {name} story says.",
        body_html=f"<p>The {name} story, as written.</p>", section="society", categories=(SECTION,),
        authors=(Author(name="Ann Lee", affiliation="News"),), published=LIFE - timedelta(days=2),
        updated=LIFE - timedelta(days=1), language="en")
    return Article(**{**values, **fields})


CORRECTED = story("corrected", version=2, correction="An earlier version gave the wrong date & place.",
                  version_created=LIFE - timedelta(hours=3))
UPDATED = story("updated", version=3, updated=LIFE - timedelta(hours=20), version_created=LIFE - timedelta(hours=2),
                expires=LIFE + timedelta(days=30), media=(Media(url=f"{SITE}media/updated.mp3", type="audio/mpeg"),))
WITHHELD = story("withheld", status="withheld", version=2, version_created=LIFE - timedelta(hours=1),
                 media=(Media(url=f"{SITE}media/withheld.jpg", type="image/jpeg", caption="A court room"),))
KILLED = story("killed", status="killed", version=4, version_created=LIFE,
               kill_reason="Legal: a court order forbids publication.")


def lifecycle_feed(**fields) -> Feed:
    """The society feed of a story corrected (version 2, with a note), one updated (version 3, no
    note, with an expiry date and a recording), one withheld (with a picture, no reason given) and one killed (with
    a reason), changed by FIELDS."""
    values = dict(
        slug="society", title="Society", description="Society news", language="en", home_url=f"{SITE}society/",
        site_url=SITE, base_url=f"{SITE}feeds/society/", updated=LIFE, items=(CORRECTED, UPDATED),
        publisher="Example News", rights="© Example News", tombstones=(KILLED, WITHHELD), version=5)
    return Feed(**{**values, **fields})


@pytest.fixture
def lifecycle() -> Feed:
    return lifecycle_feed()


def written(format_name: str, feed: Feed) -> bytes:
    """FEED as the format FORMAT_NAME writes it."""
    import io

    from syndicate.formats import FORMATS

    buffer = io.BytesIO()
    FORMATS[format_name].write(feed, buffer)
    return buffer.getvalue()
