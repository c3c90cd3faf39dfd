"""Plain text never becomes markup, and a body's URLs never carry a script, in any format."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import feedparser
import lxml.html
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from syndicate import api
from syndicate.content import _ALLOWED_ATTRIBUTES, _URL_ATTRIBUTES, sanitize_html
from syndicate.records import _plain

from tests.conftest import examples, write_record

FORMATS = ["rss", "atom", "jsonfeed", "newsml", "ninjs"]
NAR = {"nar": "http://iptc.org/std/nar/2006-10-01/", "h": "http://www.w3.org/1999/xhtml"}
SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _titles(feeds: Path) -> dict[str, tuple[str, str]]:
    """(type, value) of the one item's title, as each format's reader gets it."""
    rss = feedparser.parse((feeds / "rss.xml").read_bytes()).entries[0]
    atom = feedparser.parse((feeds / "atom.xml").read_bytes()).entries[0]
    headline = etree.parse(str(feeds / "newsml.xml")).findtext(".//nar:headline", namespaces=NAR)
    return {
        "rss": (rss.title_detail.type, rss.title),
        "atom": (atom.title_detail.type, atom.title),
        "jsonfeed": ("text/plain", json.loads((feeds / "feed.json").read_text(encoding="utf-8"))["items"][0]["title"]),
        "newsml": ("text/plain", headline),
        "ninjs": ("text/plain", json.loads((feeds / "ninjs.json").read_text(encoding="utf-8"))[0]["headlines"][0]["value"]),
    }


def _shown(kind: str, value: str) -> tuple[str, int]:
    """(the text a reader shows, how many elements it would render) for a title of that type."""
    if kind == "text/plain":
        return value, 0
    fragment = lxml.html.fragment_fromstring(f"<div>{value}</div>") if value else None
    return (fragment.text_content(), len(fragment) + sum(1 for _ in fragment.iterdescendants())) if value else ("", 0)


def test_an_entity_encoded_script_in_a_title_stays_text_everywhere(site: Path):
    write_record(site, "case", title=SCRIPT)
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, sections=["society"], formats=FORMATS)
    for name, (kind, value) in _titles(out / "society").items():
        assert _shown(kind, value) == (SCRIPT, 0), name  # decoded at most once: exactly as written


def test_a_script_url_in_any_url_attribute_leaves_every_format(site: Path):
    body = ('<blockquote cite="javascript:alert(1)">q</blockquote><q cite=" JaVaScRiPt:alert(2)">q</q>'
            '<del cite="vbscript:x">d</del><ins cite="data:text/html,x">i</ins>'
            '<img src="x.jpg" longdesc="javascript:alert(3)" srcset="javascript:alert(4) 1x">'
            '<video poster="javascript:alert(5)"></video><a href="java&#x09;script:alert(6)">a</a>'
            '<svg><a xlink:href="javascript:alert(7)">s</a></svg>')
    write_record(site, "case", body=body)
    out = site / "out" / "society"
    api.export(site / "syndicate.toml", out_dir=site / "out", sections=["society"], formats=FORMATS)
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8").lower()
        for scheme in ("javascript", "vbscript", "data:text"):
            assert scheme not in text, (path.name, scheme)


def test_every_allowed_url_attribute_is_filtered_by_scheme():
    # The attributes HTML defines as holding URLs; any the allow-list admits must be filtered.
    url_attributes = {"href", "src", "cite", "longdesc", "poster", "srcset", "action", "formaction", "background",
                      "codebase", "data", "usemap", "manifest", "icon", "ping", "profile", "xlink:href", "itemid"}
    admitted = {attribute for attributes in _ALLOWED_ATTRIBUTES.values() for attribute in attributes}
    assert admitted & url_attributes <= _URL_ATTRIBUTES
    for attribute in sorted(admitted & url_attributes):
        tag = next(t for t, attributes in _ALLOWED_ATTRIBUTES.items() if attribute in attributes)
        cleaned = sanitize_html(f'<{tag} {attribute}="javascript:alert(1)">x</{tag}>', base_url="https://x.org/")
        assert "javascript" not in cleaned, (tag, attribute)


PIECES = st.one_of(
    st.text(max_size=3),
    st.sampled_from(["<", ">", "&", ";", "&amp;", "&lt;", "&gt;", "&#60;", "&#x3C;", "&lt;b&gt;", "&lt;/b&gt;",
                     "<b>", "</b>", "<script>", "</script>", "<img src=x onerror=alert(1)>", "<!--", "-->", "]]>",
                     "<![CDATA[", "&amp;lt;script&amp;gt;", "<a href='javascript:x'>", "</a>", "&#0;", "\x1b",
                     "\u0085", "<video>", "<p", "x<y"]),
)


@settings(max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(PIECES, min_size=1, max_size=10))
# HTML whose text, once decoded, looks like markup: the text must not be decoded again.
@example(pieces=["<b>x</b> ", "&lt;/b&gt;", " y"])
@example(pieces=["<i>a</i>", "&lt;script&gt;", "b", "&lt;/script&gt;"])
@example(pieces=["<p>", "&amp;lt;b&amp;gt;bold&amp;lt;/b&amp;gt;", "</p>"])
def test_any_title_reads_back_as_its_text_and_never_as_an_element(pieces: list[str]):
    title = "T " + "".join(pieces)  # a title is required and must keep some text
    expected = _plain(title, fix=[], field="title")
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder)
        (site / "store").mkdir()
        (site / "syndicate.toml").write_text(
            '[site]\ntitle = "T"\nhome_url = "https://t.example.org/"\nid_prefix = "tag:t.example.org,2024:"\n'
            '[[sections]]\nslug = "society"\ntitle = "Society"\n', encoding="utf-8")
        write_record(site, "case", title=title)
        api.export(site / "syndicate.toml", out_dir=site / "out", formats=FORMATS)
        for name, (kind, value) in _titles(site / "out" / "society").items():
            assert _shown(kind, value) == (expected, 0), (name, kind, value)

