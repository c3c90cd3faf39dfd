"""SIGKILL at several moments of an export: every published file stays whole and valid."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from syndicate import api

SECTIONS = 30
PER_SECTION = 40
FORMATS = ["rss", "atom", "jsonfeed", "newsml"]


def _site(root: Path, *, edition: str) -> Path:
    """A store of SECTIONS x PER_SECTION articles; EDITION changes every title, so every file changes."""
    store = root / "store"
    store.mkdir(parents=True)
    sections = "".join(f'\n[[sections]]\nslug = "s{n}"\ntitle = "Section {n}"\n' for n in range(SECTIONS))
    (root / "syndicate.toml").write_text(
        '[site]\ntitle = "Crash News"\nhome_url = "https://crash.example.org/"\nid_prefix = "tag:crash.example.org,2024:"\ntimezone = "UTC"\n' + sections,
        encoding="utf-8",
    )
    with (store / "articles.jsonl").open("w", encoding="utf-8") as lines:
        for n in range(SECTIONS * PER_SECTION):
            lines.write(json.dumps({
                "id": f"a{n}", "url": f"https://crash.example.org/a{n}/", "title": f"{edition} story {n}",
                "section": f"s{n % SECTIONS}", "published": f"2024-01-01T00:{n % 60:02d}:00Z",
                "body": f"<p>{edition} body {n} " + "text " * 200 + "</p>",
            }) + "\n")
    return root / "syndicate.toml"


def _feed_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def _replaced(out: Path, inodes: dict[str, int]) -> int:
    """How many files have been renamed over since INODES was taken."""
    count = 0
    for relative, inode in inodes.items():
        try:
            count += os.stat(out / relative).st_ino != inode
        except FileNotFoundError:
            pass
    return count


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("crash")
    old_config, new_config = _site(root / "old", edition="Old"), _site(root / "new", edition="New")
    api.export(old_config, out_dir=root / "old-out", formats=FORMATS)
    api.export(new_config, out_dir=root / "new-out", formats=FORMATS)
    old, new = _feed_files(root / "old-out"), _feed_files(root / "new-out")
    assert old.keys() == new.keys() and all(old[k] != new[k] for k in old if k != "index.opml")
    return root, new_config, old, new


def _command() -> list[str]:
    found = shutil.which("syndicate", path=os.path.dirname(sys.executable))
    return [found] if found else [sys.executable, "-m", "syndicate"]


# Kill points: a moment during reading and rendering, then after 1 file, a quarter,
# and half of the files have been replaced.
@pytest.mark.parametrize("replaced_before_kill", [0, 1, 30, 60])
def test_sigkill_leaves_every_file_old_or_new_and_valid(editions, tmp_path: Path, replaced_before_kill: int):
    root, new_config, old, new = editions
    out = tmp_path / "out"
    shutil.copytree(root / "old-out", out)
    inodes = {relative: os.stat(out / relative).st_ino for relative in old}
    process = subprocess.Popen([*_command(), "export", "--config", str(new_config), "--out", str(out),
                                "--quiet", *sum((["--format", f] for f in FORMATS), [])])
    deadline = time.monotonic() + 60
    try:
        if replaced_before_kill == 0:
            time.sleep(0.1)  # while it reads and renders, before any file is replaced
        else:
            while _replaced(out, inodes) < replaced_before_kill and process.poll() is None:
                assert time.monotonic() < deadline, "the export made no progress"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)

    assert process.returncode == -signal.SIGKILL, "the export finished before it could be killed"
    now = _feed_files(out)
    assert now.keys() == old.keys()
    kinds = ["old" if now[k] == old[k] else "new" if now[k] == new[k] else "MIXED" for k in now]
    assert "MIXED" not in kinds, [k for k, kind in zip(now, kinds, strict=True) if kind == "MIXED"]
    print(f"killed with {kinds.count('new')} of {len(kinds)} files replaced")
    if replaced_before_kill:
        assert kinds.count("new") >= replaced_before_kill
    assert all(report.valid for report in api.validate([out]))

    # The next export cleans up after the killed one and completes the new edition.
    api.export(new_config, out_dir=out, formats=FORMATS)
    assert _feed_files(out) == new
    assert not [p for p in out.rglob(".*.tmp")]
