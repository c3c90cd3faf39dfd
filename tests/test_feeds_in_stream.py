"""RSS and Atom files above feeds_in.STREAM_ABOVE are read as they stream: the same records as a
file read whole, in memory that does not grow with the file; a stream that cannot be read from
its start is read whole; one that goes wrong later is a problem naming where."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from syndicate import api, feeds_in
from syndicate.config import load_config

from tests import newsroom

FEEDS = {
    "rss-2.0.xml": """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:media="http://search.yahoo.com/mrss/" xml:base="https://news.example.org/base/">
<channel><title>T &amp; Co</title><link>https://news.example.org/</link><description>d</description>
<language>en_US</language><pubDate>Tue, 02 Jan 2024 08:00:00 EST</pubDate>
<item><title>The &lt;video&gt; element &amp;amp; you</title><link>a/1</link><guid isPermaLink="false">g1</guid>
<description>&lt;p&gt;Hello &lt;b&gt;world&lt;/b&gt;&lt;/p&gt;</description><dc:creator>Алесь</dc:creator>
<content:encoded><![CDATA[<p>Body <a href="/x">link</a> ]]&gt; text</p>]]></content:encoded>
<category>society</category><category>Тэг</category>
<media:content url="https://news.example.org/i.jpg" width="800" height="600"><media:description>Cap</media:description>
<media:credit>Me</media:credit></media:content></item>
<item><description>Only a description, no title, long enough to be cut somewhere past the limit of a
title made from text, with more words after it than a title holds.</description>
<guid>https://news.example.org/permalink/2</guid></item>
<item><title>Channel date</title><link>https://news.example.org/3</link><guid>g3</guid>
<enclosure url="https://news.example.org/a.mp3" length="100" type="audio/mpeg"/></item>
</channel></rss>""",
    "atom.xml": """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://news.example.org/feeds/" xml:lang="be">
<title>Atom</title><id>urn:x</id><updated>2024-01-02T08:00:00Z</updated><link href="/"/>
<author><name>Feed Author</name><email>desk@example.org</email></author>
<entry><title type="html">A &amp;amp; B</title><id>tag:example.org,2024:1</id><link href="a/1"/>
<published>2024-01-02T08:00:00+03:00</published><updated>2024-01-03T08:00:00+03:00</updated>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Text first <b>bold</b> after</div></content>
<category term="world"/><source><id>urn:s</id><link href="https://partner.example.org/"/>
<updated>2024-01-01T00:00:00Z</updated></source></entry>
<entry><title>Second</title><id>tag:example.org,2024:2</id><link href="https://news.example.org/2"/>
<updated>2024-01-02T09:00:00Z</updated><summary>Sum</summary><author><email>only@example.org</email></author></entry>
</feed>""",
    "rss-1.0.xml": """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/">
<channel rdf:about="https://news.example.org/"><title>R</title><link>https://news.example.org/</link>
<description>d</description></channel>
<item rdf:about="https://news.example.org/1"><title>One</title><link>https://news.example.org/1</link>
<dc:date>2024-01-02T08:00:00+01:00</dc:date><dcterms:modified>2024-01-05T08:00:00+01:00</dcterms:modified></item>
</rdf:RDF>""",
    "windows-1251.xml": """<?xml version="1.0" encoding="windows-1251"?>
<rss version="2.0"><channel><title>Навіны</title><link>https://news.example.org/</link><description>d</description>
<item><title>Прывітанне</title><link>https://news.example.org/1</link><guid>w1</guid>
<pubDate>Tue, 02 Jan 2024 08:00:00 +0300</pubDate></item></channel></rss>""",
}


def _config(folder: Path) -> Path:
    config = folder / "syndicate.toml"
    config.write_text('[site]\ntitle = "T"\nhome_url = "https://news.example.org/"\n'
                      'id_prefix = "tag:news.example.org,2024:"\ntimezone = "Europe/Minsk"\n'
                      '[[sections]]\nslug = "society"\ntitle = "Society"\n'
                      '[[sections]]\nslug = "world"\ntitle = "World"\n', encoding="utf-8")
    return config


def _records(path: Path, config_path: Path) -> list[tuple]:
    config = load_config(config_path)
    return [(raw.origin, raw.data, raw.error, getattr(raw, "notes", ()))
            for raw in feeds_in.read_feed(path, config, default_section="society")]


def _streamed(path: Path, config_path: Path, monkeypatch: pytest.MonkeyPatch, piece: int) -> list[tuple]:
    with monkeypatch.context() as patch:
        patch.setattr(feeds_in, "STREAM_ABOVE", 0)
        patch.setattr(feeds_in, "STREAM_PIECE", piece)
        streams = []
        original = feeds_in._xmlfeeds.read_stream
        patch.setattr(feeds_in._xmlfeeds, "read_stream", lambda *a, **k: (streams.append(1), original(*a, **k))[1])
        records = _records(path, config_path)
        assert streams, "the file was not streamed"
        return records


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The varied newsroom's RSS and Atom feeds, as syndicate writes them."""
    site = tmp_path_factory.mktemp("newsroom")
    newsroom.build(site)
    api.export(site / "syndicate.toml", out_dir=site / "out", store=site / "store", formats=["rss", "atom"],
               sections=["all"])
    return site


@pytest.mark.parametrize("piece", [1, 61, 4096])
@pytest.mark.parametrize("name", sorted(FEEDS))
def test_a_streamed_feed_gives_what_the_whole_file_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          name: str, piece: int):
    config = _config(tmp_path)
    path = tmp_path / name
    encoding = "windows-1251" if "1251" in name else "utf-8"
    path.write_bytes(FEEDS[name].encode(encoding))
    whole = _records(path, config)
    assert whole and all(error is None for _, _, error, _ in whole)
    assert _streamed(path, config, monkeypatch, piece) == whole


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_syndicates_own_feeds_of_a_varied_newsroom_stream_as_they_read_whole(
        exported: Path, monkeypatch: pytest.MonkeyPatch, name: str):
    path = exported / "out" / "all" / name
    whole = _records(path, exported / "syndicate.toml")
    assert len(whole) >= 30 and all(error is None for _, _, error, _ in whole)
    assert _streamed(path, exported / "syndicate.toml", monkeypatch, 997) == whole


def test_a_gzip_feed_streams_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import gzip

    config = _config(tmp_path)
    plain, packed = tmp_path / "feed.xml", tmp_path / "feed.xml.gz"
    plain.write_text(FEEDS["atom.xml"], encoding="utf-8")
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    whole = _records(plain, config)
    assert [r[1:] for r in _streamed(packed, config, monkeypatch, 50)] == [r[1:] for r in whole]


def test_a_stream_not_well_formed_from_its_start_is_read_whole_by_the_forgiving_parser(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    config = _config(tmp_path)
    path = tmp_path / "broken.xml"
    path.write_text(FEEDS["rss-2.0.xml"].replace("T &amp; Co", "T &nbsp; Co", 1), encoding="utf-8")
    whole = _records(path, config)
    assert len(whole) == 3 and all(error is None for _, _, error, _ in whole)
    assert _streamed(path, config, monkeypatch, 64) == whole


def test_a_stream_that_goes_wrong_after_its_first_item_is_a_problem_naming_where(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    config = _config(tmp_path)
    path = tmp_path / "broken.xml"
    path.write_text(FEEDS["rss-2.0.xml"].replace("<item><title>Channel date", "<item><br><title>Channel date"),
                    encoding="utf-8")
    records = _streamed(path, config, monkeypatch, 64)
    assert [error is None for _, _, error, _ in records] == [True, True, False]
    origin, _, error, _ = records[-1]
    assert origin == str(path)
    assert error.startswith("is not well-formed XML after its item 2: ")
    assert "mismatched tag" in error and "must be well-formed" in error


def test_a_stream_whose_feed_level_date_follows_its_items_is_a_problem_saying_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    config = _config(tmp_path)
    path = tmp_path / "late.xml"
    feed = FEEDS["rss-2.0.xml"].replace("<pubDate>Tue, 02 Jan 2024 08:00:00 EST</pubDate>\n", "")
    path.write_text(feed.replace("</channel>", "<pubDate>Tue, 02 Jan 2024 08:00:00 EST</pubDate></channel>"),
                    encoding="utf-8")
    records = _streamed(path, config, monkeypatch, 64)
    assert records[-1][2] == ("its feed-level published come after its first item; a feed file this large is read as "
                              "it streams, so what its items take from the feed must come before them")


def test_a_stream_whose_doctype_never_ends_is_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    config = _config(tmp_path)
    path = tmp_path / "doctype.xml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + "x" * 5000 + '">]>'
                    + FEEDS["rss-2.0.xml"].split("?>", 1)[1], encoding="utf-8")
    whole = _records(path, config)
    assert len(whole) == 3
    with monkeypatch.context() as patch:
        patch.setattr(feeds_in, "STREAM_ABOVE", 1000)  # the head ends inside the declaration
        assert _records(path, config) == whole


PEAK = textwrap.dedent("""
    import sys
    from pathlib import Path
    from syndicate import feeds_in
    from syndicate.config import load_config
    feeds_in.STREAM_ABOVE = 0
    path, config = Path(sys.argv[1]), load_config(sys.argv[2])
    count = sum(1 for raw in feeds_in.read_feed(path, config, default_section="society") if raw.error is None)
    peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    print(count, peak)
""")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory is read from /proc (Linux)")
def test_memory_of_a_streamed_feed_does_not_grow_with_its_items(tmp_path: Path):
    config = _config(tmp_path)
    # Items of some 6 KB: read whole, 1,000 more of them take some 19 MiB more.
    item = ('<item><title>Title {n} Навіны</title><link>https://news.example.org/{n}</link><guid>g{n}</guid>'
            '<description>' + "Словы і тэкст. " * 200 + '</description>'
            '<pubDate>Tue, 02 Jan 2024 08:00:00 GMT</pubDate></item>\n')
    peaks = {}
    # From 500 items on, what the process caches (dates read, URLs normalised) has stopped growing.
    for items in (500, 1_500):
        path = tmp_path / f"{items}.xml"
        with path.open("w", encoding="utf-8") as out:
            out.write('<rss version="2.0"><channel><title>T</title><link>https://news.example.org/</link>'
                      '<description>d</description>\n')
            for n in range(items):
                out.write(item.format(n=n))
            out.write("</channel></rss>")
        run = subprocess.run([sys.executable, "-c", PEAK, path, config], capture_output=True, text=True, check=True)
        count, peak = map(int, run.stdout.split())
        assert count == items
        peaks[items] = peak
    assert (tmp_path / "1500.xml").stat().st_size > 7 * 2 ** 20
    # KiB: 3 times the items, not 3 times the memory
    assert peaks[1_500] - peaks[500] < 10 * 1024, peaks


def test_entity_expansion_in_a_streamed_feed_expands_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    config = _config(tmp_path)
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">' for n in range(1, 10))
    path = tmp_path / "laughs.xml"
    path.write_text(f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]>'
                    + FEEDS["rss-2.0.xml"].split("?>", 1)[1].replace("Channel date", "&lol9;"), encoding="utf-8")
    streamed = _streamed(path, config, monkeypatch, 4096)
    assert streamed == _records(path, config)
    assert streamed[2][1]["title"] == "&lol9;"  # an entity no longer declared: kept as the text it is
    assert "lollol" not in repr(streamed)
