"""index.opml: each feed once, in a format feed readers subscribe to; the W3C validator's and validate's checks."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import listparser
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from syndicate import api
from syndicate.cli import app
from syndicate.errors import ConfigError
from syndicate.formats import FORMATS
from syndicate.opml import _as_html, check_opml

from tests.conftest import EXAMPLE_CONFIG, PROJECT, copy_example

ALL_FORMATS = ["rss", "atom", "jsonfeed", "newsml", "ninjs"]
FEEDS = "https://news.example.org/feeds/"
W3C_VALIDATOR = PROJECT.parent / "shared" / "tools" / "w3c-feedvalidator" / "check.py"


def _import(out: Path) -> listparser.common.SuperDict:
    """index.opml of OUT as a feed reader imports it."""
    parsed = listparser.parse((out / "index.opml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def _with_defaults(tmp_path: Path, **settings: str) -> Path:
    """A copy of the example site whose [defaults] table holds SETTINGS too."""
    config = copy_example(tmp_path)
    lines = "".join(f'{key} = "{value}"\n' for key, value in settings.items())
    text = config.read_text(encoding="utf-8").replace("[defaults]\n", "[defaults]\n" + lines, 1)
    config.write_text(text, encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def every_format(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("opml-all-formats")
    api.export(EXAMPLE_CONFIG, out_dir=out, formats=ALL_FORMATS)
    return out


def test_each_feed_is_offered_once_in_the_preferred_format(every_format: Path):
    feeds = _import(every_format).feeds
    assert [feed.url for feed in feeds] == [f"{FEEDS}society/rss.xml", f"{FEEDS}analysis/rss.xml",
                                            f"{FEEDS}all/rss.xml"]
    # Titled as the feeds title themselves.
    assert [feed.title for feed in feeds] == ["Example NGO News: Society", "Example NGO News: Analysis",
                                              "Example NGO News"]
    assert _import(every_format).meta.title == "Example NGO News"


def test_formats_feed_readers_do_not_read_are_never_offered(every_format: Path):
    index = (every_format / "index.opml").read_text(encoding="utf-8")
    for fmt in FORMATS.values():
        if not fmt.for_feed_readers:
            assert fmt.filename not in index
    assert {name for name, fmt in FORMATS.items() if fmt.for_feed_readers} == {"rss", "atom", "jsonfeed"}


def test_every_outline_has_a_text_a_feed_url_and_its_page(every_format: Path):
    index = (every_format / "index.opml").read_text(encoding="utf-8")
    assert index.count('type="rss"') == 3
    assert 'htmlUrl="https://news.example.org/society/"' in index
    assert 'htmlUrl="https://news.example.org/"' in index
    assert "dateCreated" not in index and "dateModified" not in index  # nothing from the clock


def test_the_site_chooses_the_format_offered(tmp_path: Path):
    config = _with_defaults(tmp_path, opml_format="atom")
    api.export(config, out_dir=tmp_path / "out", formats=ALL_FORMATS)
    assert [feed.url for feed in _import(tmp_path / "out").feeds] == [
        f"{FEEDS}society/atom.xml", f"{FEEDS}analysis/atom.xml", f"{FEEDS}all/atom.xml"]


def test_without_the_preferred_file_the_first_feed_reader_format_there_is_offered(tmp_path: Path):
    api.export(EXAMPLE_CONFIG, out_dir=tmp_path / "atom", formats=["atom"])
    assert [feed.url for feed in _import(tmp_path / "atom").feeds] == [
        f"{FEEDS}society/atom.xml", f"{FEEDS}analysis/atom.xml", f"{FEEDS}all/atom.xml"]
    api.export(EXAMPLE_CONFIG, out_dir=tmp_path / "json", formats=["ninjs", "jsonfeed", "newsml"])
    assert [feed.url for feed in _import(tmp_path / "json").feeds] == [
        f"{FEEDS}society/feed.json", f"{FEEDS}analysis/feed.json", f"{FEEDS}all/feed.json"]


def test_files_of_earlier_exports_count(tmp_path: Path):
    out = tmp_path / "out"
    api.export(EXAMPLE_CONFIG, out_dir=out, formats=["rss"], sections=["society"])
    api.export(EXAMPLE_CONFIG, out_dir=out, formats=["atom"])
    # society's rss.xml is still there, the other feeds have atom.xml only.
    assert [feed.url for feed in _import(out).feeds] == [
        f"{FEEDS}society/rss.xml", f"{FEEDS}analysis/atom.xml", f"{FEEDS}all/atom.xml"]


def test_no_feed_reader_format_still_gives_valid_opml(tmp_path: Path):
    api.export(EXAMPLE_CONFIG, out_dir=tmp_path, formats=["newsml"])
    assert _import(tmp_path).feeds == []
    assert check_opml((tmp_path / "index.opml").read_bytes()) == []


@pytest.mark.parametrize("choice", ["newsml", "ninjs", "gopher"])
def test_a_format_feed_readers_do_not_read_cannot_be_preferred(tmp_path: Path, choice: str):
    config = _with_defaults(tmp_path, opml_format=choice)
    out = tmp_path / "out"
    with pytest.raises(ConfigError, match=rf"defaults\.opml_format: .*rss, atom, jsonfeed; got '{choice}'"):
        api.export(config, out_dir=out)
    assert not out.exists()
    result = CliRunner().invoke(app, ["export", "--config", str(config), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "defaults.opml_format" in result.output and not out.exists()


# The W3C Feed Validation Service's library, beside the checkout as ../shared/tools/.
def _w3c_check(path: Path) -> str:
    if not W3C_VALIDATOR.is_file():
        pytest.skip("the W3C feed validator was not found: ../shared/tools/w3c-feedvalidator/ is not "
                    "beside the checkout")
    result = subprocess.run([sys.executable, str(W3C_VALIDATOR), "--strict", "--base", FEEDS, str(path)],
                            capture_output=True, text=True, timeout=300)
    if "No module named" in result.stderr:
        pytest.skip(f"the W3C feed validator cannot run here: {result.stderr.strip().splitlines()[-1]}")
    return result.stdout


def test_w3c_validator_accepts_the_index_of_titles_holding_markup_characters(tmp_path: Path):
    config = copy_example(tmp_path)
    text = config.read_text(encoding="utf-8")
    text = text.replace('title = "Example NGO News"', 'title = "News & <Views>"', 1)
    text = text.replace('title = "Society"', 'title = "Society & <Rights> AT&T"', 1)
    text = re.sub(r'(?m)^rights = .*$', 'rights = "© A & B <C>"', text)
    config.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    api.export(config, out_dir=out, formats=ALL_FORMATS)

    report = _w3c_check(out / "index.opml")
    assert "errors=0 warnings=0" in report, report

    # OPML 2.0 texts are HTML: a reader that reads them so shows exactly the titles.
    imported = _import(out)
    assert html.unescape(imported.meta.title) == "News & <Views>"
    assert [html.unescape(feed.title) for feed in imported.feeds] == [
        "News & <Views>: Society & <Rights> AT&T", "News & <Views>: Analysis", "News & <Views>"]
    # Only what HTML would misread is escaped; a plain '&' between words stays as it is.
    assert imported.meta.title == "News & &lt;Views>"


def test_w3c_validator_accepts_the_example_index(every_format: Path):
    report = _w3c_check(every_format / "index.opml")
    assert "errors=0 warnings=0" in report, report


@given(st.text(alphabet="ab &<>;#x1\t\n"))
def test_titles_as_html_show_exactly_the_title(title: str):
    from html5lib import HTMLParser

    written = _as_html(title)
    fragment = HTMLParser(strict=True).parseFragment(written)  # raises on invalid HTML
    assert "".join(fragment.itertext()) == title
    assert html.unescape(written) == title


def test_validate_reports_the_index_valid(every_format: Path, tmp_path: Path):
    reports = {r.path.name: r for r in api.validate([every_format])}
    assert reports["index.opml"].valid and reports["index.opml"].format_name == "opml"
    renamed = tmp_path / "subscriptions.xml"  # recognised by its content too
    shutil.copy(every_format / "index.opml", renamed)
    [report] = api.validate([renamed])
    assert report.valid and report.format_name == "opml"


BROKEN = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Example NGO News</title></head>
  <body>
    <outline type="rss" text="No address" htmlUrl="https://news.example.org/"/>
    <outline type="rss" text="Relative" xmlUrl="society/rss.xml"/>
    <outline type="rss" text="Society" xmlUrl="https://news.example.org/feeds/society/rss.xml"/>
    <outline type="rss" text="Society again" xmlUrl="https://news.example.org/feeds/society/rss.xml"/>
    <outline type="rss" text="" xmlUrl="https://news.example.org/feeds/all/rss.xml" htmlUrl="/"/>
    <outline type="rss" text="News &amp; &lt;Views>" xmlUrl="https://news.example.org/feeds/x/rss.xml"/>
  </body>
</opml>
"""


def test_validate_reports_each_problem_of_a_broken_index(tmp_path: Path):
    (tmp_path / "index.opml").write_bytes(BROKEN)
    [report] = api.validate([tmp_path])
    assert report.format_name == "opml" and not report.valid
    assert report.problems == (
        "line 5: <outline type=\"rss\"> has no xmlUrl (the feed's address)",
        "line 6: <outline> xmlUrl 'society/rss.xml' is not an absolute http(s) URL",
        "line 9: <outline type=\"rss\"> has an empty text (the name a reader shows)",
        "line 9: <outline> htmlUrl '/' is not an absolute http(s) URL",
        "line 10: <outline> text 'News & <Views>' holds an unescaped '<' or '&': an OPML text is HTML, "
        "so they must be written as &lt; and &amp;",
        "xmlUrl 'https://news.example.org/feeds/society/rss.xml' is listed 2 times",
    )
    result = CliRunner().invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path / 'index.opml'}: line 5: <outline type=\"rss\"> has no xmlUrl" in result.output
    assert "1 file checked, 1 invalid" in result.output


@pytest.mark.parametrize("document, problem", [
    (b'<opml version="1.0"><head><title>t</title></head><body><outline text="x"/></body></opml>',
     "line 1: <opml> version is '1.0', not '2.0'"),
    (b'<opml version="2.0"><head/><body><outline text="x"/></body></opml>', "line 1: <head> has no <title>"),
    (b'<opml version="2.0"><head><title>t</title></head></opml>',
     "line 1: <opml> holds <head>, not one <head> and then one <body>"),
    (b'<opml version="2.0"><head><title>t</title></head><body/></opml>', "line 1: <body> has no <outline>"),
    (b'<opml version="2.0"><head><title>t</title></head><body><outline title="x"/></body></opml>',
     "line 1: <outline> has no text attribute"),
    (b'<opml version="2.0"><head><title>t</title><colour/></head><body><outline text="x"/></body></opml>',
     "line 1: <head> holds <colour>, which OPML 2.0 does not define"),
])
def test_the_structure_of_opml_2_is_checked(document: bytes, problem: str):
    assert problem in check_opml(document)


def test_an_external_schema_applies_to_the_index(every_format: Path, tmp_path: Path):
    schema = tmp_path / "strict.rng"
    schema.write_text('<element name="opml" xmlns="http://relaxng.org/ns/structure/1.0">'
                      '<attribute name="version"><value>1.0</value></attribute><empty/></element>',
                      encoding="utf-8")
    [report] = api.validate([every_format / "index.opml"], external_schemas={"opml": schema})
    assert not report.valid and any("strict.rng" in problem for problem in report.problems)
