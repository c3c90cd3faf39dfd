"""Incremental export: only the feeds whose items changed are rendered and rewritten; --check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from syndicate import api
from syndicate.cli import app

from tests.conftest import copy_example

runner = CliRunner()
FORMATS = ["rss", "atom", "jsonfeed", "newsml"]


def _state(out: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(out.rglob("*")) if p.is_file() and not p.name.startswith(".")}


def _change_title(config: Path, record: str, title: str) -> None:
    path = config.parent / "store" / record
    data = json.loads(path.read_text(encoding="utf-8"))
    data["title"] = title
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_changing_one_article_rewrites_only_the_feeds_that_hold_it(tmp_path: Path):
    config = copy_example(tmp_path, partners=False)
    out = tmp_path / "out"
    first = api.export(config, out_dir=out)
    assert first.rendered == 12
    before = _state(out)

    again = api.export(config, out_dir=out)
    assert again.rendered == 0 and again.written == ()  # nothing changed: nothing rendered, nothing written
    assert _state(out) == before

    _change_title(config, "society/society-2014-08-06-human-trafficking.json", "A corrected headline")
    changed = api.export(config, out_dir=out)
    assert changed.rendered == 8  # society and all, in four formats
    after = _state(out)
    rewritten = sorted(k for k in after if after[k] != before[k])
    assert rewritten == sorted([f"{feed}/{name}" for feed in ("society", "all")
                                for name in ("rss.xml", "atom.xml", "feed.json", "newsml.xml", "index.html")]
                               + ["manifest.json"])  # the HTML pages of both feeds show the headline
    for name in ("rss.xml", "atom.xml", "feed.json", "newsml.xml"):
        assert after[f"analysis/{name}"] == before[f"analysis/{name}"]  # same bytes, same mtime
    assert after["index.opml"] == before["index.opml"]
    assert "A corrected headline" in (out / "society" / "rss.xml").read_text(encoding="utf-8")


def test_manifest_records_inputs_and_bytes_of_every_file(tmp_path: Path):
    import hashlib

    config = copy_example(tmp_path, partners=False)
    out = tmp_path / "out"
    api.export(config, out_dir=out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) == {p for p in _state(out) if p != "manifest.json"}
    for relative, entry in manifest["files"].items():
        assert entry["sha256"] == hashlib.sha256((out / relative).read_bytes()).hexdigest()
        assert len(entry["inputs"]) == 64


def test_a_file_changed_by_hand_is_rendered_again(tmp_path: Path):
    config = copy_example(tmp_path, partners=False)
    out = tmp_path / "out"
    api.export(config, out_dir=out)
    pristine = (out / "analysis" / "atom.xml").read_bytes()
    (out / "analysis" / "atom.xml").write_bytes(b"<broken")
    report = api.export(config, out_dir=out)
    assert report.rendered == 1 and (out / "analysis" / "atom.xml").read_bytes() == pristine


def test_check_exits_0_when_fresh_and_1_when_the_store_changed_writing_nothing(tmp_path: Path):
    config = copy_example(tmp_path, partners=False)
    out = tmp_path / "out"
    assert runner.invoke(app, ["export", "-c", str(config), "-o", str(out), "-q"]).exit_code == 0
    fresh = runner.invoke(app, ["export", "-c", str(config), "-o", str(out), "--check"])
    assert fresh.exit_code == 0 and "up to date" in fresh.output

    _change_title(config, "analysis/analysis-2022-07-14-belarus-media-clampdown.json", "Changed")
    before = _state(out)
    stale = runner.invoke(app, ["export", "-c", str(config), "-o", str(out), "--check"])
    assert stale.exit_code == 1
    listed = sorted(line.removeprefix("stale: ") for line in stale.output.splitlines() if line.startswith("stale: "))
    expected = [f"{feed}/{name}" for feed in ("analysis", "all")
                for name in ("rss.xml", "atom.xml", "feed.json", "newsml.xml", "index.html")] + ["manifest.json"]
    assert listed == sorted(str((out / relative).resolve()) for relative in expected)
    assert "11 of 20 files would change" in stale.output
    assert _state(out) == before  # --check wrote nothing


def test_check_of_an_output_never_written(tmp_path: Path):
    config = copy_example(tmp_path, partners=False)
    result = runner.invoke(app, ["export", "-c", str(config), "-o", str(tmp_path / "none"), "--check"])
    assert result.exit_code == 1 and not (tmp_path / "none").exists()


def test_check_on_a_copy_of_published_output(tmp_path: Path):
    """CI checks a checkout of the published feeds: modification times differ, bytes decide."""
    config = copy_example(tmp_path, partners=False)
    api.export(config, out_dir=tmp_path / "out")
    shutil.copytree(tmp_path / "out", tmp_path / "copy")
    assert api.export(config, out_dir=tmp_path / "copy", check=True).stale is False


def test_a_file_as_the_last_export_left_it_is_not_read_back(tmp_path: Path, monkeypatch):
    from syndicate.export import render

    config = copy_example(tmp_path, partners=False)
    out = tmp_path / "out"
    api.export(config, out_dir=out)
    (out / "analysis" / "rss.xml").write_bytes(b"<broken")  # and its stamp with it
    _change_title(config, "society/society-2014-08-06-human-trafficking.json", "A corrected headline")
    read = []
    real = render.read_published
    monkeypatch.setattr(render, "read_published", lambda path: read.append(path) or real(path))
    report = api.export(config, out_dir=out, jobs=1)
    # Only the file whose size and modification time are not those the last export noted is read.
    assert [p.relative_to(out).as_posix() for p in read] == ["analysis/rss.xml"]
    assert report.rendered == 9 and b"<broken" not in (out / "analysis" / "rss.xml").read_bytes()
