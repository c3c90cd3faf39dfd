"""`--json`: each command prints one JSON document of the layout schemas/cli-report.schema.json
documents, for CI; progress bars on a terminal only; summaries say what no feed shows."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from syndicate import cli

from tests.conftest import EXAMPLE_CONFIG

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_STORE = ROOT / "examples" / "store"
runner = CliRunner()
VALIDATOR = Draft202012Validator(json.loads((ROOT / "schemas" / "cli-report.schema.json").read_text(encoding="utf-8")))


@pytest.fixture(autouse=True)
def _public_feeds_alone(public_example_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """These reports count the public files: the example without its partner profiles."""
    monkeypatch.setattr(sys.modules[__name__], "EXAMPLE_CONFIG", public_example_config)


def _json(arguments: list[str], *, exit_code: int = 0) -> dict:
    result = runner.invoke(cli.app, arguments)
    assert result.exit_code == exit_code, result.output
    document = json.loads(result.stdout)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(document)]
    assert errors == []
    assert (document["ok"], document["exit_code"]) == (exit_code == 0, exit_code)
    return document


def _export(out: Path, *options: str) -> list[str]:
    return ["export", "--config", str(EXAMPLE_CONFIG), "--store", str(EXAMPLE_STORE), "--out", str(out), *options]


def test_export_json_lists_files_counts_and_what_no_feed_shows(tmp_path: Path):
    out = tmp_path / "feeds"
    first = _json(_export(out, "--json"))
    assert first["command"] == "export" and first["check"] is False
    assert len(first["files"]["written"]) == 20 and first["files"]["unchanged"] == []
    assert str(out / "all" / "rss.xml") in first["files"]["written"]
    assert (first["feeds"], first["records"], first["rendered"]) == (3, 23, 12)
    # The example holds a draft and an embargo until 2099-01-01 in Minsk (+03:00).
    assert first["held_back"] == {"drafts": 1, "embargoed": 1, "next_lift": "2098-12-31T21:00:00Z",
                                  "next_expiry": None, "tombstones_end": None}
    assert first["next_change"] == "2098-12-31T21:00:00Z"
    assert first["skipped"] == [] and first["warnings"] == []

    again = _json(_export(out, "--json"))
    assert again["files"]["written"] == [] and len(again["files"]["unchanged"]) == 20 and again["rendered"] == 0
    checked = _json(_export(out, "--json", "--check"))
    assert checked["check"] is True and checked["files"]["stale"] == []

    (out / "all" / "rss.xml").write_bytes(b"changed")
    stale = _json(_export(out, "--json", "--check"), exit_code=1)
    assert stale["files"]["stale"] == [str(out / "all" / "rss.xml")]


def test_export_json_of_invalid_records_lists_each_problem_and_exits_2(tmp_path: Path):
    store = tmp_path / "store"
    shutil.copytree(EXAMPLE_STORE, store)
    record = next(store.rglob("*.json"))
    data = json.loads(record.read_text(encoding="utf-8"))
    record.write_text(json.dumps({**data, "published": "31.31.2014"}), encoding="utf-8")
    arguments = ["export", "--config", str(EXAMPLE_CONFIG), "--store", str(store), "--out", str(tmp_path / "out"),
                 "--json"]
    failed = _json(arguments, exit_code=2)
    assert failed["error"] == "1 problem in the store; nothing was written"
    assert [(p["origin"], p["id"], p["field"]) for p in failed["problems"]] == [(str(record), data["id"], "published")]
    assert not (tmp_path / "out").exists()

    skipped = _json([*arguments, "--skip-invalid"])
    assert [p["id"] for p in skipped["skipped"]] == [data["id"]]


def test_import_validate_and_stats_json(tmp_path: Path):
    into = tmp_path / "news.db"
    imported = _json(["import", str(EXAMPLE_STORE), "--into", str(into), "--config", str(EXAMPLE_CONFIG), "--json"])
    assert (imported["imported"], imported["new"], imported["replaced"], imported["skipped_records"]) == (25, 25, 0, 0)
    assert imported["into"] == str(into)
    again = _json(["import", str(EXAMPLE_STORE), "--into", str(into), "--config", str(EXAMPLE_CONFIG), "--json"])
    assert (again["new"], again["replaced"]) == (0, 25)

    stats = _json(["stats", "--store", str(into), "--config", str(EXAMPLE_CONFIG), "--json"])
    assert stats["total"] == 25
    assert {"section": "society", "status": "draft", "records": 1} in stats["counts"]
    assert (stats["embargoed"], stats["next_lift"]) == (1, "2098-12-31T21:00:00Z")

    out = tmp_path / "feeds"
    _json(_export(out, "--json"))
    valid = _json(["validate", str(out), "--json"])
    assert valid["checked"] == 14 and valid["invalid"] == 0
    assert {f["format"] for f in valid["files"]} == {"rss", "atom", "jsonfeed", "newsml", "opml", "sitemap"}
    (out / "all" / "feed.json").write_text("{}", encoding="utf-8")
    invalid = _json(["validate", str(out), "--json"], exit_code=1)
    assert invalid["invalid"] == 1
    broken = next(f for f in invalid["files"] if not f["valid"])
    assert broken["path"] == str(out / "all" / "feed.json") and broken["problems"]


def test_a_failure_of_any_command_is_a_json_document_too(tmp_path: Path):
    missing = _json(["stats", "--store", str(tmp_path / "nowhere.db"), "--json"], exit_code=2)
    assert missing["command"] == "stats" and "nowhere.db" in missing["error"] and missing["problems"] == []
    unknown = _json(_export(tmp_path / "out", "--json", "--format", "gopher"), exit_code=2)
    assert unknown["command"] == "export" and "unknown format 'gopher'" in unknown["error"]


def test_the_export_summary_says_what_no_feed_shows(tmp_path: Path):
    result = runner.invoke(cli.app, _export(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "not in any feed: 1 draft, 1 embargoed (the first lifts 2098-12-31T21:00:00+00:00)")


def _on_a_terminal(arguments: list[str]) -> tuple[int, str, str]:
    """Run the installed command with standard error on a pseudo-terminal: (exit code, stdout, stderr)."""
    import syndicate

    source = str(Path(syndicate.__file__).resolve().parents[1])
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")])),
                   "COLUMNS": "120", "TERM": "xterm"}
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen([sys.executable, "-c", "from syndicate.cli import main; main()", *arguments],
                                   stdout=subprocess.PIPE, stderr=terminal, env=environment)
        os.close(terminal)
        drawn = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal's other end closed
                break
            if not chunk:
                break
            drawn += chunk
        stdout = process.stdout.read().decode()
        process.wait(timeout=60)
    finally:
        os.close(controller)
    return process.returncode, stdout, drawn.decode(errors="replace")


@pytest.mark.skipif(not hasattr(pty, "openpty") or sys.platform == "win32", reason="needs a pseudo-terminal")
def test_export_and_validate_draw_progress_on_a_terminal_only(tmp_path: Path):
    out = tmp_path / "out"
    code, stdout, drawn = _on_a_terminal(_export(out))
    assert code == 0 and "12 files rendered" in stdout
    assert "rendering" in drawn and "12/12" in drawn and "\x1b[" in drawn

    code, stdout, drawn = _on_a_terminal(["validate", str(out)])
    assert code == 0 and "14 files checked, 0 invalid" in stdout
    assert "checking" in drawn and "20/20" in drawn  # manifest.json, feed.xsl and the pages too, not checked

    for quiet in (["--quiet"], ["--json"]):
        code, _stdout, drawn = _on_a_terminal(["validate", str(out), *quiet])
        assert code == 0 and drawn == ""

    piped = subprocess.run([sys.executable, "-c", "from syndicate.cli import main; main()", "validate", str(out)],
                           capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert piped.returncode == 0 and piped.stderr == ""
