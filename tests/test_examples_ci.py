"""examples/ci/build-feeds.sh, the CI recipe's shell form: exports, validates, checks and stages
what partners may fetch; a failing step stages nothing and keeps what was staged before."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import EXAMPLE_PARTNER_FILES

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "ci" / "build-feeds.sh"


def _run(site: Path, tmp_path: Path, *arguments: str, **variables: str) -> subprocess.CompletedProcess:
    import syndicate

    bin_dir = tmp_path / "bin"  # a `syndicate` command running the code under test
    if not bin_dir.exists():
        bin_dir.mkdir()
        command = bin_dir / "syndicate"
        source = Path(syndicate.__file__).resolve().parents[1]
        command.write_text(f"#!/bin/sh\nPYTHONPATH='{source}' exec '{sys.executable}' -c "
                           "'from syndicate.cli import main; main()' \"$@\"\n", encoding="utf-8")
        command.chmod(0o755)
    environment = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", **variables}
    environment.pop("SYNDICATE_STORE", None)
    return subprocess.run(["bash", str(SCRIPT), *arguments], cwd=site, env=environment, capture_output=True,
                          text=True, timeout=300)


def _example_site(tmp_path: Path, *, partners: bool = True) -> Path:
    """A site of its own under TMP_PATH: the example's config (without PARTNERS, without its
    partner profiles) and store."""
    from tests.conftest import _without_partners

    site = tmp_path / "site"
    site.mkdir()
    shutil.copytree(ROOT / "examples" / "store", site / "store")
    text = (ROOT / "examples" / "syndicate.toml").read_text(encoding="utf-8")
    (site / "syndicate.toml").write_text(text if partners else _without_partners(text), encoding="utf-8")
    return site


@pytest.mark.skipif(shutil.which("bash") is None, reason="the recipe is a bash script")
def test_the_ci_recipe_stages_valid_feeds_without_the_manifest(tmp_path: Path):
    site = _example_site(tmp_path)

    first = _run(site, tmp_path)
    assert first.returncode == 0, first.stderr
    staged = sorted(p.relative_to(site / "public" / "feeds").as_posix()
                    for p in (site / "public" / "feeds").rglob("*") if p.is_file())
    # 14 feed files and index.opml, feed.xsl and 4 pages, and the partners' files
    assert "index.opml" in staged and "all/rss.xml" in staged and len(staged) == 19 + len(EXAMPLE_PARTNER_FILES)
    assert "manifest.json" not in staged and (site / "feeds" / "manifest.json").is_file()
    reports = {name: json.loads((site / "reports" / f"{name}.json").read_text()) for name in ("export", "validate",
                                                                                             "check")}
    assert reports["validate"]["invalid"] == 0 and reports["check"]["files"]["stale"] == []
    schema = Draft202012Validator(json.loads((ROOT / "schemas" / "cli-report.schema.json").read_text()))
    for name, document in reports.items():  # the installed command's documents, as CI reads them
        assert [error.message for error in schema.iter_errors(document)] == [], name


    before = {p: p.read_bytes() for p in (site / "public").rglob("*") if p.is_file()}
    record = next((site / "store").rglob("*.json"))
    record.write_text(record.read_text(encoding="utf-8").replace('"title"', '"title": 5, "x"', 1), encoding="utf-8")
    failed = _run(site, tmp_path)
    assert failed.returncode == 2
    assert "nothing was written" in failed.stderr
    assert {p: p.read_bytes() for p in (site / "public").rglob("*") if p.is_file()} == before


@pytest.mark.skipif(shutil.which("bash") is None, reason="the recipe is a bash script")
def test_the_ci_recipe_split_into_shards_stages_what_one_export_writes(tmp_path: Path):
    from syndicate import api

    site = _example_site(tmp_path, partners=False)  # a shard writes no partner trees
    for number in (1, 2, 3):  # each job of the matrix, into a directory of its own
        done = _run(site, tmp_path, "shard", f"{number}/3", FEEDS_DIR=f"shard-{number}")
        assert done.returncode == 0, done.stderr
        assert not (site / "public").exists()
        shutil.copytree(site / f"shard-{number}", site / "feeds", dirs_exist_ok=True)  # the artifacts, downloaded
    done = _run(site, tmp_path, "index")
    assert done.returncode == 0, done.stderr
    serial = tmp_path / "serial"
    api.export(site / "syndicate.toml", out_dir=serial)
    # (A serial export of a directory store also keeps its versions ledger beside the manifest; shards keep none.)
    files = {p.relative_to(serial).as_posix(): p.read_bytes() for p in serial.rglob("*")
             if p.is_file() and not p.name.startswith(".")}
    staged = site / "public" / "feeds"
    assert {p.relative_to(staged).as_posix(): p.read_bytes() for p in staged.rglob("*") if p.is_file()} == {
        name: data for name, data in files.items() if name != "manifest.json"}
    assert (site / "feeds" / "manifest.json").read_bytes() == files["manifest.json"]
    assert json.loads((site / "reports" / "validate.json").read_text())["invalid"] == 0
    assert _run(site, tmp_path, "gopher").returncode == 2
