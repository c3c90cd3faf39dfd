import io
import json
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from syndicate import api
from syndicate.build import build_feeds
from syndicate.config import load_config
from syndicate.formats.ninjs import NINJS
from syndicate.model import Author, Feed, Media

from tests.conftest import EXAMPLE_CONFIG, SEED_ID, load_store, reference, write_record
from tests.formats.test_newsml import MEDIA, with_section_urls

SLUGS = ["society", "analysis", "all"]


@pytest.fixture(scope="module")
def feeds() -> dict[str, Feed]:
    """The example feeds, built in memory (the registry does not list ninjs yet)."""
    config = load_config(EXAMPLE_CONFIG)
    articles = load_store(EXAMPLE_CONFIG).articles
    built = build_feeds(articles, config, sections=None, as_of=datetime(2025, 1, 1, tzinfo=timezone.utc))
    return {feed.slug: feed for feed in built}


def render(feed: Feed) -> bytes:
    buffer = io.BytesIO()
    NINJS.write(feed, buffer)
    return buffer.getvalue()


def items(feed: Feed) -> list[dict]:
    return json.loads(render(feed).decode("utf-8"))


def public_validator() -> Draft202012Validator:
    """IPTC's ninjs 2.2 schema (the test is skipped, saying why, when it is absent)."""
    schema = json.loads(reference("ninjs/ninjs-schema_2.2.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=FormatChecker())


def export_site(site) -> dict:
    """The site's society feed exported as ninjs (and so checked against our profile), by item uri."""
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, formats=["ninjs"],
               as_of=datetime(2025, 1, 1, tzinfo=timezone.utc))
    return {i["uri"]: i for i in json.loads((out / "society/ninjs.json").read_text(encoding="utf-8"))}


def test_every_example_feed_is_built(feeds: dict[str, Feed]):
    assert sorted(feeds) == sorted(SLUGS)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_item_validates_against_the_public_ninjs_2_2_schema(feeds: dict[str, Feed], slug: str):
    schema = json.loads(reference("ninjs/ninjs-schema_2.2.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    document = items(feeds[slug])
    assert len(document) == len(feeds[slug].items) > 0
    for item in document:
        assert [e.message for e in validator.iter_errors(item)] == [], item["uri"]


@pytest.mark.parametrize("slug", SLUGS)
def test_output_passes_our_own_checks(feeds: dict[str, Feed], slug: str):
    assert NINJS.check(render(feeds[slug])) == []


@pytest.mark.parametrize("slug", SLUGS)
def test_items_follow_feed_order(feeds: dict[str, Feed], slug: str):
    assert [i["uri"] for i in items(feeds[slug])] == [a.item_id for a in feeds[slug].items]


def test_the_seed_article(feeds: dict[str, Feed]):
    seed = next(i for i in items(feeds["society"]) if "human-trafficking" in i["uri"])
    assert seed["uri"] == f"tag:news.example.org,2014:{SEED_ID}"
    assert seed["version"] == "1"
    assert (seed["type"], seed["representationtype"], seed["pubstatus"]) == ("text", "full", "usable")
    assert seed["headlines"] == [{
        "role": "main",
        "value": "Point of view: Fight against human trafficking is Belarus’ most successful "
                 "foreign policy initiative",
    }]
    assert seed["by"] == "Ihar Gubarevich, BelarusDigest"
    assert seed["firstcreated"] == seed["contentcreated"] == "2014-08-06T00:00:00+03:00"
    assert seed["language"] == "en"
    assert seed["infosources"] == [{"name": "BelarusDigest", "uri": "https://belarusdigest.com/"}]
    assert seed["copyrightnotice"] == "© BelarusDigest, republished with permission"
    assert seed["copyrightholder"] == "BelarusDigest"  # its own notice, not the site's
    assert seed["descriptions"][0]["role"] == "summary"
    assert seed["descriptions"][0]["value"].startswith("Since 2005 Belarus")
    assert seed["subjects"][0] == {"name": "Society", "uri": "https://news.example.org/society/",
                                   "literal": "society"}
    assert {"name": "human trafficking"} in seed["subjects"][1:]
    assert seed["renditions"] == [{"name": "web", "contenttype": "text/html",
                                   "href": f"https://news.example.org/society/{SEED_ID}/"}]
    [body] = seed["bodies"]
    assert (body["role"], body["contenttype"]) == ("main", "text/html")
    for heading in ("Modern-day slavery", "Fighting trafficking at home", "Taking the lead abroad",
                    "Why focusing on human trafficking?"):
        assert f"<h2>{heading}</h2>" in body["value"]
    assert body["value"].count("<h2>") == 4
    assert "<blockquote>" in body["value"]


def test_site_rights_name_the_publisher_as_holder(feeds: dict[str, Feed]):
    item = next(i for i in items(feeds["society"]) if "human-trafficking" not in i["uri"])
    assert item["copyrightnotice"] == "© Example NGO News. Articles may be republished with attribution."
    assert item["copyrightholder"] == "Example NGO News"


def test_photo_story_has_a_picture_association(feeds: dict[str, Feed]):
    photo = next(i for i in items(feeds["society"]) if "(PHOTOS)" in i["headlines"][0]["value"])
    [picture] = photo["associations"]
    assert picture["type"] == "picture"
    assert picture["uri"] == photo["uri"] + ":media:1"
    assert picture["descriptions"][0]["role"] == "caption"
    assert picture["by"] == "Illustrative photo"
    [rendition] = picture["renditions"]
    assert rendition["href"].startswith("https://news.example.org/media/")
    assert (rendition["width"], rendition["height"], rendition["contenttype"]) == (1200, 800, "image/jpeg")


def test_located_is_the_dateline(feeds: dict[str, Feed]):
    item = next(i for i in items(feeds["society"]) if "stolin-accessibility-monitoring" in i["uri"])
    assert item["located"] == "Stolin"


def test_an_article_without_body_or_photos(feeds: dict[str, Feed]):
    feed = feeds["analysis"]
    article = replace(
        feed.items[0],
        body_html=None,
        authors=(Author(name="A. Writer"), Author(name="B. Writer", affiliation="Agency")),
        media=(Media(url="https://news.example.org/media/report.pdf", type="application/pdf"),
               Media(url="https://news.example.org/media/talk.mp3", type="audio/mpeg")),
        status="embargoed",
        embargo_until=feed.items[0].published,
    )
    data = render(replace(feed, items=(article,)))
    assert NINJS.check(data) == []
    [item] = json.loads(data)
    assert item["representationtype"] == "partial"
    assert "bodies" not in item
    assert item["by"] == "A. Writer; B. Writer, Agency"
    assert item["embargoed"] == item["firstcreated"]
    # Every media is an association, the PDF (no picture, audio or video) as a component.
    assert [(a["name"], a["type"], a["uri"]) for a in item["associations"]] == [
        ("component1", "component", item["uri"] + ":media:1"),
        ("audio2", "audio", item["uri"] + ":media:2"),
    ]
    assert item["associations"][1]["renditions"] == [
        {"name": "original", "href": "https://news.example.org/media/talk.mp3", "contenttype": "audio/mpeg"}
    ]
    schema = json.loads(reference("ninjs/ninjs-schema_2.2.json").read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(item)) == []


def test_two_writes_give_identical_bytes(feeds: dict[str, Feed]):
    first = render(feeds["all"])
    assert first == render(feeds["all"])
    assert first.endswith(b"]\n")


def test_an_empty_feed_is_an_empty_array(feeds: dict[str, Feed]):
    data = render(replace(feeds["analysis"], items=()))
    assert data == b"[]\n"
    assert NINJS.check(data) == []
    assert not NINJS.sniff(data)


def test_sniff(feeds: dict[str, Feed]):
    assert NINJS.sniff(render(feeds["society"]))
    assert not NINJS.sniff(b'{"version": "https://jsonfeed.org/version/1.1", "items": []}')
    assert not NINJS.sniff(b'[{"uri": "tag:x,2024:y"}]')
    assert not NINJS.sniff(b"{not json")


def _broken(feeds: dict[str, Feed], change) -> bytes:
    document = items(feeds["society"])
    change(document)
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def test_check_refuses_a_missing_uri(feeds: dict[str, Feed]):
    problems = NINJS.check(_broken(feeds, lambda d: d[0].pop("uri")))
    assert problems and "'uri' is a required property" in problems[0]


def test_check_refuses_a_date_without_zone(feeds: dict[str, Feed]):
    problems = NINJS.check(_broken(feeds, lambda d: d[0].update(versioncreated="2024-03-28T22:05:00")))
    assert problems and problems[0].startswith("0/versioncreated")


def test_check_refuses_duplicate_uris(feeds: dict[str, Feed]):
    problems = NINJS.check(_broken(feeds, lambda d: d[1].update(uri=d[0]["uri"])))
    assert problems == [f"1/uri: {items(feeds['society'])[0]['uri']!r} appears more than once"]


def test_check_refuses_other_problems(feeds: dict[str, Feed]):
    assert NINJS.check(b"{not json")
    assert NINJS.check(b'{"uri": "tag:x,2024:y"}')  # an object, not an array
    assert NINJS.check(_broken(feeds, lambda d: d[0].update(links=[])))  # not what we emit
    assert NINJS.check(_broken(feeds, lambda d: d[0]["renditions"][0].update(href="ftp://example.org/a")))
    assert NINJS.check(_broken(feeds, lambda d: d[0].update(firstcreated="2099-01-01T00:00:00Z")))


def test_check_passes_with_the_public_schema_as_external_schema(feeds: dict[str, Feed]):
    assert NINJS.check(render(feeds["all"]), reference("ninjs/ninjs-schema_2.2.json")) == []


def test_check_applies_an_external_schema_to_every_item(feeds: dict[str, Feed], tmp_path):
    data = render(feeds["analysis"])
    strict = tmp_path / "needs-slugline.json"
    strict.write_text('{"type": "object", "required": ["slugline"]}', encoding="utf-8")
    assert NINJS.check(data, strict) == [
        f"{index}: 'slugline' is a required property (needs-slugline.json)" for index in range(2)
    ]
    assert NINJS.check(data, tmp_path / "absent.json")[0].startswith("cannot load the schema")


def test_every_media_is_an_association(site):
    write_record(site, "multimedia", body="<p>Text.</p>", media=MEDIA)
    item = export_site(site)["tag:test.example.org,2024:multimedia"]
    uri = item["uri"]
    associations = item["associations"]
    assert [(a["name"], a["type"], a["uri"]) for a in associations] == [
        ("picture1", "picture", f"{uri}:media:1"),
        ("audio2", "audio", f"{uri}:media:2"),
        ("video3", "video", f"{uri}:media:3"),
        ("component4", "component", f"{uri}:media:4"),
        ("component5", "component", f"{uri}:media:5"),
    ]
    assert [a["renditions"] for a in associations] == [
        [{"name": "original", "href": MEDIA[0]["url"], "contenttype": "image/jpeg", "sizeinbytes": 245760,
          "width": 1200, "height": 800}],
        [{"name": "original", "href": MEDIA[1]["url"], "contenttype": "audio/mpeg", "sizeinbytes": 3145728}],
        [{"name": "original", "href": MEDIA[2]["url"], "contenttype": "video/mp4", "width": 1280, "height": 720}],
        [{"name": "original", "href": MEDIA[3]["url"], "contenttype": "application/pdf", "sizeinbytes": 52000}],
        [{"name": "original", "href": MEDIA[4]["url"]}],  # no type known; pixels only for pictures and video
    ]
    assert associations[0]["descriptions"] == [{"role": "caption", "value": "The square at noon"}]
    assert associations[0]["by"] == "A. Photographer"
    assert [e.message for e in public_validator().iter_errors(item)] == []
    # Our profile ties the type to the name and to what the rendition may say.
    assert NINJS.check(json.dumps([item]).encode()) == []
    breakages = [
        lambda a: a[1]["renditions"][0].update(width=5),  # audio has no pixels
        lambda a: a[3]["renditions"][0].update(contenttype="image/png"),  # an image is a picture
        lambda a: a[0]["renditions"][0].pop("contenttype"),  # a picture's type is known
        lambda a: a[3].update(type="picture"),  # its name says component
    ]
    for breakage in breakages:
        broken = json.loads(json.dumps(item))
        breakage(broken["associations"])
        assert NINJS.check(json.dumps([broken]).encode())


def test_subject_uri_is_the_configured_section_page(site):
    write_record(with_section_urls(site), "subjects", sections=["sport"], tags=["Minsk"])
    item = export_site(site)["tag:test.example.org,2024:subjects"]
    assert item["subjects"] == [
        {"name": "Society", "uri": "https://test.example.org/culture.html", "literal": "society"},
        {"name": "Sport", "uri": "https://test.example.org/s?view=list", "literal": "sport"},
        {"name": "Minsk"},
    ]


def test_author_email_is_not_carried(site):
    # ninjs 2.2 has no place for who wrote the story but the byline text (see the module docstring).
    write_record(site, "bylines", authors=[{"name": "Ana Writer", "affiliation": "Agency",
                                            "email": "ana@test.example.org"}])
    item = export_site(site)["tag:test.example.org,2024:bylines"]
    assert item["by"] == "Ana Writer, Agency"
    assert "ana@test.example.org" not in json.dumps(item)


def test_a_correction_an_update_and_withdrawn_stories(lifecycle: Feed):
    by_uri = {item["uri"].rpartition(":")[2]: item for item in items(lifecycle)}
    assert list(by_uri) == ["corrected", "updated", "killed", "withheld"]  # the withdrawn after the published
    corrected, updated, killed, withheld = by_uri.values()
    assert (corrected["version"], corrected["pubstatus"], corrected["versioncreated"]) == (
        "2", "usable", "2025-03-02T06:30:00+03:00")
    assert corrected["ednote"] == "An earlier version gave the wrong date & place."
    assert (updated["version"], updated["pubstatus"], updated["expires"]) == (
        "3", "usable", "2025-04-01T09:30:00+03:00")
    assert "ednote" not in updated and "expires" not in corrected
    assert killed == {
        "uri": "tag:news.example.org,2025:killed", "version": "4", "standard": corrected["standard"], "type": "text",
        "representationtype": "partial", "pubstatus": "canceled", "ednote": "Legal: a court order forbids publication.",
        "firstcreated": "2025-02-28T09:30:00+03:00", "versioncreated": "2025-03-02T09:30:00+03:00", "language": "en",
        "headlines": [{"role": "main", "value": "The killed story"}]}
    assert (withheld["pubstatus"], withheld["ednote"]) == (
        "withheld", "Withheld: do not use until it is released again.")
    assert not {"bodies", "descriptions", "associations", "renditions"} & (killed.keys() | withheld.keys())


def test_corrections_and_withdrawn_stories_are_valid_ninjs_2_2(lifecycle: Feed):
    data = render(lifecycle)
    assert NINJS.check(data) == []
    assert NINJS.check(data, reference("ninjs/ninjs-schema_2.2.json")) == []


def test_our_profile_refuses_a_withdrawn_story_with_content(lifecycle: Feed):
    document = items(lifecycle)
    document[2]["bodies"] = [{"role": "main", "contenttype": "text/html", "value": "<p>The text.</p>"}]
    document[3]["pubstatus"] = "withdrawn"  # not a ninjs status
    problems = NINJS.check(json.dumps(document).encode("utf-8"))
    assert any(p.startswith("2: Additional properties are not allowed ('bodies'") for p in problems), problems
    assert any(p.startswith("3/pubstatus:") for p in problems), problems
