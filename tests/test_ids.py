"""Item ids never change: not with the site's domain, a date's offset, the site's zone, or a corrected date."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
from lxml import etree

from syndicate import api

from tests.conftest import write_record

FORMATS = ["rss", "atom", "jsonfeed", "newsml", "ninjs"]
NAR = {"nar": "http://iptc.org/std/nar/2006-10-01/"}


def _ids(out: Path) -> dict[str, set[str]]:
    """The item ids of the society feed, as each format's reader sees them."""
    feed = out / "society"
    newsml = etree.parse(str(feed / "newsml.xml"))
    return {
        "rss": {e.id for e in feedparser.parse((feed / "rss.xml").read_bytes()).entries},
        "atom": {e.id for e in feedparser.parse((feed / "atom.xml").read_bytes()).entries},
        "jsonfeed": {i["id"] for i in json.loads((feed / "feed.json").read_text(encoding="utf-8"))["items"]},
        "newsml": set(newsml.xpath("//nar:newsItem[nar:itemMeta/nar:itemClass/@qcode='ninat:text']/@guid",
                                   namespaces=NAR)),
        "ninjs": {i["uri"] for i in json.loads((feed / "ninjs.json").read_text(encoding="utf-8"))},
    }


def _export(site: Path, name: str) -> dict[str, set[str]]:
    out = site / name
    api.export(site / "syndicate.toml", out_dir=out, formats=FORMATS)
    return _ids(out)


def _edit_config(site: Path, old: str, new: str) -> None:
    config = site / "syndicate.toml"
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new), encoding="utf-8")


def test_ids_are_the_id_prefix_plus_the_record_id_in_every_format(site: Path):
    write_record(site, "a", published="2014-08-06T10:00:00+03:00")
    write_record(site, "b", guid="https://old-cms.example/?p=17", published="2014-08-07T10:00:00+03:00")
    expected = {"tag:test.example.org,2024:a", "https://old-cms.example/?p=17"}  # a guid wins when present
    assert _export(site, "out") == {name: expected for name in FORMATS}


def test_the_same_record_keeps_its_ids_whatever_changes_around_it(site: Path):
    write_record(site, "a", published="2014-08-06T10:00:00+03:00")
    write_record(site, "b", published="06.08.2014 09:00")  # no zone: read in the site's zone
    before = _export(site, "before")
    # The site moves to another domain; the same instants are written with other offsets;
    # the site's zone changes (so b's local time is another instant); a's date is corrected.
    _edit_config(site, 'home_url = "https://test.example.org/"', 'home_url = "https://moved.example.net/"')
    _edit_config(site, 'timezone = "Europe/Minsk"', 'timezone = "America/Sao_Paulo"')
    write_record(site, "a", url="https://moved.example.net/society/a/", published="2014-08-07T07:00:00Z")
    write_record(site, "b", url="https://moved.example.net/society/b/", published="06.08.2014 09:00")
    after = _export(site, "after")
    assert after == before
    assert all(ids == {"tag:test.example.org,2024:a", "tag:test.example.org,2024:b"} for ids in after.values())
