"""syndicate.toml: unknown keys are slips, URLs are IRIs written as URIs, section pages used as given."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syndicate import api
from syndicate.cli import app
from syndicate.config import load_config
from syndicate.errors import ConfigError

from tests.conftest import enable_archive, write_record

runner = CliRunner()
BASE = """
[site]
title = "Test News"
home_url = "{home}"
id_prefix = "tag:test.example.org,2024:"
timezone = "Europe/Minsk"
{site_extra}
[[sections]]
slug = "society"
title = "Society"
{section_extra}
"""


def _config(folder: Path, *, home: str = "https://test.example.org/", site_extra: str = "",
            section_extra: str = "", tail: str = "") -> Path:
    path = folder / "syndicate.toml"
    path.write_text(BASE.format(home=home, site_extra=site_extra, section_extra=section_extra) + tail,
                    encoding="utf-8")
    return path


@pytest.mark.parametrize(("extra", "message"), [
    ({"site_extra": 'timezon = "Europe/Minsk"'}, "unknown key site.timezon; did you mean site.timezone?"),
    ({"tail": '[default]\nformats = ["rss"]\n'}, "unknown table [default]; did you mean [defaults]?"),
    ({"section_extra": "limt = 3"}, "unknown key sections[0].limt; did you mean sections[0].limit?"),
    ({"tail": "[limits]\nmax_record_byte = 10\n"}, "did you mean limits.max_record_bytes?"),
    ({"tail": '[store]\nlocaton = "x"\n'}, "did you mean store.location?"),
    ({"tail": "[partners.wire]\nmax_byte = 10\n"}, "unknown key partners.wire.max_byte; did you mean "
                                                   "partners.wire.max_bytes?"),
])
def test_an_unknown_key_or_table_is_named_with_the_closest_known_name(tmp_path: Path, extra, message):
    path = _config(tmp_path, **extra)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]").replace("?", r"\?")):
        load_config(path)
    result = runner.invoke(app, ["export", "-c", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "out").exists()


def test_id_prefix_is_required_and_checked(tmp_path: Path):
    path = _config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace('id_prefix = "tag:test.example.org,2024:"\n', ""),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="site.id_prefix: is required"):
        load_config(path)
    for bad in ("tag:test.example.org:", "tag:test.example.org,24:", "not a uri", "tag:tëst.org,2024:"):
        path.write_text(BASE.format(home="https://x.org/", site_extra="", section_extra="")
                        .replace("tag:test.example.org,2024:", bad), encoding="utf-8")
        with pytest.raises(ConfigError, match="site.id_prefix"):
            load_config(path)


def test_international_urls_are_accepted_and_written_as_uris(site: Path):
    config = _config(site, home="https://навіны.бел:443/", site_extra='logo = "https://навіны.бел/лого.png"')
    site_config = load_config(config).site
    assert site_config.home_url == "https://xn--80ae5ac4e2c.xn--90ais/"
    assert site_config.feeds_url == "https://xn--80ae5ac4e2c.xn--90ais/feeds/"
    assert site_config.logo == "https://xn--80ae5ac4e2c.xn--90ais/%D0%BB%D0%BE%D0%B3%D0%BE.png"
    write_record(site, "a", url="https://навіны.бел/society/a/")
    out = site / "out"
    api.export(config, out_dir=out, formats=["rss", "atom", "jsonfeed", "newsml", "ninjs"])
    assert all(r.valid for r in api.validate([out]))
    everything = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file())
    assert "навіны" not in everything and "xn--80ae5ac4e2c.xn--90ais" in everything


@pytest.mark.parametrize("page", ["https://test.example.org/culture.html", "https://test.example.org/s?view=list",
                                  "https://test.example.org/society"])
def test_a_section_url_is_used_exactly_as_configured(site: Path, page: str):
    config = _config(site, section_extra=f'url = "{page}"')
    assert load_config(config).section("society").url == page
    write_record(site, "a")
    out = site / "out"
    api.export(config, out_dir=out, formats=["rss", "atom", "jsonfeed"])
    assert json.loads((out / "society" / "feed.json").read_text(encoding="utf-8"))["home_page_url"] == page
    assert f"<link>{page.replace('&', '&#x26;')}</link>" in (out / "society" / "rss.xml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("home", "section_page", "feeds"), [
    ("https://x.org/", "https://x.org/society/", "https://x.org/feeds/"),
    ("https://x.org/news", "https://x.org/news/society/", "https://x.org/news/feeds/"),
    ("https://x.org/index.html", "https://x.org/society/", "https://x.org/feeds/"),
])
def test_default_section_and_feed_urls_sit_under_the_home_page(tmp_path: Path, home, section_page, feeds):
    config = load_config(_config(tmp_path, home=home))
    assert (config.section("society").url, config.site.feeds_url, config.site.home_url) == (section_page, feeds, home)


@pytest.mark.parametrize("value", ['"week"', "0", "true", "[1]"])
@pytest.mark.parametrize("where", ["site", "sections[0]"])
def test_an_archive_setting_must_be_month_or_a_page_size(site: Path, value: str, where: str):
    line = f"archive = {value}"
    enable_archive(site, line if where == "site" else "", society=line if where != "site" else "")
    with pytest.raises(ConfigError, match=rf'{re.escape(where)}.archive: must be "month" \(a page per calendar month\)'):
        load_config(site / "syndicate.toml")


def test_a_section_s_archive_is_its_own_else_the_site_s(site: Path):
    enable_archive(site, "archive = 100", society='archive = "month"')
    config = load_config(site / "syndicate.toml")
    assert [s.archive_of(config.site) for s in config.sections] == ["month", 100]
    path = site / "syndicate.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('archive = "month"', "archive = false"), encoding="utf-8")
    config = load_config(path)
    assert [s.archive_of(config.site) for s in config.sections] == [None, 100]


def test_partner_profiles_are_read_with_their_defaults(tmp_path: Path):
    from syndicate.config import Partner

    path = _config(tmp_path, tail="""
[partners.agency]
formats = ["newsml", "ninjs"]
embargo = "mark"
rights = "Licensed."

[partners.msn]
platform = "msn"
sections = ["all", "society"]
limit = 10
content = "summary"
max_bytes = 100000
min_image_width = 150
images_without_width = "drop"
title_min = 21
title_max = 150
allowed_html = ["P", "a"]
""")
    agency, msn = load_config(path).partners
    assert agency == Partner(name="agency", formats=("newsml", "ninjs"), sections=(), embargo="mark", rights="Licensed.")
    assert msn == Partner(name="msn", formats=(), sections=("all", "society"), limit=10, content="summary",
                          max_bytes=100000, min_image_width=150, images_without_width="drop", title_min=21,
                          title_max=150, allowed_html=("p", "a"), platform="msn")


@pytest.mark.parametrize(("table", "message"), [
    ('[partners."Big Wire"]\n', "[partners.Big Wire]: the name must match [a-z0-9-]+"),
    ("[partners.wire]\nsections = [\"sport\"]\n", "partners.wire.sections: unknown section 'sport'; "
                                                   "configured: society, all"),
    ('[partners.wire]\ncontent = "teaser"\n', "partners.wire.content: must be one of 'full', 'summary'"),
    ('[partners.wire]\nembargo = "early"\n', "partners.wire.embargo: must be one of 'hold', 'mark'"),
    ('[partners.wire]\nplatform = "facebook"\n', "partners.wire.platform: must be one of 'google-news', 'msn', "
                                                  "'flipboard', 'smartnews'"),
    ("[partners.wire]\ntitle_min = 30\ntitle_max = 20\n", "partners.wire.title_min: 30 is more than title_max"),
    ("[partners.wire]\nmax_bytes = 0\n", "partners.wire.max_bytes: must be a positive integer"),
    ("[partners.wire]\nallowed_html = \"p\"\n", "partners.wire.allowed_html: must be a list of names"),
])
def test_a_bad_partner_profile_is_refused_naming_the_key(tmp_path: Path, table: str, message: str):
    with pytest.raises(ConfigError) as caught:
        load_config(_config(tmp_path, tail=table))
    assert message in str(caught.value)


def test_a_websub_hub_is_an_absolute_http_url(tmp_path: Path):
    assert load_config(_config(tmp_path)).site.websub_hub is None
    config = load_config(_config(tmp_path, site_extra='websub_hub = "https://hub.example.net/"'))
    assert config.site.websub_hub == "https://hub.example.net/"
    with pytest.raises(ConfigError, match="site.websub_hub: must be an absolute http.s. URL, got 'hub.example.net'"):
        load_config(_config(tmp_path, site_extra='websub_hub = "hub.example.net"'))


def test_a_partner_name_ending_in_a_newline_is_refused(tmp_path):
    from syndicate.config import load_config
    from syndicate.errors import ConfigError
    from tests.conftest import make_site

    site = make_site(tmp_path)
    config = site / "syndicate.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[partners."ab\\n"]\nformats = ["rss"]\n', encoding="utf-8")
    import pytest

    with pytest.raises(ConfigError):
        load_config(config)
