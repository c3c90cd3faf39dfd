"""import: syndicate's own feeds round-trip; foreign feeds with little in them; hostile XML."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from syndicate import api
from syndicate.cli import app
from syndicate.errors import InvalidRecords

from tests.conftest import EXAMPLE_CONFIG

runner = CliRunner()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("published")
    api.export(EXAMPLE_CONFIG, out_dir=out, formats=["rss", "atom", "jsonfeed"])
    return out


def _items(path: Path) -> list:
    """The items of a feed file, as comparable values (XML canonicalised)."""
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))["items"]
    root = etree.parse(str(path)).getroot()
    items = root.findall("channel/item") or root.findall("{http://www.w3.org/2005/Atom}entry")
    return [etree.tostring(item, method="c14n") for item in items]


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml", "feed.json"])
def test_importing_our_own_feed_gives_back_records_that_export_to_the_same_items(
        published: Path, tmp_path: Path, name: str):
    store = tmp_path / "store"
    report = api.import_records([published / "all" / name], into=store, config_path=EXAMPLE_CONFIG)
    assert report.imported == 23
    out = tmp_path / "again"
    api.export(EXAMPLE_CONFIG, out_dir=out, store=store, formats=["rss", "atom", "jsonfeed"])
    assert _items(out / "all" / name) == _items(published / "all" / name)
    assert _items(out / "society" / name) == _items(published / "society" / name)


FOREIGN_RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
  <title>Elsewhere</title><link>https://elsewhere.example/</link><description>d</description>
  <pubDate>Tue, 02 Jan 2024 08:00:00 GMT</pubDate>
  <item><title>Only a title and a link</title><link>/news/1</link></item>
  <item><description>&lt;p&gt;Only a &lt;b&gt;description&lt;/b&gt; and a guid&lt;/p&gt;</description>
        <title>Second</title><guid>https://elsewhere.example/news/2?ref=rss</guid>
        <link>https://elsewhere.example/news/2</link><pubDate>Wed, 03 Jan 2024 09:30:00 +0100</pubDate>
        <author>editor@elsewhere.example (Ann Editor)</author><category>Sport</category></item>
</channel></rss>"""

FOREIGN_ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Elsewhere</title><id>urn:uuid:feed</id>
  <updated>2024-01-05T00:00:00Z</updated><author><name>Desk</name></author>
  <entry><id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id><title>Atom, bare</title>
    <updated>2024-01-04T10:00:00Z</updated><link href="https://elsewhere.example/a/1"/></entry>
  <entry><id>tag:elsewhere.example,2024:2</id><title type="html">&lt;i&gt;Atom&lt;/i&gt;, with content</title>
    <published>2024-01-03T10:00:00+02:00</published><updated>2024-01-03T11:00:00+02:00</updated>
    <link rel="alternate" href="https://elsewhere.example/a/2"/>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hello <b>world</b></p></div></content>
  </entry>
</feed>"""


def test_foreign_rss_and_atom_with_missing_optional_fields(tmp_path: Path):
    (tmp_path / "rss.xml").write_text(FOREIGN_RSS, encoding="utf-8")
    (tmp_path / "atom.xml").write_text(FOREIGN_ATOM, encoding="utf-8")
    store = tmp_path / "store.db"
    result = runner.invoke(app, ["import", str(tmp_path / "rss.xml"), str(tmp_path / "atom.xml"),
                                 "--into", str(store), "-c", str(EXAMPLE_CONFIG), "--section", "analysis"])
    assert result.exit_code == 0, result.output
    assert "imported 4 records" in result.output
    out = tmp_path / "out"
    api.export(EXAMPLE_CONFIG, out_dir=out, store=store, sections=["analysis"], formats=["jsonfeed", "rss", "atom"])
    assert all(r.valid for r in api.validate([out]))
    items = {i["title"]: i for i in json.loads((out / "analysis" / "feed.json").read_text(encoding="utf-8"))["items"]}
    assert {"Only a title and a link", "Second", "Atom, bare", "Atom, with content"} <= set(items)
    bare = items["Only a title and a link"]
    assert bare["url"] == "https://elsewhere.example/news/1"  # made absolute against the channel link
    assert bare["date_published"] == "2024-01-02T08:00:00Z"  # the channel's date, lacking its own
    second = items["Second"]
    assert second["summary"] == "Only a description and a guid"
    assert second["authors"] == [{"name": "Ann Editor"}]
    assert "Sport" in second["tags"]
    assert items["Atom, with content"]["content_html"] == "<p>Hello <b>world</b></p>"
    assert items["Atom, with content"]["id"] == "tag:elsewhere.example,2024:2"  # kept as the guid


def test_a_feed_item_without_a_section_is_a_named_error(tmp_path: Path):
    (tmp_path / "rss.xml").write_text(FOREIGN_RSS, encoding="utf-8")
    with pytest.raises(InvalidRecords) as caught:
        api.import_records([tmp_path / "rss.xml"], into=tmp_path / "store", config_path=EXAMPLE_CONFIG)
    assert [(p.origin, p.field) for p in caught.value.problems] == [
        (f"{tmp_path / 'rss.xml'} item 1", "section"),
        (f"{tmp_path / 'rss.xml'} item 2 (guid 'https://elsewhere.example/news/2?ref=rss')", "section")]
    assert not (tmp_path / "store").exists()


def _hostile(path: Path, doctype: str, *, title: str, description: str) -> Path:
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE rss [{doctype}]>'
        '<rss version="2.0"><channel><title>t</title><link>https://h.example/</link><description>d</description>'
        f'<item><title>{title}</title><link>https://h.example/1</link>'
        '<pubDate>Tue, 02 Jan 2024 08:00:00 GMT</pubDate>'
        f'<description>{description}</description><category>Society</category></item></channel></rss>',
        encoding="utf-8")
    return path


def test_external_entity_in_an_imported_feed_reads_nothing(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    hostile = _hostile(tmp_path / "xxe.xml", f'<!ENTITY xxe SYSTEM "file://{secret}">'
                                             '<!ENTITY remote SYSTEM "http://127.0.0.1:9/x">',
                       title="&xxe;", description="&remote;")
    store = tmp_path / "store"
    result = runner.invoke(app, ["import", str(hostile), "--into", str(store), "-c", str(EXAMPLE_CONFIG)])
    assert "TOP-SECRET-VALUE" not in result.output
    # The DTD is dropped unread: the references are unknown entities, kept as the text they are.
    assert result.exit_code == 0, result.output
    exported = tmp_path / "out"
    api.export(EXAMPLE_CONFIG, out_dir=exported, store=store, formats=["jsonfeed"])
    text = (exported / "society" / "feed.json").read_text(encoding="utf-8")
    assert "TOP-SECRET-VALUE" not in text
    item = json.loads(text)["items"][0]
    assert (item["title"], item["content_html"]) == ("&xxe;", "&amp;remote;")


def test_entity_expansion_in_an_imported_feed_is_refused(tmp_path: Path):
    lol = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    hostile = _hostile(tmp_path / "laughs.xml", lol, title="Laughs", description="&lol9;")
    store = tmp_path / "store"
    started = time.monotonic()
    result = runner.invoke(app, ["import", str(hostile), "--into", str(store), "-c", str(EXAMPLE_CONFIG)])
    assert time.monotonic() - started < 10
    # The DTD is dropped unread: '&lol9;' is an unknown entity, kept as the text it is.
    assert result.exit_code == 0 and "lollollol" not in result.output
    exported = tmp_path / "out"
    api.export(EXAMPLE_CONFIG, out_dir=exported, store=store, formats=["jsonfeed"])
    item = json.loads((exported / "society" / "feed.json").read_text(encoding="utf-8"))["items"][0]
    assert (item["title"], item["content_html"]) == ("Laughs", "&amp;lol9;")
