"""The Google News sitemap (syndicate.sitemap): the articles of the two days before the export's
moment, at most 1,000, newest first, each URL once, valid against schemas/sitemap-0.9.xsd and the
news extension's schema; made again once the window moves, though nothing else changed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from syndicate import api
from syndicate.cli import app
from syndicate.config import load_config
from syndicate.errors import OutputInvalid
from syndicate.model import Article
from syndicate.sitemap import (FILENAME, MAX_ENTRIES, NEWS_NS, SITEMAP_NS, check_news_sitemap, news_language,
                               news_sitemap, next_change)

from tests.conftest import write_record

AS_OF = datetime(2024, 3, 10, 12, 0, tzinfo=timezone.utc)
NAMES = {"s": SITEMAP_NS, "news": NEWS_NS}


def _article(number: int, published: datetime, **changes) -> Article:
    values = dict(id=f"a{number}", item_id=f"tag:x.org,2024:a{number}", url=f"https://test.example.org/a{number}/",
                  title=f"Title {number}", summary=None, body_html=None, section="society", published=published,
                  updated=published, language="en")
    return Article(**{**values, **changes})


def _locations(data: bytes) -> list[str]:
    return etree.fromstring(data).xpath("/s:urlset/s:url/s:loc/text()", namespaces=NAMES)


def _entries(data: bytes) -> list[etree._Element]:
    return etree.fromstring(data).xpath("/s:urlset/s:url/news:news", namespaces=NAMES)


def test_an_export_lists_only_the_articles_of_the_last_two_days_newest_first(site: Path):
    ages = {"hour": timedelta(hours=1), "day": timedelta(days=1), "almost": timedelta(hours=47, minutes=59),
            "just-over": timedelta(hours=48), "week": timedelta(days=7), "tomorrow": -timedelta(days=1)}
    for name, age in ages.items():
        write_record(site, name, published=(AS_OF - age).isoformat(), sections=["sport"])
    write_record(site, "draft", published=(AS_OF - timedelta(hours=2)).isoformat(), status="draft")
    api.export(site / "syndicate.toml", out_dir=site / "out", as_of=AS_OF)

    data = (site / "out" / FILENAME).read_bytes()
    # In three feeds each (society, sport, all), listed once; the draft, the old and the future left out.
    assert _locations(data) == [f"https://test.example.org/society/{name}/" for name in ("hour", "day", "almost")]
    assert check_news_sitemap(data) == []
    first = _entries(data)[0]
    assert first.findtext("news:publication/news:name", namespaces=NAMES) == "Test News"
    assert first.findtext("news:publication/news:language", namespaces=NAMES) == "en"
    assert first.findtext("news:publication_date", namespaces=NAMES) == "2024-03-10T11:00:00Z"
    assert first.findtext("news:title", namespaces=NAMES) == "Title of hour"
    manifest = json.loads((site / "out" / "manifest.json").read_bytes())
    assert FILENAME in manifest["files"]


def test_at_most_1000_entries_the_newest_and_each_url_once():
    articles = [_article(n, AS_OF - timedelta(minutes=n)) for n in range(MAX_ENTRIES + 5)]
    articles.append(_article(9999, AS_OF, url=articles[3].url))  # a newer article at an older one's address
    config = load_config(Path(__file__).parent.parent / "examples" / "syndicate.toml")

    data = news_sitemap(articles, config=config, as_of=AS_OF)

    locations = _locations(data)
    assert len(_entries(data)) == len(locations) == MAX_ENTRIES == len(set(locations))
    # a0 and the newer article are as recent: by id, a0 first.
    assert locations[:3] == [articles[0].url, articles[3].url, articles[1].url]
    assert _entries(data)[1].findtext("news:title", namespaces=NAMES) == "Title 9999"
    assert articles[MAX_ENTRIES].url not in locations
    assert check_news_sitemap(data) == []


def test_with_no_recent_article_the_home_page_is_listed_alone_and_valid(site: Path):
    write_record(site, "old", published="2020-01-01T10:00:00+03:00")
    api.export(site / "syndicate.toml", out_dir=site / "out", as_of=AS_OF)

    data = (site / "out" / FILENAME).read_bytes()
    assert _locations(data) == ["https://test.example.org/"] and _entries(data) == []
    assert check_news_sitemap(data) == []


def _sitemap(*urls: str, language: str = "en", title: str = "T", date: str = "2024-03-10T12:00:00Z") -> bytes:
    entries = "".join(
        f"<url><loc>{url}</loc><news:news><news:publication><news:name>N</news:name>"
        f"<news:language>{language}</news:language></news:publication>"
        f"<news:publication_date>{date}</news:publication_date><news:title>{title}</news:title></news:news></url>"
        for url in urls)
    return (f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">{entries}</urlset>').encode()


@pytest.mark.parametrize(("data", "problem"), [
    (_sitemap("https://x.org/a", language="en-GB"), "language"),
    (_sitemap("https://x.org/a", title=" "), "title"),
    (_sitemap("https://x.org/a", date="10 March 2024"), "publication_date"),
    (_sitemap("https://x.org/a", date="2024-02-30"), "not a date that exists"),
    (_sitemap("https://x.org/a", "https://x.org/a"), "appears 2 times"),
    (_sitemap("ftp://x.org/a/b/c"), "loc"),
    (_sitemap(*(f"https://x.org/{n}" for n in range(MAX_ENTRIES + 1))), "at most 1000"),
    (f'<urlset xmlns="{SITEMAP_NS}"/>'.encode(), "url"),
    (_sitemap("https://x.org/a").replace(b"<news:title>", b"<news:keywords>k</news:keywords><news:title>"),
     "keywords"),
], ids=["language", "blank-title", "date-form", "date-that-is-not", "url-twice", "not-http", "1001-entries",
        "no-url", "unknown-tag"])
def test_the_checks_name_what_is_wrong(data: bytes, problem: str):
    problems = check_news_sitemap(data)
    assert problems and any(problem in p for p in problems), problems
    assert check_news_sitemap(_sitemap("https://x.org/a", date="2024-03-10")) == []


def test_a_sitemap_that_fails_its_checks_is_not_published(site: Path, monkeypatch):
    from syndicate import sitemap

    write_record(site, "hour", published=(AS_OF - timedelta(hours=1)).isoformat())
    monkeypatch.setattr(sitemap, "news_language", lambda tag: "english")
    with pytest.raises(OutputInvalid, match=f"{FILENAME}: line .*language"):
        api.export(site / "syndicate.toml", out_dir=site / "out", as_of=AS_OF)
    assert not (site / "out").exists()


@pytest.mark.parametrize(("tag", "expected"), [
    ("en", "en"), ("en-GB", "en"), ("BE", "be"), ("zh", "zh-cn"), ("zh-Hans-CN", "zh-cn"), ("zh-Hant", "zh-tw"),
    ("zh-TW", "zh-tw"), ("zh-HK", "zh-tw"), ("fil", "fil")])
def test_news_language_is_an_iso_639_code_or_zh_cn_or_zh_tw(tag: str, expected: str):
    assert news_language(tag) == expected


def test_next_change_is_when_the_oldest_entry_leaves_or_a_later_article_enters():
    old = _article(1, AS_OF - timedelta(hours=40))
    assert next_change([old, _article(2, AS_OF - timedelta(hours=1))], as_of=AS_OF) == old.published + timedelta(days=2)
    assert next_change([old, _article(3, AS_OF + timedelta(hours=1))], as_of=AS_OF) == AS_OF + timedelta(hours=1)
    assert next_change([_article(4, AS_OF - timedelta(days=3))], as_of=AS_OF) is None


def test_an_export_with_nothing_changed_still_makes_it_again_once_an_entry_has_aged(site: Path):
    write_record(site, "older", published=(AS_OF - timedelta(hours=40)).isoformat())
    write_record(site, "newer", published=(AS_OF - timedelta(hours=1)).isoformat())
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, as_of=AS_OF)
    assert len(_locations((out / FILENAME).read_bytes())) == 2

    soon = api.export(site / "syndicate.toml", out_dir=out, as_of=AS_OF + timedelta(hours=1))
    assert soon.written == ()  # the shortcut: nothing has changed yet
    later = api.export(site / "syndicate.toml", out_dir=out, as_of=AS_OF + timedelta(hours=9))
    assert later.written == (out.resolve() / FILENAME, out.resolve() / "manifest.json")
    assert _locations((out / FILENAME).read_bytes()) == ["https://test.example.org/society/newer/"]


def test_validate_recognises_the_news_sitemap(site: Path):
    write_record(site, "hour", published=(AS_OF - timedelta(hours=1)).isoformat())
    api.export(site / "syndicate.toml", out_dir=site / "out", as_of=AS_OF)
    copy = site / "renamed.xml"
    copy.write_bytes((site / "out" / FILENAME).read_bytes().replace(b"<news:title>", b"<news:title>\n"))

    result = CliRunner().invoke(app, ["validate", str(site / "out" / FILENAME), str(copy)])
    assert result.exit_code == 0, result.output
    assert f"{FILENAME}: valid sitemap" in result.output and "renamed.xml: valid sitemap" in result.output
    copy.write_bytes(copy.read_bytes().replace(b">en<", b">english<"))
    result = CliRunner().invoke(app, ["validate", str(copy)])
    assert result.exit_code == 1 and "language" in result.output


def test_a_partner_that_asks_gets_a_news_sitemap_of_its_own_stories_only(site: Path):
    config = site / "syndicate.toml"
    config.write_text(config.read_text(encoding="utf-8")
                      + '\n[partners.sporty]\nsections = ["sport"]\nnews_sitemap = true\nembargo = "mark"\n'
                      'formats = ["newsml"]\n\n[partners.quiet]\nformats = ["rss"]\n', encoding="utf-8")
    hour = (AS_OF - timedelta(hours=1)).isoformat()
    write_record(site, "match", section="sport", url="https://test.example.org/sport/match/", published=hour)
    write_record(site, "society-news", published=hour)
    write_record(site, "early", section="sport", url="https://test.example.org/sport/early/", published=hour,
                 status="embargoed", embargo_until=(AS_OF + timedelta(hours=5)).isoformat())
    api.export(config, out_dir=site / "out", as_of=AS_OF)

    data = (site / "out" / "partners" / "sporty" / FILENAME).read_bytes()
    # Its sport stories, not the society one; not the story it is sent before its embargo lifts.
    assert _locations(data) == ["https://test.example.org/sport/match/"]
    assert b"https://test.example.org/sport/early/" in (site / "out" / "partners" / "sporty" / "sport" / "newsml.xml"
                                                         ).read_bytes()
    assert check_news_sitemap(data) == []
    assert not (site / "out" / "partners" / "quiet" / FILENAME).exists()
    assert f"partners/sporty/{FILENAME}" in json.loads((site / "out" / "manifest.json").read_bytes())["files"]
    assert all(report.valid for report in api.validate([site / "out"]))


def test_an_export_of_some_sections_leaves_the_news_sitemaps_as_the_last_full_export_made_them(site: Path):
    config = site / "syndicate.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[partners.all-news]\nformats = ["rss"]\n'
                      'news_sitemap = true\n', encoding="utf-8")
    hour = (AS_OF - timedelta(hours=1)).isoformat()
    write_record(site, "match", section="sport", url="https://test.example.org/sport/match/", published=hour)
    write_record(site, "society-news", published=hour)
    api.export(config, out_dir=site / "out", as_of=AS_OF)
    made = {path: (site / "out" / path).read_bytes() for path in (FILENAME, f"partners/all-news/{FILENAME}")}
    assert all(len(_locations(data)) == 2 for data in made.values())
    write_record(site, "ball", section="sport", url="https://test.example.org/sport/ball/", published=hour)
    api.export(config, out_dir=site / "out", as_of=AS_OF, sections=["sport"])
    # Those sitemaps hold the whole site's (the partner's) stories: the sport feeds alone do not make them.
    assert {path: (site / "out" / path).read_bytes() for path in made} == made
    assert b"sport/ball/" in (site / "out" / "sport" / "rss.xml").read_bytes()
