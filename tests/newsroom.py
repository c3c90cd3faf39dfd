"""A varied newsroom store, as a CMS leaves it behind, with what every record must read back as.

Scripts (Belarusian, Arabic, Hebrew, CJK, emoji), text that looks like markup
but is not, entity-like text, control characters, dates in the forms CMSes, SQL
clients and Ruby write, media of every kind with and without captions and types,
authors with e-mails, section pages with a query or a file name, international
URLs. Seeded, so that every run builds the same store.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

SITE_ZONE = ZoneInfo("Europe/Minsk")
CONFIG = """
[site]
title = "Навіны & <Views>"
description = "News & analysis from Belarus; ]]> is just text"
home_url = "https://навіны.бел:443/"
id_prefix = "tag:naviny.example.org,2014:"
language = "be"
timezone = "Europe/Minsk"
dayfirst = true
publisher = "Навіны & Co"
rights = "© Навіны & Co <2024>"
logo = "https://навіны.бел/static/лого.png"

[[sections]]
slug = "society"
title = "Society & People"
url = "https://навіны.бел/society.html"

[[sections]]
slug = "world"
title = "Свет <World>"
description = "Сусветныя навіны"
url = "https://навіны.бел/list?view=world&lang=be"

[[sections]]
slug = "empty"
title = "Nothing here yet"
"""
HOST = "https://навіны.бел"
HOST_URI = "https://xn--80ae5ac4e2c.xn--90ais"

TITLES = [
    "Беларусь: навіны дня", "أخبار اليوم في مينسك", "חדשות היום בירושלים", "明斯克新闻：今日要闻", "Emoji 🎉 party 🇧🇾",
    "Why x<y matters", "List<String> in Java", "Fish & Chips ]]> <![CDATA[ trick", "Fish &amp; Chips",
    "AT&T and T-Mobile", "Tom's \"quoted\" title", "The <video> element", "a > b < c & d", "Ранак &#1234; ноч",
    "Mixed: עברית and English", "Ціхая ноч — «цытата»",
]
# Removed (with a warning) on the way in: C1 controls and a C0 one.
CONTROLS = {"\u0085": "", "\u0093": "", "\x1b": ""}


@dataclass(frozen=True, slots=True)
class Expected:
    """What a reader must find for one record."""

    item_id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    media: tuple[str, ...]  # every media URL, in order, as a URI
    typed_media: tuple[str, ...]  # those whose type is known
    enclosure: str | None  # the first audio or video
    summary: str | None  # the summary shown, where the record decides it (not a teaser of the body)


def _date_forms(moment: datetime) -> list[tuple[str, datetime]]:
    """MOMENT written as CMSes write it, each with the instant it must be read as."""
    whole = moment.replace(microsecond=0)
    utc = whole.astimezone(timezone.utc)
    offset = whole.strftime("%z")  # +0545
    colon = offset[:3] + ":" + offset[3:]
    local = whole.astimezone(SITE_ZONE)
    est = whole.astimezone(timezone(timedelta(hours=-5)))
    minute = whole.replace(second=0)
    return [
        (whole.isoformat(), whole),
        (whole.strftime("%Y-%m-%d %H:%M:%S ") + offset, whole),  # Ruby's Time#to_s
        (whole.strftime("%Y-%m-%d %H:%M:%S") + colon, whole),  # SQL clients
        (whole.strftime("%Y-%m-%dT%H:%M:%S.5 ") + colon, whole),  # a fraction, a space before the offset
        (utc.strftime("%Y%m%dT%H%M%SZ"), whole),  # ISO 8601 basic format
        (utc.strftime("%Y-%m-%dT%H:%M:%S UTC"), whole),
        (utc.strftime("%a, %d %b %Y %H:%M:%S GMT"), whole),  # RFC 822
        (whole.strftime("%a, %d %b %Y %H:%M:%S ") + offset, whole),
        (est.strftime("%a, %d %b %Y %H:%M:%S EST"), whole),  # an RFC 822 zone name
        (local.strftime("%Y-%m-%d %H:%M"), minute),  # no zone: the site's
        (local.strftime("%d.%m.%Y %H:%M"), minute),  # day first
    ]


def _media(rng: random.Random, n: int) -> tuple[list[dict], list[str], list[str], str | None]:
    items = [
        {"url": f"{HOST}/фота/{n}.jpg", "caption": rng.choice(["", "Same caption", f"Фота {n} & <b>"])},
        {"url": f"{HOST}/img/{n}b.png", "caption": "Same caption", "credit": "Photo & Co", "width": 800,
         "height": 600},
        {"url": f"{HOST}/audio/{n}.mp3", "length": 12345, "caption": "Гук"},
        {"url": f"{HOST}/video/{n}", "type": "video/mp4"},
        {"url": f"{HOST}/docs/{n}.pdf"},
        {"url": f"{HOST}/opaque/{n}"},  # no type, none implied
    ]
    chosen = rng.sample(items, rng.randint(0, len(items)))
    urls = [m["url"].replace(HOST, HOST_URI).replace("/фота/", "/%D1%84%D0%BE%D1%82%D0%B0/") for m in chosen]
    typed = [u for m, u in zip(chosen, urls) if "opaque" not in m["url"]]
    enclosure = next((u for m, u in zip(chosen, urls) if "/audio/" in m["url"] or "/video/" in m["url"]), None)
    return chosen, urls, typed, enclosure


def build(site: Path, *, count: int = 40, seed: int = 8) -> dict[str, Expected]:
    """Write the config and COUNT records under SITE; return what each must read back as, by item id."""
    rng = random.Random(seed)
    (site / "syndicate.toml").write_text(CONFIG, encoding="utf-8")
    store = site / "store"
    store.mkdir()
    expected: dict[str, Expected] = {}
    for n in range(count):
        zone = timezone(timedelta(minutes=rng.choice([0, 180, 345, 330, -570, -300, 840, -720, 60])))
        moment = datetime(1995, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=rng.randrange(30 * 365 * 86400))
        published_text, published = rng.choice(_date_forms(moment.astimezone(zone)))
        updated_text, updated = rng.choice(_date_forms((published + timedelta(hours=rng.randint(0, 500)))
                                                       .astimezone(zone)))
        if updated < published:
            updated_text, updated = published_text, published
        title = rng.choice(TITLES) + f" {n}"
        raw_title = title + rng.choice(["", *CONTROLS])
        media, urls, typed, enclosure = _media(rng, n)
        authors = rng.choice([
            [{"name": "Ігар Губарэвіч", "affiliation": "BelarusDigest", "email": "ihar@example.org"}],
            [{"name": "A & B"}, {"name": "Ганна", "email": "hanna@example.org"}],
            [],
        ])
        record = {
            "id": f"r{n:02d}",
            "url": f"{HOST}/{rng.choice(['society', 'world'])}/{n}/навіна%20{n}?from=feed&x=1",
            "title": raw_title,
            "section": rng.choice(["society", "world"]),
            "published": published_text,
            "updated": updated_text,
            "summary": rng.choice([None, title + " — summary & <more>", "x<y &amp; ]]>"]),
            "body": rng.choice([None, f"<p>Body <b>{n}</b><i>x</i> <a href='/спасылка/{n}'>link</a>"
                                      f"<img src='pic {n}.jpg' alt=''></p><pre>  code\n    more\n</pre>"]),
            "authors": authors,
            "media": media,
            "tags": rng.sample(["тэг & <tag>", "emoji 🎉", "עברית", "中文"], rng.randint(0, 3)),
            "source": rng.choice([None, {"name": "Source & <Co>", "url": "https://source.example.org:443/a/../b/"}]),
            "rights": rng.choice([None, "© Partner & Co"]),
            "language": rng.choice(["be", "ar", "he", "zh", "en"]),
        }
        if n % 7 == 3:
            record["guid"] = f"https://old-cms.example/?p={n}"
        record = {k: v for k, v in record.items() if v not in (None, [])}
        (store / f"{record['id']}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        item_id = record.get("guid", f"tag:naviny.example.org,2014:{record['id']}")
        link = record["url"].replace(HOST, HOST_URI).replace("навіна", "%D0%BD%D0%B0%D0%B2%D1%96%D0%BD%D0%B0")
        summary = record.get("summary") or (None if "body" in record else title)
        expected[item_id] = Expected(item_id=item_id, title=title, link=link, published=published, updated=updated,
                                     media=tuple(urls), typed_media=tuple(typed), enclosure=enclosure,
                                     summary=summary)
    return expected
