import filecmp
from pathlib import Path

import pytest

from syndicate import api
from syndicate.errors import InvalidRecords, UsageError

from tests.conftest import EXAMPLE_CONFIG, EXAMPLE_PARTNER_FILES, write_record

LAYOUT = sorted(
    [f"{slug}/{name}" for slug in ("society", "analysis", "all")
     for name in ("rss.xml", "atom.xml", "feed.json", "newsml.xml", "index.html")]
    + ["index.opml", "manifest.json", "sitemap-news.xml", "feed.xsl", "index.html"] + EXAMPLE_PARTNER_FILES
)


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.is_file() and not p.name.startswith("."))


def test_export_writes_the_layout(example_feeds: Path):
    assert _files(example_feeds) == LAYOUT


def test_two_exports_give_identical_bytes(tmp_path: Path, example_feeds: Path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "2000000000")  # a later "now" changes nothing either
    report = api.export(EXAMPLE_CONFIG, out_dir=tmp_path / "again")
    match, mismatch, errors = filecmp.cmpfiles(example_feeds, tmp_path / "again", LAYOUT, shallow=False)
    assert (mismatch, errors) == ([], [])
    assert len(report.written) == len(LAYOUT)
    again = api.export(EXAMPLE_CONFIG, out_dir=tmp_path / "again")
    assert again.written == () and len(again.unchanged) == len(LAYOUT)  # nothing rewritten


def test_section_and_format_limit_what_is_written(tmp_path: Path):
    api.export(EXAMPLE_CONFIG, out_dir=tmp_path, sections=["analysis"], formats=["atom", "jsonfeed"])
    assert _files(tmp_path) == ["analysis/atom.xml", "analysis/feed.json", "analysis/index.html", "feed.xsl",
                                "index.html", "index.opml", "manifest.json",
                                "partners/agency/analysis/newsml.xml", "partners/agency/analysis/ninjs.json",
                                "partners/agency/index.opml", "partners/google-news/analysis/rss.xml",
                                "partners/google-news/index.opml"]  # the partners' own formats; no news
    # sitemap: an export of some sections does not see the others' stories
    index = (tmp_path / "index.opml").read_text(encoding="utf-8")
    assert 'xmlUrl="https://news.example.org/feeds/analysis/atom.xml"' in index
    assert "society" not in index


def test_index_lists_every_feed_once(example_feeds: Path):
    index = (example_feeds / "index.opml").read_text(encoding="utf-8")
    for slug in ("society", "analysis", "all"):
        assert f'xmlUrl="https://news.example.org/feeds/{slug}/rss.xml"' in index
    assert index.count("<outline ") == 3


def test_unknown_section_or_format_is_a_usage_error(tmp_path: Path):
    with pytest.raises(UsageError, match="unknown section 'weather'"):
        api.export(EXAMPLE_CONFIG, out_dir=tmp_path, sections=["weather"])
    with pytest.raises(UsageError, match="unknown format 'gopher'"):
        api.export(EXAMPLE_CONFIG, out_dir=tmp_path, formats=["gopher"])
    assert not any(tmp_path.iterdir())


def test_bad_records_write_nothing_and_keep_previous_output(site: Path):
    write_record(site, "good")
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    write_record(site, "newer", published="2025-01-01")
    write_record(site, "broken", title=None)
    with pytest.raises(InvalidRecords):
        api.export(site / "syndicate.toml", out_dir=out)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_validate_finds_feeds_by_name_and_by_content(example_feeds: Path, tmp_path: Path):
    renamed = tmp_path / "society-latest.xml"
    renamed.write_bytes((example_feeds / "society/atom.xml").read_bytes())
    reports = api.validate([example_feeds, renamed])
    assert all(r.valid for r in reports), [r for r in reports if not r.valid]
    assert len(reports) == 15 + len(EXAMPLE_PARTNER_FILES)  # 12 feeds, index.opml, sitemap-news.xml, the
    # partners' and the renamed copy
    assert reports[-1].format_name == "atom"


def test_validate_reports_invalid_files(tmp_path: Path, example_feeds: Path):
    broken = tmp_path / "rss.xml"
    broken.write_bytes((example_feeds / "society/rss.xml").read_bytes().replace(b"GMT</pubDate>", b"</pubDate>"))
    (report,) = api.validate([broken])
    assert not report.valid and any("pubDate" in p for p in report.problems)
