"""Properties: text and instants read back exactly, and no output depends on the clock.

- Any title or summary that holds no HTML element reads back, through feedparser
  (RSS, Atom) and json (JSON Feed), exactly as written (whitespace collapsed).
- For any valid record, every instant feedparser and the JSON and XML readers read
  back equals the record's, whatever form and offset the date was written in.
- Exports under two different clocks give the same bytes.

Derandomized in CI (the "ci" profile, tests/conftest.py).
"""

from __future__ import annotations

import html
import json
import tempfile
from calendar import timegm
from datetime import datetime, timedelta, timezone
from pathlib import Path

import feedparser
import time_machine
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lxml import etree

from syndicate import api
from syndicate.content import holds_html

from tests.conftest import examples

CONFIG = """
[site]
title = "Readback News"
home_url = "https://readback.example.org/"
id_prefix = "tag:readback.example.org,2024:"
timezone = "Europe/Minsk"
dayfirst = true

[[sections]]
slug = "society"
title = "Society"
"""
PROPERTY = settings(max_examples=examples(60), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
NAR = {"nar": "http://iptc.org/std/nar/2006-10-01/"}

# Text as newsrooms write it, with what looks like markup, entities and CDATA made likely.
# Left out: controls (removed on the way in) and U+0080-U+00FF, which feedparser "repairs"
# when a run of them happens to be UTF-8 read as Latin-1 (its own heuristic, not ours).
PIECES = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.characters(codec="utf-8", min_codepoint=0x100, categories=("L", "M", "N", "P", "S", "Zs")),
    st.sampled_from(["<", ">", "&", ";", "#", "]]>", "<![CDATA[", "&amp;", "&lt;b&gt;", "&#38;", "&#x26;", "&nbsp;",
                     "<b>", "</x>", "<video>", "x<y", "AT&T", "\"", "'", "Беларусь", "مينسك", "עברית", "中文",
                     "🇧🇾", "🎉", " "]),
)
TEXT = st.lists(PIECES, min_size=1, max_size=12).map("".join)


def _site(folder: Path, record: dict) -> Path:
    (folder / "syndicate.toml").write_text(CONFIG, encoding="utf-8")
    (folder / "store").mkdir()
    (folder / "store" / "a.json").write_text(json.dumps(record), encoding="utf-8")
    return folder / "syndicate.toml"


def _shown(detail: dict, value: str) -> str:
    return value if detail["type"] == "text/plain" else html.unescape(value)


@PROPERTY
@given(title=TEXT, summary=TEXT)
def test_text_without_html_elements_reads_back_exactly(title: str, summary: str):
    assume(not holds_html(title) and not holds_html(summary))
    written_title, written_summary = " ".join(title.split()), " ".join(summary.split())
    assume(written_title and written_summary)
    record = {"id": "a", "url": "https://readback.example.org/a/", "title": title, "summary": summary,
              "section": "society", "published": "2024-01-02T10:00:00+03:00"}
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        api.export(_site(Path(folder), record), out_dir=out, formats=["rss", "atom", "jsonfeed"])
        rss = feedparser.parse((out / "society" / "rss.xml").read_bytes()).entries[0]
        assert _shown(rss.title_detail, rss.title) == written_title
        assert html.unescape(rss.summary) == written_summary  # RSS descriptions are HTML
        atom = feedparser.parse((out / "society" / "atom.xml").read_bytes()).entries[0]
        assert (atom.title, atom.summary) == (written_title, written_summary)
        item = json.loads((out / "society" / "feed.json").read_text(encoding="utf-8"))["items"][0]
        assert (item["title"], item["summary"]) == (written_title, written_summary)


OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
MOMENTS = st.builds(lambda naive, zone: naive.replace(tzinfo=zone, microsecond=0),
                    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31)), OFFSETS)
# Forms a date may be written in, each keeping the instant exactly.
FORMS = [
    lambda d: d.isoformat(),
    lambda d: d.strftime("%Y-%m-%d %H:%M:%S %z"),
    lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.250") + d.strftime("%z")[:3] + ":" + d.strftime("%z")[3:],
    lambda d: d.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
    lambda d: d.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
    lambda d: d.strftime("%a, %d %b %Y %H:%M:%S %z"),
    lambda d: d.astimezone(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT"),
]


def _seconds_of(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


@PROPERTY
@given(published=MOMENTS, later=st.integers(min_value=0, max_value=10**8), forms=st.tuples(
    st.sampled_from(FORMS), st.sampled_from(FORMS)))
def test_every_instant_reads_back_as_the_records(published: datetime, later: int, forms):
    updated = (published + timedelta(seconds=later)).astimezone(published.tzinfo)
    assume(updated.year <= 2100)
    record = {"id": "a", "url": "https://readback.example.org/a/", "title": "A", "section": "society",
              "published": forms[0](published), "updated": forms[1](updated)}
    expected = (int(published.timestamp()), int(updated.timestamp()))
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        api.export(_site(Path(folder), record), out_dir=out, formats=["rss", "atom", "jsonfeed", "newsml", "ninjs"])
        feed = out / "society"
        rss = feedparser.parse((feed / "rss.xml").read_bytes()).entries[0]
        assert timegm(rss.published_parsed) == expected[0]
        atom = feedparser.parse((feed / "atom.xml").read_bytes()).entries[0]
        assert (timegm(atom.published_parsed), timegm(atom.updated_parsed)) == expected
        item = json.loads((feed / "feed.json").read_text(encoding="utf-8"))["items"][0]
        assert (_seconds_of(item["date_published"]), _seconds_of(item["date_modified"])) == expected
        ninjs = json.loads((feed / "ninjs.json").read_text(encoding="utf-8"))[0]
        assert (_seconds_of(ninjs["firstcreated"]), _seconds_of(ninjs["versioncreated"])) == expected
        meta = etree.parse(str(feed / "newsml.xml")).find(".//nar:newsItem/nar:itemMeta", NAR)
        assert (_seconds_of(meta.findtext("nar:firstCreated", namespaces=NAR)),
                _seconds_of(meta.findtext("nar:versionCreated", namespaces=NAR))) == expected


def test_output_does_not_depend_on_the_clock(varied, tmp_path: Path):
    out, _ = varied
    site = out.parent
    outputs = []
    for day in ("2026-01-15T12:00:00Z", "2031-07-04T03:30:00+05:45"):
        with time_machine.travel(datetime.fromisoformat(day.replace("Z", "+00:00")), tick=False):
            target = tmp_path / day[:4]
            api.export(site / "syndicate.toml", out_dir=target, formats=["rss", "atom", "jsonfeed", "newsml", "ninjs"])
            outputs.append({p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()})
    assert outputs[0] == outputs[1] and len(outputs[0]) > 10
