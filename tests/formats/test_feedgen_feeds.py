"""RSS 2.0 and Atom 1.0: our schemas, the RFC's schema, and a real consumer (feedparser)."""

from pathlib import Path

import feedparser
import pytest
from lxml import etree

from syndicate import api
from syndicate.formats import FORMATS
from syndicate.formats.xml_checks import parse_xml

from tests.conftest import enable_archive, monthly_store, reference

XML_FEEDS = ["society/rss.xml", "society/atom.xml", "analysis/rss.xml", "analysis/atom.xml",
             "all/rss.xml", "all/atom.xml"]
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize("relative", XML_FEEDS)
def test_output_passes_our_own_checks(example_feeds: Path, relative: str):
    fmt = FORMATS["rss" if relative.endswith("rss.xml") else "atom"]
    assert fmt.check((example_feeds / relative).read_bytes()) == []


@pytest.mark.parametrize("relative", [f for f in XML_FEEDS if f.endswith("atom.xml")])
def test_atom_validates_against_the_rfc_4287_schema(example_feeds: Path, relative: str):
    schema = etree.RelaxNG(etree.parse(str(reference("atom/atom.rng"))))
    tree = parse_xml((example_feeds / relative).read_bytes())
    assert schema.validate(tree), schema.error_log


@pytest.mark.parametrize("relative", XML_FEEDS)
def test_feedparser_reads_every_item_whole(example_feeds: Path, relative: str):
    is_rss = relative.endswith("rss.xml")
    parsed = feedparser.parse((example_feeds / relative).read_bytes())
    assert parsed.bozo is False, parsed.get("bozo_exception")
    assert parsed.version == ("rss20" if is_rss else "atom10")
    assert parsed.feed.title and parsed.feed.link.startswith("https://news.example.org/")
    assert parsed.entries
    for entry in parsed.entries:
        assert entry.title
        assert entry.link.startswith("https://news.example.org/")
        assert entry.id.startswith("tag:news.example.org,")
        assert entry.published_parsed
        assert is_rss or entry.updated_parsed  # RSS 2.0 has no item update date
        # RSS category text is the section's title (with the site as its domain); Atom's term is the slug.
        assert entry.tags[0].term in (("Society", "Analysis") if is_rss else ("society", "analysis"))
        assert entry.tags[0].scheme == "https://news.example.org/"
    seed = next(e for e in parsed.entries if "human-trafficking" in e.id) if "analysis" not in relative else None
    if seed is not None:
        assert seed.author == "Ihar Gubarevich, BelarusDigest"
        assert seed.source.title == "BelarusDigest"
        assert (seed.source.get("href") or seed.source.get("link")) == "https://belarusdigest.com/"
        assert seed.published_parsed[:3] == (2014, 8, 5)  # 00:00 +03:00 is the 5th in UTC
        assert [t.term for t in seed.tags][1:3] == ["human trafficking", "foreign policy"]


def test_rss_items_carry_every_field(example_feeds: Path):
    channel = parse_xml((example_feeds / "society/rss.xml").read_bytes()).getroot().find("channel")
    assert channel.findtext("link") == "https://news.example.org/society/"  # not the self link
    self_link = channel.find(f"{ATOM}link")
    assert self_link.get("rel") == "self"
    assert self_link.get("href") == "https://news.example.org/feeds/society/rss.xml"
    # The channel's build date is its newest item's update, not the clock.
    assert channel.findtext("lastBuildDate") == "Thu, 28 Mar 2024 19:05:00 GMT"  # 22:05 +03:00
    seed = next(i for i in channel.iterfind("item") if "human-trafficking" in i.findtext("guid"))
    assert seed.find("guid").get("isPermaLink") == "false"
    assert seed.findtext("pubDate") == "Tue, 05 Aug 2014 21:00:00 GMT"  # 6 August 00:00 +03:00
    assert seed.findtext("{http://purl.org/dc/elements/1.1/}creator") == "Ihar Gubarevich, BelarusDigest"
    assert seed.findtext("{http://purl.org/dc/elements/1.1/}language") == "en"
    assert seed.findtext("{http://purl.org/dc/elements/1.1/}rights")
    assert seed.find("source").get("url") == "https://belarusdigest.com/"
    assert "<h2>Modern-day slavery</h2>" in seed.findtext("{http://purl.org/rss/1.0/modules/content/}encoded")
    photo = next(i for i in channel.iterfind("item") if "(PHOTOS)" in i.findtext("title"))
    media = photo.find("{http://search.yahoo.com/mrss/}content")
    assert media.getparent() is photo  # no media:group around a single media:content
    assert (media.get("width"), media.get("height"), media.get("type")) == ("1200", "800", "image/jpeg")


def test_atom_entries_carry_every_field(example_feeds: Path):
    feed = parse_xml((example_feeds / "society/atom.xml").read_bytes()).getroot()
    links = {link.get("rel"): link.get("href") for link in feed.iterfind(f"{ATOM}link")}
    assert links == {"self": "https://news.example.org/feeds/society/atom.xml",
                     "alternate": "https://news.example.org/society/"}
    entries = feed.findall(f"{ATOM}entry")
    assert feed.findtext(f"{ATOM}updated") == max(e.findtext(f"{ATOM}updated") for e in entries)
    seed = next(e for e in entries if "human-trafficking" in e.findtext(f"{ATOM}id"))
    assert seed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert seed.find(f"{ATOM}content").get("type") == "html"
    assert seed.find(f"{ATOM}summary").get("type") == "text"
    source = seed.find(f"{ATOM}source")
    assert source.findtext(f"{ATOM}id") == "https://belarusdigest.com/"
    assert source.findtext(f"{ATOM}title") == "BelarusDigest"
    assert source.findtext(f"{ATOM}updated") == "2014-08-06T00:00:00+03:00"
    photo = next(e for e in entries if "(PHOTOS)" in e.findtext(f"{ATOM}title"))
    enclosure = photo.find(f"{ATOM}link[@rel='enclosure']")
    assert enclosure.get("type") == "image/jpeg" and enclosure.get("href").startswith("https://")


def test_items_are_newest_first(example_feeds: Path):
    parsed = feedparser.parse((example_feeds / "all/atom.xml").read_bytes())
    dates = [e.published_parsed for e in parsed.entries]
    assert dates == sorted(dates, reverse=True)


def test_our_schemas_refuse_broken_feeds(example_feeds: Path):
    rss = (example_feeds / "society/rss.xml").read_bytes()
    assert FORMATS["rss"].check(rss.replace(b"<title>", b"<titel>", 1).replace(b"</title>", b"</titel>", 1))
    assert FORMATS["rss"].check(rss.replace(b"GMT</pubDate>", b"MSK</pubDate>", 1))
    assert FORMATS["rss"].check(rss.replace(b">Society</category>", b"></category>", 1))
    atom = (example_feeds / "society/atom.xml").read_bytes()
    assert FORMATS["atom"].check(atom.replace(b"+03:00</updated>", b"</updated>", 1))
    assert FORMATS["atom"].check(atom[:-20])  # truncated: not well-formed


TOMBSTONES = "{http://purl.org/atompub/tombstones/1.0}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
CORRECTION_HTML = "<p>Correction: An earlier version gave the wrong date &amp; place.</p>"


def test_atom_says_withdrawn_stories_with_rfc_6721_tombstones_before_the_entries(lifecycle):
    from tests.formats.conftest import written

    feed = parse_xml(written("atom", lifecycle)).getroot()
    children = [etree.QName(child).localname for child in feed]
    assert children[-4:] == ["deleted-entry", "deleted-entry", "entry", "entry"]
    killed, withheld = feed.iterfind(f"{TOMBSTONES}deleted-entry")
    assert dict(killed.attrib) == {"ref": "tag:news.example.org,2025:killed", "when": "2025-03-02T09:30:00+03:00"}
    assert killed.findtext(f"{TOMBSTONES}comment") == "Legal: a court order forbids publication."
    assert withheld.get("when") == "2025-03-02T08:30:00+03:00"
    assert withheld.findtext(f"{TOMBSTONES}comment") == "Withheld: do not use until it is released again."
    link = withheld.find(f"{ATOM}link")
    assert (link.get("rel"), link.get("href")) == ("alternate", "https://news.example.org/society/withheld/")
    assert [e.findtext(f"{ATOM}id") for e in feed.iterfind(f"{ATOM}entry")] == [
        "tag:news.example.org,2025:corrected", "tag:news.example.org,2025:updated"]


def test_a_correction_closes_the_entrys_content_in_both_formats(lifecycle):
    from tests.formats.conftest import written

    atom = parse_xml(written("atom", lifecycle)).getroot()
    corrected, updated = atom.iterfind(f"{ATOM}entry")
    assert corrected.findtext(f"{ATOM}content") == f"<p>The corrected story, as written.</p>{CORRECTION_HTML}"
    assert corrected.findtext(f"{ATOM}summary") == "What the corrected story says."
    assert "Correction" not in updated.findtext(f"{ATOM}content")
    channel = parse_xml(written("rss", lifecycle)).getroot().find("channel")
    assert [item.findtext("guid").rpartition(":")[2] for item in channel.iterfind("item")] == ["corrected", "updated"]
    assert channel.find("item").findtext(CONTENT_ENCODED).endswith(CORRECTION_HTML)
    assert b"killed" not in written("rss", lifecycle)  # a withdrawn story leaves RSS, and says nothing


def test_without_a_body_the_correction_closes_the_summary(lifecycle):
    from dataclasses import replace

    from tests.formats.conftest import CORRECTED, written

    feed = replace(lifecycle, items=(replace(CORRECTED, body_html=None),), tombstones=())
    note = "What the corrected story says.\n\nCorrection: An earlier version gave the wrong date & place."
    assert parse_xml(written("atom", feed)).getroot().find(f"{ATOM}entry").findtext(f"{ATOM}summary") == note
    description = parse_xml(written("rss", feed)).getroot().find("channel/item").findtext("description")
    assert description == note.replace("&", "&amp;")  # RSS readers take it for HTML: escaped once more


def test_feeds_with_corrections_and_tombstones_are_valid(lifecycle):
    from tests.formats.conftest import written

    atom = written("atom", lifecycle)
    assert FORMATS["atom"].check(atom) == [] and FORMATS["rss"].check(written("rss", lifecycle)) == []
    schema = etree.RelaxNG(etree.parse(str(reference("atom/atom.rng"))))
    assert schema.validate(parse_xml(atom)), schema.error_log
    assert feedparser.parse(atom).bozo is False


def test_the_w3c_validator_accepts_them_with_a_note_on_the_tombstones_namespace(lifecycle, tmp_path: Path):
    """What partners run, strict: 0 errors and 0 warnings, but for the validator's one warning on
    a feed with RFC 6721 tombstones, that it does not know their namespace (its list of known
    namespaces predates RFC 6721); without tombstones, none."""
    import subprocess
    import sys
    from dataclasses import replace

    from tests.conftest import W3C_VALIDATOR
    from tests.formats.conftest import written

    if not (W3C_VALIDATOR / "check.py").is_file():
        pytest.skip("the W3C Feed Validator is not in ../shared/tools/w3c-feedvalidator/ beside the checkout")
    for slug, feed in (("society", lifecycle), ("world", replace(lifecycle, tombstones=()))):
        feed = replace(feed, slug=slug, base_url=f"https://news.example.org/feeds/{slug}/")
        (tmp_path / slug).mkdir()
        for name in ("rss", "atom"):
            (tmp_path / slug / FORMATS[name].filename).write_bytes(written(name, feed))
    result = subprocess.run([sys.executable, str(W3C_VALIDATOR / "check.py"), "--base",
                             "https://news.example.org/feeds/", str(tmp_path)], capture_output=True, text=True,
                            timeout=300)
    report = result.stdout.replace(str(tmp_path) + "/", "")
    assert result.returncode == 0, report + result.stderr
    assert report.splitlines() == [
        "society/atom.xml: errors=0 warnings=1",
        "  line 15, column 2: Use of unknown namespace: http://purl.org/atompub/tombstones/1.0 (2 occurrences)",
        "society/rss.xml: errors=0 warnings=0",
        "world/atom.xml: errors=0 warnings=0",
        "world/rss.xml: errors=0 warnings=0"], report


def test_a_hub_is_linked_beside_self_and_nothing_else_changes(lifecycle):
    """WebSub section 4: rel="hub" in the channel (atom:link) and in the Atom feed; a feed without
    hubs is what it was, byte for byte: the file with a hub is it plus the one link."""
    from dataclasses import replace

    from tests.formats.conftest import written

    hub = "https://hub.example.net/publish?site=news"
    for name, links in (("rss", f"channel/{ATOM}link"), ("atom", f"{ATOM}link")):
        plain, with_hub = written(name, lifecycle), written(name, replace(lifecycle, hubs=(hub,)))
        assert FORMATS[name].check(with_hub) == []
        rels = {link.get("rel"): link.get("href") for link in parse_xml(with_hub).getroot().iterfind(links)}
        assert rels["hub"] == hub and rels["self"] == f"https://news.example.org/feeds/society/{FORMATS[name].filename}"
        line = f'<{"atom:" if name == "rss" else ""}link rel="hub" href="{hub.replace("&", "&#x26;")}"/>'.encode()
        assert with_hub.count(line) == 1 and b"hub" not in plain
        assert with_hub.replace(b"\n" + b" " * (4 if name == "rss" else 2) + line, b"") == plain


def test_every_file_names_the_feed_stylesheet_in_its_prolog_archive_pages_too(site: Path):
    """<?xml-stylesheet?> (syndicate.previews) after the XML declaration, before the root, with the
    stylesheet's absolute URL at the top of feeds_url, the same from an archive page."""
    enable_archive(site, society="archive = 4")
    monthly_store(site)
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, formats=["rss", "atom", "jsonfeed"])
    files = sorted([*out.rglob("rss.xml"), *out.rglob("atom.xml")])
    assert any("archive" in path.parts for path in files)
    for path in files:
        data = path.read_bytes()
        stylesheet = b'<?xml-stylesheet type="text/xsl" href="https://test.example.org/feeds/feed.xsl"?>'
        assert data.splitlines()[1] == stylesheet, path
        instruction = parse_xml(data).getroot().getprevious()
        assert instruction.target == "xml-stylesheet" and instruction.getprevious() is None, path
        assert instruction.get("type") == "text/xsl"
    assert b"xml-stylesheet" not in (out / "society" / "feed.json").read_bytes()  # only where XSLT applies


@pytest.mark.parametrize("format_name", ["rss", "atom"])
def test_a_feed_in_a_deeper_directory_names_the_one_stylesheet_at_the_top(format_name: str):
    """A feed whose slug is a path (a partner's, an archive page) names the same stylesheet."""
    from tests.formats.conftest import lifecycle_feed, written

    feed = lifecycle_feed(slug="partners/agency/society",
                          base_url="https://news.example.org/feeds/partners/agency/society/")
    instruction = parse_xml(written(format_name, feed)).getroot().getprevious()
    assert instruction.get("href") == "https://news.example.org/feeds/feed.xsl"
