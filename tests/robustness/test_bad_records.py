"""One contract for bad records: exit 2 naming each, nothing written; or --skip-invalid."""

import json
from pathlib import Path

import feedparser
from typer.testing import CliRunner

from syndicate import api
from syndicate.cli import app

from tests.robustness.conftest import REFUSED, REPAIRED, all_files

runner = CliRunner()


def _export(site: Path, *extra: str):
    return runner.invoke(app, ["export", "--config", str(site / "syndicate.toml"), "--out", str(site / "out"),
                               *extra])


def test_every_bad_record_is_named_and_the_previous_output_stays(hostile_site: Path):
    # A first, clean publication from the valid records alone.
    good = hostile_site / "good-store"
    good.mkdir()
    (hostile_site / "store" / "valid-one.json").rename(good / "valid-one.json")
    assert runner.invoke(app, ["export", "-c", str(hostile_site / "syndicate.toml"), "-o",
                               str(hostile_site / "out"), "--store", str(good)]).exit_code == 0
    (good / "valid-one.json").rename(hostile_site / "store" / "valid-one.json")
    before = all_files(hostile_site / "out")

    result = _export(hostile_site)
    assert result.exit_code == 2
    for record_id, (field, _fields) in REFUSED.items():
        assert f"{record_id}.json id={record_id} {field}: " in result.output, record_id
    assert "id=oversized-body" not in result.output  # refused unread: no id is known
    assert "oversized-body.json record: the file is" in result.output
    assert "above the limit of 20000 (limits.max_record_bytes in syndicate.toml)" in result.output
    assert "zz-later/valid-one.json id=valid-one id: duplicate id, first used in" in result.output
    assert "7 problems in the store; nothing was written" in result.output
    assert "Traceback" not in result.output
    assert all_files(hostile_site / "out") == before


def test_skip_invalid_exports_the_rest_and_lists_what_it_skipped(hostile_site: Path):
    result = _export(hostile_site, "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert result.output.count("skipped: ") == 7
    assert "warning: " in result.output and "id=control-chars-in-title title: removed 3 character(s)" in result.output
    out = hostile_site / "out"
    assert all(report.valid for report in api.validate([out])), [r for r in api.validate([out]) if not r.valid]
    feed = json.loads((out / "all" / "feed.json").read_text(encoding="utf-8"))
    ids = {item["id"].rsplit(":", 1)[-1] for item in feed["items"]}
    assert ids == {"valid-one", *REPAIRED}
    impostor = [i for i in feed["items"] if i["title"] == "An impostor with the same id"]
    assert impostor == []
    for name in ("rss.xml", "atom.xml"):
        assert feedparser.parse((out / "all" / name).read_bytes()).bozo is False


def test_no_traceback_for_a_bad_config_unless_debug(tmp_path: Path):
    config = tmp_path / "syndicate.toml"
    config.write_text("[site\ntitle = ", encoding="utf-8")
    result = runner.invoke(app, ["export", "-c", str(config), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "not valid TOML" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["--debug", "export", "-c", str(config), "-o", str(tmp_path / "out")])
    assert result.exit_code != 0 and result.exception is not None  # raised for the traceback


def test_repaired_records_report_what_was_repaired(hostile_site: Path):
    result = _export(hostile_site, "--skip-invalid", "--quiet")
    assert "id=markup-in-title title: removed HTML markup" in result.output
