from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import enable_archive, monthly_store, write_record
from tests.store.conftest import postgres_server, postgres_url  # noqa: F401 (fixtures for these tests too)


def tree(out: Path) -> dict[str, bytes]:
    """Every file under OUT, by path relative to it, with its bytes."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


@pytest.fixture
def sharded_site(site: Path) -> Path:
    """The `site` fixture with a third section (culture) and archive pages of three articles for
    every feed; its store holds monthly_store's records, three culture articles and one article
    in both society and culture (on the pages of both). Returns the config's path."""
    return make_sharded_site(site)


def make_sharded_site(site: Path) -> Path:
    """SITE (a `site` fixture's) made the `sharded_site` fixture's; returns its config's path."""
    config = enable_archive(site, "archive = 3")
    config.write_text(config.read_text(encoding="utf-8") + '\n[[sections]]\nslug = "culture"\ntitle = "Culture"\n',
                      encoding="utf-8")
    monthly_store(site)
    for day in (3, 13, 23):
        write_record(site, f"c{day}", section="culture", url=f"https://test.example.org/culture/c{day}/",
                     published=f"2024-02-{day:02d}T12:00:00+03:00")
    write_record(site, "both", sections=["culture"], published="2024-03-01T09:00:00+03:00")
    return config
