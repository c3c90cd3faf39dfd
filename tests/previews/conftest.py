"""Sites exported for the preview tests: one whose titles and texts try to become markup; one served
on loopback, and a headless browser to open it."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from syndicate import api

from tests.conftest import make_site, write_record

# Text that a page showing it as anything but text would turn into elements, references or a script.
HOSTILE_TITLE = '<script>alert("t")</script> AT&amp;T & <b>bold</b> &lt;i&gt; "quoted" \'single\''
HOSTILE_SUMMARY = "</p><img src=x onerror=alert(1)> 5 < 6 && 7 > 3 &copy;"
HOSTILE_SECTION = 'Sport <em>&amp; "games"</em>'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `site` fixture's site with a section title, an article's title and summary that try to
    become markup, exported in RSS, Atom and JSON Feed; returns the output directory."""
    site = make_site(tmp_path_factory.mktemp("hostile"))
    config = site / "syndicate.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('title = "Sport"', f"title = '{HOSTILE_SECTION}'"),
                      encoding="utf-8")
    write_record(site, "hostile", section="sport", url="https://test.example.org/sport/hostile/?a=1&b=2",
                 title=HOSTILE_TITLE, summary=HOSTILE_SUMMARY)
    write_record(site, "plain", published="2024-01-03T10:00:00+03:00")
    out = site / "out"
    api.export(config, out_dir=out, formats=["rss", "atom", "jsonfeed"])
    return out


CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


class _Files(http.server.SimpleHTTPRequestHandler):
    """A directory served as a plain web server serves it: .xml as application/xml, the type
    Chromium applies an XML document's stylesheet to (it shows application/rss+xml and
    application/atom+xml as text)."""

    extensions_map = {".html": "text/html", ".xml": "application/xml", ".xsl": "application/xslt+xml",
                      ".json": "application/json", ".opml": "text/x-opml"}

    def log_message(self, *arguments: object) -> None:  # no line per request on stderr
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The `site` fixture's site with two stories, exported in RSS and Atom with feeds_url at a web
    server on loopback that serves the output directory (XSLT applies from the feed's own origin
    only); yields (feeds_url, output directory)."""
    site = make_site(tmp_path_factory.mktemp("served"))
    out = site / "out"
    out.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Files, directory=str(out)))
    feeds_url = f"http://127.0.0.1:{server.server_address[1]}/"
    config = site / "syndicate.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("[site]\n", f'[site]\nfeeds_url = "{feeds_url}"\n'),
                      encoding="utf-8")
    write_record(site, "first")
    write_record(site, "second", published="2024-01-03T10:00:00+03:00", summary="The second story & more.")
    api.export(config, out_dir=out, formats=["rss", "atom"])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield feeds_url, out
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """Headless Chromium (Debian's chromium and chromium-driver) driven by Selenium; skips where
    either is absent."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="Selenium is not installed (pip install selenium)")
    from selenium.webdriver.chrome.service import Service

    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        if os.environ.get("CI"):
            pytest.fail("CI must provide the browser: .ci/run installs Debian's chromium and chromium-driver")
        pytest.skip(f"no browser: {CHROMIUM} and {CHROMEDRIVER} come with Debian's chromium and chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,1200"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
