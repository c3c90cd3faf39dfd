"""Property: any record syndicate exports, imported back from each format it writes, is the same.

"The same" compares the Articles that records.py makes of the original record and of the
record read back from the exported file, field by field:

- title (plain text, whitespace collapsed), link (url), section and tags, in order;
- the item id (Article.item_id); in Atom and ninjs, whose ids must be URIs, Article.item_uri
  (a guid that is not a URI is not written there: the item comes back with the id those
  formats carry, id_prefix + record id);
- the instants of published and updated (offsets may differ); RSS has no place for updated,
  so an item read from RSS has updated = published;
- the authors' bylines ("Name, Affiliation"), in order; ninjs has only a byline text, its
  authors joined by "; ", which names holding ";" would make ambiguous (none are generated);
- the body after one sanitising pass (Article.body_html: sanitising is idempotent). NewsML-G2
  writes an article without a body as a paragraph of its summary (else of its title), which
  cannot be told from a body that is just that paragraph: an article with a summary and no
  body reads back from NewsML-G2 with that paragraph as its body.

Few examples, each writing five formats; derandomized in CI (the "ci" profile, tests/conftest.py).
"""

from __future__ import annotations

import html
import json
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syndicate import api
from syndicate.config import load_config
from syndicate.records import load_articles
from syndicate.store import open_store

from tests.conftest import examples

CONFIG = """
[site]
title = "Round Trip News"
home_url = "https://rt.example.org/"
id_prefix = "tag:rt.example.org,2024:"
timezone = "Europe/Minsk"
dayfirst = true

[[sections]]
slug = "society"
title = "Society"

[[sections]]
slug = "sport"
title = "Sport"
"""
FORMATS = {"rss": "rss.xml", "atom": "atom.xml", "jsonfeed": "feed.json", "newsml": "newsml.xml",
           "ninjs": "ninjs.json"}

# Text as newsrooms write it, with what looks like markup and entities made likely. Left out:
# controls (removed on the way in) and U+0080-U+00FF (feedparser maps C1 controls to
# windows-1252 and its XML parser reads them as such).
PIECES = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters=";"),
    st.characters(codec="utf-8", min_codepoint=0x100, categories=("L", "M", "N", "Zs")),
    st.sampled_from(["<", ">", "&", "#", "&amp;", "&lt;b&gt;", "&#38;", "<video>", "x<y", "AT&T", "\"", "'",
                     "Беларусь", "中文", "🎉", " ", "]]>"]),
)
TEXT = st.lists(PIECES, min_size=1, max_size=8).map("".join).filter(lambda t: t.strip())
BODY_PIECES = st.one_of(
    TEXT.map(lambda t: t.replace("&", "&amp;").replace("<", "&lt;")),
    st.sampled_from(["<p>Para</p>", "<b>bold</b>", "<em>em</em>", "<br>", "<a href=\"/rel\">link</a>",
                     "<a href=\"https://other.example/x?a=1&amp;b=2\">q</a>", "<ul><li>one</li><li>two</li></ul>",
                     "<blockquote>q</blockquote>", "<h2>Sub</h2>", "<script>bad()</script>", "&nbsp;", "&eacute;"]),
)
BODY = st.lists(BODY_PIECES, min_size=1, max_size=6).map("".join)
MOMENT = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)).map(
    lambda d: d.replace(microsecond=0))
OFFSET = st.integers(min_value=-12 * 4, max_value=14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))
NAME = st.text(st.characters(categories=("L",), max_codepoint=0x2FF), min_size=1, max_size=10)
AUTHOR = st.fixed_dictionaries({"name": NAME}, optional={
    "affiliation": NAME, "email": st.sampled_from(["a@rt.example.org", "desk@news.example"]),
    "url": st.sampled_from(["https://rt.example.org/staff/a", "https://other.example/b"])})
GUID = st.one_of(st.none(), st.integers(1, 10**6).map(str), st.integers(1, 999).map(lambda n: f"post-{n}@example"),
                 st.integers(1, 999).map(lambda n: f"tag:elsewhere.example,2020:{n}"))


@st.composite
def records(draw) -> list[dict]:
    result = []
    for number in range(draw(st.integers(1, 3))):
        published = draw(MOMENT).replace(tzinfo=draw(OFFSET))
        updated = published + timedelta(seconds=draw(st.integers(0, 10**7)))
        record = {"id": f"r{number}", "url": f"https://rt.example.org/{draw(st.sampled_from(['a', 'b/c', 'ü']))}/{number}",
                  "title": draw(TEXT), "section": draw(st.sampled_from(["society", "sport"])),
                  "published": published.isoformat(), "updated": updated.astimezone(draw(OFFSET)).isoformat()}
        if draw(st.booleans()):
            record["body"] = draw(BODY)
        if draw(st.booleans()):
            record["summary"] = draw(TEXT)
        authors = draw(st.lists(AUTHOR, max_size=2, unique_by=lambda a: a["name"]))
        if authors:
            record["authors"] = authors
        tags = draw(st.lists(TEXT, max_size=2, unique_by=lambda t: " ".join(t.split()).lower()))
        tags = [t for t in tags if " ".join(t.split()).lower() not in ("society", "sport")]
        if tags:
            record["tags"] = tags
        guid = draw(GUID)
        if guid:
            record["guid"] = f"{guid}-{number}"
        result.append(record)
    return result


def _articles(config: Path, store: Path) -> dict:
    loaded = load_config(config)
    opened = open_store(str(store), config=loaded)
    try:
        result = load_articles(opened.records(), loaded)
    finally:
        opened.close()
    assert not result.problems, result.problems
    return {a.url: a for a in result.articles}


def _same(original, back, fmt: str) -> dict:
    """The fields of ORIGINAL and BACK that differ, by the module docstring's definition."""
    def view(article, *, carried: bool):
        uri_only = fmt in ("atom", "ninjs")
        return {
            "title": article.title, "url": article.url, "section": article.section, "tags": article.tags,
            "id": article.item_uri if uri_only and carried else article.item_id,
            "published": article.published,
            "updated": article.published if fmt == "rss" and carried else article.updated,
            "bylines": tuple(a.byline for a in article.authors), "body": article.body_html,
        }
    expected, got = view(original, carried=True), view(back, carried=False)
    if fmt == "newsml" and original.body_html is None and original.summary:
        expected["body"] = f"<p>{html.escape(original.summary, quote=False)}</p>"
    return {k: (expected[k], got[k]) for k in expected if expected[k] != got[k]}


@settings(max_examples=examples(25), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(records())
def test_every_exported_record_reads_back_the_same_from_every_format(drawn: list[dict]):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        config = folder / "syndicate.toml"
        config.write_text(CONFIG, encoding="utf-8")
        (folder / "store").mkdir()
        for record in drawn:
            (folder / "store" / f"{record['id']}.json").write_text(json.dumps(record), encoding="utf-8")
        originals = _articles(config, folder / "store")
        out = folder / "out"
        api.export(config, out_dir=out, formats=list(FORMATS))
        for fmt, name in FORMATS.items():
            store = folder / f"back-{fmt}"
            report = api.import_records([out / "all" / name], into=store, config_path=config)
            assert report.imported == len(drawn)
            back = _articles(config, store)
            differences = {url: _same(originals[url], back[url], fmt) for url in originals}
            assert not any(differences.values()), (fmt, differences)
