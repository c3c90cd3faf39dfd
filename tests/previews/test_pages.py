"""The HTML pages of syndicate.previews: OUT/index.html and OUT/<feed>/index.html."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import html5lib
import pytest
from lxml import html

from syndicate import api

from tests.conftest import EXAMPLE_CONFIG
from tests.previews.conftest import HOSTILE_SECTION

PAGES = ["index.html", "society/index.html", "sport/index.html", "all/index.html"]


def _page(path: Path) -> html.HtmlElement:
    return html.document_fromstring(path.read_bytes())


def _json_feed(out: Path, slug: str) -> dict:
    return json.loads((out / slug / "feed.json").read_text(encoding="utf-8"))


def test_an_export_writes_the_stylesheet_and_the_pages_with_manifest_entries(hostile: Path):
    manifest = json.loads((hostile / "manifest.json").read_text(encoding="utf-8"))["files"]
    for relative in ["feed.xsl", *PAGES]:
        data = (hostile / relative).read_bytes()
        assert manifest[relative]["sha256"] == hashlib.sha256(data).hexdigest(), relative


@pytest.mark.parametrize("relative", PAGES)
def test_each_page_is_html5_without_a_parse_error(hostile: Path, relative: str):
    parser = html5lib.HTMLParser(strict=True)  # raises at the first parse error
    document = parser.parse((hostile / relative).read_bytes())
    assert document.find("{http://www.w3.org/1999/xhtml}head") is not None
    assert (hostile / relative).read_bytes().startswith(b"<!DOCTYPE html>\n<html lang=\"en\">")


def test_titles_and_summaries_that_look_like_markup_stay_text(hostile: Path):
    story = _json_feed(hostile, "sport")["items"][0]  # as the store's record reads: '<', '&' and quotes
    assert "<i>" in story["title"] and "&" in story["title"] and "<" in story["summary"]
    page = _page(hostile / "sport" / "index.html")
    assert page.findtext(".//h1") == f"Test News: {HOSTILE_SECTION}"
    link = page.find(".//ol/li//h3/a")
    assert (link.text_content(), link.get("href")) == (story["title"], story["url"])
    assert page.find(".//ol/li//p").text_content() == story["summary"]
    # Nothing from the data became an element: the page's own elements only.
    assert {element.tag for element in page.iter() if isinstance(element.tag, str)} <= {
        "html", "head", "meta", "title", "link", "style", "body", "main", "p", "strong", "em", "a", "h1", "h2",
        "h3", "code", "ol", "li", "article", "time"}
    site = _page(hostile / "index.html")
    assert f"Test News: {HOSTILE_SECTION}" in [a.text_content() for a in site.iterfind(".//h2/a")]


def test_a_feed_page_shows_its_latest_stories_its_files_and_how_to_subscribe(example_feeds: Path):
    feed = _json_feed(example_feeds, "society")
    page = _page(example_feeds / "society" / "index.html")
    assert page.findtext(".//title") == page.findtext(".//h1") == feed["title"]
    stories = page.findall(".//ol/li//h3/a")
    assert [(a.text_content(), a.get("href")) for a in stories] == [(i["title"], i["url"]) for i in feed["items"]]
    assert [t.get("datetime") for t in page.iterfind(".//ol/li//time")] == [i["date_published"] for i in feed["items"]]
    files = [a.get("href") for a in page.iterfind(".//p[@class='formats']/a")]
    assert files == ["rss.xml", "atom.xml", "feed.json", "newsml.xml"]  # the example's formats, in registry order
    assert all((example_feeds / "society" / name).is_file() for name in files)
    subscribe = page.find(".//p[@class='subscribe']/a")
    assert subscribe.get("href") == "https://news.example.org/feeds/society/rss.xml"  # defaults.opml_format
    # Feed readers find the feed-reader formats from the page (RSS Autodiscovery); NewsML is not one.
    assert [(link.get("type"), link.get("href")) for link in page.iterfind(".//head/link[@rel='alternate']")] == [
        ("application/rss+xml", "https://news.example.org/feeds/society/rss.xml"),
        ("application/atom+xml", "https://news.example.org/feeds/society/atom.xml"),
        ("application/feed+json", "https://news.example.org/feeds/society/feed.json")]


def test_the_site_page_lists_every_feed_with_its_files_and_a_subscribe_link(example_feeds: Path):
    page = _page(example_feeds / "index.html")
    feeds = page.findall(".//ul[@class='feeds']/li")
    assert [li.find("h2/a").get("href") for li in feeds] == ["society/index.html", "analysis/index.html",
                                                             "all/index.html"]
    assert [li.findtext("h2/a") for li in feeds] == [_json_feed(example_feeds, slug)["title"]
                                                     for slug in ("society", "analysis", "all")]
    for li, slug in zip(feeds, ("society", "analysis", "all"), strict=True):
        assert li.find("p[@class='subscribe']/a").get("href") == f"https://news.example.org/feeds/{slug}/rss.xml"
        files = [a.get("href") for a in li.iterfind("p[@class='formats']/a")]
        assert len(files) == 4 and all((example_feeds / href).is_file() for href in files)
    assert page.find(".//p[@class='about']/a").get("href") == "index.opml"


def test_an_export_of_one_section_keeps_every_feed_on_the_site_page(tmp_path: Path):
    api.export(EXAMPLE_CONFIG, out_dir=tmp_path, formats=["rss"])
    first = (tmp_path / "index.html").read_bytes()
    api.export(EXAMPLE_CONFIG, out_dir=tmp_path, sections=["analysis"], formats=["atom"])
    site = _page(tmp_path / "index.html")
    assert [a.get("href") for a in site.iterfind(".//h2/a")] == ["society/index.html", "analysis/index.html",
                                                                 "all/index.html"]
    # The files of both exports: analysis in RSS (the first) and Atom (this one), the others in RSS.
    assert [a.get("href") for a in site.iterfind(".//p[@class='formats']/a")] == [
        "society/rss.xml", "analysis/rss.xml", "analysis/atom.xml", "all/rss.xml"]
    assert (tmp_path / "index.html").read_bytes() != first
    analysis = _page(tmp_path / "analysis" / "index.html")
    assert [a.get("href") for a in analysis.iterfind(".//p[@class='formats']/a")] == ["rss.xml", "atom.xml"]
