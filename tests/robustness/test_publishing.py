"""Publishing under concurrency and faults: never back in time, all or nothing, files only.

Races are made deterministic by pausing an export, in a thread, right after it has
read the store (the export's own reading() is wrapped): what a slow export does is
then exactly reproducible.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syndicate import api
from syndicate.cli import app
from syndicate.export import OlderThanPublished, publish, run
from syndicate.export.publish import PublishError

from tests.conftest import write_record

runner = CliRunner()


def _tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _titles(out: Path, slug: str = "society") -> list[str]:
    return [i["title"] for i in json.loads((out / slug / "feed.json").read_text(encoding="utf-8"))["items"]]


class _Paused:
    """Makes the next export pause right after it has read the store, until released."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.read, self.release = threading.Event(), threading.Event()
        original = run.reading

        @contextmanager
        def reading(*args, **kwargs):
            with original(*args, **kwargs) as selection:
                if not self.read.is_set():
                    self.read.set()
                    assert self.release.wait(30)
                yield selection

        monkeypatch.setattr(run, "reading", reading)

    def run(self, target, *args, **kwargs) -> tuple[threading.Thread, dict]:
        outcome: dict = {}

        def call() -> None:
            try:
                outcome["report"] = target(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 - handed to the test
                outcome["error"] = error

        thread = threading.Thread(target=call)
        thread.start()
        assert self.read.wait(30), "the export never read the store"
        return thread, outcome


def test_a_slow_export_cannot_bring_back_a_retracted_article(site: Path, monkeypatch):
    write_record(site, "kept", title="Kept", published="2024-01-01T10:00:00Z")
    write_record(site, "retracted", title="Retracted", published="2024-01-02T10:00:00Z")
    out = site / "out"
    paused = _Paused(monkeypatch)
    slow, outcome = paused.run(api.export, site / "syndicate.toml", out_dir=out, formats=["jsonfeed"])
    # While the slow export holds its snapshot, the article is retracted and a second export runs.
    write_record(site, "retracted", title="Retracted", published="2024-01-02T10:00:00Z", status="draft")
    with pytest.raises(PublishError, match="another export is writing"):
        api.export(site / "syndicate.toml", out_dir=out, formats=["jsonfeed"])
    paused.release.set()
    slow.join(30)
    assert "error" not in outcome
    assert _titles(out) == ["Retracted", "Kept"]  # what the slow export read: it ran first
    api.export(site / "syndicate.toml", out_dir=out, formats=["jsonfeed"])  # the refused one, run again
    assert _titles(out) == ["Kept"]  # the retraction holds: nothing older can come after it


def test_an_older_state_of_the_store_is_refused_unless_forced(site: Path):
    write_record(site, "a", title="A", published="2024-01-01T10:00:00Z")
    backup = site / "backup"
    shutil.copytree(site / "store", backup, copy_function=shutil.copy2)  # keeps the times: a restore
    write_record(site, "a", title="A", published="2024-01-01T10:00:00Z", status="draft")  # retracted
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, formats=["jsonfeed"])
    published = _tree(out)
    shutil.rmtree(site / "store")
    shutil.copytree(backup, site / "store", copy_function=shutil.copy2)
    os.utime(site / "store", ns=(os.stat(backup).st_atime_ns, os.stat(backup).st_mtime_ns))
    with pytest.raises(OlderThanPublished, match="--force"):
        api.export(site / "syndicate.toml", out_dir=out, formats=["jsonfeed"])
    assert _tree(out) == published
    result = runner.invoke(app, ["export", "-c", str(site / "syndicate.toml"), "--out", str(out), "-f", "jsonfeed"])
    assert result.exit_code == 2 and "--force" in result.output
    assert _tree(out) == published
    result = runner.invoke(app, ["export", "-c", str(site / "syndicate.toml"), "--out", str(out), "-f", "jsonfeed",
                                 "--force"])
    assert result.exit_code == 0, result.output
    assert _titles(out) == ["A"]


def test_format_subsets_exported_one_after_another_keep_each_others_entries(site: Path, monkeypatch):
    write_record(site, "a")
    out = site / "out"
    paused = _Paused(monkeypatch)
    rss, outcome = paused.run(api.export, site / "syndicate.toml", out_dir=out, formats=["rss"])
    with pytest.raises(PublishError, match="another export is writing"):
        api.export(site / "syndicate.toml", out_dir=out, formats=["atom"])
    paused.release.set()
    rss.join(30)
    assert "error" not in outcome
    api.export(site / "syndicate.toml", out_dir=out, formats=["atom"])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert {"society/rss.xml", "society/atom.xml", "all/rss.xml", "all/atom.xml", "index.opml"} <= set(manifest)
    assert b"society/rss.xml" in (out / "index.opml").read_bytes()


def _fail_staging_after(monkeypatch: pytest.MonkeyPatch, files: int) -> None:
    """A file system that runs out of space once FILES files have been staged."""
    original = publish._stage
    staged = []

    def stage(path: Path, data: bytes):
        if len(staged) >= files:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        staged.append(path)
        return original(path, data)

    monkeypatch.setattr(publish, "_stage", stage)


@pytest.mark.parametrize("files", [0, 1, 7])
def test_a_full_disk_mid_export_publishes_nothing(site: Path, monkeypatch, files: int):
    for n in range(3):
        write_record(site, f"a{n}", title=f"Old {n}")
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out)
    before = _tree(out)
    for n in range(3):
        write_record(site, f"a{n}", title=f"New {n}")  # every feed file changes
    _fail_staging_after(monkeypatch, files)
    result = runner.invoke(app, ["export", "-c", str(site / "syndicate.toml"), "--out", str(out)])
    assert result.exit_code == 2 and "No space left on device" in result.output
    assert "nothing was published" in result.output
    assert _tree(out) == before  # every feed, the index and the manifest as they were; no temporary file


def test_a_full_tmpfs_mid_export_publishes_nothing(site: Path, tmp_path: Path):
    """The same on a real, small file system."""
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs needs root and the mount capability; the fake full disk above covers it")
    try:
        for n in range(3):
            write_record(site, f"a{n}", title=f"Old {n}")
        out = mount / "out"
        api.export(site / "syndicate.toml", out_dir=out, formats=["rss", "atom", "jsonfeed"])
        before = _tree(out)
        free = shutil.disk_usage(mount).free
        (mount / "filler").write_bytes(b"x" * max(free - 12_000, 0))  # room for a file or two, not all
        for n in range(3):
            write_record(site, f"a{n}", title=f"New {n}", body="<p>" + "longer body " * 200 + "</p>")
        result = runner.invoke(app, ["export", "-c", str(site / "syndicate.toml"), "--out", str(out),
                                     "-f", "rss", "-f", "atom", "-f", "jsonfeed"])
        assert result.exit_code == 2 and "No space left on device" in result.output, result.output
        assert _tree(out) == before
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_the_temporary_file_sweep_never_follows_a_link(site: Path, tmp_path_factory: pytest.TempPathFactory):
    write_record(site, "a")
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out)
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / ".precious.tmp").write_text("not ours", encoding="utf-8")
    (out / "planted").symlink_to(elsewhere, target_is_directory=True)
    (out / ".link.tmp").symlink_to(elsewhere / ".precious.tmp")
    (out / "society" / ".rss.xml.abc.tmp").write_text("left by a killed export", encoding="utf-8")
    api.export(site / "syndicate.toml", out_dir=out)
    assert (elsewhere / ".precious.tmp").read_text(encoding="utf-8") == "not ours"
    assert (out / ".link.tmp").is_symlink()  # a link is not a temporary file of ours
    assert not (out / "society" / ".rss.xml.abc.tmp").exists()


def test_no_lock_file_is_kept_or_followed(site: Path, tmp_path_factory: pytest.TempPathFactory):
    write_record(site, "a")
    out = site / "out"
    out.mkdir()
    target = tmp_path_factory.mktemp("elsewhere") / "victim"
    target.write_text("untouched", encoding="utf-8")
    (out / ".syndicate.lock").symlink_to(target)  # an older version's lock file, now a planted link
    api.export(site / "syndicate.toml", out_dir=out)
    assert target.read_text(encoding="utf-8") == "untouched"
    assert not any(p.name.endswith(".lock") and not p.is_symlink() for p in out.rglob("*"))


def test_a_fifo_in_place_of_a_feed_file_is_an_error_not_a_hang(site: Path):
    write_record(site, "a")
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out)
    (out / "all" / "rss.xml").unlink()
    os.mkfifo(out / "all" / "rss.xml")
    before = {k: v for k, v in _tree(out).items()}
    result = subprocess.run([sys.executable, "-m", "syndicate", "export", "-c", str(site / "syndicate.toml"),
                             "--out", str(out)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "all/rss.xml is not a regular file" in result.stderr
    assert _tree(out) == before
    (out / "all" / "rss.xml").unlink()  # the lock was released: the next export runs
    api.export(site / "syndicate.toml", out_dir=out)
    assert (out / "all" / "rss.xml").is_file()


def test_an_output_path_too_long_exits_2(site: Path):
    write_record(site, "a")
    out = site / ("x" * 300) / "out"
    result = runner.invoke(app, ["export", "-c", str(site / "syndicate.toml"), "--out", str(out)])
    assert result.exit_code == 2 and "File name too long" in result.output
