"""stats: dates of what an export would publish, embargoes not yet lifted apart; the same on every store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syndicate import api
from syndicate.cli import app

from tests.conftest import make_site, write_record
from tests.store.conftest import BACKENDS, each_store, imported_into_postgres, imported_into_sqlite

PUBLISHED = datetime(2014, 8, 6, 7, 0, tzinfo=timezone.utc)
EMBARGOED_PUBLISHED = datetime(2099, 1, 1, 6, 0, tzinfo=timezone.utc)
LIFTS = datetime(2099, 1, 1, 9, 0, tzinfo=timezone.utc)
LATER_LIFTS = datetime(2099, 3, 1, 9, 0, tzinfo=timezone.utc)
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)


def _mixed(site: Path) -> Path:
    """SITE's store given a published 2014 record, an embargoed 2099 record and a draft 2030 record;
    returns SITE's config."""
    write_record(site, "old-news", published="2014-08-06T10:00:00+03:00")
    write_record(site, "annual-review", published="2099-01-01T09:00:00+03:00", status="embargoed",
                 embargo_until="2099-01-01T12:00:00+03:00")
    write_record(site, "unfinished", published="2030-05-05T10:00:00+03:00", status="draft")
    return site / "syndicate.toml"


@pytest.fixture(scope="module")
def mixed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site of the mixed records, to import once per store kind; returns its config."""
    return _mixed(make_site(tmp_path_factory.mktemp("mixed")))


@pytest.fixture(scope="module")
def pristine_mixed_sqlite(mixed_site: Path) -> str:
    """The mixed records imported once into SQLite, for tests to copy."""
    return imported_into_sqlite(mixed_site)


@pytest.fixture(scope="module")
def pristine_mixed_postgres(mixed_site: Path, postgres_server: str) -> Iterator[str]:
    """The mixed records imported once into PostgreSQL, for tests to copy."""
    with imported_into_postgres(postgres_server, mixed_site) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def mixed_store(request: pytest.FixtureRequest, site: Path) -> Iterator[tuple[str, Path]]:
    """A published 2014 record, an embargoed 2099 record and a draft 2030 record, in each store (the
    databases a copy of one import of them)."""
    config = _mixed(site)
    for store in each_store(request, site, config, sqlite="pristine_mixed_sqlite", postgres="pristine_mixed_postgres"):
        yield store, config


def test_newest_published_is_what_an_export_would_publish(mixed_store: tuple[str, Path]):
    store, config = mixed_store
    _location, stats = api.store_stats(store, config_path=config, as_of=NOW)
    assert stats.counts == {("society", "published"): 1, ("society", "embargoed"): 1, ("society", "draft"): 1}
    assert stats.oldest == stats.newest == PUBLISHED  # neither the 2099 embargo nor the 2030 draft
    assert (stats.embargoed, stats.next_lift, stats.last_lift) == (1, LIFTS, LIFTS)


def test_a_lifted_embargo_counts_as_published(mixed_store: tuple[str, Path]):
    store, config = mixed_store
    _location, at_lift = api.store_stats(store, config_path=config, as_of=LIFTS)
    assert (at_lift.oldest, at_lift.newest) == (PUBLISHED, EMBARGOED_PUBLISHED)
    assert (at_lift.embargoed, at_lift.next_lift, at_lift.last_lift) == (0, None, None)
    _location, before = api.store_stats(store, config_path=config, as_of=datetime(2099, 1, 1, 8, 59, 59,
                                                                                tzinfo=timezone.utc))
    assert before.newest == PUBLISHED and before.embargoed == 1


def test_several_embargoes_give_the_first_and_last_lift(mixed_store: tuple[str, Path], site: Path):
    store, config = mixed_store
    path = write_record(site, "later-review", published="2099-02-01T09:00:00+03:00", status="embargoed",
                        embargo_until="2099-03-01T12:00:00+03:00")
    if not store.endswith("store"):
        api.import_records([path], into=store, config_path=config)
    _location, stats = api.store_stats(store, config_path=config, as_of=NOW)
    assert (stats.embargoed, stats.next_lift, stats.last_lift) == (2, LIFTS, LATER_LIFTS)
    assert stats.newest == PUBLISHED


def test_now_is_source_date_epoch_or_the_clock(mixed_store: tuple[str, Path], monkeypatch):
    store, config = mixed_store
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2100, 1, 1, tzinfo=timezone.utc).timestamp())))
    _location, stats = api.store_stats(store, config_path=config)
    assert stats.newest == EMBARGOED_PUBLISHED and stats.embargoed == 0
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    _location, stats = api.store_stats(store, config_path=config)  # the clock: before 2099
    assert stats.newest == PUBLISHED and stats.embargoed == 1


def test_the_command_prints_the_embargoes_apart(mixed_store: tuple[str, Path], monkeypatch):
    store, config = mixed_store
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(NOW.timestamp())))
    result = CliRunner().invoke(app, ["stats", "--store", store, "--config", str(config)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-3:] == ["oldest published: 2014-08-06T07:00:00+00:00",
                          "newest published: 2014-08-06T07:00:00+00:00",
                          "still embargoed: 1 record, lifts 2099-01-01T09:00:00+00:00"]


def test_a_bad_source_date_epoch_is_a_usage_error(mixed_store: tuple[str, Path], monkeypatch):
    store, config = mixed_store
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "tomorrow")
    result = CliRunner().invoke(app, ["stats", "--store", store, "--config", str(config)])
    assert result.exit_code == 2 and "SOURCE_DATE_EPOCH" in result.output


@pytest.mark.parametrize(("as_of", "embargoed", "next_lift"), [(NOW, 1, LIFTS), (LIFTS, 0, None)])
def test_every_store_says_what_it_holds_back_from_an_export(mixed_store: tuple[str, Path], as_of: datetime,
                                                            embargoed: int, next_lift: datetime | None):
    from syndicate.config import load_config
    from syndicate.store import HeldBack, open_store

    store, config = mixed_store
    opened = open_store(store, config=load_config(config))
    try:
        with opened.snapshot() as snapshot:
            held = snapshot.held_back(as_of=as_of, tombstone_window=timedelta(days=7))
    finally:
        opened.close()
    assert held == HeldBack(drafts=1, embargoed=embargoed, next_lift=next_lift)
