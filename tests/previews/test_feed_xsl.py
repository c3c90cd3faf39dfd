"""feed.xsl: an XSLT 1.0 stylesheet that turns our RSS and Atom files into pages with their items."""

from __future__ import annotations

import json
from pathlib import Path

import html5lib
import pytest
from lxml import etree, html

from syndicate.formats.xml_checks import parse_xml
from syndicate.previews import STYLESHEET, stylesheet_bytes

XSLT_NS = "http://www.w3.org/1999/XSL/Transform"


def _transformed(out: Path, relative: str) -> html.HtmlElement:
    """OUT/RELATIVE as the browser shows it: transformed by OUT's feed.xsl, the HTML it writes
    parsed (HTML5 without a parse error)."""
    transform = etree.XSLT(etree.fromstring((out / STYLESHEET).read_bytes()))
    result = bytes(transform(parse_xml((out / relative).read_bytes())))
    assert not transform.error_log, transform.error_log
    html5lib.HTMLParser(strict=True).parse(result)  # raises at the first parse error
    return html.document_fromstring(result)


def test_the_stylesheet_is_well_formed_xslt_1_0():
    root = etree.fromstring(stylesheet_bytes())
    assert (root.tag, root.get("version")) == (f"{{{XSLT_NS}}}stylesheet", "1.0")
    etree.XSLT(root)  # compiles, or raises XSLTParseError
    # No extension functions, nothing the browsers' XSLT 1.0 processors lack.
    assert not root.get("extension-element-prefixes")
    assert not [e for e in root.iter() if isinstance(e.tag, str) and e.tag.startswith(f"{{{XSLT_NS}}}")
                and etree.QName(e).localname in ("import", "include", "document")]


@pytest.mark.parametrize("relative", ["society/rss.xml", "society/atom.xml", "all/rss.xml", "all/atom.xml"])
def test_rss_and_atom_become_a_page_of_their_items(example_feeds: Path, relative: str):
    feed = json.loads((example_feeds / relative.split("/")[0] / "feed.json").read_text(encoding="utf-8"))
    page = _transformed(example_feeds, relative)
    assert page.findtext(".//h1") == feed["title"]
    assert page.find(".//title").text_content() == f"{feed['title']} (web feed)"
    assert feed["description"] in [p.text_content() for p in page.iterfind(".//main/p")]
    # Each item's title, link, date and summary, in the feed's order.
    items = page.findall(".//ol/li/article")
    assert [(a.findtext("h2/a"), a.find("h2/a").get("href")) for a in items] == [
        (i["title"], i["url"]) for i in feed["items"]]
    assert all(a.findtext("time") for a in items)
    assert [a.findtext("p") for a in items] == [i.get("summary") for i in feed["items"]]
    # What a feed is, and the address to subscribe to (the file's own).
    about = page.find(".//p[@class='about']").text_content()
    assert "This is a web feed" in about and f"https://news.example.org/feeds/{relative}" in about


@pytest.mark.parametrize("relative", ["sport/rss.xml", "sport/atom.xml"])
def test_text_that_looks_like_markup_shows_as_written(hostile: Path, relative: str):
    """RSS text escaped once more for readers that take it for HTML is shown once decoded: as the
    store's record has it, in both formats; nothing from the feed becomes an element."""
    feed = json.loads((hostile / "sport" / "feed.json").read_text(encoding="utf-8"))
    story = feed["items"][0]
    page = _transformed(hostile, relative)
    assert page.findtext(".//h1") == feed["title"]
    article = page.find(".//ol/li/article")
    assert (article.findtext("h2/a"), article.find("h2/a").get("href"), article.findtext("p")) == (
        story["title"], story["url"], story["summary"])
    assert not page.findall(".//script") and not page.findall(".//img") and not page.findall(".//i")
