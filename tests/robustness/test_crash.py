"""SIGKILL at several moments of an export: every published file stays whole and valid."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from syndicate import api

from tests.conftest import kill_at_pause_point

SECTIONS = 4
# The export stops at named points (syndicate.pausepoints), so the store need not be large
# enough to give a killer time to aim: a few articles per feed, every file different per edition.
PER_SECTION = 3
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
                "body": f"<p>{edition} body {n} " + "text " * 20 + "</p>",
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
    # The new edition as published over the old one: each story's next version (syndicate.versions).
    shutil.copytree(root / "old-out", root / "new-out")
    api.export(new_config, out_dir=root / "new-out", formats=FORMATS)
    old, new = _feed_files(root / "old-out"), _feed_files(root / "new-out")
    assert old.keys() == new.keys() and all(old[k] != new[k] for k in old if k not in SAME_IN_BOTH)
    return root, new_config, old, new


def _command() -> list[str]:
    found = shutil.which("syndicate", path=os.path.dirname(sys.executable))
    return [found] if found else [sys.executable, "-m", "syndicate"]


# Kill points: after the store is read (nothing staged), with every file staged (none renamed),
# then after 1 file, a quarter and half of the files have been replaced, and every feed but not
# yet the manifest.
FEED_FILES = (SECTIONS + 1) * len(FORMATS)  # the sections' and the site-wide feeds; then the index, the site files
# and the manifest
# The files of the whole site that both editions share: the index, the news sitemap (of no article:
# those of 2024 are older than two days), the feed stylesheet and the page listing the feeds (each
# feed's page, which shows its stories, differs).
SAME_IN_BOTH = ("index.opml", "sitemap-news.xml", "feed.xsl", "index.html")
SITE_FILES = 3 + (SECTIONS + 1)  # sitemap-news.xml, feed.xsl and index.html, and each feed's index.html


@pytest.mark.parametrize(("point", "replaced"), [
    ("export-read", 0), ("export-staged", 0), ("export-renamed:1", 1),
    (f"export-renamed:{FEED_FILES // 4}", FEED_FILES // 4), (f"export-renamed:{FEED_FILES // 2}", FEED_FILES // 2),
    (f"export-renamed:{FEED_FILES}", FEED_FILES)])
def test_sigkill_leaves_every_file_old_or_new_and_valid(editions, tmp_path: Path, point: str, replaced: int):
    root, new_config, old, new = editions
    assert len(old) == FEED_FILES + SITE_FILES + 2
    out = tmp_path / "out"
    shutil.copytree(root / "old-out", out)
    kill_at_pause_point([*_command(), "export", "--config", str(new_config), "--out", str(out), "--quiet",
                         *sum((["--format", f] for f in FORMATS), [])], point)

    staged = sorted(p.name for p in out.rglob(".*.tmp"))
    if point == "export-read":
        assert staged == []
    elif point == "export-staged":
        assert len(staged) == len(old) - len(SAME_IN_BOTH)  # every file but those the same in both editions
    now = _feed_files(out)
    assert now.keys() == old.keys()
    kinds = ["old" if now[k] == old[k] else "new" if now[k] == new[k] else "MIXED" for k in now]
    assert "MIXED" not in kinds, [k for k, kind in zip(now, kinds, strict=True) if kind == "MIXED"]
    assert kinds.count("new") == replaced
    assert now["manifest.json"] == old["manifest.json"]  # the manifest is renamed last
    assert all(report.valid for report in api.validate([out]))

    # The next export cleans up after the killed one and completes the new edition.
    api.export(new_config, out_dir=out, formats=FORMATS)
    assert _feed_files(out) == new
    assert not [p for p in out.rglob(".*.tmp")]
