"""Property: any store either fails with the documented error or exports valid files.

Records are generated with any Unicode (controls, lone surrogates, RTL text,
emoji, ']]>', '<', '&'), odd dates and random HTML. 50 examples under the dev and
ci profiles, each two exports in five formats, every file validated;
--hypothesis-profile=thorough draws ten times as many.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import feedparser
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree

from syndicate import api
from syndicate.errors import InvalidRecords

from tests.conftest import REFERENCE, examples

IPTC_XSD = REFERENCE / "newsml-g2" / "NewsML-G2_2.35-spec-All-Power.xsd"
CONFIG = """
[site]
title = "Property News"
home_url = "https://prop.example.org/"
id_prefix = "tag:prop.example.org,2024:"
timezone = "Europe/Minsk"
dayfirst = true
rights = "© Property News"

[[sections]]
slug = "society"
title = "Society"
"""

# Every code point, surrogates and controls included, with the troublesome ones made likely.
CHARACTERS = st.one_of(
        st.characters(codec=None, categories=None),
        st.sampled_from(["\x00", "\x1b", "\x0b", "\ufffe", "\uffff", "\ud800", "\udfff", "\u202e", "\u05d0",
                         "😀", "<", "&", ">", "]]>", "\r", "\u2028", "\u0085", "&amp;", "<b>", "&#0;", " "]),
)
ANY_TEXT = st.lists(CHARACTERS, max_size=20).map("".join)
TEXT = st.lists(CHARACTERS, min_size=1, max_size=20).map("".join)  # present, but anything
HTML_PIECES = st.sampled_from([
    "<p>", "</p>", "<h2>", "</h2>", "<blockquote>", "</blockquote>", "<b>", "</i>", "<br>", "<br/>",
    "<script>alert(1)</script>", '<img src="x.jpg" onerror="alert(1)">', '<a href="javascript:x()">j</a>',
    '<a href="../up">rel</a>', "<iframe src=//t>", "<!-- c -->", "<![CDATA[ x ]]>", "]]>", "&nbsp;", "&bogus;",
    "<table><tr><td>1</td></tr></table>", "<ul><li>a", "<svg><script>1</script></svg>", "<p dir=rtl>",
    '<img src="data:image/png;base64,AA">', "<math>", "<style>p{}</style>", "<unknown-tag a=1>",
])
HTML = st.lists(st.one_of(HTML_PIECES, ANY_TEXT), max_size=12).map("".join)
DATES = st.one_of(
    st.datetimes(timezones=st.sampled_from([None, *map(__import__("zoneinfo").ZoneInfo,
                                                        ["UTC", "Europe/Minsk", "Asia/Kathmandu", "America/St_Johns"])]))
    .map(lambda d: d.isoformat()),
    st.sampled_from(["06.08.2014", "31.02.2020", "2024-13-01", "1.1.1", "yesterday", "", "0001-01-01",
                     "9999-12-31T23:59:59-12:00", "1850-06-01", "2014-08-06T00:00:00+14:00", "Wed, 6 Aug 2014"]),
    ANY_TEXT,
)
GOOD_DATES = st.datetimes(min_value=__import__("datetime").datetime(1990, 1, 1)).map(lambda d: d.isoformat())
URLS = st.one_of(
    st.builds(lambda path: f"https://prop.example.org/{path}", ANY_TEXT),
    st.builds(lambda path: f"https://prop.example.org/{path}/", st.text("abc-_/.%é ", max_size=10)),
    st.sampled_from(["https://ünï.example/ä", "http://prop.example.org", "ftp://x/", "/relative", "https://a b/"]),
)


def either(usable: st.SearchStrategy, wild: st.SearchStrategy, *, tame: bool) -> st.SearchStrategy:
    """USABLE for a tame record (which must reach the writers); USABLE or WILD otherwise."""
    return usable if tame else st.one_of(usable, wild)



@st.composite
def records(draw) -> list[dict]:
    count = draw(st.integers(min_value=1, max_value=4))
    result = []
    for n in range(count):
        # Half the records are tame: arbitrary text, but every field usable, so that the
        # writers see them; the others may carry anything, to test the refusals.
        tame = draw(st.booleans())

        def mostly(usable: st.SearchStrategy, wild: st.SearchStrategy, tame: bool = tame) -> st.SearchStrategy:
            return either(usable, wild, tame=tame)

        record = {
            "id": draw(mostly(st.just(f"r{n}"), st.one_of(st.just("r0"), ANY_TEXT))),
            # Usable values still carry arbitrary text, to exercise text hygiene and URL encoding.
            "url": draw(mostly(st.builds(lambda p, n=n: f"https://prop.example.org/s/{n}/{p}", ANY_TEXT), URLS)),
            "title": draw(mostly(st.builds(lambda t, n=n: f"Title {n} {t}", ANY_TEXT), ANY_TEXT)),
            "section": draw(mostly(st.just("society"), ANY_TEXT)),
            "published": draw(mostly(GOOD_DATES, DATES)),
        }
        name = mostly(st.builds(lambda t: f"Name {t}", ANY_TEXT), TEXT)
        optional = {
            "summary": ANY_TEXT, "body": HTML, "updated": mostly(GOOD_DATES, DATES),
            "tags": st.lists(TEXT, max_size=3),
            "authors": st.lists(st.fixed_dictionaries({"name": name}, optional={"affiliation": name}), max_size=2),
            "source": st.fixed_dictionaries({"name": name, "url": mostly(st.just("https://bd.example/"), URLS)}),
            "media": st.lists(st.fixed_dictionaries(
                {"url": mostly(st.just("https://prop.example.org/p.jpg"), URLS)},
                optional={"type": st.sampled_from(["image/jpeg", "video/mp4", "text/plain"]),
                          "width": mostly(st.integers(1, 5000), st.just(0)), "caption": TEXT, "credit": TEXT}), max_size=2),
            "located": TEXT, "rights": TEXT, "version": mostly(st.integers(1, 3), st.integers(-1, 0)),
            "language": mostly(st.sampled_from(["en", "be-BY", "ru"]), ANY_TEXT),
        }
        # Each optional field present with probability 1/3, so that most records stay usable.
        for key, strategy in optional.items():
            if draw(st.integers(0, 2)) == 0:
                record[key] = draw(strategy)
        result.append(record)
    return result


def _check_output(out: Path) -> None:
    reports = api.validate([out])
    assert reports and all(r.valid for r in reports), [(r.path, r.problems) for r in reports if not r.valid]
    for path in out.rglob("*.xml"):
        if path.name in ("rss.xml", "atom.xml"):
            parsed = feedparser.parse(path.read_bytes())
            assert parsed.bozo is False, (path, parsed.get("bozo_exception"))
    if IPTC_XSD.is_file():
        schema = _iptc_schema()
        for path in out.rglob("newsml.xml"):
            assert schema.validate(etree.parse(str(path))), schema.error_log


_SCHEMAS: dict[str, etree.XMLSchema] = {}


def _iptc_schema() -> etree.XMLSchema:
    if "iptc" not in _SCHEMAS:
        _SCHEMAS["iptc"] = etree.XMLSchema(etree.parse(str(IPTC_XSD)))
    return _SCHEMAS["iptc"]


@settings(max_examples=examples(50), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(store=records())
def test_any_store_fails_cleanly_or_exports_valid_feeds(store: list[dict]):
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder)
        (site / "syndicate.toml").write_text(CONFIG, encoding="utf-8")
        (site / "store").mkdir()
        for n, record in enumerate(store):
            (site / "store" / f"{n}.json").write_text(json.dumps(record), encoding="utf-8")
        out = site / "out"
        formats = ["rss", "atom", "jsonfeed", "newsml", "ninjs"]
        try:
            api.export(site / "syndicate.toml", out_dir=out, formats=formats)
        except InvalidRecords as error:
            event("refused")
            for problem in error.problems:
                event(f"refused for {problem.field.split('[')[0]}")
            assert error.problems and all(p.origin and p.field and p.message for p in error.problems)
            assert not out.exists()
        else:
            event("exported")
            _check_output(out)
        # Leaving the invalid records out must always give valid files.
        report = api.export(site / "syndicate.toml", out_dir=site / "skipping", formats=formats, skip_invalid=True)
        event(f"{report.records} of {len(store)} records kept")
        _check_output(site / "skipping")
