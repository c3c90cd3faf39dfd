"""RSS checks: an item found valid once is not validated again by the grammar, and still hides no problem."""

from __future__ import annotations

import io
from datetime import datetime, timezone
import pytest
from lxml import etree

from syndicate.build import build_feeds
from syndicate.config import load_config
from syndicate.formats import feedgen_feeds, xml_checks
from syndicate.formats.known_items import KnownItems
from syndicate.formats.xml_checks import check_rss, parse_xml

from tests.conftest import EXAMPLE_CONFIG, load_store


@pytest.fixture
def known(monkeypatch: pytest.MonkeyPatch) -> KnownItems:
    """A fresh set of RSS items found valid, the writer's and the check's."""
    items = KnownItems()
    monkeypatch.setattr(xml_checks, "KNOWN_RSS_ITEMS", items)
    monkeypatch.setattr(feedgen_feeds, "KNOWN_RSS_ITEMS", items)
    return items


@pytest.fixture
def society() -> bytes:
    config = load_config(EXAMPLE_CONFIG)
    feed = build_feeds(load_store(EXAMPLE_CONFIG).articles, config, sections=["society"],
                       as_of=datetime(2030, 1, 1, tzinfo=timezone.utc))[0]
    out = io.BytesIO()
    feedgen_feeds.write_rss(feed, out)
    return out.getvalue()


def test_the_writer_notes_its_items_and_a_second_check_asks_the_grammar_about_none(
        known: KnownItems, society: bytes, monkeypatch: pytest.MonkeyPatch):
    items = parse_xml(society).getroot().find("channel").findall("item")
    assert len(known.items_of(society)) == len(items) > 1
    assert check_rss(society) == [] and len(known.valid) == len(items)
    # Known: the grammar sees the channel without them.
    seen: list[int] = []
    real = xml_checks.relax_ng("rss-2.0.rng")

    class Counting:
        error_log = real.error_log

        @staticmethod
        def validate(tree) -> bool:
            seen.append(len(tree.getroot().find("channel").findall("item")))
            return real.validate(tree)

    monkeypatch.setattr(xml_checks, "relax_ng", lambda name: Counting)
    assert check_rss(society) == [] and seen == [0]
    assert known.items_of(society.replace(b"<channel>", b"<channel> ", 1)) is None  # not as written


def test_a_known_item_made_invalid_in_the_file_is_still_found(known: KnownItems, society: bytes):
    assert check_rss(society) == []
    # The same items noted, in a file whose first item has lost its title and description: a
    # file that is not as written is validated whole.
    tree = parse_xml(society)
    first = tree.getroot().find("channel").find("item")
    for name in ("title", "description"):
        first.remove(first.find(name))
    broken = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    items = [b"\n    " + etree.tostring(item, encoding="UTF-8", with_tail=False)
             for item in tree.getroot().find("channel").findall("item")]
    known.wrote(broken, items)
    problems = check_rss(broken)
    assert problems and any("item" in problem for problem in problems), problems


def test_the_file_checked_is_left_as_it_was(known: KnownItems, society: bytes):
    assert check_rss(society) == []
    tree = parse_xml(society)
    before = etree.tostring(tree)
    assert xml_checks.schema_problems_once_per_item(
        tree, society, "rss-2.0.rng", known=known, holder=tree.getroot().find("channel"),
        items_of=lambda children: [c for c in children if c.tag == "item"]) == []
    assert etree.tostring(tree) == before


def test_text_after_a_known_item_is_refused(known: KnownItems, society: bytes):
    assert check_rss(society) == []
    tree = parse_xml(society)
    channel = tree.getroot().find("channel")
    channel.findall("item")[0].tail = "\n    stray text\n    "
    edited = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    items = [b"\n    " + etree.tostring(item, encoding="UTF-8", with_tail=False) for item in channel.findall("item")]
    known.wrote(edited, items)
    assert check_rss(edited)
