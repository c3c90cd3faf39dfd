"""Archive pages (RFC 5005 section 4): paging, links both ways, every item once, stable full pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from syndicate import api

from tests.conftest import enable_archive, monthly_store, reference, write_record

ALL_FORMATS = ["rss", "atom", "jsonfeed", "newsml", "ninjs"]
FEEDS = "https://test.example.org/feeds/"
ATOM = "{http://www.w3.org/2005/Atom}"
FH_ARCHIVE = "{http://purl.org/syndication/history/1.0}archive"


def _tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def _pages(out: Path, feed: str) -> list[str]:
    return sorted(p.name for p in (out / feed / "archive").iterdir())


def _atom_links(path: Path) -> tuple[dict[str, str], bool, list[str]]:
    """(rel -> href of the RFC 5005 links, whether fh:archive is there, entry ids) of an Atom or RSS file."""
    root = etree.parse(str(path)).getroot()
    head = root.find("channel") if root.tag == "rss" else root
    links = {link.get("rel"): link.get("href") for link in head.iter(f"{ATOM}link", "link")
             if link.get("rel") in ("current", "prev-archive", "next-archive")}
    ids = [e.text for e in root.iter(f"{ATOM}id", "guid") if e.getparent().tag in (f"{ATOM}entry", "item")]
    return links, head.find(FH_ARCHIVE) is not None, ids


def _walk(out: Path, feed: str, filename: str) -> list[str]:
    """The documents met going from FEED's current FILENAME by prev-archive to the oldest page,
    checking on the way that every page links back (next-archive) and to the current feed."""
    current = f"{FEEDS}{feed}/{filename}"
    links, archived, _ = _atom_links(out / feed / filename)
    assert not archived and "current" not in links and "next-archive" not in links
    met, newer, href = [], current, links.get("prev-archive")
    while href:
        page = out / href.removeprefix(FEEDS)
        links, archived, _ = _atom_links(page)
        assert links["current"] == current
        assert links.get("next-archive", current) == newer  # the newest page has no next-archive
        assert archived == (newer != current)  # fh:archive on every page but the newest, still filling
        met.append(href.removeprefix(f"{FEEDS}{feed}/"))
        newer, href = href, links.get("prev-archive")
    return met


def test_archives_are_off_by_default(site: Path):
    monthly_store(site)
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, formats=ALL_FORMATS)
    assert not list(out.rglob("archive"))
    assert "prev-archive" not in (out / "society" / "atom.xml").read_text(encoding="utf-8")
    assert "next_url" not in json.loads((out / "society" / "feed.json").read_text(encoding="utf-8"))


def test_monthly_pages_hold_every_public_item_once_and_link_both_ways(site: Path):
    enable_archive(site, 'archive = "month"')
    monthly_store(site)
    out = site / "out"
    report = api.export(site / "syndicate.toml", out_dir=out, formats=ALL_FORMATS)
    assert report.feeds == 3 and report.records == 10
    assert _pages(out, "society") == ["2024-01", "2024-02", "2024-03"]
    assert _pages(out, "sport") == ["2024-02"]
    for filename in ("rss.xml", "atom.xml"):
        assert _walk(out, "society", filename) == [f"archive/2024-0{m}/{filename}" for m in (3, 2, 1)]
        assert _walk(out, "sport", filename) == [f"archive/2024-02/{filename}"]
    # Every public item on exactly one page; the current feed keeps its limit.
    on_pages = [i for month in _pages(out, "all") for i in _atom_links(out / "all/archive" / month / "atom.xml")[2]]
    assert sorted(on_pages) == sorted(f"tag:test.example.org,2024:{r}" for r in
                                      [f"s{m}-{d}" for m in (1, 2, 3) for d in (5, 15, 25)] + ["ball"])
    assert _atom_links(out / "all/archive/2024-02/atom.xml")[2] == [
        f"tag:test.example.org,2024:{r}" for r in ("s2-25", "ball", "s2-15", "s2-5")]  # newest first
    assert len(_atom_links(out / "society/atom.xml")[2]) == 2


def test_json_feed_pages_chain_by_next_url_to_the_oldest(site: Path):
    enable_archive(site, 'archive = "month"')
    monthly_store(site)
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, formats=["jsonfeed"])
    chain, document = [], json.loads((out / "society" / "feed.json").read_text(encoding="utf-8"))
    while "next_url" in document:
        chain.append(document["next_url"].removeprefix(f"{FEEDS}society/"))
        document = json.loads((out / document["next_url"].removeprefix(FEEDS)).read_text(encoding="utf-8"))
        assert document["feed_url"] == f"{FEEDS}society/feed.json"  # the feed every page belongs to
        assert document["_syndicate"].get("archive") is (True if len(chain) > 1 else None)
    assert chain == [f"archive/2024-0{m}/feed.json" for m in (3, 2, 1)]


def test_newsml_pages_carry_the_links_in_their_header(site: Path):
    enable_archive(site, 'archive = "month"')
    monthly_store(site)
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, formats=["newsml"])
    header = etree.parse(str(out / "society/archive/2024-02/newsml.xml")).getroot()[0]
    assert {link.get("rel"): link.get("href") for link in header.iter(f"{ATOM}link")} == {
        "current": f"{FEEDS}society/newsml.xml",
        "prev-archive": f"{FEEDS}society/archive/2024-01/newsml.xml",
        "next-archive": f"{FEEDS}society/archive/2024-03/newsml.xml"}
    assert header.find(FH_ARCHIVE) is not None


def test_every_page_passes_the_checks_and_the_iptc_schemas(site: Path):
    enable_archive(site, 'archive = "month"', society="archive = 2")
    monthly_store(site)
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, formats=ALL_FORMATS)
    reports = api.validate([out], external_schemas={
        "newsml": reference("newsml-g2/NewsML-G2_2.35-spec-All-Power.xsd"),
        "ninjs": reference("ninjs/ninjs-schema_2.2.json"), "jsonfeed": reference("jsonfeed/schema-v1.1.json")})
    assert len(reports) == 5 * (3 + 5 + 1 + 3) + 2  # current feeds, society's, sport's and all's pages; the OPML
    # and the news sitemap
    assert [(r.path, r.problems) for r in reports if not r.valid] == []


def test_numbered_pages_count_from_the_oldest_item(site: Path):
    enable_archive(site, "archive = 4")
    monthly_store(site)
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, formats=["atom"])
    assert _pages(out, "society") == ["00001", "00002", "00003"]
    sizes = [len(_atom_links(out / "society/archive" / page / "atom.xml")[2]) for page in _pages(out, "society")]
    assert sizes == [4, 4, 1]
    assert _atom_links(out / "society/archive/00001/atom.xml")[2][-1] == "tag:test.example.org,2024:s1-5"
    assert _walk(out, "society", "atom.xml") == [f"archive/0000{n}/atom.xml" for n in (3, 2, 1)]


def test_a_section_overrides_the_site_or_turns_its_archive_off(site: Path):
    enable_archive(site, 'archive = "month"', society="archive = false")
    monthly_store(site)
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, formats=["atom"])
    assert not (out / "society" / "archive").exists()
    assert _pages(out, "sport") == ["2024-02"] and _pages(out, "all") == ["2024-01", "2024-02", "2024-03"]


def test_months_are_the_site_time_zone_s(site: Path):
    enable_archive(site, 'archive = "month"')  # the site is in Europe/Minsk, UTC+3
    write_record(site, "late", published="2024-01-31T22:30:00Z")  # 1 February, 01:30 in Minsk
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, formats=["atom"])
    assert _pages(out, "society") == ["2024-02"]


@pytest.mark.parametrize("paging", ['"month"', "3"])
def test_a_full_page_keeps_its_bytes_when_newer_articles_arrive(site: Path, paging: str):
    enable_archive(site, f"archive = {paging}")
    for day in (5, 15, 25):
        write_record(site, f"jan-{day}", published=f"2024-01-{day}T10:00:00+03:00")
    write_record(site, "feb-1", published="2024-02-01T10:00:00+03:00")
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, formats=ALL_FORMATS)
    full = "society/archive/" + ("2024-01" if paging == '"month"' else "00001")
    first = {k: v for k, v in _tree(out).items() if k.startswith(full)}
    assert len(first) == 5

    write_record(site, "feb-2", published="2024-02-02T10:00:00+03:00")
    later = api.export(site / "syndicate.toml", out_dir=out, formats=ALL_FORMATS)
    # The current feeds and open pages of society and all, and sport's empty feed (dated by the
    # site's newest article), in five formats; the full page is not rendered.
    assert later.rendered == 5 * 5
    write_record(site, "mar-1", published="2024-03-01T10:00:00+03:00")
    api.export(site / "syndicate.toml", out_dir=out, formats=ALL_FORMATS)
    assert {k: v for k, v in _tree(out).items() if k.startswith(full)} == first


def test_the_newest_page_becomes_an_archive_document_once_a_newer_page_starts(site: Path):
    enable_archive(site, 'archive = "month"')
    write_record(site, "jan", published="2024-01-05T10:00:00+03:00")
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, formats=["atom"])
    links, archived, _ = _atom_links(out / "society/archive/2024-01/atom.xml")
    assert "next-archive" not in links and not archived  # still filling: not yet fh:archive
    write_record(site, "feb-1", published="2024-02-05T10:00:00+03:00")
    api.export(site / "syndicate.toml", out_dir=out, formats=["atom"])
    january = (out / "society/archive/2024-01/atom.xml").read_bytes()
    links, archived, _ = _atom_links(out / "society/archive/2024-01/atom.xml")
    assert links["next-archive"].endswith("2024-02/atom.xml") and archived
    write_record(site, "feb-2", published="2024-02-06T10:00:00+03:00")
    api.export(site / "syndicate.toml", out_dir=out, formats=["atom"])
    assert (out / "society/archive/2024-01/atom.xml").read_bytes() == january


def test_a_changed_old_article_renders_only_its_pages(site: Path):
    enable_archive(site, 'archive = "month"')
    monthly_store(site)
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, formats=ALL_FORMATS)
    before = _tree(out)
    write_record(site, "s1-15", published="2024-01-15T10:00:00+03:00", title="A corrected headline")
    report = api.export(site / "syndicate.toml", out_dir=out, formats=ALL_FORMATS)
    assert report.rendered == 2 * 5  # January of society and of all, in five formats
    after = _tree(out)
    assert sorted(k for k in after if after[k] != before[k]) == sorted(
        [f"{feed}/archive/2024-01/{name}" for feed in ("society", "all")
         for name in ("rss.xml", "atom.xml", "feed.json", "newsml.xml", "ninjs.json")] + ["manifest.json"])


def test_the_manifest_lists_every_page_and_the_index_only_current_feeds(site: Path):
    enable_archive(site, 'archive = "month"')
    monthly_store(site)
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, formats=["rss", "atom"])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) == set(_tree(out)) - {"manifest.json"}
    assert any("/archive/" in path for path in manifest["files"])
    index = (out / "index.opml").read_text(encoding="utf-8")
    assert index.count("xmlUrl=") == 3 and "archive" not in index


def test_a_page_failing_its_checks_publishes_nothing_and_leaves_no_staged_file(site: Path, monkeypatch):
    """Pages are staged as they are rendered: one found invalid after others were staged
    removes them all, and the published files stay as they were."""
    from dataclasses import replace

    from syndicate.errors import OutputInvalid
    from syndicate.formats import FORMATS

    enable_archive(site, 'archive = "month"')
    monthly_store(site)
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, formats=["atom"])
    before = _tree(out)
    for month in (1, 2, 3):
        write_record(site, f"s{month}-5", published=f"2024-0{month}-05T10:00:00+03:00", title=f"Changed {month}")
    atom = FORMATS["atom"]
    monkeypatch.setitem(FORMATS, "atom", replace(atom, check=lambda data, schema: (
        ["refused"] if b"Changed 3" in data and b"fh:archive" not in data else atom.check(data, schema))))
    with pytest.raises(OutputInvalid, match="society/archive/2024-03/atom.xml: refused"):
        api.export(site / "syndicate.toml", out_dir=out, formats=["atom"])
    assert _tree(out) == before and not list(out.rglob(".*.tmp"))


def test_check_of_an_archived_export_up_to_date_then_stale(site: Path):
    enable_archive(site, 'archive = "month"')
    monthly_store(site)
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, formats=["rss"])
    fresh = api.export(site / "syndicate.toml", out_dir=out, formats=["rss"], check=True)
    assert not fresh.stale and fresh.rendered == 0
    write_record(site, "s2-5", published="2024-02-05T10:00:00+03:00", title="Changed")
    before = _tree(out)
    stale = api.export(site / "syndicate.toml", out_dir=out, formats=["rss"], check=True)
    assert sorted(p.relative_to(out.resolve()).as_posix() for p in stale.written) == [
        "all/archive/2024-02/rss.xml", "manifest.json", "society/archive/2024-02/rss.xml"]
    assert _tree(out) == before


def _peak_export_memory(site: Path, records: int, *, jobs: int) -> int:
    """Peak bytes allocated (in the exporting process) by an export in JOBS processes of an archive
    of RECORDS articles of 20 KB each, read from SQLite in pages of ten (a fresh output directory:
    every page is rendered)."""
    import tracemalloc

    store = site / f"store-{records}"
    store.mkdir()
    body = "<p>" + "word " * 4000 + "</p>"
    lines = [json.dumps({"id": f"r{n}", "url": f"https://test.example.org/society/r{n}/", "title": f"Title {n}",
                         "section": "society", "published": "2024-01-01T00:00:00+00:00", "body": body + str(n)})
             for n in range(records)]
    (store / "records.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    api.import_records([store], into=site / f"{records}.db", config_path=site / "syndicate.toml")
    tracemalloc.start()
    try:
        api.export(site / "syndicate.toml", out_dir=site / f"out-{records}", store=site / f"{records}.db",
                   formats=["jsonfeed"], sections=["society"], jobs=jobs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(("jobs", "records"), [(1, 30), (2, 60)])
def test_an_archive_is_rendered_in_memory_bounded_by_a_page(site: Path, monkeypatch, jobs: int, records: int):
    """Pages stream from the store: three times the archive does not take three times the memory.
    With two workers, at most four pages are in flight, however many the archive has: how many
    are at a given moment depends on how fast the workers go, so the smaller archive has six,
    for the pages in flight to reach their bound in both."""
    from syndicate.export import pages
    from syndicate.formats.per_article import PerArticle

    monkeypatch.setattr(pages, "CHUNK", 10)  # records read and checked at once: here, as many as a page
    # What the writers keep of articles for the next file is bounded by its own limit (a few MiB,
    # test_per_article.py), whatever the archive: here it keeps nothing, for the growth to show.
    for memo in PerArticle.every:
        monkeypatch.setattr(memo, "limit", 0)
    enable_archive(site, society="archive = 10")
    _peak_export_memory(site, 10, jobs=jobs)  # the first export fills the caches every export uses
    small, large = _peak_export_memory(site, records, jobs=jobs), _peak_export_memory(site, 3 * records, jobs=jobs)
    # Whole, the 2 x RECORDS more articles alone would take 20 KB each more (their bodies): half that.
    assert large < small + 2 * records * 10_000, (small, large)


def test_an_item_id_two_records_share_is_a_problem_across_the_whole_archive(site: Path, monkeypatch):
    from syndicate.errors import InvalidRecords
    from syndicate.export import pages

    monkeypatch.setattr(pages, "CHUNK", 1)  # the two records are checked apart, as in a large archive
    config = enable_archive(site, 'archive = "month"', limit=1)
    db = site / "news.db"
    # Imported apart (an import refuses a guid twice within itself), into a store that does not check.
    for name, published in (("first", "2024-01-05"), ("again", "2024-03-05"), ("newest", "2024-04-05")):
        path = write_record(site, name, published=f"{published}T10:00:00+03:00",
                            guid=None if name == "newest" else "urn:story:1")
        api.import_records([path], into=db, config_path=config)
    with pytest.raises(InvalidRecords, match=r"#again id=again guid: item id 'urn:story:1' is already"):
        api.export(config, out_dir=site / "out", store=db, formats=["atom"])
    assert not (site / "out").exists()
    report = api.export(config, out_dir=site / "out", store=db, formats=["atom"], skip_invalid=True)
    assert [p.record_id for p in report.skipped] == ["again"]
    assert _pages(site / "out", "society") == ["2024-01", "2024-04"] == _pages(site / "out", "all")
