"""NewsML-G2: IPTC's own XSD, our profile, and the seed article's item."""

import io
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from syndicate import api
from syndicate.build import build_feeds
from syndicate.config import load_config
from syndicate.formats import FORMATS
from syndicate.formats.xml_checks import parse_xml

from tests.conftest import load_store, reference, write_record

NAR = "http://iptc.org/std/nar/2006-10-01/"
XHTML = "http://www.w3.org/1999/xhtml"
NS = {"nar": NAR, "h": XHTML}
FEEDS = ["society/newsml.xml", "analysis/newsml.xml", "all/newsml.xml"]
SEED_GUID = "tag:news.example.org,2014:society-2014-08-06-human-trafficking"
IPTC_XSD = "newsml-g2/NewsML-G2_2.35-spec-All-Power.xsd"


def _tree(example_feeds: Path, relative: str) -> etree._ElementTree:
    return parse_xml((example_feeds / relative).read_bytes())


def _export(site: Path, *formats: str) -> Path:
    """The site's feeds exported (and so checked against our profile) into SITE/out."""
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, formats=list(formats or ("newsml",)),
               as_of=datetime(2025, 1, 1, tzinfo=timezone.utc))
    return out


def _site_tree(site: Path) -> etree._ElementTree:
    return parse_xml((_export(site) / "society/newsml.xml").read_bytes())


def _text_item(tree: etree._ElementTree, name: str) -> etree._Element:
    (item,) = tree.xpath("//nar:newsItem[@guid=$guid]", namespaces=NS, guid=f"tag:test.example.org,2024:{name}")
    return item


@pytest.mark.parametrize("relative", FEEDS)
def test_every_file_passes_iptc_newsml_g2_xsd(example_feeds: Path, relative: str):
    xsd_path = reference(IPTC_XSD)  # imports xml.xsd beside it
    schema = etree.XMLSchema(etree.parse(str(xsd_path)))
    assert schema.validate(_tree(example_feeds, relative)), schema.error_log


@pytest.mark.parametrize("relative", FEEDS)
def test_every_file_passes_our_profile_and_rules(example_feeds: Path, relative: str):
    assert FORMATS["newsml"].check((example_feeds / relative).read_bytes(), None) == []


def test_check_with_the_iptc_xsd_as_external_schema(example_feeds: Path):
    xsd_path = reference(IPTC_XSD)
    data = (example_feeds / "society/newsml.xml").read_bytes()
    assert FORMATS["newsml"].check(data, xsd_path) == []
    # An element IPTC's schema does not allow there is reported by the XSD too.
    broken = data.replace(b"<slugline>", b"<sluglien/><slugline>", 1)
    problems = FORMATS["newsml"].check(broken, xsd_path)
    assert any("NewsML-G2_2.35-spec-All-Power.xsd" in p for p in problems)
    assert any("newsml-g2-profile.rng" in p for p in problems)


def test_seed_article_item(example_feeds: Path):
    tree = _tree(example_feeds, "society/newsml.xml")
    (item,) = tree.xpath("//nar:newsItem[@guid=$guid]", namespaces=NS, guid=SEED_GUID)
    assert item.get("version") == "1"
    assert (item.get("standard"), item.get("standardversion"), item.get("conformance")) == (
        "NewsML-G2", "2.35", "power")
    meta = item.find("nar:itemMeta", NS)
    assert meta.find("nar:itemClass", NS).get("qcode") == "ninat:text"
    assert meta.findtext("nar:firstCreated", namespaces=NS) == "2014-08-06T00:00:00+03:00"
    assert meta.find("nar:link[@rel='irel:seeAlso']", NS).get("href") == (
        "https://news.example.org/society/society-2014-08-06-human-trafficking/")
    content = item.find("nar:contentMeta", NS)
    assert content.findtext("nar:contentCreated", namespaces=NS) == "2014-08-06T00:00:00+03:00"
    assert content.findtext("nar:headline", namespaces=NS) == (
        "Point of view: Fight against human trafficking is Belarus’ most successful foreign policy initiative")
    creator = content.find("nar:creator", NS)
    assert creator.findtext("nar:name", namespaces=NS) == "Ihar Gubarevich"
    assert creator.findtext("nar:personDetails/nar:affiliation/nar:name", namespaces=NS) == "BelarusDigest"
    source = content.find("nar:infoSource", NS)
    assert (source.get("role"), source.findtext("nar:name", namespaces=NS)) == ("isrol:originSrc", "BelarusDigest")
    assert [s.findtext("nar:name", namespaces=NS) for s in content.findall("nar:subject", NS)][0] == "Society"
    body = item.find("nar:contentSet/nar:inlineXML/h:html/h:body", NS)
    assert [h.text for h in body.findall("h:h2", NS)] == [
        "Modern-day slavery", "Fighting trafficking at home", "Taking the lead abroad",
        "Why focusing on human trafficking?"]
    quote = body.find("h:blockquote", NS)
    assert "Trafficking in persons has become a flourishing business." in "".join(quote.itertext())
    rights = item.find("nar:rightsInfo", NS)
    assert rights.findtext("nar:copyrightHolder/nar:name", namespaces=NS) == "BelarusDigest"


def test_guid_is_derived_from_the_record_alone(example_feeds: Path):
    # The same guid in every feed the article is in, and in every export (see test_api's
    # byte-identical test): it is the site's id_prefix plus the record's id.
    for relative in ("society/newsml.xml", "all/newsml.xml"):
        assert _tree(example_feeds, relative).xpath("//nar:newsItem/@guid[.=$g]", namespaces=NS, g=SEED_GUID)


def test_package_lists_the_text_items_in_feed_order(example_feeds: Path):
    tree = _tree(example_feeds, "society/newsml.xml")
    text_guids = tree.xpath("//nar:newsItem[nar:itemMeta/nar:itemClass/@qcode='ninat:text']/@guid", namespaces=NS)
    (package,) = tree.xpath("//nar:packageItem", namespaces=NS)
    assert package.get("guid") == "https://news.example.org/feeds/society/newsml.xml"
    assert package.xpath(".//nar:itemRef/@residref", namespaces=NS) == text_guids
    assert text_guids[0] != SEED_GUID and text_guids[-1] == SEED_GUID  # newest first; 2014 is the oldest
    header = tree.getroot().find("nar:header", NS)
    assert header.findtext("nar:sent", namespaces=NS) == "2024-03-28T22:05:00+03:00"  # newest update, not now


def test_photos_are_picture_items_with_their_size(example_feeds: Path):
    tree = _tree(example_feeds, "society/newsml.xml")
    links = tree.xpath("//nar:link[@rel='irel:associatedWith']", namespaces=NS)
    assert len(links) == 2
    for link in links:
        (picture,) = tree.xpath("//nar:newsItem[@guid=$g]", namespaces=NS, g=link.get("residref"))
        assert picture.find("nar:itemMeta/nar:itemClass", NS).get("qcode") == "ninat:picture"
        remote = picture.find("nar:contentSet/nar:remoteContent", NS)
        assert (remote.get("width"), remote.get("height"), remote.get("contenttype")) == ("1200", "800", "image/jpeg")


def test_our_checks_refuse_broken_files(example_feeds: Path):
    data = (example_feeds / "society/newsml.xml").read_bytes()
    check = FORMATS["newsml"].check
    assert check(data.replace(b"<headline>", b"<title>", 1).replace(b"</headline>", b"</title>", 1), None)
    assert any("residref" in p for p in check(data.replace(b'residref="tag:', b'residref="tag:x', 1), None))
    assert check(data.replace(b"+03:00</versionCreated>", b"</versionCreated>", 1), None)
    assert check(data[:-30], None)


def test_validation_never_resolves_external_entities(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    hostile = (
        f'<?xml version="1.0"?><!DOCTYPE newsMessage [<!ENTITY x SYSTEM "file://{secret}">]>'
        f'<newsMessage xmlns="{NAR}"><header><sent>&x;</sent></header><itemSet/></newsMessage>'
    ).encode()
    problems = FORMATS["newsml"].check(hostile, None)
    assert problems and not any("TOP-SECRET" in p for p in problems)


BODIES = [
    "<p><b>Hello</b><i>World</i></p><pre>  a\n    b\n</pre><p>x <em>y</em> z</p>",
    "Before <b>bold</b><i>italic</i> after",
    "<p>one</p>\n\n<p>two</p>\n<ul>\n<li>a</li><li>b</li>\n</ul>",
]


@pytest.mark.parametrize("body", BODIES)
def test_inline_xhtml_keeps_the_text_of_the_body_exactly(site: Path, body: str):
    write_record(site, "spacing", body=body)
    tree = _site_tree(site)
    xhtml_body = _text_item(tree, "spacing").find("nar:contentSet/nar:inlineXML/h:html/h:body", NS)
    [article] = load_store(site / "syndicate.toml").articles
    sanitised = lxml_html.fragment_fromstring(article.body_html, create_parent="div")
    assert "".join(xhtml_body.itertext()) == "".join(sanitised.itertext())


def test_inline_xhtml_adds_no_whitespace_between_elements_or_in_pre(site: Path):
    write_record(site, "spacing", body=BODIES[0])
    xhtml_body = _text_item(_site_tree(site), "spacing").find("nar:contentSet/nar:inlineXML/h:html/h:body", NS)
    assert "".join(xhtml_body.itertext()) == "HelloWorld  a\n    b\nx y z"
    assert xhtml_body.find("h:pre", NS).text == "  a\n    b\n"
    assert etree.tostring(xhtml_body.find("h:p", NS), with_tail=False) == (
        b'<p xmlns="http://www.w3.org/1999/xhtml"><b>Hello</b><i>World</i></p>')


def test_inline_xhtml_keeps_text_around_the_elements_even_blank(site: Path):
    # The sanitiser trims the body, but the writer itself loses nothing either.
    write_record(site, "around")
    config = load_config(site / "syndicate.toml")
    [feed, *_] = build_feeds(load_store(site / "syndicate.toml").articles, config, sections=["society"],
                             as_of=datetime(2025, 1, 1, tzinfo=timezone.utc))
    body = " \n <b>x</b> mid <br> \t<p>para</p>\n trail \n"
    buffer = io.BytesIO()
    FORMATS["newsml"].write(replace(feed, items=(replace(feed.items[0], body_html=body),)), buffer)
    (xhtml_body,) = parse_xml(buffer.getvalue()).xpath("//h:body", namespaces=NS)
    assert "".join(xhtml_body.itertext()) == " \n x mid  \tpara\n trail \n"


MEDIA = [
    {"url": "https://test.example.org/media/photo.jpg", "width": 1200, "height": 800, "length": 245760,
     "caption": "The square at noon", "credit": "A. Photographer"},
    {"url": "https://test.example.org/media/interview.mp3", "type": "audio/mpeg", "length": 3145728},
    {"url": "https://test.example.org/media/clip.mp4", "type": "video/mp4", "width": 1280, "height": 720},
    {"url": "https://test.example.org/media/report.pdf", "length": 52000},
    {"url": "https://test.example.org/media/download", "width": 10, "height": 10},
]


def test_every_media_is_an_item_of_its_class(site: Path):
    write_record(site, "multimedia", body="<p>Text.</p>", media=MEDIA)
    data = (_export(site) / "society/newsml.xml").read_bytes()
    tree = parse_xml(data)
    text = _text_item(tree, "multimedia")
    guid = text.get("guid")
    links = text.findall("nar:itemMeta/nar:link[@rel='irel:associatedWith']", NS)
    assert [link.get("residref") for link in links] == [f"{guid}:media:{n}" for n in range(1, 6)]
    assert [link.get("contenttype") for link in links] == [
        "image/jpeg", "audio/mpeg", "video/mp4", "application/pdf", None]
    classes, remote = [], []
    for link in links:
        (item,) = tree.xpath("//nar:newsItem[@guid=$g]", namespaces=NS, g=link.get("residref"))
        classes.append(item.find("nar:itemMeta/nar:itemClass", NS).get("qcode"))
        remote.append(dict(item.find("nar:contentSet/nar:remoteContent", NS).attrib))
    assert classes == ["ninat:picture", "ninat:audio", "ninat:video", "ninat:component", "ninat:component"]
    assert remote == [
        {"href": MEDIA[0]["url"], "contenttype": "image/jpeg", "size": "245760", "width": "1200", "height": "800"},
        {"href": MEDIA[1]["url"], "contenttype": "audio/mpeg", "size": "3145728"},
        {"href": MEDIA[2]["url"], "contenttype": "video/mp4", "width": "1280", "height": "720"},
        {"href": MEDIA[3]["url"], "contenttype": "application/pdf", "size": "52000"},
        {"href": MEDIA[4]["url"]},  # no type known, and pixels only for pictures and video
    ]
    (picture,) = tree.xpath("//nar:newsItem[@guid=$g]", namespaces=NS, g=f"{guid}:media:1")
    assert picture.findtext("nar:contentMeta/nar:creditline", namespaces=NS) == "A. Photographer"
    assert picture.findtext("nar:contentMeta/nar:description[@role='drol:caption']",
                            namespaces=NS) == "The square at noon"
    check = FORMATS["newsml"].check
    assert check(data, None) == []  # our profile, and every residref names an item
    # The profile ties the class to what remoteContent says: no pixels for audio,
    # and a picture's media type is image/*.
    assert b'contenttype="audio/mpeg" size=' in data
    assert check(data.replace(b'contenttype="audio/mpeg" size', b'contenttype="audio/mpeg" width="5" size'), None)
    assert check(data.replace(b'"ninat:component"', b'"ninat:picture"', 1), None)
    schema = etree.XMLSchema(etree.parse(str(reference(IPTC_XSD))))
    assert schema.validate(tree), schema.error_log


SECTION_URLS = {"society": "https://test.example.org/culture.html", "sport": "https://test.example.org/s?view=list"}


def with_section_urls(site: Path) -> Path:
    """SITE's config with the page of each section set to an URL of its own, not under home_url."""
    config = site / "syndicate.toml"
    text = config.read_text(encoding="utf-8")
    for slug, url in SECTION_URLS.items():
        text = text.replace(f'slug = "{slug}"\n', f'slug = "{slug}"\nurl = "{url}"\n')
    config.write_text(text, encoding="utf-8")
    return site


def test_subject_uri_is_the_configured_section_page(site: Path):
    write_record(with_section_urls(site), "subjects", sections=["sport"], tags=["Minsk"])
    content = _text_item(_site_tree(site), "subjects").find("nar:contentMeta", NS)
    assert [(s.findtext("nar:name", namespaces=NS), s.get("uri")) for s in content.findall("nar:subject", NS)] == [
        ("Society", "https://test.example.org/culture.html"),
        ("Sport", "https://test.example.org/s?view=list"),
        ("Minsk", None),  # a tag has no page
    ]


def test_author_email_is_contact_info(site: Path):
    write_record(site, "bylines", authors=[
        {"name": "Ana Writer", "affiliation": "Agency", "email": "ana@test.example.org",
         "url": "https://test.example.org/people/ana/"},
        {"name": "Bo Reporter", "email": "bo@test.example.org"},
        {"name": "Cy Nobody"},
    ])
    data = (_export(site) / "society/newsml.xml").read_bytes()
    tree = parse_xml(data)
    creators = _text_item(tree, "bylines").findall("nar:contentMeta/nar:creator", NS)
    assert [(c.findtext("nar:name", namespaces=NS),
             c.findtext("nar:personDetails/nar:affiliation/nar:name", namespaces=NS),
             c.findtext("nar:personDetails/nar:contactInfo/nar:email", namespaces=NS)) for c in creators] == [
        ("Ana Writer", "Agency", "ana@test.example.org"),
        ("Bo Reporter", None, "bo@test.example.org"),
        ("Cy Nobody", None, None),
    ]
    assert creators[0].get("uri") == "https://test.example.org/people/ana/"
    assert creators[2].find("nar:personDetails", NS) is None
    schema = etree.XMLSchema(etree.parse(str(reference(IPTC_XSD))))
    assert schema.validate(tree), schema.error_log


def _lifecycle_tree(feed) -> etree._ElementTree:
    from tests.formats.conftest import written

    return parse_xml(written("newsml", feed))


def _items(tree: etree._ElementTree) -> dict[str, etree._Element]:
    return {item.get("guid"): item for item in tree.iterfind("nar:itemSet/nar:newsItem", NS)}


def _item_meta(item: etree._Element) -> list[tuple[str, str | None, str | None]]:
    """(element, qcode, text) of each child of ITEM's itemMeta from pubStatus on, links left out."""
    meta = list(item.find("nar:itemMeta", NS))
    at = next(n for n, child in enumerate(meta) if etree.QName(child).localname == "pubStatus")
    return [(etree.QName(child).localname, child.get("qcode"), child.text) for child in meta[at:]
            if etree.QName(child).localname != "link"]


def test_a_correction_and_an_update_are_new_versions_with_their_signal(lifecycle):
    items = _items(_lifecycle_tree(lifecycle))
    corrected, updated = items["tag:news.example.org,2025:corrected"], items["tag:news.example.org,2025:updated"]
    assert corrected.get("version") == "2" and updated.get("version") == "3"
    assert corrected.findtext("nar:itemMeta/nar:versionCreated", namespaces=NS) == "2025-03-02T06:30:00+03:00"
    assert _item_meta(corrected) == [
        ("pubStatus", "stat:usable", None),
        ("edNote", None, "An earlier version gave the wrong date & place."),
        ("signal", "sig:correction", None)]
    assert _item_meta(updated) == [("pubStatus", "stat:usable", None), ("signal", "sig:update", None),
                                   ("expires", None, "2025-04-01T09:30:00+03:00")]
    # Its media item is of its version and expires with it; the signal is the story's.
    recording = items["tag:news.example.org,2025:updated:media:1"]
    assert recording.get("version") == "3"
    assert _item_meta(recording) == [("pubStatus", "stat:usable", None), ("expires", None, "2025-04-01T09:30:00+03:00")]
    # The correction's note is for the receiving editors: the text of the story is as written.
    assert "earlier version" not in etree.tostring(corrected.find("nar:contentSet", NS), encoding="unicode")


def test_withdrawn_stories_are_items_without_content_with_their_status_and_note(lifecycle):
    items = _items(_lifecycle_tree(lifecycle))
    killed, withheld = items["tag:news.example.org,2025:killed"], items["tag:news.example.org,2025:withheld"]
    picture = items["tag:news.example.org,2025:withheld:media:1"]
    assert killed.get("version") == "4" and withheld.get("version") == "2" == picture.get("version")
    assert _item_meta(killed) == [("pubStatus", "stat:canceled", None),
                                  ("edNote", None, "Legal: a court order forbids publication.")]
    assert _item_meta(withheld) == _item_meta(picture) == [
        ("pubStatus", "stat:withheld", None), ("edNote", None, "Withheld: do not use until it is released again.")]
    assert killed.findtext("nar:itemMeta/nar:versionCreated", namespaces=NS) == "2025-03-02T09:30:00+03:00"
    assert killed.findtext("nar:contentMeta/nar:headline", namespaces=NS) == "The killed story"
    assert picture.find("nar:itemMeta/nar:itemClass", NS).get("qcode") == "ninat:picture"
    for item in (killed, withheld, picture):  # nothing of the story is handed out again
        assert item.find("nar:contentSet", NS) is None and item.find("nar:itemMeta/nar:link", NS) is None
    assert b"as written" not in etree.tostring(killed) and b"withheld.jpg" not in etree.tostring(picture)


def test_the_package_has_the_feeds_version_and_lists_only_what_is_published(lifecycle):
    tree = _lifecycle_tree(lifecycle)
    (package,) = tree.iterfind("nar:itemSet/nar:packageItem", NS)
    assert package.get("version") == "5"
    assert [r.get("residref") for r in package.iterfind(".//nar:itemRef", NS)] == [
        "tag:news.example.org,2025:corrected", "tag:news.example.org,2025:updated"]
    # The withdrawn stories' items follow the published ones, newest first, before the package.
    assert [guid.partition(",2025:")[2] for guid in _items(tree)] == [
        "corrected", "updated", "updated:media:1", "killed", "withheld", "withheld:media:1"]


def test_a_file_with_corrections_and_withdrawn_stories_is_valid(lifecycle):
    from tests.formats.conftest import written

    data = written("newsml", lifecycle)
    assert FORMATS["newsml"].check(data, None) == []
    assert FORMATS["newsml"].check(data, reference(IPTC_XSD)) == []


@pytest.mark.parametrize(("old", "new"), [
    (b'<pubStatus qcode="stat:canceled"/>', b'<pubStatus qcode="stat:killed"/>'),  # not a stat: code
    (b"<edNote>Legal", b"<signal qcode=\"sig:update\"/><edNote>Legal"),  # withdrawn, not a new version
    (b'<headline>The killed story</headline>', b"<headline>The killed story</headline><description "
                                               b'role="drol:summary">What it said</description>'),
    (b'<signal qcode="sig:correction"/>', b""),  # a note without its signal
    (b'<signal qcode="sig:update"/>\n        <expires>', b'<expires>2025-04-01T09:30:00+03:00</expires>'
                                                       b'<signal qcode="sig:update"/><expires>'),  # XSD order
])
def test_our_profile_refuses_a_withdrawn_item_or_a_signal_out_of_place(lifecycle, old: bytes, new: bytes):
    from tests.formats.conftest import written

    data = written("newsml", lifecycle)
    assert old in data
    assert any("newsml-g2-profile.rng" in p for p in FORMATS["newsml"].check(data.replace(old, new, 1), None))
