"""The previews in a real browser (headless Chromium): the site's page, a feed's page, and an RSS
and an Atom file through feed.xsl, each opened over HTTP on loopback and photographed."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _screenshot(driver, path: Path) -> tuple[int, int]:
    """The page's screenshot saved at PATH, checked to be a PNG with pixels: (width, height)."""
    assert driver.save_screenshot(str(path))
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR"  # the first chunk says the size
    width, height = struct.unpack(">II", data[16:24])
    assert width > 0 and height > 0 and len(data) > 1000
    return width, height


def _headings(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    return [heading.text for heading in driver.find_elements(By.TAG_NAME, "h1")]


@pytest.mark.parametrize(("relative", "title"), [
    ("index.html", "Test News: feeds"), ("society/index.html", "Test News: Society")])
def test_the_html_pages_show_the_feeds_title(chromium, served: tuple[str, Path], tmp_path: Path, relative: str,
                                             title: str):
    feeds_url, _ = served
    chromium.get(feeds_url + relative)
    _screenshot(chromium, tmp_path / "page.png")
    assert _headings(chromium) == [title] and chromium.title == title
    assert "Title of second" in chromium.page_source or relative == "index.html"


@pytest.mark.parametrize("relative", ["society/rss.xml", "society/atom.xml"])
def test_a_feed_file_shows_as_a_page_through_its_stylesheet(chromium, served: tuple[str, Path], tmp_path: Path,
                                                            relative: str):
    feeds_url, _ = served
    chromium.get(feeds_url + relative)
    if chromium.execute_script("return typeof XSLTProcessor") == "undefined":
        pytest.skip("this Chromium has no XSLT (browser makers are retiring it): the HTML pages are the preview")
    _screenshot(chromium, tmp_path / "feed.png")
    # An <h1> only the stylesheet writes: the browser's view of the XML has none.
    assert _headings(chromium) == ["Test News: Society"] and chromium.title == "Test News: Society (web feed)"
    from selenium.webdriver.common.by import By

    stories = [a.text for a in chromium.find_elements(By.CSS_SELECTOR, "ol article h2 a")]
    assert stories == ["Title of second", "Title of first"]
