"""The fast Atom test never passes a feed schemas/atom-1.0.rng refuses: checked on the example
feeds and a feed with RFC 6721 tombstones changed at random (elements removed, repeated, moved,
renamed or added; attributes and text set to values on the edges of each datatype), and on URIs
and dates of every shape."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from syndicate.formats.atom_checks import AT, A, is_valid_feed
from syndicate.formats.xml_checks import parse_xml, relax_ng

from tests.conftest import examples
from tests.formats.conftest import lifecycle_feed, written

XML = "{http://www.w3.org/XML/1998/namespace}"
URIS = ["https://news.example.org/a/", "http://x", "https://x:8080/a?b=c#d", "https://x:123456/", "https://x:/",
        "tag:news.example.org,2014:a", "urn:isbn:1", "mailto:a@b", "/relative", "", " ", "https://a b/",
        "https://x/%zz", "https://x/%41", "https://[::1]/", "https://u@x/", "https://x/it's", "x:", "1a:b",
        "https://x/\u00e9", "https://x/<", "https://x/a|b", "a:b:c"]
DATES = ["2024-03-28T22:05:00+03:00", "2024-03-28T22:05:00Z", "2024-03-28T22:05:00.5Z", "2024-03-28T22:05:00",
         "2024-03-28t22:05:00Z", "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2024-04-31T00:00:00Z",
         "2024-13-01T00:00:00Z", "2024-03-28T24:00:00Z", "2024-03-28T23:60:00Z", "2024-03-28T23:59:60Z",
         "2024-03-28T22:05:00+14:00", "2024-03-28T22:05:00+14:01", "2024-03-28T22:05:00-13:59",
         "2024-03-28T22:05:00+03:60", "0999-01-01T00:00:00Z", "0000-01-01T00:00:00Z", " 2024-03-28T22:05:00Z"]
OTHERS = ["", " ", "text", "html", "xhtml", "alternate", "self", "enclosure", "http://www.iana.org/assignments/"
          "relation/alternate", "image/jpeg", "text/html; charset=utf-8", "multipart/mixed", "image/", "12", "-1",
          "+1", " 1", "en", "en-GB", "x_y", "toolongtag", "a@b", "a@b@c", "a @b", "society", "\u00e9"]
ALL_VALUES = URIS + DATES + OTHERS
VALUES = st.sampled_from(ALL_VALUES)
ATTRIBUTE_NAMES = ["type", "rel", "href", "term", "scheme", "label", "length", "hreflang", "title", "uri", "version",
                   "src", "ref", "when", f"{XML}lang", f"{XML}base", "foo", "{urn:x}foo"]
ATTRIBUTES = st.sampled_from(ATTRIBUTE_NAMES)
OWN_ATTRIBUTES = {"link": ["href", "rel", "type", "hreflang", "title", "length"], "category": ["term", "scheme", "label"],
                  "generator": ["uri", "version"], "content": ["type", "src"], "deleted-entry": ["ref", "when"],
                  **{name: ["type"] for name in ("title", "subtitle", "rights", "summary", "comment")}}
TAGS = st.sampled_from([f"{A}{name}" for name in ("id", "title", "updated", "published", "author", "name", "uri",
                                                   "email", "link", "category", "content", "summary", "rights",
                                                   "subtitle", "generator", "icon", "logo", "source", "entry",
                                                   "contributor", "feed")]
                      + [f"{AT}{name}" for name in ("deleted-entry", "comment", "by")] + ["{urn:x}ext", "plain"])

ATOM_FILES = ["all/atom.xml", "society/atom.xml", "analysis/atom.xml"]


@pytest.fixture(scope="module")
def feeds(example_feeds: Path) -> list[bytes]:
    return [*((example_feeds / relative).read_bytes() for relative in ATOM_FILES), written("atom", lifecycle_feed())]


def _grammar_accepts(tree: etree._ElementTree) -> bool:
    return relax_ng("atom-1.0.rng").validate(tree)


def test_the_example_feeds_pass_the_fast_test(feeds: list[bytes]):
    for data in feeds:
        assert is_valid_feed(parse_xml(data))


def _change(data: st.DataObject, tree: etree._ElementTree) -> None:
    elements = list(tree.getroot().iter(tag=etree.Element))
    element = data.draw(st.sampled_from(elements), "element")
    parent = element.getparent()
    action = data.draw(st.sampled_from(["remove", "repeat", "move", "rename", "add", "set", "unset", "text",
                                        "comment", "tail"]), "action")
    if action == "remove" and parent is not None:
        parent.remove(element)
    elif action == "repeat" and parent is not None:
        element.addnext(copy.deepcopy(element))
    elif action == "move" and parent is not None:
        parent.insert(data.draw(st.integers(0, len(parent)), "position"), element)
    elif action == "rename":
        element.tag = data.draw(TAGS, "tag")
    elif action == "add":
        child = etree.SubElement(element, data.draw(TAGS, "tag"))
        child.text = data.draw(VALUES, "text")
    elif action == "set":
        element.set(data.draw(ATTRIBUTES, "attribute"), data.draw(VALUES, "value"))
    elif action == "unset" and element.attrib:
        del element.attrib[data.draw(st.sampled_from(sorted(element.attrib)), "attribute")]
    elif action == "text":
        element.text = data.draw(VALUES, "text")
    elif action == "comment":
        element.insert(0, etree.Comment("c"))
    elif action == "tail":
        element.tail = data.draw(st.sampled_from(["x", "\n  ", ""]), "tail")


@settings(max_examples=examples(150))
@given(data=st.data())
def test_a_changed_feed_passes_the_fast_test_only_if_the_grammar_accepts_it(feeds: list[bytes], data):
    tree = parse_xml(data.draw(st.sampled_from(feeds), "feed"))
    for _ in range(data.draw(st.integers(1, 3), "changes")):
        _change(data, tree)
    if is_valid_feed(tree):
        assert _grammar_accepts(tree), etree.tostring(tree, encoding="unicode")[:2000]


# Every element and attribute the fast test knows, once.
EVERY_KIND = f"""<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <id>tag:x,2024:f</id><title type="text">t</title><subtitle>s</subtitle><rights>r</rights>
  <updated>2024-03-28T22:05:00Z</updated><generator uri="https://x/" version="1">g</generator>
  <icon>https://x/i.png</icon><logo>https://x/l.png</logo><category term="c" scheme="https://x/" label="C"/>
  <author><name>n</name><uri>https://x/n</uri><email>n@x</email></author><contributor><name>c</name></contributor>
  <link href="https://x/feed" rel="self" type="application/atom+xml" hreflang="en" title="t" length="1"/>
  <at:deleted-entry xmlns:at="http://purl.org/atompub/tombstones/1.0" ref="tag:x,2024:d"
    when="2024-03-28T22:05:00Z"><at:comment type="text">c</at:comment><link href="https://x/d"/></at:deleted-entry>
  <entry xml:lang="be"><id>tag:x,2024:e</id><title>t</title><updated>2024-03-28T22:05:00+03:00</updated>
    <published>2024-03-28T21:05:00+03:00</published><author><name>a</name></author>
    <content type="html">&lt;p&gt;b&lt;/p&gt;</content><summary type="text">s</summary><link href="https://x/e"/>
    <source><id>https://y/</id><title>y</title><updated>2024-03-28T22:05:00Z</updated><link href="https://y/"/></source>
  </entry>
</feed>""".encode()


def test_one_changed_attribute_or_text_passes_only_if_the_grammar_accepts_it():
    tree = parse_xml(EVERY_KIND)
    assert is_valid_feed(tree) and _grammar_accepts(tree)
    for element in tree.iter(tag=etree.Element):
        own = OWN_ATTRIBUTES.get(etree.QName(element).localname, [])
        for name in [*own, f"{XML}lang", f"{XML}base", "{urn:x}foo", "foo", None]:
            before = element.text if name is None else element.get(name)
            # Dates only where a date goes (text); one value where no value will do.
            for value in (ALL_VALUES if name is None else ["x"] if name in ("foo", "{urn:x}foo")
                          else URIS + OTHERS):
                if name is None:
                    element.text = value
                else:
                    element.set(name, value)
                if is_valid_feed(tree):
                    assert _grammar_accepts(tree), (tree.getpath(element), name, value)
            if name is None:
                element.text = before
            elif before is None:
                del element.attrib[name]
            else:
                element.set(name, before)


def _feed_with(value: str, where: str) -> etree._ElementTree:
    feed = etree.fromstring(
        f'<feed xmlns="http://www.w3.org/2005/Atom"><id>tag:x,2024:f</id><title>t</title>'
        f"<updated>2024-03-28T22:05:00Z</updated><author><name>n</name></author>"
        f'<link href="https://x/" rel="self"/></feed>'.encode())
    if where == "href":
        etree.SubElement(feed, f"{A}link", href=value)
    elif where == "id":
        feed.find(f"{A}id").text = value
    else:
        feed.find(f"{A}updated").text = value
    return etree.ElementTree(feed)


@settings(max_examples=examples(200))
@given(value=st.one_of(st.from_regex(r"\A[a-z]{1,5}:(//)?[a-z0-9:/?#%'@.\[\]-]{0,20}\Z"),
                       st.text(st.sampled_from("ab09:/?#%@. '-"), max_size=20)),
       where=st.sampled_from(["href", "id"]))
def test_every_uri_the_fast_test_takes_is_an_any_uri(value: str, where: str):
    tree = _feed_with(value, where)
    if is_valid_feed(tree):
        assert _grammar_accepts(tree)


@settings(max_examples=examples(200))
@given(value=st.from_regex(r"\A[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-6][0-9]:[0-6][0-9](\.[0-9])?"
                           r"(Z|[+-][01][0-9]:[0-6][0-9])\Z"))
def test_every_date_the_fast_test_takes_is_an_rfc_3339_date_time(value: str):
    tree = _feed_with(value, "updated")
    if is_valid_feed(tree):
        assert _grammar_accepts(tree)


def _example_feed():
    from datetime import datetime, timezone

    from syndicate.build import build_feeds
    from syndicate.config import load_config

    from tests.conftest import EXAMPLE_CONFIG, load_store
    return build_feeds(load_store(EXAMPLE_CONFIG).articles, load_config(EXAMPLE_CONFIG), sections=["society"],
                       as_of=datetime(2030, 1, 1, tzinfo=timezone.utc))[0]


@pytest.fixture
def known_entries(monkeypatch: pytest.MonkeyPatch):
    """A fresh record of the entries written and found valid, with what the writer says of each file."""
    from syndicate.formats import atom_checks, feedgen_feeds
    from syndicate.formats.known_items import KnownItems

    class Noted(KnownItems):
        items: list[bytes] = []

        def wrote(self, document, items):
            self.items = list(items)
            super().wrote(document, self.items)
    known = Noted()
    monkeypatch.setattr(atom_checks, "KNOWN_ENTRIES", known)
    monkeypatch.setattr(feedgen_feeds, "KNOWN_ENTRIES", known)
    return known


def test_the_writer_notes_each_entry_exactly(known_entries):
    import io

    from syndicate.formats import FORMATS
    out = io.BytesIO()
    FORMATS["atom"].write(_example_feed(), out)
    data = out.getvalue()
    entries = parse_xml(data).getroot().findall(f"{A}entry")
    assert len(known_entries.items) == len(entries) > 1
    for noted, entry in zip(known_entries.items, entries, strict=True):
        alone = etree.fromstring(b'<feed xmlns="http://www.w3.org/2005/Atom">' + noted + b"</feed>")
        assert [etree.tostring(child, method="c14n", exclusive=True) for child in alone] == [
            etree.tostring(entry, method="c14n", exclusive=True, with_tail=False)]
    assert FORMATS["atom"].check(data, None) == []
    assert len(known_entries.valid) == len(entries)
    assert FORMATS["atom"].check(data, None) == []  # every entry known


def test_known_entries_hide_no_problem_of_the_feed(known_entries):
    import io

    from syndicate.formats import FORMATS
    out = io.BytesIO()
    FORMATS["atom"].write(_example_feed(), out)
    data = out.getvalue()
    assert FORMATS["atom"].check(data, None) == []
    without_id = re.sub(rb"\n  <id>[^<]*</id>", b"", data, count=1)
    known_entries.wrote(without_id, known_entries.items)  # the same entries
    problems = FORMATS["atom"].check(without_id, None)
    assert problems and any("atom-1.0.rng" in p for p in problems)
