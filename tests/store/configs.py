"""The example site's configuration with another store and [store] timeout, for the store tests."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import EXAMPLE_CONFIG, PROJECT, _without_partners

EXAMPLE_STORE = PROJECT / "examples" / "store"


def example_config(tmp_path: Path, *, store: str | Path = EXAMPLE_STORE, timeout: int = 1) -> Path:
    """A copy of the example's syndicate.toml (without its partner profiles) reading STORE and waiting
    TIMEOUT seconds for a lock."""
    text = _without_partners(EXAMPLE_CONFIG.read_text(encoding="utf-8")).replace(
        'location = "store"', f"location = {json.dumps(str(store))}\ntimeout = {timeout}")
    assert f"timeout = {timeout}" in text
    path = tmp_path / "timed.toml"
    path.write_text(text, encoding="utf-8")
    return path


def write_story(folder: Path, record_id: str, *, sections: tuple[str, ...] = ("society",),
                published: str = "2030-01-01T00:00:00Z") -> Path:
    """One valid record as a .json file of its own, to import."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{record_id}.json"
    record = {"id": record_id, "url": f"https://news.example.org/{sections[0]}/{record_id}/",
              "title": f"Story {record_id}", "section": sections[0], "published": published}
    if sections[1:]:
        record["sections"] = list(sections[1:])
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


def write_many(path: Path, count: int, *, prefix: str = "n") -> Path:
    """COUNT valid records in one .jsonl file."""
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            out.write(json.dumps({
                "id": f"{prefix}{n}", "url": f"https://news.example.org/x/{prefix}{n}/", "title": f"Story {n}",
                "section": "society" if n % 3 else "analysis", "published": f"20{10 + n % 15}-01-{1 + n % 28:02d}",
                "body": "<p>" + "A paragraph of the story. " * 40 + "</p>",
            }) + "\n")
    return path
