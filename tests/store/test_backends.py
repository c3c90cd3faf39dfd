"""The same export on all three stores; the index behind latest-N; snapshots under concurrent writes."""

from __future__ import annotations

import filecmp
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from syndicate import api
from syndicate.config import load_config
from syndicate.store import FeedQuery, open_store

from tests.conftest import EXAMPLE_CONFIG, EXAMPLE_PARTNER_FILES

ALL_FORMATS = ["rss", "atom", "jsonfeed", "newsml", "ninjs"]
AS_OF = datetime(2025, 1, 1, tzinfo=timezone.utc)


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))


@pytest.fixture(scope="module")
def directory_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("directory-export")
    api.export(EXAMPLE_CONFIG, out_dir=out, formats=ALL_FORMATS)
    return out


def test_every_store_exports_byte_identical_feeds(example_store: str, directory_export: Path, tmp_path: Path):
    out = tmp_path / "out"
    report = api.export(EXAMPLE_CONFIG, out_dir=out, store=example_store, formats=ALL_FORMATS)
    assert report.feeds == 3 and report.records == 23
    names = _files(directory_export)
    # 15 feeds, index.opml, the site files (sitemap-news.xml, feed.xsl, the HTML pages), the manifest,
    # and the partners' files (from every store alike)
    assert _files(out) == names and len(names) == 23 + len(EXAMPLE_PARTNER_FILES)
    feeds = [name for name in names if name != "manifest.json"]
    match, mismatch, errors = filecmp.cmpfiles(directory_export, out, feeds, shallow=False)
    assert (mismatch, errors) == ([], [])
    # The manifest lists the same files and hashes; it also names the store they were made from.
    manifests = [json.loads((root / "manifest.json").read_text(encoding="utf-8")) for root in (directory_export, out)]
    assert manifests[0]["files"] == manifests[1]["files"]


def test_every_store_counts_the_same(example_store: str):
    location, stats = api.store_stats(example_store, config_path=EXAMPLE_CONFIG)
    assert stats.counts == {("analysis", "embargoed"): 1, ("analysis", "published"): 2,
                            ("society", "draft"): 1, ("society", "published"): 21}
    assert stats.total == 25
    assert stats.oldest.astimezone(timezone.utc) == datetime(2014, 8, 5, 21, 0, tzinfo=timezone.utc)


def test_every_store_gives_the_latest_public_records_newest_first(example_store: str):
    config = load_config(EXAMPLE_CONFIG)
    store = open_store(example_store, config=config)
    try:
        with store.snapshot() as snapshot:
            society = snapshot.latest(FeedQuery(section="society", limit=3), as_of=AS_OF)
            everything = snapshot.latest(FeedQuery(section=None, limit=100), as_of=AS_OF)
            far_future = snapshot.latest(FeedQuery(section="analysis", limit=10),
                                         as_of=datetime(2100, 1, 1, tzinfo=timezone.utc))
    finally:
        store.close()
    assert [r.data["id"] for r in society] == [
        "society-2024-03-28-state-list-heritage-sites", "society-2024-03-28-faro-convention-right-to-heritage",
        "society-2023-12-14-our-big-joint-work"]
    ids = [r.data["id"] for r in everything]
    assert len(ids) == 23 and not any(i.startswith("example-") for i in ids)  # no draft, embargo not lifted
    assert "example-embargoed-analysis-annual-review" in [r.data["id"] for r in far_future]


def test_import_upserts_by_id(example_store: str, tmp_path: Path):
    changed = json.loads((Path(EXAMPLE_CONFIG).parent / "store" / "society" /
                          "society-2014-08-06-human-trafficking.json").read_text(encoding="utf-8"))
    changed["title"] = "A corrected headline"
    source = tmp_path / "correction.json"
    source.write_text(json.dumps(changed), encoding="utf-8")
    api.import_records([source], into=example_store, config_path=EXAMPLE_CONFIG)
    _location, stats = api.store_stats(example_store, config_path=EXAMPLE_CONFIG)
    assert stats.total == 25
    api.export(EXAMPLE_CONFIG, out_dir=tmp_path / "out", store=example_store, formats=["jsonfeed"])
    items = json.loads((tmp_path / "out" / "society" / "feed.json").read_text(encoding="utf-8"))["items"]
    assert [i["title"] for i in items if "human-trafficking" in i["id"]] == ["A corrected headline"]


def test_sqlite_latest_n_is_one_walk_down_an_index(example_sqlite: Path):
    store = open_store(example_sqlite, config=load_config(EXAMPLE_CONFIG))
    try:
        section_plan = store.query_plan(FeedQuery(section="society", limit=50))
        site_plan = store.query_plan(FeedQuery(section=None, limit=50))
    finally:
        store.close()
    assert any("USING INDEX article_sections_latest (section=?)" in step for step in section_plan), section_plan
    assert any("USING INDEX articles_latest" in step for step in site_plan), site_plan
    # Every step goes through an index (a SCAN of the site index stops after N rows: LIMIT),
    # and nothing is sorted afterwards.
    assert all("USING INDEX" in step for step in section_plan + site_plan)
    assert not any("TEMP B-TREE" in step for step in section_plan + site_plan)


def _synthetic_store(location: str, tmp_path: Path, count: int) -> None:
    lines = tmp_path / "many.jsonl"
    with lines.open("w", encoding="utf-8") as out:
        for n in range(count):
            out.write(json.dumps({
                "id": f"n{n}", "url": f"https://news.example.org/x/{n}/", "title": f"Story {n}",
                "section": "society" if n % 3 else "analysis", "published": f"20{10 + n % 15}-01-{1 + n % 28:02d}",
            }) + "\n")
    api.import_records([lines], into=location, config_path=EXAMPLE_CONFIG)


def test_postgres_latest_n_uses_the_index(postgres_url: str, tmp_path: Path):
    # The planner takes the indexes from some 300 articles on (below, a scan and a sort cost less).
    _synthetic_store(postgres_url, tmp_path, 1000)
    store = open_store(postgres_url, config=load_config(EXAMPLE_CONFIG))
    try:
        store.connection.execute("ANALYZE")
        section_plan = "\n".join(store.query_plan(FeedQuery(section="society", limit=50), as_of=AS_OF))
        site_plan = "\n".join(store.query_plan(FeedQuery(section=None, limit=50), as_of=AS_OF))
    finally:
        store.close()
    assert "Index Scan using article_sections_latest" in section_plan, section_plan
    assert "Index Scan using articles_latest" in site_plan, site_plan
    assert "Sort" not in section_plan and "Seq Scan" not in section_plan, section_plan
    assert "Sort" not in site_plan and "Seq Scan" not in site_plan, site_plan


def test_postgres_export_reads_one_snapshot_while_a_writer_commits(example_postgres_url: str, tmp_path: Path,
                                                                   monkeypatch):
    """A writer commits a story to two sections between the export's first and second query."""
    from syndicate.store import postgres

    postgres_url = example_postgres_url
    late = tmp_path / "late.json"
    late.write_text(json.dumps({
        "id": "late-breaking", "url": "https://news.example.org/society/late-breaking/", "title": "Late breaking",
        "section": "society", "sections": ["analysis"], "published": "2030-01-01T00:00:00Z"}), encoding="utf-8")
    original = postgres._Snapshot.latest
    calls = []

    def latest_then_a_writer_commits(self, query, *, as_of):
        rows = original(self, query, as_of=as_of)
        if not calls:
            api.import_records([late], into=postgres_url, config_path=EXAMPLE_CONFIG)  # another connection
        calls.append(query)
        return rows

    monkeypatch.setattr(postgres._Snapshot, "latest", latest_then_a_writer_commits)
    api.export(EXAMPLE_CONFIG, out_dir=tmp_path / "during", store=postgres_url, formats=["jsonfeed"])
    assert len(calls) == 3
    for feed in ("society", "analysis", "all"):
        items = json.loads((tmp_path / "during" / feed / "feed.json").read_text(encoding="utf-8"))["items"]
        assert not any("late-breaking" in item["id"] for item in items), feed  # wholly out, in every feed

    monkeypatch.setattr(postgres._Snapshot, "latest", original)
    api.export(EXAMPLE_CONFIG, out_dir=tmp_path / "after", store=postgres_url, formats=["jsonfeed"])
    for feed in ("society", "analysis", "all"):
        items = json.loads((tmp_path / "after" / feed / "feed.json").read_text(encoding="utf-8"))["items"]
        assert items[0]["id"].endswith(":late-breaking"), feed  # wholly in, in every feed


def test_a_store_that_is_not_there_is_a_clear_error(tmp_path: Path):
    with pytest.raises(api.SyndicateError, match="no such SQLite store"):
        api.export(EXAMPLE_CONFIG, out_dir=tmp_path / "out", store=tmp_path / "missing.db")
    with pytest.raises(api.SyndicateError, match="cannot open as a PostgreSQL store"):
        api.export(EXAMPLE_CONFIG, out_dir=tmp_path / "out", store="postgresql://nobody@127.0.0.1:1/none")
    assert not (tmp_path / "out").exists()


def test_stats_command_on_every_store(example_store: str):
    from typer.testing import CliRunner

    from syndicate.cli import app

    result = CliRunner().invoke(app, ["stats", "--store", example_store, "--config", str(EXAMPLE_CONFIG)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[2].split() == ["analysis", "embargoed", "1"]
    assert lines[5].split() == ["society", "published", "21"]
    assert lines[6].split() == ["total", "25"]
    assert lines[7] == "oldest published: 2014-08-05T21:00:00+00:00"  # 06.08.2014 in Minsk
    assert lines[8] == "newest published: 2024-03-28T18:10:00+00:00"  # not the embargoed 2099 record
    assert lines[9] == "still embargoed: 1 record, lifts 2098-12-31T21:00:00+00:00"
