"""Partner trees in an export: DIR/partners/NAME/<section>/<file> and its index.opml, checked as
the public files are; the public files unchanged by profiles; lint's lines as warnings, or with
--strict an error and nothing published."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syndicate import api
from syndicate.cli import app
from syndicate.errors import ConfigError, RulesBroken
from syndicate.formats import FORMATS

from tests.conftest import reference
from tests.partner_site import AS_OF, PROFILES, partner_site

runner = CliRunner()
AGENCY = """
[partners.agency]
formats = ["newsml", "ninjs"]
embargo = "mark"
rights = "Licensed to the agency."
"""
TRIMMED = """
[partners.trimmed]
formats = ["rss", "jsonfeed"]
sections = ["society"]
limit = 4
title_min = 21
title_max = 60
min_image_width = 800
images_without_width = "drop"
allowed_html = ["p"]
"""


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def test_partner_trees_are_written_and_the_public_files_stay_byte_identical(tmp_path: Path):
    (tmp_path / "plain").mkdir()
    (tmp_path / "profiled").mkdir()
    plain = partner_site(tmp_path / "plain", profiles="")
    with_profiles = partner_site(tmp_path / "profiled", profiles=PROFILES + AGENCY + TRIMMED)
    api.export(plain, out_dir=tmp_path / "plain" / "out", as_of=AS_OF)
    report = api.export(with_profiles, out_dir=tmp_path / "profiled" / "out", as_of=AS_OF)
    public, profiled = _files(tmp_path / "plain" / "out"), _files(tmp_path / "profiled" / "out")
    partner_files = {k for k in profiled if k.startswith("partners/")}
    assert {k: profiled[k] for k in public if k != "manifest.json"} == {k: v for k, v in public.items()
                                                                      if k != "manifest.json"}
    assert partner_files == {
        "partners/gn/index.opml", "partners/gn/society/rss.xml",
        "partners/msn/index.opml", "partners/msn/society/rss.xml", "partners/msn/society/atom.xml",
        "partners/fb/index.opml", "partners/fb/society/rss.xml", "partners/sn/index.opml", "partners/sn/society/rss.xml",
        "partners/agency/index.opml", *(f"partners/agency/{s}/{f}" for s in ("society", "sport", "all")
                                        for f in ("newsml.xml", "ninjs.json")),
        "partners/trimmed/index.opml", "partners/trimmed/society/rss.xml", "partners/trimmed/society/feed.json"}
    manifest = json.loads(profiled["manifest.json"])["files"]
    assert partner_files <= set(manifest)  # an unchanged one is not rendered again
    assert b"secret" not in b"".join(v for k, v in profiled.items() if not k.startswith("partners/agency/"))
    for relative in partner_files:
        fmt = next((f for f in FORMATS.values() if relative.endswith("/" + f.filename)), None)
        if fmt is not None:
            assert fmt.check(profiled[relative], None) == [], relative
    assert b"https://test.example.org/feeds/partners/gn/society/rss.xml" in profiled["partners/gn/index.opml"]
    assert any(w.startswith("partners/gn/society/rss.xml: item 4 (teaser)") for w in report.warnings)
    # Advice (a platform's condition for featuring, not a refusal) is `syndicate lint`'s to say, not every export's.
    lint = runner.invoke(app, ["lint", str(tmp_path / "profiled" / "out"), "-c", str(with_profiles)])
    assert "advice: " in lint.output and not any(w.startswith("advice: ") for w in report.warnings)
    again = api.export(with_profiles, out_dir=tmp_path / "profiled" / "out", as_of=AS_OF)
    assert again.written == () and _files(tmp_path / "profiled" / "out") == profiled


def test_a_profile_trims_its_items_as_its_keys_say(tmp_path: Path):
    config = partner_site(tmp_path, profiles=TRIMMED)
    report = api.export(config, out_dir=tmp_path / "out", as_of=AS_OF, formats=["rss"])
    feed = json.loads((tmp_path / "out" / "partners/trimmed/society/feed.json").read_bytes())
    items = [(i["id"].rsplit(":", 1)[1], i["title"], i.get("content_html"), i.get("image")) for i in feed["items"]]
    big = "https://test.example.org/big.jpg"
    assert items == [  # "short" left out (title_min), the limit filled from older items
        ("fine", "A headline long enough for everyone", "<p>The body of the story, in full.</p>", big),
        ("long", "A very long headline A very long headline A very long…", "<p>The body of the story, in full.</p>", big),
        ("teaser", "A story sent as its summary only", None, big),
        ("small", "A story with a small picture only", "<p>The body of the story, in full.</p>", None),
    ]
    assert "short.json: partner 'trimmed': title of 5 characters, fewer than title_min (21): left out" in \
        "\n".join(report.warnings)


def test_a_byte_budget_drops_the_oldest_items_and_says_so(tmp_path: Path):
    config = partner_site(tmp_path, profiles='[partners.small]\nformats = ["rss", "jsonfeed"]\nsections = ["society"]\n'
                                              'max_bytes = 4000\n')
    report = api.export(config, out_dir=tmp_path / "out", as_of=AS_OF, formats=["rss"])
    for name in ("rss.xml", "feed.json"):
        assert len((tmp_path / "out" / "partners/small/society" / name).read_bytes()) <= 4000
    budget = [w for w in report.warnings if "max_bytes" in w]
    assert len(budget) == 2 and budget[0].startswith("partners/small/society/rss.xml: ")
    assert "oldest of 8 items dropped to keep within max_bytes (4,000 bytes)" in budget[0]


def test_a_byte_budget_no_file_can_keep_is_said_as_such(tmp_path: Path):
    config = partner_site(tmp_path, profiles='[partners.tiny]\nformats = ["rss"]\nsections = ["society"]\n'
                                              'max_bytes = 1\n')
    report = api.export(config, out_dir=tmp_path / "out", as_of=AS_OF, formats=["rss"])
    budget = [w for w in report.warnings if "max_bytes" in w]
    assert len(budget) == 1 and "bytes with no item at all, more than max_bytes (1 bytes)" in budget[0], budget
    assert "raise max_bytes" in budget[0]


def test_a_trusted_agency_gets_stories_under_embargo_marked_valid_against_the_iptc_xsd(tmp_path: Path):
    config = partner_site(tmp_path, profiles=AGENCY)
    api.export(config, out_dir=tmp_path / "out", as_of=AS_OF)
    newsml = (tmp_path / "out" / "partners/agency/society/newsml.xml").read_bytes()
    note = "Embargoed until 2025-01-01T00:00:00+00:00: do not publish or broadcast before then."
    assert b"<embargoed>2025-01-01T00:00:00Z</embargoed>" in newsml and f"<edNote>{note}</edNote>".encode() in newsml
    assert newsml.count(b"<embargoed>") == 1 and b"<rightsInfo>" in newsml and b"Licensed to the agency." in newsml
    assert FORMATS["newsml"].check(newsml, reference("newsml-g2/NewsML-G2_2.35-spec-All-Power.xsd")) == []
    ninjs = json.loads((tmp_path / "out" / "partners/agency/society/ninjs.json").read_bytes())
    secret = next(item for item in ninjs if item["uri"].endswith(":secret"))
    assert (secret["embargoed"], secret["ednote"]) == ("2025-01-01T00:00:00Z", note)
    assert FORMATS["ninjs"].check(json.dumps(ninjs).encode(), None) == []
    public = (tmp_path / "out" / "society/newsml.xml").read_bytes()
    assert b"secret" not in public and b"<embargoed>" not in public


def test_embargo_mark_refuses_formats_that_cannot_mark_an_item(tmp_path: Path):
    config = partner_site(tmp_path, profiles='[partners.agency]\nformats = ["rss", "newsml"]\nembargo = "mark"\n')
    with pytest.raises(ConfigError, match=r"partners.agency.formats: with embargo = \"mark\".*rss cannot"):
        api.export(config, out_dir=tmp_path / "out", as_of=AS_OF)
    assert not (tmp_path / "out" / "society").exists()


def test_export_strict_refuses_and_publishes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    config = partner_site(tmp_path)
    with pytest.raises(RulesBroken, match="break its platform's rules") as caught:
        api.export(config, out_dir=tmp_path / "out", as_of=AS_OF, strict=True)
    assert "partners/msn/society/atom.xml: item 2 (short): msn/title-min" in str(caught.value)
    assert not (tmp_path / "out" / "society").exists() and not (tmp_path / "out" / "partners").exists()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(AS_OF.timestamp())))
    result = runner.invoke(app, ["export", "-c", str(config), "-o", str(tmp_path / "out"), "--strict"])
    assert result.exit_code == 2 and "msn/title-min" in result.output
    assert not (tmp_path / "out" / "manifest.json").exists()
    result = runner.invoke(app, ["export", "-c", str(config), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0 and "msn/title-min" in result.output  # a warning
    result = runner.invoke(app, ["export", "-c", str(config), "-o", str(tmp_path / "out"), "--strict"])
    assert result.exit_code == 2  # the shortcut of an unchanged export does not hide it


def test_a_story_sent_before_its_embargo_lifts_gets_a_new_version_when_it_changes(site: Path):
    """A trusted partner keys on guid and version like any other: an edit before the embargo lifts
    is the story's next version."""
    from datetime import timedelta

    from lxml import etree

    from tests.conftest import write_record

    config = site / "syndicate.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[partners.agency]\nformats = ["newsml"]\n'
                      'embargo = "mark"\n', encoding="utf-8")
    story = dict(published=(AS_OF - timedelta(hours=2)).isoformat(), status="embargoed",
                 embargo_until=(AS_OF + timedelta(days=1)).isoformat())
    write_record(site, "early", **story, body="<p>First draft.</p>")
    api.export(config, out_dir=site / "out", as_of=AS_OF)
    write_record(site, "early", **story, body="<p>Second draft.</p>", updated=(AS_OF - timedelta(hours=1)).isoformat())
    api.export(config, out_dir=site / "out", as_of=AS_OF + timedelta(minutes=1))
    newsml = etree.parse(str(site / "out" / "partners" / "agency" / "society" / "newsml.xml"))
    item = newsml.xpath("//n:newsItem", namespaces={"n": "http://iptc.org/std/nar/2006-10-01/"})[0]
    assert item.get("version") == "2" and b"Second draft." in etree.tostring(item)
