"""import of feed files: what real feeds hold, and what used to crash or go wrong, each case
with its exact outcome (the values imported, or the message naming the file, the item and
the field, exit code 2)."""

from __future__ import annotations

import codecs
import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syndicate import api
from syndicate.cli import app
from syndicate.config import load_config
from syndicate.feeds_in import is_feed_file, read_feed, record_identity
from syndicate.store import open_store

from tests.conftest import REFERENCE

runner = CliRunner()

CONFIG = """
[site]
title = "Test News"
home_url = "https://test.example.org/"
id_prefix = "tag:test.example.org,2024:"
timezone = "Europe/Minsk"
dayfirst = true
language = "en"
{extra}
[[sections]]
slug = "society"
title = "Society"
"""


def _config(folder: Path, extra: str = "") -> Path:
    path = folder / "syndicate.toml"
    path.write_text(CONFIG.format(extra=extra), encoding="utf-8")
    return path


def _import(folder: Path, name: str, content: str | bytes, *options: str, extra: str = ""):
    """(CLI result, {record id: stored record}) of importing CONTENT as the file NAME."""
    source = folder / name
    source.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    store = folder / "store.db"
    config = _config(folder, extra)
    result = runner.invoke(app, ["import", str(source), "--into", str(store), "-c", str(config),
                                 "--section", "society", *options])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    records = {}
    if store.exists():
        opened = open_store(str(store), config=load_config(config))
        try:
            records = {r.data["id"]: r.data for r in opened.records()}
        finally:
            opened.close()
    return result, records


def _export_items(folder: Path, fmt: str = "jsonfeed") -> list:
    out = folder / f"out-{fmt}"
    api.export(folder / "syndicate.toml", out_dir=out, store=folder / "store.db", formats=[fmt])
    if fmt == "jsonfeed":
        return json.loads((out / "society" / "feed.json").read_text(encoding="utf-8"))["items"]
    return [(out / "society" / {"rss": "rss.xml", "atom": "atom.xml", "newsml": "newsml.xml"}[fmt]).read_text(
        encoding="utf-8")]


def _rss(items: str, channel: str = "") -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:media="http://search.yahoo.com/mrss/" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f'<channel><title>Elsewhere</title><link>https://elsewhere.example/</link><description>d</description>'
            f'{channel}{items}</channel></rss>')


def _item(inner: str, *, date: str = "Tue, 02 Jan 2024 08:00:00 GMT", guid: str = "g1") -> str:
    return f'<item><guid isPermaLink="false">{guid}</guid><pubDate>{date}</pubDate>{inner}</item>'


def _atom(entries: str, feed: str = "", base: str = "") -> str:
    attribute = f' xml:base="{base}"' if base else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<feed xmlns="http://www.w3.org/2005/Atom"{attribute}><title>E</title><id>urn:uuid:feed</id>'
            f'<updated>2024-01-05T00:00:00Z</updated>{feed}{entries}</feed>')


def _json_feed(*items: dict, **feed) -> str:
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J", **feed, "items": list(items)})


JSON_ITEM = {"id": "j1", "url": "https://elsewhere.example/j1", "title": "A JSON item",
             "date_published": "2024-01-02T10:00:00Z", "content_text": "Text."}


# --- Crashes (exit 3) that are now an import or a named problem -------------------------------

@pytest.mark.parametrize("member", ["tags", "authors", "attachments"])
def test_json_feed_member_that_is_null_is_absent(tmp_path: Path, member: str):
    result, records = _import(tmp_path, "feed.json", _json_feed({**JSON_ITEM, member: None}))
    assert result.exit_code == 0, result.output
    assert records["j1"]["title"] == "A JSON item"
    assert {"tags", "authors", "media"}.isdisjoint(records["j1"])


@pytest.mark.parametrize("member,shown", [("tags", "a list"), ("authors", "a list"), ("attachments", "a list")])
def test_json_feed_member_that_is_a_number_is_a_problem_naming_item_and_member(tmp_path: Path, member, shown):
    result, records = _import(tmp_path, "feed.json", _json_feed({**JSON_ITEM, member: 5}))
    assert result.exit_code == 2
    assert f"{tmp_path / 'feed.json'} item 1 (id 'j1') record: {member}: expected {shown}, got 5" in result.output
    assert records == {}


def test_control_character_reference_in_title_and_description_is_removed_with_warnings(tmp_path: Path):
    feed = _rss(_item("<title>Control &amp;#1; title</title><link>https://elsewhere.example/1</link>"
                      "<description>Text &amp;#1; here</description>", guid="12345"))
    result, records = _import(tmp_path, "rss.xml", feed)
    assert result.exit_code == 0, result.output
    where = f"{tmp_path / 'rss.xml'} item 1 (guid '12345') id=12345"
    for field in ("title", "body"):  # the summary is made from the body, once it is clean
        assert (f"warning: {where} {field}: removed 1 character(s) that XML 1.0 cannot carry or that are "
                "controls") in result.output
    assert (records["12345"]["title"], records["12345"]["body"]) == ("Control  title", "Text  here")
    # Every format can be written from the store afterwards.
    for fmt in ("rss", "atom", "jsonfeed", "newsml", "ninjs"):
        api.export(tmp_path / "syndicate.toml", out_dir=tmp_path / "out", store=tmp_path / "store.db", formats=[fmt])
    item = _export_items(tmp_path)[0]
    assert (item["title"], item["content_html"]) == ("Control title", "Text  here")


def test_control_character_reference_in_a_json_feed_body_is_removed_with_a_warning(tmp_path: Path):
    result, records = _import(tmp_path, "feed.json", _json_feed({**JSON_ITEM, "content_html": "<p>a &#1; b</p>"}))
    assert result.exit_code == 0
    assert (f"{tmp_path / 'feed.json'} item 1 (id 'j1') id=j1 body: removed 1 character(s)") in result.output
    assert records["j1"]["body"] == "<p>a  b</p>"


@pytest.mark.parametrize("offset", ["+2500", "-2400"])
def test_pub_date_offset_of_a_day_or_more_is_a_problem_naming_the_item(tmp_path: Path, offset: str):
    feed = _rss(_item("<title>T</title><link>https://elsewhere.example/1</link>",
                      date=f"Tue, 02 Jan 2024 08:00:00 {offset}", guid="post-17@example"))
    result, _ = _import(tmp_path, "rss.xml", feed)
    assert result.exit_code == 2
    hours = offset[:3]
    assert (f"{tmp_path / 'rss.xml'} item 1 (guid 'post-17@example') id=post-17@example published: "
            f"'Tue, 02 Jan 2024 08:00:00 {offset}': offset {hours}:00 is outside ±14:00") in result.output


def test_json_nested_ten_thousand_deep_is_refused_naming_the_file(tmp_path: Path):
    result, _ = _import(tmp_path, "feed.json", '{"version": "https://jsonfeed.org/version/1.1", "items": '
                        + "[" * 10_000 + "]" * 10_000 + "}")
    assert result.exit_code == 2
    assert f"{tmp_path / 'feed.json'} record: is JSON nested too deeply to read" in result.output


def test_link_that_is_not_a_url_is_a_problem_naming_item_and_field(tmp_path: Path):
    result, _ = _import(tmp_path, "rss.xml", _rss(_item("<title>T</title><link>http://[::1</link>", guid="g3")))
    assert result.exit_code == 2
    assert f"{tmp_path / 'rss.xml'} item 1 (guid 'g3') id=g3 url: 'http://[::1': Invalid IPv6 URL" in result.output


def test_media_width_that_is_not_ascii_digits_is_left_out(tmp_path: Path):
    feed = _rss(_item('<title>T</title><link>https://elsewhere.example/4</link><media:content '
                      'url="https://elsewhere.example/i.jpg" width="²" height="300" type="image/jpeg">'
                      '<media:description>Cap</media:description><media:credit>Cred</media:credit>'
                      '</media:content>', guid="g4"))
    result, records = _import(tmp_path, "rss.xml", feed)
    assert result.exit_code == 0, result.output
    assert records["g4"]["media"] == [{"url": "https://elsewhere.example/i.jpg", "type": "image/jpeg",
                                       "height": 300, "caption": "Cap", "credit": "Cred"}]


# --- Silently wrong, now right -----------------------------------------------------------------

@pytest.mark.parametrize("date,instant", [
    ("2024-01-02 08:00:00 +0300", "2024-01-02T08:00:00+03:00"),
    ("02 Jan 2024 08:00 +0300", "2024-01-02T08:00:00+03:00"),
    ("Tue, 02 Jan 2024 08:00:00 EST", "2024-01-02T08:00:00-05:00"),
    ("Tue, 02 Jan 2024 08:00:00 PDT", "2024-01-02T08:00:00-07:00"),
    ("Tue, 02 Jan 2024 08:00:00 UT", "2024-01-02T08:00:00Z"),
])
def test_dates_with_a_spaced_offset_or_a_zone_name_keep_their_instant(tmp_path: Path, date: str, instant: str):
    _import(tmp_path, "rss.xml", _rss(_item("<title>T</title><link>https://elsewhere.example/1</link>", date=date)))
    assert _export_items(tmp_path)[0]["date_published"] == instant


def test_xml_base_makes_relative_atom_links_absolute(tmp_path: Path):
    feed = _atom('<entry><id>post-1</id><title>Relative</title><updated>2024-01-04T10:00:00Z</updated>'
                 '<link href="posts/1"/><link rel="enclosure" href="a.mp3" type="audio/mpeg"/></entry>',
                 base="https://elsewhere.example/blog/")
    result, records = _import(tmp_path, "atom.xml", feed)
    assert result.exit_code == 0, result.output
    assert records["post-1"]["url"] == "https://elsewhere.example/blog/posts/1"
    assert records["post-1"]["media"] == [{"url": "https://elsewhere.example/blog/a.mp3", "type": "audio/mpeg"}]


@pytest.mark.parametrize("name,feed", [
    ("rss.xml", _rss(_item("<title>The &amp;lt;video&amp;gt; element &amp;amp;amp; you</title>"
                           "<link>https://elsewhere.example/1</link>"))),
    ("atom.xml", _atom('<entry><id>g1</id><title type="text">The &lt;video&gt; element &amp;amp; you</title>'
                       '<updated>2024-01-02T08:00:00Z</updated><link href="https://elsewhere.example/1"/></entry>')),
    ("atom-html.xml", _atom('<entry><id>g1</id><title type="html">The &amp;lt;video&amp;gt; element '
                            '&amp;amp;amp; you</title><updated>2024-01-02T08:00:00Z</updated>'
                            '<link href="https://elsewhere.example/1"/></entry>')),
])
def test_text_is_decoded_as_html_once_at_most(tmp_path: Path, name: str, feed: str):
    result, _ = _import(tmp_path, name, feed)
    assert result.exit_code == 0, result.output
    assert _export_items(tmp_path)[0]["title"] == "The <video> element &amp; you"


def test_atom_feed_level_author_is_the_author_of_entries_without_one(tmp_path: Path):
    feed = _atom('<entry><id>a1</id><title>T</title><updated>2024-01-02T08:00:00Z</updated>'
                 '<link href="https://elsewhere.example/1"/></entry>'
                 '<entry><id>a2</id><title>T2</title><updated>2024-01-02T08:00:00Z</updated>'
                 '<link href="https://elsewhere.example/2"/><author><name>Own</name></author></entry>',
                 feed="<author><name>Feed Desk</name><email>desk@elsewhere.example</email></author>")
    _, records = _import(tmp_path, "atom.xml", feed)
    assert records["a1"]["authors"] == [{"name": "Feed Desk", "email": "desk@elsewhere.example"}]
    assert records["a2"]["authors"] == [{"name": "Own"}]


def test_json_feed_1_0_author_and_feed_authors(tmp_path: Path):
    document = {"version": "https://jsonfeed.org/version/1", "title": "J", "author": {"name": "Feed Author"},
                "items": [{**JSON_ITEM, "id": "a", "author": {"name": "Item Author", "url": "https://a.example/"}},
                          {**JSON_ITEM, "id": "b", "url": "https://elsewhere.example/b"}]}
    _, records = _import(tmp_path, "feed.json", json.dumps(document))
    assert records["a"]["authors"] == [{"name": "Item Author", "url": "https://a.example/"}]
    assert records["b"]["authors"] == [{"name": "Feed Author"}]


@pytest.mark.parametrize("name,feed", [
    ("rss.xml", _rss(_item("<title>T</title><link>https://elsewhere.example/1</link>"
                           "<author>only@elsewhere.example</author>"))),
    ("atom.xml", _atom('<entry><id>g1</id><title>T</title><updated>2024-01-02T08:00:00Z</updated>'
                       '<link href="https://elsewhere.example/1"/><author><email>only@elsewhere.example</email>'
                       '</author></entry>')),
])
def test_email_only_author_is_kept_named_by_the_address(tmp_path: Path, name: str, feed: str):
    _, records = _import(tmp_path, name, feed)
    assert records["g1"]["authors"] == [{"name": "only@elsewhere.example", "email": "only@elsewhere.example"}]


def test_rss_author_with_a_name_and_several_dc_creators(tmp_path: Path):
    feed = _rss(_item("<title>T</title><link>https://elsewhere.example/1</link>"
                      "<author>ann@elsewhere.example (Ann Editor)</author>", guid="a")
                + _item("<title>T</title><link>https://elsewhere.example/2</link>"
                        "<dc:creator>Bob</dc:creator><dc:creator>Carol</dc:creator>", guid="b"))
    _, records = _import(tmp_path, "rss.xml", feed)
    assert records["a"]["authors"] == [{"name": "Ann Editor", "email": "ann@elsewhere.example"}]
    assert records["b"]["authors"] == [{"name": "Bob"}, {"name": "Carol"}]


def test_item_level_dublin_core_dates(tmp_path: Path):
    feed = _rss(
        '<item><guid isPermaLink="false">dc</guid><title>T</title><link>https://elsewhere.example/1</link>'
        '<dc:date>2024-01-03T10:00:00Z</dc:date><dcterms:modified>2024-01-04T10:00:00Z</dcterms:modified></item>'
        '<item><guid isPermaLink="false">created</guid><title>T</title><link>https://elsewhere.example/2</link>'
        '<dcterms:created>2024-01-01T10:00:00Z</dcterms:created></item>',
        channel="<pubDate>Tue, 09 Jan 2024 08:00:00 GMT</pubDate>")
    _, records = _import(tmp_path, "rss.xml", feed)
    assert (records["dc"]["published"], records["dc"]["updated"]) == ("2024-01-03T10:00:00Z", "2024-01-04T10:00:00Z")
    assert records["created"]["published"] == "2024-01-01T10:00:00Z"  # not the channel's date


def test_atom_xhtml_content_keeps_the_text_before_its_first_child(tmp_path: Path):
    feed = _atom('<entry><id>x</id><title>T</title><updated>2024-01-02T08:00:00Z</updated>'
                 '<link href="https://elsewhere.example/1"/><content type="xhtml"><div '
                 'xmlns="http://www.w3.org/1999/xhtml">Lead text <b>bold</b> tail</div></content></entry>')
    _, records = _import(tmp_path, "atom.xml", feed)
    assert records["x"]["body"] == "Lead text <b>bold</b> tail"


# --- Refused though readers read them, now read -------------------------------------------------

ONE_ITEM = _rss(_item("<title>Ünïcode</title><link>https://elsewhere.example/1</link>"))


@pytest.mark.parametrize("name,content", [
    ("bom.xml", codecs.BOM_UTF8 + ONE_ITEM.encode("utf-8")),
    ("utf16.xml", ONE_ITEM.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")),
    ("utf16be.xml", ONE_ITEM.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-be")),
    ("utf32.xml", codecs.BOM_UTF32_LE + ONE_ITEM.replace('encoding="UTF-8"', 'encoding="UTF-32"')
     .encode("utf-32-le")),
    ("rss.xml.gz", gzip.compress(ONE_ITEM.encode("utf-8"))),
])
def test_byte_order_marks_utf16_utf32_and_gzip_are_read(tmp_path: Path, name: str, content: bytes):
    assert is_feed_file((tmp_path / name)) is False  # not there yet
    result, records = _import(tmp_path, name, content)
    assert is_feed_file(tmp_path / name)
    assert result.exit_code == 0, result.output
    assert records["g1"]["title"] == "Ünïcode"


def test_json_feed_with_a_byte_order_mark_is_a_feed_not_a_store_record(tmp_path: Path):
    result, records = _import(tmp_path, "feed.json", codecs.BOM_UTF8 + _json_feed(JSON_ITEM).encode("utf-8"))
    assert result.exit_code == 0 and "imported 1 records" in result.output
    assert records["j1"]["title"] == "A JSON item"


def test_gzip_file_that_is_not_gzip_or_is_truncated_is_refused_naming_the_file(tmp_path: Path):
    result, _ = _import(tmp_path, "feed.xml.gz", ONE_ITEM)
    assert result.exit_code == 2
    assert f"{tmp_path / 'feed.xml.gz'} record: is named .gz but is not a gzip file" in result.output
    result, _ = _import(tmp_path, "cut.xml.gz", gzip.compress(ONE_ITEM.encode())[:40])
    assert result.exit_code == 2
    assert f"{tmp_path / 'cut.xml.gz'} record: is not a readable gzip file" in result.output


def test_rss_item_with_a_description_and_no_title_is_titled_from_it_with_a_warning(tmp_path: Path):
    text = ("Only a description, no title, which is long enough to be cut at a word boundary somewhere "
            "past the hundredth character of it.")
    feed = _rss(_item(f"<description>&lt;p&gt;{text}&lt;/p&gt;</description><link>https://elsewhere.example/6"
                      "</link>", guid="6"))
    result, records = _import(tmp_path, "rss.xml", feed)
    assert result.exit_code == 0
    title = "Only a description, no title, which is long enough to be cut at a word boundary somewhere past the…"
    assert records["6"]["title"] == title
    assert (f"warning: {tmp_path / 'rss.xml'} item 1 (guid '6') id=6 title: none in the feed; made from the "
            f"start of its text: {title!r}") in result.output


def test_permalink_guid_without_a_link_is_the_link(tmp_path: Path):
    feed = _rss('<item><title>T</title><guid>https://elsewhere.example/p/3</guid>'
                '<pubDate>Tue, 02 Jan 2024 08:00:00 GMT</pubDate></item>')
    _, records = _import(tmp_path, "rss.xml", feed)
    assert records["https://elsewhere.example/p/3"]["url"] == "https://elsewhere.example/p/3"


def test_language_with_an_underscore_is_a_language_tag(tmp_path: Path):
    _, records = _import(tmp_path, "rss.xml", _rss(_item("<title>T</title><link>https://elsewhere.example/1</link>"),
                                                    channel="<language>en_US</language>"))
    assert records["g1"]["language"] == "en-US"


def test_atom_source_without_a_title_is_named_by_its_host_with_a_warning(tmp_path: Path):
    feed = _atom('<entry><id>s</id><title>T</title><updated>2024-01-02T08:00:00Z</updated>'
                 '<link href="https://elsewhere.example/1"/><source><id>urn:src</id>'
                 '<link href="https://source.example/news/"/></source></entry>')
    result, records = _import(tmp_path, "atom.xml", feed)
    assert records["s"]["source"] == {"name": "source.example", "url": "https://source.example/news/"}
    assert "entry 1 (id 's') id=s source: no title in the feed; named by its host 'source.example'" in result.output


def test_messages_name_an_item_by_position_and_its_id_never_a_made_up_one(tmp_path: Path):
    feed = _rss('<item><description>no date, no link</description></item>'
                '<item><guid isPermaLink="false">g2</guid><title>T</title></item>')
    result, _ = _import(tmp_path, "rss.xml", feed)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if " item " in line]
    assert f"{tmp_path / 'rss.xml'} item 2 (guid 'g2') id=g2 url: is required" in lines
    assert any(line.startswith(f"{tmp_path / 'rss.xml'} item 1 ") and line.endswith("url: is required")
               for line in lines)
    assert "e3b0c44298fc1c149afbf4c8" not in result.output  # the digest of nothing


# --- Ids kept ------------------------------------------------------------------------------------

@pytest.mark.parametrize("guid", ["12345", "post-17@example", "Ünïcode id 7", "tag:elsewhere.example,2024:9"])
def test_any_guid_is_kept_and_written_unchanged_where_a_format_allows(tmp_path: Path, guid: str):
    feed = _rss(_item("<title>T</title><link>https://elsewhere.example/1</link>", guid=guid))
    result, records = _import(tmp_path, "rss.xml", feed)
    assert result.exit_code == 0, result.output
    (record,) = records.values()
    assert record["guid"] == guid
    out = tmp_path / "out"
    api.export(tmp_path / "syndicate.toml", out_dir=out, store=tmp_path / "store.db",
               formats=["rss", "atom", "jsonfeed", "newsml", "ninjs"])
    assert all(r.valid for r in api.validate([out])), [r.problems for r in api.validate([out])]
    uri = guid if guid.startswith("tag:") else "tag:test.example.org,2024:" + record["id"]
    assert json.loads((out / "society" / "feed.json").read_text("utf-8"))["items"][0]["id"] == guid
    assert json.loads((out / "society" / "ninjs.json").read_text("utf-8"))[0]["uri"] == uri
    import feedparser

    assert feedparser.parse((out / "society" / "rss.xml").read_bytes()).entries[0].id == guid
    assert feedparser.parse((out / "society" / "atom.xml").read_bytes()).entries[0].id == uri
    assert f'guid="{guid}"' in (out / "society" / "newsml.xml").read_text("utf-8")


def test_own_item_ids_give_back_the_record_id_and_no_guid():
    assert record_identity("tag:news.example.org,2014:a-1", id_prefix="tag:news.example.org,2014:") == ("a-1", None)
    assert record_identity("12345", id_prefix="tag:x,2024:") == ("12345", "12345")
    assert record_identity("post 17", id_prefix="tag:x,2024:")[1] == "post 17"


def test_a_guid_with_control_characters_or_surrounding_space_is_refused_by_the_record_check(tmp_path: Path):
    (tmp_path / "store").mkdir()
    record = {"id": "a", "url": "https://test.example.org/a/", "title": "T", "section": "society",
              "published": "2024-01-02T10:00:00+03:00", "guid": "bad\x01guid"}
    (tmp_path / "store" / "a.json").write_text(json.dumps(record), encoding="utf-8")
    result = runner.invoke(app, ["export", "-c", str(_config(tmp_path)), "--out", str(tmp_path / "out"),
                                 "--store", str(tmp_path / "store")])
    assert result.exit_code == 2
    assert "id=a guid: 'bad\\x01guid' is not an id without control characters" in result.output


# --- Size -----------------------------------------------------------------------------------------

def test_feed_file_above_the_size_limit_is_refused_unread(tmp_path: Path):
    big = _rss(_item("<title>T</title><link>https://elsewhere.example/1</link>") + " " * 2000)
    result, _ = _import(tmp_path, "big.xml", big, extra="[limits]\nmax_feed_bytes = 1000\n")
    assert result.exit_code == 2
    assert (f"{tmp_path / 'big.xml'} record: is {len(big):,} bytes, more than [limits] max_feed_bytes (1,000); "
            "nothing of it was read") in result.output


def test_gzip_file_decompressing_above_the_size_limit_is_refused_without_decompressing_it_all(tmp_path: Path):
    bomb = gzip.compress(ONE_ITEM.encode() + b" " * 5_000_000)
    result, _ = _import(tmp_path, "bomb.xml.gz", bomb, extra="[limits]\nmax_feed_bytes = 100000\n")
    assert result.exit_code == 2
    assert (f"{tmp_path / 'bomb.xml.gz'} record: decompresses to more than [limits] max_feed_bytes (100,000); "
            "it was not decompressed further") in result.output


# --- Agency formats --------------------------------------------------------------------------------

def test_iptc_newsml_g2_text_item_example(tmp_path: Path):
    listing = REFERENCE / "newsml-g2" / "LISTING_1_A_NewsML-G2_News_Item.xml"
    if not listing.is_file():
        pytest.skip("../shared/reference/newsml-g2/ is not beside the checkout")
    result, records = _import(tmp_path, "item.xml", listing.read_bytes())
    assert result.exit_code == 0, result.output
    record = records["urn:newsml:acmenews.com:20161018:US-FINANCE-FED"]
    assert {k: record[k] for k in ("guid", "url", "title", "published", "updated", "language", "authors", "tags",
                                   "located", "version", "status", "embargo_until")} == {
        "guid": "urn:newsml:acmenews.com:20161018:US-FINANCE-FED",
        "url": "http://www.example.com/video/20081222-PNN-1517-407624/index.html",
        "title": 'Fed to halt QE to avert "bubble"',
        "published": "2016-10-18T13:12:21-05:00", "updated": "2018-10-21T16:25:32-05:00", "language": "en-GB",
        "authors": [{"name": "Meredith Jameson", "url": "http://www.example.com/staff/mjameson"}],
        "tags": ["economy, business and finance", "labour market"], "located": "Berlin", "version": 11,
        "status": "embargoed", "embargo_until": "2018-10-23T12:00:00Z"}
    assert record["rights"] == "Copyright 2017-18 Example Enews LLP, all rights reserved"


def test_iptc_newsml_g2_picture_alone_is_a_problem_naming_it(tmp_path: Path):
    listing = REFERENCE / "newsml-g2" / "LISTING_3_Photo_in_NewsML-G2.xml"
    if not listing.is_file():
        pytest.skip("../shared/reference/newsml-g2/ is not beside the checkout")
    result, _ = _import(tmp_path, "photo.xml", listing.read_bytes())
    assert result.exit_code == 2
    assert (f"{tmp_path / 'photo.xml'} newsItem 1 (guid 'tag:gettyimages.com,2010:GYI0062134533') record: "
            "a ninat:picture item no text item of the file links to") in result.output


@pytest.mark.parametrize("name", ["ex_2.2_004_simple_text_article.json", "ex_3.1_004_simple_text_article.json"])
def test_iptc_ninjs_single_object_example(tmp_path: Path, name: str):
    example = REFERENCE / "ninjs" / name
    if not example.is_file():
        pytest.skip("../shared/reference/ninjs/ is not beside the checkout")
    result, records = _import(tmp_path, name, example.read_bytes())
    assert result.exit_code == 0, result.output
    record = records["http://ninjs.example.com/newsitems/20130709simp123"]
    assert record["title"] == "Captain of wrecked cruise ship on trial in Italy"
    assert record["url"] == record["guid"] == "http://ninjs.example.com/newsitems/20130709simp123"
    assert record["published"] == "2013-07-09T10:37:00Z"
    assert record["authors"] == [{"name": "Paulo Santalucia and Frances d'Emilio"}]
    assert record["body"].startswith("<p>GROSSETO, Italy (AP) -- The trial")


def test_newsml_and_ninjs_from_syndicate_round_trip_to_the_same_files(tmp_path: Path):
    from tests.conftest import EXAMPLE_CONFIG

    published = tmp_path / "published"
    formats = ["rss", "atom", "jsonfeed", "newsml", "ninjs"]
    api.export(EXAMPLE_CONFIG, out_dir=published, formats=formats)
    for name in ("newsml.xml", "ninjs.json"):
        store = tmp_path / f"store-{name}"
        report = api.import_records([published / "all" / name], into=store, config_path=EXAMPLE_CONFIG)
        assert report.imported == 23 and report.warnings == ()
        again = tmp_path / f"again-{name}"
        api.export(EXAMPLE_CONFIG, out_dir=again, store=store, formats=formats)
        assert (again / "all" / name).read_bytes() == (published / "all" / name).read_bytes()
    # NewsML-G2 carries every field: every format comes back byte for byte.
    for name in ("rss.xml", "atom.xml", "feed.json", "ninjs.json"):
        assert (tmp_path / "again-newsml.xml" / "all" / name).read_bytes() == (published / "all" / name).read_bytes()


def test_read_feed_is_a_generator_of_one_record_per_item(tmp_path: Path):
    source = tmp_path / "rss.xml"
    source.write_text(_rss(_item("<title>A</title><link>https://e.example/1</link>", guid="a")
                           + _item("<title>B</title><link>https://e.example/2</link>", guid="b")), encoding="utf-8")
    records = read_feed(source, load_config(_config(tmp_path)), default_section="society")
    assert iter(records) is records
    assert [r.origin for r in records] == [f"{source} item 1 (guid 'a')", f"{source} item 2 (guid 'b')"]


def test_agency_withdrawals_and_corrections_are_imported_as_such(tmp_path: Path):
    """ninjs pubstatus and NewsML-G2 pubStatus say an item must be taken down: the records are
    withheld or killed, the editorial note their kill_reason; a signalled correction keeps its note."""
    ninjs = [{"uri": f"https://agency.example/items/{n}", "version": "3", "type": "text", "pubstatus": status,
              "ednote": "Kill: a court order.", "headlines": [{"role": "main", "value": f"Story {n}"}],
              "firstcreated": "2026-11-01T10:00:00Z", "versioncreated": "2026-11-02T10:00:00Z"}
             for n, status in ((1, "canceled"), (2, "withheld"), (3, "usable"))]
    result, records = _import(tmp_path, "agency.json", json.dumps(ninjs))
    assert result.exit_code == 0, result.output
    by_guid = {r["guid"]: r for r in records.values()}
    assert [(by_guid[f"https://agency.example/items/{n}"].get("status"),
             by_guid[f"https://agency.example/items/{n}"].get("kill_reason")) for n in (1, 2, 3)] == [
        ("killed", "Kill: a court order."), ("withheld", "Kill: a court order."), (None, None)]
    listing = REFERENCE / "newsml-g2" / "LISTING_1_A_NewsML-G2_News_Item.xml"
    if not listing.is_file():
        pytest.skip("../shared/reference/newsml-g2/ is not beside the checkout")
    text = listing.read_text(encoding="utf-8")
    # The listing is usable, with an edNote and sig:update: neither a withdrawal nor a correction.
    _, records = _import(tmp_path, "item.xml", text)
    record = records["urn:newsml:acmenews.com:20161018:US-FINANCE-FED"]
    assert "kill_reason" not in record and "correction" not in record
    for old, new, expected in (('qcode="stat:usable"', 'qcode="stat:canceled"', ("killed", "kill_reason")),
                               ('qcode="sig:update"', 'qcode="sig:correction"', ("embargoed", "correction"))):
        assert old in text
        folder = tmp_path / expected[1]
        folder.mkdir()
        result, records = _import(folder, "item.xml", text.replace(old, new))
        assert result.exit_code == 0, result.output
        record = records["urn:newsml:acmenews.com:20161018:US-FINANCE-FED"]
        assert record["status"] == expected[0]
        assert " ".join(record[expected[1]].split()).startswith("Note to editors: STRICTLY EMBARGOED. Not for public")


def test_a_ninjs_withdrawal_notice_whose_uri_is_a_url_is_a_notice_too(tmp_path: Path):
    notice = [{"uri": "https://news.example.org/story/12345", "version": "3", "type": "text",
               "representationtype": "partial", "pubstatus": "canceled", "ednote": "Legal.",
               "headlines": [{"role": "main", "value": "A killed story"}]},
              {"uri": "https://news.example.org/story/9", "type": "text", "pubstatus": "usable",
               "headlines": [{"role": "main", "value": "A story"}], "firstcreated": "2026-11-01T10:00:00Z"}]
    result, records = _import(tmp_path, "agency.json", json.dumps(notice))
    assert result.exit_code == 0, result.output
    assert "a notice that item 'https://news.example.org/story/12345' is killed, without the story" in result.output
    assert [r["guid"] for r in records.values()] == ["https://news.example.org/story/9"]
