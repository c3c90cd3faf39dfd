"""Sites exported for the preview tests: one whose titles and texts try to become markup."""

from __future__ import annotations

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
