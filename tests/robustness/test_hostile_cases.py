"""Each hostile case by name, with its exact outcome in every format."""

import json
import os
import time
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from syndicate import api
from syndicate.errors import InvalidRecords
from syndicate.export.publish import PublishError, target_path

from tests.conftest import load_store, write_record
from tests.robustness.conftest import HOSTILE_BODY

NAR = {"nar": "http://iptc.org/std/nar/2006-10-01/", "h": "http://www.w3.org/1999/xhtml"}


def _export_one(site: Path, **fields) -> Path:
    write_record(site, "case", **fields)
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, sections=["society"],
               formats=["rss", "atom", "jsonfeed", "newsml", "ninjs"])
    assert all(r.valid for r in api.validate([out])), [r for r in api.validate([out]) if not r.valid]
    return out / "society"


def _bodies(feeds: Path) -> dict[str, str]:
    """The body of the one item, as each format's consumer reads it."""
    rss = feedparser.parse((feeds / "rss.xml").read_bytes())
    atom = feedparser.parse((feeds / "atom.xml").read_bytes())
    assert rss.bozo is False and atom.bozo is False
    newsml = etree.parse(str(feeds / "newsml.xml"))
    (body,) = newsml.xpath("//h:body", namespaces=NAR)
    return {
        "rss": rss.entries[0].content[0].value,
        "atom": atom.entries[0].content[0].value,
        "jsonfeed": json.loads((feeds / "feed.json").read_text(encoding="utf-8"))["items"][0]["content_html"],
        "ninjs": json.loads((feeds / "ninjs.json").read_text(encoding="utf-8"))[0]["bodies"][0]["value"],
        "newsml": etree.tostring(body, encoding="unicode"),
    }


def test_traversal_slug_is_refused_in_a_record(site: Path):
    write_record(site, "escape", section="../../etc")
    with pytest.raises(InvalidRecords) as caught:
        api.export(site / "syndicate.toml", out_dir=site / "out")
    assert [(p.record_id, p.field) for p in caught.value.problems] == [("escape", "section")]
    assert not (site / "out").exists()


def test_traversal_slug_is_refused_in_the_config(site: Path):
    config = site / "syndicate.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('slug = "sport"', 'slug = "../sport"'),
                      encoding="utf-8")
    with pytest.raises(api.SyndicateError, match=r"sections\[1\]\.slug: '\.\./sport' must match"):
        api.export(config, out_dir=site / "out")


def test_paths_outside_the_output_directory_are_refused(tmp_path: Path):
    for relative in ("../escape.xml", "/etc/passwd", "society/../../escape.xml"):
        with pytest.raises(PublishError, match="outside the output directory"):
            target_path(tmp_path / "out", relative)


def test_symlinked_section_directory_is_refused(site: Path, tmp_path_factory: pytest.TempPathFactory):
    write_record(site, "fine")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    out = site / "out"
    out.mkdir()
    (out / "society").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(PublishError, match="outside the output directory"):
        api.export(site / "syndicate.toml", out_dir=out)
    assert list(elsewhere.iterdir()) == []
    assert sorted(p.name for p in out.iterdir()) == ["society"]  # nothing written, not even a lock


def test_symlinked_feed_file_is_refused(site: Path, tmp_path_factory: pytest.TempPathFactory):
    write_record(site, "fine")
    victim = tmp_path_factory.mktemp("victim") / "important.txt"
    victim.write_text("keep me", encoding="utf-8")
    out = site / "out"
    (out / "sport").mkdir(parents=True)
    (out / "sport" / "atom.xml").symlink_to(victim)
    with pytest.raises(PublishError):
        api.export(site / "syndicate.toml", out_dir=out)
    assert victim.read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("name", ["atom.xml", "newsml.xml"])
def test_xxe_in_a_file_read_as_xml_reads_nothing(tmp_path: Path, name: str):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    root = "feed" if name == "atom.xml" else "newsMessage"
    namespace = "http://www.w3.org/2005/Atom" if name == "atom.xml" else NAR["nar"]
    hostile = tmp_path / name
    hostile.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "file://{secret}">'
        f'<!ENTITY remote SYSTEM "http://127.0.0.1:9/never">]>\n'
        f'<{root} xmlns="{namespace}"><title>&xxe;&remote;</title></{root}>',
        encoding="utf-8",
    )
    (report,) = api.validate([hostile])
    assert not report.valid
    assert not any("TOP-SECRET-VALUE" in problem for problem in report.problems)


def test_billion_laughs_is_not_expanded(tmp_path: Path):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)
    )
    bomb = tmp_path / "rss.xml"
    bomb.write_text(f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]><rss version="2.0"><channel>'
                    "<title>&lol9;</title></channel></rss>", encoding="utf-8")
    started = time.monotonic()
    (report,) = api.validate([bomb])
    assert time.monotonic() - started < 5
    assert not report.valid
    assert max(len(p) for p in report.problems) < 2000  # no expanded text anywhere


def test_oversized_record_is_refused_unread(site: Path):
    config = site / "syndicate.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[limits]\nmax_record_bytes = 1000\n", encoding="utf-8")
    write_record(site, "huge", body="<p>" + "x" * 5000 + "</p>")
    (site / "store" / "lines.jsonl").write_text('{"id": "ok"}\n' + '{"id": "' + "y" * 5000 + '"}\n',
                                                encoding="utf-8")
    problems = [str(p) for p in load_store(config).problems]
    size = (site / "store" / "huge.json").stat().st_size
    assert any(p.endswith(f"huge.json record: the file is {size} bytes, above the limit of 1000 "
                          "(limits.max_record_bytes in syndicate.toml)") for p in problems), problems
    assert any("lines.jsonl:2 record: the line is 5011 bytes, above the limit of 1000" in p for p in problems)
    # Line 1, {"id": "ok"}, lacks the other four required fields: six problems in all.
    assert len(problems) == 6, problems


def test_control_characters_in_a_title_are_removed_with_a_warning(site: Path):
    feeds = _export_one(site, title="Breaking\x00 news\x1b in\ufffe Minsk\ud800")
    rss = feedparser.parse((feeds / "rss.xml").read_bytes())
    assert rss.entries[0].title == "Breaking news in Minsk"
    (warning,) = load_store(site / "syndicate.toml").warnings
    assert "id=case title: removed 4 character(s) that XML 1.0 cannot carry" in warning


def test_cdata_terminator_in_a_body_survives_in_every_format(site: Path):
    bodies = _bodies(_export_one(site, body="<p>Before ]]> after, and <![CDATA[ too.</p>"))
    for name, body in bodies.items():
        assert "]]&gt;" in body or "]]>" in body, name
        assert "after" in body, name


def test_script_and_onerror_are_removed_in_every_format(site: Path):
    bodies = _bodies(_export_one(site, body=HOSTILE_BODY))
    for name, body in bodies.items():
        lowered = body.lower()
        for gone in ("<script", "document.cookie", "onerror", "onclick", "<iframe", "tracker.example",
                     "<form", "javascript:", "vbscript:", "data:image"):
            assert gone not in lowered, (name, gone)
        assert "stray &lt;tag&gt; &amp; ampersand" in body, name


def test_javascript_link_loses_its_href(site: Path):
    bodies = _bodies(_export_one(site, body='<p><a href="javascript:alert(1)">click</a></p>'))
    for name, body in bodies.items():
        assert "click" in body and "javascript" not in body and "href" not in body, name


def test_relative_img_src_becomes_absolute(site: Path):
    bodies = _bodies(_export_one(site, body='<p><img src="photos/a.jpg" alt="A"><a href="/x/">x</a></p>'))
    for name, body in bodies.items():
        assert 'src="https://test.example.org/society/case/photos/a.jpg"' in body, name
        assert 'href="https://test.example.org/x/"' in body, name


def test_date_without_zone_is_in_the_site_zone(site: Path):
    feeds = _export_one(site, published="2024-02-01 09:30")
    item = json.loads((feeds / "feed.json").read_text(encoding="utf-8"))["items"][0]
    assert item["date_published"] == "2024-02-01T09:30:00+03:00"  # Europe/Minsk
    assert "<pubDate>Thu, 01 Feb 2024 06:30:00 GMT</pubDate>" in (feeds / "rss.xml").read_text(encoding="utf-8")


def test_day_first_date_is_read_day_first(site: Path):
    feeds = _export_one(site, published="06.08.2014")
    item = json.loads((feeds / "feed.json").read_text(encoding="utf-8"))["items"][0]
    assert item["date_published"] == "2014-08-06T00:00:00+03:00"


def test_duplicate_id_across_two_files(site: Path):
    write_record(site, "twin", title="First")
    (site / "store" / "zz-more").mkdir()
    (site / "store" / "zz-more" / "twin.json").write_text(
        (site / "store" / "twin.json").read_text(encoding="utf-8").replace("First", "Second"), encoding="utf-8")
    with pytest.raises(InvalidRecords) as caught:
        api.export(site / "syndicate.toml", out_dir=site / "out")
    (problem,) = caught.value.problems
    assert (problem.record_id, problem.field) == ("twin", "id")
    assert problem.origin.endswith("zz-more/twin.json") and "first used in" in problem.message
    assert problem.message.split("first used in ")[1].startswith(str(site / "store" / "twin.json"))
    report = api.export(site / "syndicate.toml", out_dir=site / "out", skip_invalid=True)
    assert [p.origin for p in report.skipped] == [problem.origin]
    items = json.loads((site / "out" / "society" / "feed.json").read_text(encoding="utf-8"))["items"]
    assert [i["title"] for i in items] == ["First"]


def test_a_second_export_into_the_same_directory_is_refused_while_one_runs(site: Path):
    import fcntl

    write_record(site, "fine")
    out = site / "out"
    out.mkdir()
    held = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a running export holds it
        with pytest.raises(PublishError, match="another export is writing to"):
            api.export(site / "syndicate.toml", out_dir=out)
    finally:
        os.close(held)
    assert os.listdir(out) == []
    api.export(site / "syndicate.toml", out_dir=out)  # released: now it runs
    assert (out / "society" / "rss.xml").is_file()


def test_stale_temporary_files_of_a_killed_export_are_cleaned(site: Path):
    write_record(site, "fine")
    out = site / "out"
    (out / "society").mkdir(parents=True)
    stale = out / "society" / ".rss.xml.abc123.tmp"
    stale.write_bytes(b"<rss half-written")
    api.export(site / "syndicate.toml", out_dir=out)
    assert not stale.exists()
