"""A varied newsroom store, exported in every format, reads back as its records say.

Each format is read as its consumers read it: RSS and Atom with feedparser, JSON
Feed and ninjs with json, NewsML-G2 with lxml. Every instant, title, link and
media item must be the record's.
"""

from __future__ import annotations

import html
import json
from calendar import timegm
from datetime import datetime

import feedparser
from lxml import etree

from syndicate import api

NAR = {"nar": "http://iptc.org/std/nar/2006-10-01/"}


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def _instant(text: str) -> int:
    return _seconds(datetime.fromisoformat(text.replace("Z", "+00:00")))


def _shown(detail: dict, value: str) -> str:
    """What a reader shows of a feedparser text: HTML is decoded, plain text is as it is."""
    return value if detail["type"] == "text/plain" else html.unescape(value)


def test_every_file_is_valid(varied):
    out, _ = varied
    reports = api.validate([out])
    assert reports and all(r.valid for r in reports), [(r.path, r.problems) for r in reports if not r.valid]


def test_rss_reads_back_through_feedparser(varied):
    out, expected = varied
    parsed = feedparser.parse((out / "all" / "rss.xml").read_bytes())
    assert not parsed.bozo and len(parsed.entries) == len(expected)
    for entry in parsed.entries:
        record = expected[entry.id]
        assert _shown(entry.title_detail, entry.title) == record.title
        assert entry.link == record.link
        assert timegm(entry.published_parsed) == _seconds(record.published)
        if record.summary:
            assert html.unescape(entry.summary) == record.summary  # an RSS description is HTML
        assert [m["url"] for m in entry.get("media_content", [])] == list(record.media)
        assert [e.href for e in entry.get("enclosures", [])] == ([record.enclosure] if record.enclosure else [])


def test_atom_reads_back_through_feedparser(varied):
    out, expected = varied
    parsed = feedparser.parse((out / "all" / "atom.xml").read_bytes())
    assert not parsed.bozo and len(parsed.entries) == len(expected)
    for entry in parsed.entries:
        record = expected[entry.id]
        assert entry.title_detail.type == "text/plain" and entry.title == record.title
        assert entry.link == record.link
        if record.summary:
            assert (entry.summary_detail.type, entry.summary) == ("text/plain", record.summary)
        assert timegm(entry.published_parsed) == _seconds(record.published)
        assert timegm(entry.updated_parsed) == _seconds(record.updated)
        assert [link.href for link in entry.links if link.rel == "enclosure"] == list(record.media)


def test_json_feed_reads_back_through_json(varied):
    out, expected = varied
    items = json.loads((out / "all" / "feed.json").read_text(encoding="utf-8"))["items"]
    assert len(items) == len(expected)
    for item in items:
        record = expected[item["id"]]
        assert (item["title"], item["url"]) == (record.title, record.link)
        assert _instant(item["date_published"]) == _seconds(record.published)
        assert _instant(item["date_modified"]) == _seconds(record.updated)
        assert [a["url"] for a in item.get("attachments", [])] == list(record.typed_media)
        assert [m["url"] for m in item.get("_syndicate", {}).get("media", [])] == list(record.media)


def test_newsml_reads_back_through_lxml(varied):
    out, expected = varied
    tree = etree.parse(str(out / "all" / "newsml.xml"))
    items = tree.xpath("//nar:newsItem[nar:itemMeta/nar:itemClass/@qcode='ninat:text']", namespaces=NAR)
    assert len(items) == len(expected)
    by_guid = {item.get("guid"): item for item in tree.xpath("//nar:newsItem", namespaces=NAR)}
    for item in items:
        record = expected[item.get("guid")]
        assert item.findtext("nar:contentMeta/nar:headline", namespaces=NAR) == record.title
        assert item.find("nar:itemMeta/nar:link[@rel='irel:seeAlso']", NAR).get("href") == record.link
        assert _instant(item.findtext("nar:itemMeta/nar:firstCreated", namespaces=NAR)) == _seconds(record.published)
        assert _instant(item.findtext("nar:itemMeta/nar:versionCreated", namespaces=NAR)) == _seconds(record.updated)
        media_items = [by_guid[ref] for ref in item.xpath("nar:itemMeta/nar:link[@rel='irel:associatedWith']/@residref",
                                                          namespaces=NAR)]
        assert [m.find(".//nar:remoteContent", NAR).get("href") for m in media_items] == list(record.media)


def test_ninjs_reads_back_through_json(varied):
    out, expected = varied
    items = json.loads((out / "all" / "ninjs.json").read_text(encoding="utf-8"))
    assert len(items) == len(expected)
    for item in items:
        record = expected[item["uri"]]
        assert item["headlines"][0]["value"] == record.title
        assert item["renditions"][0]["href"] == record.link
        assert _instant(item["firstcreated"]) == _seconds(record.published)
        assert _instant(item["versioncreated"]) == _seconds(record.updated)
        assert [a["renditions"][0]["href"] for a in item.get("associations", [])] == list(record.media)


def test_an_empty_section_is_dated_by_the_sites_newest_article(varied):
    out, expected = varied
    newest = max(expected.values(), key=lambda e: (e.published, e.item_id))
    atom = feedparser.parse((out / "empty" / "atom.xml").read_bytes())
    assert atom.entries == [] and timegm(atom.feed.updated_parsed) == _seconds(newest.updated)
