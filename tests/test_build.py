from datetime import datetime, timezone

from syndicate.build import build_feeds
from syndicate.config import load_config

from tests.conftest import load_store, write_record

AS_OF = datetime(2025, 1, 1, tzinfo=timezone.utc)


def _feeds(site, sections=None, as_of=AS_OF):
    config = load_config(site / "syndicate.toml")
    articles = load_store(site / "syndicate.toml").articles
    return {f.slug: f for f in build_feeds(articles, config, sections=sections, as_of=as_of)}


def test_newest_first_ties_broken_by_id(site):
    write_record(site, "b", published="2024-01-02T10:00:00+03:00")
    write_record(site, "a", published="2024-01-02T10:00:00+03:00")
    write_record(site, "c", published="2024-01-03T10:00:00+03:00")
    write_record(site, "old", published="2020-01-01")
    feed = _feeds(site)["society"]
    assert [a.id for a in feed.items] == ["c", "a", "b", "old"]
    assert feed.updated == feed.items[0].updated


def test_limit_keeps_the_latest(site):
    (site / "syndicate.toml").write_text(
        (site / "syndicate.toml").read_text() + "\n[defaults]\nlimit = 2\n", encoding="utf-8"
    )
    for day in range(1, 6):
        write_record(site, f"d{day}", published=f"2024-01-0{day}")
    assert [a.id for a in _feeds(site)["society"].items] == ["d5", "d4"]


def test_drafts_and_embargoes_stay_in(site):
    write_record(site, "draft", status="draft")
    write_record(site, "future", status="embargoed", embargo_until="2099-01-01")
    write_record(site, "lifted", status="embargoed", embargo_until="2024-06-01")
    write_record(site, "public")
    feeds = _feeds(site)
    assert sorted(a.id for a in feeds["society"].items) == ["lifted", "public"]
    assert sorted(a.id for a in feeds["all"].items) == ["lifted", "public"]


def test_extra_sections_and_the_site_feed(site):
    write_record(site, "both", sections=["sport"])
    write_record(site, "one")
    feeds = _feeds(site)
    assert [a.id for a in feeds["sport"].items] == ["both"]
    assert sorted(a.id for a in feeds["all"].items) == ["both", "one"]
    assert feeds["sport"].base_url == "https://test.example.org/feeds/sport/"
    assert feeds["sport"].home_url == "https://test.example.org/sport/"


def test_only_the_chosen_sections(site):
    write_record(site, "one")
    assert list(_feeds(site, sections=["sport"])) == ["sport"]
    assert list(_feeds(site, sections=["all"])) == ["all"]


def test_an_empty_feed_has_a_fixed_updated_time(site):
    feeds = _feeds(site)
    assert feeds["sport"].items == ()
    assert feeds["sport"].updated == datetime(1970, 1, 1, tzinfo=timezone.utc)


def test_without_a_publisher_the_site_publishes_every_feed(site):
    import io
    import re

    from syndicate.formats import FORMATS

    write_record(site, "a1")
    feeds = _feeds(site)  # no publisher in [site]
    assert {feeds["society"].publisher, feeds["all"].publisher} == {"Test News"}  # the site title
    news_items = {}
    for slug in ("society", "all"):
        out = io.BytesIO()
        FORMATS["newsml"].write(feeds[slug], out)
        news_items[slug] = re.search(rb"<newsItem .*?</newsItem>", out.getvalue(), re.S).group()
    # The article's item is the same in every feed it is in, its provider the site.
    assert news_items["society"] == news_items["all"] and b'<name>Test News</name>' in news_items["all"]


def test_the_current_feeds_name_the_websub_hub_and_archive_pages_do_not(site):
    from syndicate.archives import ArchivePages
    from syndicate.build import feed_specs

    config = site / "syndicate.toml"
    assert all(feed.hubs == () for feed in build_feeds([], load_config(config), sections=None, as_of=AS_OF))
    config.write_text(config.read_text(encoding="utf-8").replace(
        "[site]\n", '[site]\nwebsub_hub = "https://hub.example.net/"\narchive = 1\n'), encoding="utf-8")
    write_record(site, "a")
    write_record(site, "b", published="2024-01-03T10:00:00+03:00")
    loaded = load_config(config)
    feeds = build_feeds(load_store(config).articles, loaded, sections=None, as_of=AS_OF)
    assert [feed.hubs for feed in feeds] == [("https://hub.example.net/",)] * 3
    pages = ArchivePages(feed_specs(loaded, sections=["society"])[0], loaded)
    articles = sorted(load_store(config).articles, key=lambda a: a.published)
    page = pages.add(articles[0]) or pages.add(articles[1])
    assert page is not None and page.archive.current is not None and page.hubs == ()
    assert pages.current_feed(list(articles), site_newest=None).hubs == ("https://hub.example.net/",)
