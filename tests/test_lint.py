"""syndicate lint: each profile's output against its platform's published rules, one line per
problem naming the file, the item and the rule; exit 1 when a rule is broken."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syndicate import api, lint
from syndicate.cli import app
from syndicate.config import Partner, load_config
from syndicate.resources import schema_path

from tests.partner_site import AS_OF, partner_site

runner = CliRunner()
GN = "https://support.google.com/news/producer/answer/4304250"
MSN = "https://support.microsoft.com/en-us/topic/msn-feed-item-metadata-requirements-0114c19c-36bb-4fef-8322-4a1ed6888329"
MSN_HTML = "https://support.microsoft.com/en-us/topic/msn-html-guidelines-and-tag-restrictions-2a12f610-f3da-43ea-8dc4-766f6df89e8d"
MSN_IMAGES = "https://ms.vanillastaging.com/kb/articles/7-feed-content-specifications"
FB = "https://about.flipboard.com/rss-spec/"


def _msn(file: str) -> list[str]:
    lines = [f"partners/msn/society/{file}: item 2 (short): msn/title-min: title of 5 characters, fewer than 21 ({MSN})",
             f"partners/msn/society/{file}: item 3 (long): msn/title-max: title of 167 characters, more than 150 ({MSN})",
             f"partners/msn/society/{file}: item 4 (teaser): msn/body-required: no body (only a summary) ({MSN})",
             f"advice: partners/msn/society/{file}: item 8 (old): msn/published-age: published 2022-05-01, more than "
             f"365 days before the file's newest item (2024-05-30) ({MSN})"]
    if file == "rss.xml":  # Atom gives no image size: not judged there
        lines.append(f"partners/msn/society/{file}: item 5 (small): msn/image-size: image "
                     f"https://test.example.org/tiny.jpg is 100 px on a side, less than 150 ({MSN_IMAGES})")
    return lines + [f"partners/msn/society/{file}: item 7 (markup): msn/html-tags: body HTML has <h6> ({MSN_HTML})"]


EXPECTED = [
    f"partners/gn/society/rss.xml: item 4 (teaser): google-news/full-content: no body (only a summary) ({GN})",
    f"partners/gn/society/rss.xml: item 5 (small): google-news/image-size: image https://test.example.org/small.jpg "
    f"is 200 px on a side, less than 800 ({GN})",
    *_msn("atom.xml"), *_msn("rss.xml"),
    f"partners/fb/society/rss.xml: item 4 (teaser): flipboard/full-text: no body (only a summary) ({FB})",
    f"partners/fb/society/rss.xml: item 5 (small): flipboard/image-size: image https://test.example.org/small.jpg "
    f"is 200 px on a side, less than 400 ({FB})",
    f"advice: partners/fb/society/rss.xml: flipboard/min-items: 8 items, fewer than 30 ({FB})",
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    site = tmp_path_factory.mktemp("partners")
    config = partner_site(site)
    api.export(config, out_dir=site / "out", as_of=AS_OF)
    return config, site / "out"


def test_a_store_that_breaks_each_rule_gets_a_line_per_problem_naming_file_item_and_rule(exported):
    config, out = exported
    assert api.lint(load_config(config), out) == EXPECTED


def test_the_command_prints_the_lines_and_exits_1_when_a_rule_is_broken(exported, monkeypatch):
    config, out = exported
    result = runner.invoke(app, ["lint", str(out), "-c", str(config)])
    assert (result.exit_code, result.output.splitlines()) == (1, EXPECTED)
    result = runner.invoke(app, ["lint", str(out), "-c", str(config), "--partner", "fb", "--partner", "sn"])
    assert (result.exit_code, result.output.splitlines()) == (1, EXPECTED[-3:])
    result = runner.invoke(app, ["lint", str(out), "-c", str(config), "--partner", "sn"])
    assert (result.exit_code, result.output) == (0, "")


def test_advice_alone_exits_0_and_an_unknown_partner_or_missing_tree_exits_2(exported, tmp_path, monkeypatch):
    config, out = exported
    monkeypatch.setattr(lint, "rules_of", lambda platform: tuple(
        r for r in lint.json_rules(platform) if r.level == "advice"))
    result = runner.invoke(app, ["lint", str(out), "-c", str(config)])
    assert result.exit_code == 0 and result.output.startswith("advice: ")
    result = runner.invoke(app, ["lint", str(out), "-c", str(config), "--partner", "nobody"])
    assert result.exit_code == 2 and "unknown partner 'nobody'; configured: gn, msn, fb, sn" in result.output
    result = runner.invoke(app, ["lint", str(tmp_path), "-c", str(config)])
    assert result.exit_code == 2 and "partners/gn: no such directory: export first" in result.output


@pytest.mark.parametrize(("check", "limit", "data", "problem"), [
    ("items_max", 1, None, "3 items, more than 1"),
    ("items_min", 4, None, "3 items, fewer than 4"),
    ("file_bytes_max", 100, None, "bytes, more than 100"),
    ("encoding", "utf-8", "latin-1", "encoded as iso-8859-1, not utf-8"),
])
def test_the_rules_of_a_whole_file(exported, monkeypatch, check, limit, data, problem):
    config, out = exported
    rule = lint.Rule(id=f"test/{check}", platform="test", check=check, limit=limit, level="error", what="",
                     source="https://example.org/rules")
    monkeypatch.setattr(lint, "rules_of", lambda platform: (rule,))
    feed = (out / "partners/gn/society/rss.xml").read_bytes()
    feed = feed.replace(b"<item>", b"<!-- -->", 5)  # 3 items left
    if data:
        declaration, rest = feed.split(b"?>", 1)
        feed = declaration.replace(b"UTF-8", b"ISO-8859-1").replace(b"utf-8", b"ISO-8859-1") + b"?>" + \
            rest.decode("utf-8").encode("latin-1", "xmlcharrefreplace")
    partner = Partner(name="gn", formats=(), sections=(), platform="google-news")
    lines = lint.lint_files(partner, [("partners/gn/society/rss.xml", feed)], load_config(config))
    assert len(lines) == 1 and lines[0].startswith(f"partners/gn/society/rss.xml: test/{check}: ")
    assert problem in lines[0] and lines[0].endswith("(https://example.org/rules)")


def test_every_rule_names_a_known_check_its_source_and_the_date_it_was_read():
    rules = json.loads(schema_path(lint.RULES_FILE).read_text(encoding="utf-8"))["rules"]
    assert {r["platform"] for r in rules} == {"google-news", "msn", "flipboard", "smartnews"}
    assert len({r["id"] for r in rules}) == len(rules)
    for rule in rules:
        assert rule["check"] in lint.CHECKS and rule["level"] in ("error", "advice"), rule["id"]
        assert rule["source"]["url"].startswith("https://") and rule["source"]["read"] == "2026-11-27", rule["id"]
        assert rule["source"]["note"], rule["id"]


def test_the_examples_profiles_pass_lint(example_feeds: Path):
    """examples/syndicate.toml: one profile per platform and a trusted agency; its export's trees pass."""
    from tests.conftest import EXAMPLE_CONFIG, EXAMPLE_PARTNER_FILES

    assert all((example_feeds / relative).is_file() for relative in EXAMPLE_PARTNER_FILES)
    result = runner.invoke(app, ["lint", str(example_feeds), "-c", str(EXAMPLE_CONFIG)])
    assert result.exit_code == 0, result.output
    assert all(line.startswith("advice: ") for line in result.output.splitlines())
    assert {p.platform for p in load_config(EXAMPLE_CONFIG).partners} == {"google-news", "msn", "flipboard",
                                                                          "smartnews", None}
