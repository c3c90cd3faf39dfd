"""What partners run: the W3C Feed Validation Service's own library, strict (warnings fail too).

It sits offline in ../shared/tools/w3c-feedvalidator/ (not part of the project); it
checks every rss.xml, atom.xml and index.opml, each against the address it will
be served at.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from syndicate import api

from tests.conftest import W3C_VALIDATOR, enable_archive, monthly_store


def _w3c_strict(directory: Path, *, base: str) -> str:
    """The validator's report on DIRECTORY; fails the test unless every file has 0 errors, 0 warnings."""
    if not (W3C_VALIDATOR / "check.py").is_file():
        pytest.skip("the W3C Feed Validator is not in ../shared/tools/w3c-feedvalidator/ beside the checkout")
    result = subprocess.run([sys.executable, str(W3C_VALIDATOR / "check.py"), "--strict", "--base", base,
                             str(directory)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    checked = [line for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert checked and all(line.endswith("errors=0 warnings=0") for line in checked), result.stdout
    return result.stdout


def test_the_example_passes_strictly(example_feeds: Path):
    report = _w3c_strict(example_feeds, base="https://news.example.org/feeds/")
    assert "index.opml" in report and "society/rss.xml" in report and "all/atom.xml" in report


def test_a_varied_newsroom_store_passes_strictly(varied):
    out, _ = varied
    report = _w3c_strict(out, base="https://xn--80ae5ac4e2c.xn--90ais/feeds/")
    assert report.count("errors=0 warnings=0") == 9  # RSS and Atom of 4 feeds (one empty), and the OPML


def test_archive_pages_pass_strictly(site: Path):
    """RFC 5005's links (atom:link in RSS) and fh:archive, on the current feeds and on every page."""
    enable_archive(site, 'archive = "month"', society="archive = 4")
    monthly_store(site)
    api.export(site / "syndicate.toml", out_dir=site / "out", formats=["rss", "atom"])
    report = _w3c_strict(site / "out", base="https://test.example.org/feeds/")
    assert report.count("errors=0 warnings=0") == 2 * (3 + 3 + 1 + 3) + 1  # feeds, pages of society, sport, all; OPML
    assert "society/archive/00003/rss.xml" in report and "all/archive/2024-01/atom.xml" in report


def test_hub_links_pass_strictly(site: Path):
    """WebSub's rel="hub" (atom:link in RSS) on the current feeds, beside archive pages' links."""
    enable_archive(site, 'websub_hub = "https://hub.example.net/"\narchive = "month"')
    monthly_store(site)
    api.export(site / "syndicate.toml", out_dir=site / "out", formats=["rss", "atom"])
    assert b'rel="hub"' in (site / "out" / "society" / "rss.xml").read_bytes()
    report = _w3c_strict(site / "out", base="https://test.example.org/feeds/")
    assert report.count("errors=0 warnings=0") == 2 * (3 + 3 + 1 + 3) + 1  # feeds, pages of society, sport, all; OPML
