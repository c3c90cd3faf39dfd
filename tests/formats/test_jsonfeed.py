import json
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
