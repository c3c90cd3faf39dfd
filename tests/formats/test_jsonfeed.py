import json
from dataclasses import replace
from pathlib import Path

import pytest
from jsonschema import Draft7Validator, FormatChecker

from syndicate.formats import FORMATS

from tests.conftest import reference

JSON_FEEDS = ["society/feed.json", "analysis/feed.json", "all/feed.json"]


@pytest.mark.parametrize("relative", JSON_FEEDS)
def test_output_passes_our_own_checks(example_feeds: Path, relative: str):
    assert FORMATS["jsonfeed"].check((example_feeds / relative).read_bytes()) == []


@pytest.mark.parametrize("relative", JSON_FEEDS)
def test_output_validates_against_the_public_json_feed_schema(example_feeds: Path, relative: str):
    schema = json.loads(reference("jsonfeed/schema-v1.1.json").read_text(encoding="utf-8"))
    document = json.loads((example_feeds / relative).read_text(encoding="utf-8"))
    errors = list(Draft7Validator(schema, format_checker=FormatChecker()).iter_errors(document))
    assert errors == []


def test_items_carry_every_field(example_feeds: Path):
    document = json.loads((example_feeds / "society/feed.json").read_text(encoding="utf-8"))
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["feed_url"] == "https://news.example.org/feeds/society/feed.json"
    assert document["home_page_url"] == "https://news.example.org/society/"
    seed = next(i for i in document["items"] if "human-trafficking" in i["id"])
    assert seed["date_published"] == "2014-08-06T00:00:00+03:00"
    assert seed["authors"] == [{"name": "Ihar Gubarevich, BelarusDigest"}]
    assert seed["_syndicate"]["authors"] == [{"name": "Ihar Gubarevich", "affiliation": "BelarusDigest"}]
    assert seed["_syndicate"]["source"] == {"name": "BelarusDigest", "url": "https://belarusdigest.com/"}
    assert seed["tags"][0] == "Society"
    assert seed["language"] == "en"
    photo = next(i for i in document["items"] if "(PHOTOS)" in i["title"])
    assert photo["image"].startswith("https://news.example.org/media/")
    assert photo["_syndicate"]["media"][0]["width"] == 1200


def test_our_schema_refuses_broken_feeds(example_feeds: Path):
    document = json.loads((example_feeds / "society/feed.json").read_text(encoding="utf-8"))
    del document["items"][0]["id"]
    assert FORMATS["jsonfeed"].check(json.dumps(document).encode())
    assert FORMATS["jsonfeed"].check(b'{"version": "https://jsonfeed.org/version/1.1", "title": "x"}')
    assert FORMATS["jsonfeed"].check(b"{not json")


def _lifecycle_document(feed) -> dict:
    from tests.formats.conftest import written

    return json.loads(written("jsonfeed", feed))


def test_a_correction_closes_the_text_and_is_in_the_extension_with_the_version(lifecycle):
    corrected, updated = _lifecycle_document(lifecycle)["items"]
    assert corrected["content_html"] == ("<p>The corrected story, as written.</p>"
                                         "<p>Correction: An earlier version gave the wrong date &amp; place.</p>")
    assert corrected["summary"] == "What the corrected story says."
    assert corrected["_syndicate"]["version"] == 2
    assert corrected["_syndicate"]["correction"] == "An earlier version gave the wrong date & place."
    assert updated["content_html"] == "<p>The updated story, as written.</p>"
    assert updated["_syndicate"]["version"] == 3 and "correction" not in updated["_syndicate"]


def test_an_item_without_a_body_has_the_correction_as_the_last_paragraph_of_its_text(lifecycle):
    from tests.formats.conftest import CORRECTED

    feed = replace(lifecycle, items=(replace(CORRECTED, body_html=None),))
    (item,) = _lifecycle_document(feed)["items"]
    assert item["content_text"] == ("What the corrected story says.\n\n"
                                    "Correction: An earlier version gave the wrong date & place.")


def test_withdrawn_stories_leave_the_items_and_are_tombstones_in_the_extension(lifecycle):
    document = _lifecycle_document(lifecycle)
    assert [item["id"].rpartition(":")[2] for item in document["items"]] == ["corrected", "updated"]
    assert document["_syndicate"]["tombstones"] == [
        {"id": "tag:news.example.org,2025:killed", "url": "https://news.example.org/society/killed/",
         "status": "killed", "when": "2025-03-02T09:30:00+03:00",
         "reason": "Legal: a court order forbids publication."},
        {"id": "tag:news.example.org,2025:withheld", "url": "https://news.example.org/society/withheld/",
         "status": "withheld", "when": "2025-03-02T08:30:00+03:00",
         "reason": "Withheld: do not use until it is released again."}]


def test_a_feed_with_corrections_and_tombstones_is_valid(lifecycle):
    from tests.formats.conftest import written

    data = written("jsonfeed", lifecycle)
    assert FORMATS["jsonfeed"].check(data) == []
    schema = json.loads(reference("jsonfeed/schema-v1.1.json").read_text(encoding="utf-8"))
    assert list(Draft7Validator(schema, format_checker=FormatChecker()).iter_errors(json.loads(data))) == []


def test_our_checks_refuse_a_broken_tombstone(lifecycle):
    document = _lifecycle_document(lifecycle)
    document["_syndicate"]["tombstones"][1].update(url="/society/withheld/", when="2025-03-02", status="deleted")
    assert FORMATS["jsonfeed"].check(json.dumps(document).encode("utf-8")) == [
        "_syndicate/tombstones/1/url: '/society/withheld/' is not an absolute http(s) URL",
        "_syndicate/tombstones/1/when: '2025-03-02' is not an RFC 3339 date-time with a zone",
        "_syndicate/tombstones/1/status: 'deleted' is not one of withheld, killed"]


def test_a_hub_is_in_hubs_and_must_be_an_http_url(lifecycle):
    """JSON Feed 1.1 "hubs": [{"type": "WebSub", "url"}]; none without a hub (the member left out)."""
    from tests.formats.conftest import written

    assert "hubs" not in json.loads(written("jsonfeed", lifecycle))
    data = written("jsonfeed", replace(lifecycle, hubs=("https://hub.example.net/",)))
    document = json.loads(data)
    assert document["hubs"] == [{"type": "WebSub", "url": "https://hub.example.net/"}]
    assert FORMATS["jsonfeed"].check(data) == []
    schema = json.loads(reference("jsonfeed/schema-v1.1.json").read_text(encoding="utf-8"))
    assert list(Draft7Validator(schema, format_checker=FormatChecker()).iter_errors(document)) == []
    document["hubs"][0]["url"] = "mailto:hub@example.net"
    assert FORMATS["jsonfeed"].check(json.dumps(document).encode("utf-8")) == [
        "hubs/0/url: 'mailto:hub@example.net' is not an absolute http(s) URL"]
