"""NewsML-G2 checks: a newsItem found valid once is not validated again, and still hides no problem."""

from pathlib import Path

import io
from datetime import datetime, timezone

import pytest
from lxml import etree

from syndicate.build import build_feeds
from syndicate.config import load_config
from syndicate.formats import newsml

from syndicate.formats import newsml_checks
from syndicate.formats.known_items import KnownItems
from syndicate.formats.newsml_checks import check
from syndicate.formats.xml_checks import parse_xml

from tests.conftest import EXAMPLE_CONFIG, load_store

NAR = "{http://iptc.org/std/nar/2006-10-01/}"


@pytest.fixture
def known(example_feeds: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, list[bytes]]:
    """The society newsml.xml, checked once: its items are known to be valid; and its items' markup."""
    monkeypatch.setattr(newsml_checks, "KNOWN_ITEMS", KnownItems())
    data = (example_feeds / "society/newsml.xml").read_bytes()
    tree = parse_xml(data)
    declaration = b' xmlns="http://iptc.org/std/nar/2006-10-01/"'  # made by newsMessage
    items = [b"\n    " + etree.tostring(item, encoding="UTF-8", with_tail=False).replace(declaration, b"", 1)
             for item in tree.getroot().find(f"{NAR}itemSet")[:-1]]
    assert b"".join(items) in data  # as the writer wrote them
    newsml_checks.KNOWN_ITEMS.wrote(data, items)
    assert newsml_checks._profile_problems(tree, data) == []
    assert len(newsml_checks.KNOWN_ITEMS.valid) == len(items)
    return data, items


def _claimed(data: bytes, items: list[bytes], edit) -> list[str]:
    """The profile's problems with DATA edited by EDIT (on its itemSet), as if the writer had written it with ITEMS."""
    tree = parse_xml(data)
    edit(tree.getroot().find(f"{NAR}itemSet"))
    edited = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    newsml_checks.KNOWN_ITEMS.wrote(edited, items)
    return newsml_checks._profile_problems(parse_xml(edited), edited)


def test_a_known_item_after_the_package_item_is_refused(known):
    def move_first_item_last(item_set):
        item_set.append(item_set[0])
    assert _claimed(*known, move_first_item_last)


def test_text_after_a_known_item_is_refused(known):
    def text_after_first_item(item_set):
        item_set[0].tail = "\n    stray text\n    "
    assert _claimed(*known, text_after_first_item)


def test_a_broken_envelope_around_known_items_is_reported_as_a_whole_check_reports_it(known):
    def no_package(item_set):
        item_set[-1].set("guid", "")
    problems = _claimed(*known, no_package)
    data = known[0]
    broken = data.replace(b'<packageItem guid="https://news.example.org/feeds/society/newsml.xml"',
                          b'<packageItem guid=""', 1)
    assert problems and problems == check(broken, None)  # not written: validated whole


def test_the_file_checked_is_left_as_it_was(known):
    data, _ = known
    tree = parse_xml(data)
    newsml_checks._profile_problems(tree, data)
    assert etree.tostring(tree, xml_declaration=True, encoding="UTF-8") + b"\n" == data


def test_the_writer_notes_its_items_and_a_second_check_asks_the_profile_about_none(
        monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(newsml_checks, "KNOWN_ITEMS", KnownItems())
    monkeypatch.setattr(newsml, "KNOWN_ITEMS", newsml_checks.KNOWN_ITEMS)
    config = load_config(EXAMPLE_CONFIG)
    feed = build_feeds(load_store(EXAMPLE_CONFIG).articles, config, sections=["society"],
                       as_of=datetime(2030, 1, 1, tzinfo=timezone.utc))[0]
    out = io.BytesIO()
    newsml.write(feed, out)
    data = out.getvalue()
    digests = newsml_checks.KNOWN_ITEMS.items_of(data)
    assert len(digests) == len(parse_xml(data).getroot().find(f"{NAR}itemSet")) - 1
    assert check(data, None) == [] and len(newsml_checks.KNOWN_ITEMS.valid) == len(set(digests))
    assert check(data, None) == []  # every item known: the profile sees the envelope alone
    assert newsml_checks.KNOWN_ITEMS.items_of(data.replace(b"<header>", b"<header> ", 1)) is None


def test_non_empty_text_in_the_profile_is_text_with_a_character_other_than_white_space():
    import itertools

    from syndicate.resources import schema_path
    rng = "http://relaxng.org/ns/structure/1.0"
    profile = etree.parse(str(schema_path(newsml_checks.PROFILE)))
    (define,) = profile.getroot().iterfind(f"{{{rng}}}define[@name='nonEmpty']")
    grammar = etree.fromstring(f'<grammar xmlns="{rng}" datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">'
                               f'<start><element name="a"><ref name="nonEmpty"/></element></start></grammar>')
    grammar.append(define)
    non_empty = etree.RelaxNG(grammar)
    characters = ["", " ", "\t", "\n", "\r", "a", "\u00a0", "\u3000", "\u2028", "\u0085", "😀"]
    for text in ("".join(c) for n in (1, 2, 3) for c in itertools.product(characters, repeat=n)):
        document = etree.Element("a")
        document.text = text
        assert non_empty.validate(document) == any(c not in " \t\n\r" for c in text), repr(text)
