"""Records checked on import are not checked again on export (syndicate.checked), in SQLite and
PostgreSQL stores; a record changed behind syndicate's back, another config or other code, and
every record is checked as before."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from syndicate import api, checked, records
from syndicate.config import load_config
from syndicate.store import cache, open_store

from tests import newsroom
from tests.conftest import load_store
from tests.store.conftest import copy_sqlite, postgres_database

FORMATS = ["rss", "atom", "jsonfeed", "newsml", "ninjs"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The varied newsroom (tests/newsroom.py: repairs, every script and date form) as a directory
    store, with a record whose stored form still needs repairs (markup in plain-text fields)."""
    folder = tmp_path_factory.mktemp("newsroom")
    newsroom.build(folder)
    marked = {"id": "marked", "url": f"{newsroom.HOST}/society/marked/", "title": "<b>Bold</b> news",
              "section": "society", "published": "2024-01-02T10:00:00+03:00", "body": "<p>Text</p><script>x</script>",
              "media": [{"url": f"{newsroom.HOST}/img/m.jpg", "caption": "<i>Caption</i>"}]}
    (folder / "store" / "marked.json").write_text(json.dumps(marked), encoding="utf-8")
    return folder


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def pristine(request: pytest.FixtureRequest, site: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """SITE's records imported once into SQLite or PostgreSQL, for each test to copy."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            store = str(tmp_path_factory.mktemp("pristine") / "news.db")
        else:
            store = stack.enter_context(postgres_database(request.getfixturevalue("postgres_server")))
        api.import_records([site / "store"], into=store, config_path=site / "syndicate.toml")
        yield store


@pytest.fixture
def imported(pristine: str, site: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Path, str]]:
    """A copy of the pristine store and of the site's config, for a test to change: (config, store)."""
    config = tmp_path / "syndicate.toml"
    shutil.copy(site / "syndicate.toml", config)
    (tmp_path / "store").symlink_to(site / "store")
    if not pristine.startswith("postgresql:"):
        yield config, copy_sqlite(pristine, tmp_path / "news.db")
        return
    with postgres_database(request.getfixturevalue("postgres_server"), template=pristine) as url:
        yield config, url


def _sql(store: str, statement: str, parameters: tuple = ()) -> list[tuple]:
    """STATEMENT (with ? for each parameter) run in STORE's database, committed; its rows."""
    if not store.startswith("postgresql:"):
        with sqlite3.connect(store) as connection:
            return connection.execute(statement, parameters).fetchall()
    import psycopg

    with psycopg.connect(store, autocommit=True) as connection:
        connection.execute("SET search_path TO syndicate")
        cursor = connection.execute(statement.replace("?", "%s"), parameters)
        return cursor.fetchall() if cursor.description else []


def _forget_checked(store: str) -> None:
    _sql(store, "UPDATE articles SET checked = NULL")


def _first_record(store: str) -> tuple[str, dict]:
    column = "record::text" if store.startswith("postgresql:") else "record"
    record_id, text = _sql(store, f"SELECT id, {column} FROM articles ORDER BY id LIMIT 1")[0]
    return record_id, json.loads(text)


def _replace_record(store: str, record_id: str, text: str) -> None:
    cast = "::jsonb" if store.startswith("postgresql:") else ""
    _sql(store, f"UPDATE articles SET record = ?{cast} WHERE id = ?", (text, record_id))


def _without_origins(warnings) -> list[str]:
    return sorted(w.split(" id=", 1)[1] for w in warnings)


def test_every_imported_record_has_a_checked_form(imported):
    _, store = imported
    forms = [row[0] for row in _sql(store, "SELECT checked FROM articles")]
    assert forms and all(forms)


def test_a_checked_form_gives_the_article_a_check_gives(imported, tmp_path):
    config, store = imported
    from_directory = load_store(config)  # checked from the record files
    from_store = load_store(config, store)  # decoded from the checked forms
    _forget_checked(store)
    checked_again = load_store(config, store)  # the stored records checked again
    assert not from_directory.problems and not from_store.problems
    assert from_store.articles == checked_again.articles == from_directory.articles
    assert [repr(a) for a in from_store.articles] == [repr(a) for a in checked_again.articles]
    # The store keeps records without the characters XML cannot carry: what is left to repair is
    # reported as a check of the stored record reports it.
    assert _without_origins(from_store.warnings) == _without_origins(checked_again.warnings)
    assert any("title: removed" in w for w in from_directory.warnings)
    assert from_store.warnings, "the newsroom has repairs a stored record still needs (markup in plain text)"


def test_an_export_does_not_check_or_sanitise_a_record_checked_on_import(imported, monkeypatch, tmp_path):
    config, store = imported

    def refuse(*args, **kwargs):
        raise AssertionError("a record checked on import was checked again")

    monkeypatch.setattr(records, "_load_one", refuse)
    monkeypatch.setattr(records, "sanitize_html", refuse)
    report = api.export(config, out_dir=tmp_path / "out", store=store, formats=FORMATS)
    assert report.records > 0 and report.rendered > 0


def test_output_and_report_are_those_of_records_checked_again(imported, tmp_path):
    config, store = imported
    fast = api.export(config, out_dir=tmp_path / "fast", store=store, formats=FORMATS)
    _forget_checked(store)  # the same store state, every record checked again
    slow = api.export(config, out_dir=tmp_path / "slow", store=store, formats=FORMATS)
    files = sorted(p.relative_to(tmp_path / "fast") for p in (tmp_path / "fast").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "slow") for p in (tmp_path / "slow").rglob("*") if p.is_file())
    for relative in files:
        assert (tmp_path / "fast" / relative).read_bytes() == (tmp_path / "slow" / relative).read_bytes(), relative
    assert fast.warnings == slow.warnings and fast.records == slow.records


def test_a_record_changed_behind_syndicate_s_back_is_checked_again(imported, tmp_path):
    config, store = imported
    record_id, record = _first_record(store)
    record["title"] = "Changed in SQL"
    _replace_record(store, record_id, json.dumps(record))
    loaded = load_store(config, store)
    assert [a.title for a in loaded.articles if a.id == record_id] == ["Changed in SQL"]


def test_a_record_made_invalid_behind_syndicate_s_back_is_named(imported):
    config, store = imported
    record_id, _ = _first_record(store)
    _replace_record(store, record_id, '{"id": 5}')
    loaded = load_store(config, store)
    assert loaded.problems and {p.origin for p in loaded.problems} == {f"{store}#{record_id}"}


def test_another_checking_config_or_code_checks_every_record_again(imported, monkeypatch):
    config_path, store = imported
    before = load_store(config_path, store)
    text = config_path.read_text(encoding="utf-8")
    config_path.write_text(text.replace('id_prefix = "tag:naviny.example.org,2014:"',
                                        'id_prefix = "tag:naviny.example.org,2024:"'), encoding="utf-8")
    after = load_store(config_path, store)
    assert after.articles and all(a.item_id.startswith("tag:naviny.example.org,2024:") for a in after.articles
                                  if not a.item_id.startswith(("urn:", "http")))
    assert any(a.item_id != b.item_id for a, b in zip(before.articles, after.articles))
    # A new version of the code that checks: the key differs, so every checked form is set aside.
    config_path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(checked, "FORMAT", checked.FORMAT + 1)
    checked._keys.clear()
    sanitised = []
    real = records.sanitize_html
    monkeypatch.setattr(records, "sanitize_html", lambda *a, **k: sanitised.append(1) or real(*a, **k))
    again = load_store(config_path, store)
    assert sanitised and again.articles == before.articles


def test_section_titles_come_from_the_config_of_the_export(imported):
    config_path, store = imported
    text = config_path.read_text(encoding="utf-8")
    config_path.write_text(text.replace('title = "Society & People"', 'title = "People"'), encoding="utf-8")
    loaded = load_store(config_path, store)
    labels = {c.label for a in loaded.articles for c in a.categories if c.term == "society"}
    assert labels == {"People"}


def test_a_store_made_before_checked_forms_is_read_and_gets_them_from_the_next_import(imported):
    config, store = imported
    expected = load_store(config, store).articles
    drop = "checked" if not store.startswith("postgresql:") else "checked, DROP COLUMN checked_record"
    _sql(store, f"ALTER TABLE articles DROP COLUMN {drop}")  # as syndicate 0.3.0 left it
    assert load_store(config, store).articles == expected
    opened = open_store(store, config=load_config(config), create=True)  # what `import --into` does first
    opened.close()
    columns = ("SELECT name FROM pragma_table_info('articles')" if not store.startswith("postgresql:") else
               "SELECT column_name FROM information_schema.columns WHERE table_name = 'articles'")
    assert "checked" in {row[0] for row in _sql(store, columns)}


def test_a_directory_store_s_record_cache_keeps_checked_forms_too(tmp_path, monkeypatch):
    newsroom.build(tmp_path)
    config = tmp_path / "syndicate.toml"
    monkeypatch.setenv("SYNDICATE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "RACY_NS", 0)  # files written just now are taken as settled
    cold = api.export(config, out_dir=tmp_path / "cold", formats=FORMATS)  # checks, and fills the cache
    calls = []
    monkeypatch.setattr(records, "sanitize_html", lambda *a, **k: calls.append(a))
    warm = api.export(config, out_dir=tmp_path / "warm", formats=FORMATS)
    assert not calls, "a record the cache holds was sanitised again"
    for path in (tmp_path / "cold").rglob("*"):
        if path.is_file() and path.name != "manifest.json":
            assert (tmp_path / "warm" / path.relative_to(tmp_path / "cold")).read_bytes() == path.read_bytes()
    assert warm.warnings == cold.warnings and warm.records == cold.records
