"""The real article page behind examples/ survives the trip into every format."""

import json
from pathlib import Path

import feedparser
import pytest

HEADLINE = "Point of view: Fight against human trafficking is Belarus’ most successful foreign policy initiative"
SUBHEADINGS = ["Modern-day slavery", "Fighting trafficking at home", "Taking the lead abroad",
               "Why focusing on human trafficking?"]
QUOTATION = "Trafficking in persons has become a flourishing business."


def _seed_from(path: Path) -> dict:
    """(headline, date, byline, body html, attribution) of the seed article, as a consumer reads them."""
    if path.suffix == ".json":
        (item,) = [i for i in json.loads(path.read_text(encoding="utf-8"))["items"] if "human-trafficking" in i["id"]]
        return {"title": item["title"], "date": item["date_published"], "byline": item["authors"][0]["name"],
                "body": item["content_html"], "source": item["_syndicate"]["source"]["name"]}
    (entry,) = [e for e in feedparser.parse(path.read_bytes()).entries if "human-trafficking" in e.id]
    # The item's own date as written (feedparser keeps the text of <pubDate> and <published>).
    return {"title": entry.title, "date": entry.get("published"), "byline": entry.author,
            "body": entry.content[0].value, "source": entry.source.title}


@pytest.mark.parametrize("filename", ["rss.xml", "atom.xml", "feed.json"])
@pytest.mark.parametrize("feed", ["society", "all"])
def test_seed_article_in_every_format(example_feeds: Path, feed: str, filename: str):
    seed = _seed_from(example_feeds / feed / filename)
    assert seed["title"] == HEADLINE
    assert seed["date"] == ("Tue, 05 Aug 2014 21:00:00 GMT" if filename == "rss.xml" else "2014-08-06T00:00:00+03:00")
    assert seed["byline"] == "Ihar Gubarevich, BelarusDigest"
    for heading in SUBHEADINGS:
        assert f"<h2>{heading}</h2>" in seed["body"]
    assert "<blockquote>" in seed["body"] and QUOTATION in seed["body"]
    assert seed["source"] == "BelarusDigest"
