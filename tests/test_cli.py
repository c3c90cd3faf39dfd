import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syndicate.cli import app

from tests.conftest import EXAMPLE_CONFIG, write_record

runner = CliRunner()


def test_export_then_validate(tmp_path: Path, public_example_config: Path):
    out = tmp_path / "feeds"
    result = runner.invoke(app, ["export", "--config", str(public_example_config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "12 files rendered, 20 written, 0 unchanged" in result.output
    assert (out / "society" / "rss.xml").is_file()
    result = runner.invoke(app, ["validate", str(out)])
    assert result.exit_code == 0, result.output
    assert "14 files checked, 0 invalid" in result.output  # 12 feeds, index.opml and sitemap-news.xml


def test_validate_exits_1_on_an_invalid_file(tmp_path: Path):
    bad = tmp_path / "atom.xml"
    bad.write_text('<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>', encoding="utf-8")
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert str(bad) in result.output


def test_bad_store_exits_2_names_every_record_and_writes_nothing(site: Path):
    write_record(site, "no-title", title=None)
    write_record(site, "bad-date", published="31.31.2014")
    write_record(site, "dup")
    (site / "store" / "dup-again.json").write_text(
        (site / "store" / "dup.json").read_text(encoding="utf-8"), encoding="utf-8")
    write_record(site, "bad-section", section="../etc")
    out = site / "out"
    result = runner.invoke(app, ["export", "--config", str(site / "syndicate.toml"), "--out", str(out)])
    assert result.exit_code == 2
    assert "id=no-title title: is required" in result.output
    assert "id=bad-date published: cannot read '31.31.2014'" in result.output
    assert "id=dup id: duplicate id, first used in" in result.output
    assert "id=bad-section section: '../etc' is not a slug" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_bad_config_exits_2_without_traceback(tmp_path: Path):
    config = tmp_path / "syndicate.toml"
    config.write_text('[site]\ntitle = "x"\nhome_url = "not a url"\n', encoding="utf-8")
    result = runner.invoke(app, ["export", "--config", str(config), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "site.home_url: must be an absolute http(s) URL" in result.output
    result = runner.invoke(app, ["export", "--config", str(tmp_path / "missing.toml"), "--out", "x"])
    assert result.exit_code == 2 and "no such configuration file" in result.output


def test_unknown_format_is_a_usage_error(tmp_path: Path):
    result = runner.invoke(app, ["export", "--config", str(EXAMPLE_CONFIG), "--out", str(tmp_path),
                                 "--format", "gopher"])
    assert result.exit_code == 2 and "unknown format 'gopher'" in result.output


def _installed_command() -> list[str]:
    found = shutil.which("syndicate", path=os.path.dirname(sys.executable)) or shutil.which("syndicate")
    assert found, "the syndicate console script is not installed"
    return [found]


def test_installed_command_runs_as_a_subprocess(tmp_path: Path):
    out = tmp_path / "feeds"
    done = subprocess.run(
        [*_installed_command(), "export", "--config", str(EXAMPLE_CONFIG), "--out", str(out), "--quiet"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    done = subprocess.run([*_installed_command(), "validate", "--quiet", str(out)],
                          capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout) == (0, "")
    module = subprocess.run([sys.executable, "-m", "syndicate", "--help"], capture_output=True, text=True)
    assert module.returncode == 0 and "export" in module.stdout


def test_validate_against_iptc_xsd_by_option_and_by_environment(tmp_path: Path, public_example_config: Path):
    from tests.conftest import reference

    xsd = reference("newsml-g2/NewsML-G2_2.35-spec-All-Power.xsd")
    out = tmp_path / "feeds"
    assert runner.invoke(app, ["export", "-c", str(public_example_config), "-o", str(out), "-f", "newsml"]).exit_code == 0
    result = runner.invoke(app, ["validate", "--newsml-xsd", str(xsd), str(out)])
    assert result.exit_code == 0, result.output
    assert "5 files checked, 0 invalid" in result.output  # 3 newsml.xml, index.opml, sitemap-news.xml
    newsml = out / "society" / "newsml.xml"
    newsml.write_bytes(newsml.read_bytes().replace(b"<slugline>", b"<sluglien/><slugline>", 1))
    result = runner.invoke(app, ["validate", str(out)], env={"SYNDICATE_NEWSML_XSD": str(xsd)})
    assert result.exit_code == 1
    assert "NewsML-G2_2.35-spec-All-Power.xsd" in result.output


def test_validate_refuses_a_missing_schema(tmp_path: Path):
    result = runner.invoke(app, ["validate", "--newsml-xsd", str(tmp_path / "nope.xsd"), str(tmp_path)])
    assert result.exit_code == 2 and "does not exist" in result.output
    result = runner.invoke(app, ["validate", "--schema", "nonsense", str(tmp_path)])
    assert result.exit_code == 2 and "FORMAT=PATH" in result.output


def test_ninjs_on_request_and_checked_per_item_against_iptc_schema(tmp_path: Path, public_example_config: Path):
    from tests.conftest import reference

    schema = reference("ninjs/ninjs-schema_2.2.json")
    out = tmp_path / "feeds"
    result = runner.invoke(app, ["export", "-c", str(public_example_config), "-o", str(out), "-f", "ninjs", "-s", "society"])
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")) \
        == ["feed.xsl", "index.html", "index.opml", "manifest.json", "society/index.html", "society/ninjs.json"]
    result = runner.invoke(app, ["validate", "--schema", f"ninjs={schema}", str(out)])
    assert result.exit_code == 0, result.output
    # ninjs.json and index.opml; no news sitemap from an export of some sections
    assert "2 files checked, 0 invalid" in result.output


def test_an_internal_error_exits_3_without_traceback(monkeypatch, capsys, tmp_path: Path):
    import pytest

    from syndicate import cli

    def broken(*args, **kwargs):
        raise RuntimeError("something we did not foresee")

    monkeypatch.setattr(cli.api, "export", broken)
    monkeypatch.setattr(sys, "argv", ["syndicate", "export", "-c", str(EXAMPLE_CONFIG), "-o", str(tmp_path)])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 3
    error = capsys.readouterr().err
    assert "internal error: RuntimeError: something we did not foresee" in error and "--debug" in error
    assert "Traceback" not in error


@pytest.mark.parametrize("epoch", ["tomorrow", "99999999999999999"])
def test_a_bad_source_date_epoch_exits_2_and_writes_nothing(tmp_path: Path, monkeypatch, epoch: str):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    result = runner.invoke(app, ["export", "-c", str(EXAMPLE_CONFIG), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "SOURCE_DATE_EPOCH" in result.output
    assert not (tmp_path / "out").exists()


def test_a_store_password_is_never_printed(tmp_path: Path):
    url = "postgresql://editor:S3cret-pw@127.0.0.1:1/newsroom"  # nothing listens on port 1
    for command in (["import", str(EXAMPLE_CONFIG.parent / "store"), "--into", url, "-c", str(EXAMPLE_CONFIG)],
                    ["export", "-c", str(EXAMPLE_CONFIG), "--store", url, "--out", str(tmp_path / "out")],
                    ["stats", "--store", url]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, (command, result.output)
        assert "S3cret-pw" not in result.output and "editor:***@127.0.0.1" in result.output, result.output


def test_terminal_escapes_in_a_record_are_printed_as_text(site: Path):
    write_record(site, "\x1b[2J\x1b]0;pwned\x07", title="\x9b31m")
    result = runner.invoke(app, ["export", "-c", str(site / "syndicate.toml"), "--out", str(site / "out")])
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\x07" not in result.output and "\x9b" not in result.output
    assert "id=\\x1b[2J\\x1b]0;pwned\\x07" in result.output
