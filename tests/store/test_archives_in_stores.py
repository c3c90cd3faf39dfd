"""Archive pages stream from every store (Snapshot.oldest_first) and are the same from each."""

from __future__ import annotations

from pathlib import Path

import pytest

from syndicate import api

from tests.conftest import enable_archive, monthly_store, write_record


def _tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != "manifest.json" and not p.name.startswith(".")}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
@pytest.mark.parametrize("paging", ['"month"', "2"])
def test_every_store_gives_the_directory_store_s_pages(site: Path, request, backend: str, paging: str):
    enable_archive(site, f"archive = {paging}")
    monthly_store(site)
    for name in ("tie-a", "tie-b", "tie-c"):  # one instant: their order, by id, decides the page boundaries
        write_record(site, name, published="2024-02-15T10:00:00+03:00")
    config = site / "syndicate.toml"
    location = str(site / "news.db") if backend == "sqlite" else request.getfixturevalue("postgres_url")
    api.import_records([site / "store"], into=location, config_path=config)
    formats = ["atom", "jsonfeed"]
    api.export(config, out_dir=site / "from-files", formats=formats)
    report = api.export(config, out_dir=site / "from-store", store=location, formats=formats)
    expected = _tree(site / "from-files")
    assert len([p for p in expected if "/archive/" in p]) > 8
    assert _tree(site / "from-store") == expected and report.records == 13
