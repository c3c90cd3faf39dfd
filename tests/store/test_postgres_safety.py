"""PostgreSQL under concurrency and faults: exports that neither wait for writers nor hold them
up, bounded waits, lost connections, syndicate 0.1's tables, ?schema=, StoreState, passwords."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from syndicate import api
from syndicate.cli import app
from syndicate.config import load_config
from syndicate.store import FeedQuery, StoreError, StoreState, open_store
from syndicate.store import postgres

from tests import pg_server
from tests.store.configs import EXAMPLE_STORE, example_config, write_story

runner = CliRunner()
FAR = datetime(2100, 1, 1, tzinfo=timezone.utc)

# syndicate 0.1's layout, as it created it in the search path.
OLD_LAYOUT = """
CREATE TABLE syndicate_articles (id text COLLATE "C" PRIMARY KEY, record jsonb NOT NULL, section text NOT NULL,
    published timestamptz NOT NULL, updated timestamptz NOT NULL, status text NOT NULL, embargo_until timestamptz);
CREATE TABLE syndicate_article_sections (section text NOT NULL,
    id text COLLATE "C" NOT NULL REFERENCES syndicate_articles (id) ON DELETE CASCADE,
    published timestamptz NOT NULL, status text NOT NULL, embargo_until timestamptz, PRIMARY KEY (section, id));
CREATE INDEX syndicate_article_sections_latest ON syndicate_article_sections (section, published DESC, id);
CREATE INDEX syndicate_articles_latest ON syndicate_articles (published DESC, id);
"""


@pytest.fixture
def store(example_postgres_url: str) -> str:
    """The example store in a database of its own."""
    return example_postgres_url


@pytest.fixture(autouse=True)
def bounded(monkeypatch):
    """However the code under test sets its waits, none of these tests waits on a lock for more than 10 s."""
    monkeypatch.setenv("PGOPTIONS", "-c lock_timeout=10s -c statement_timeout=20s")


def _state(url: str, config: Path) -> StoreState:
    opened = open_store(url, config=load_config(config))
    try:
        with opened.snapshot() as snapshot:
            return snapshot.state
    finally:
        opened.close()


def _articles(connection: psycopg.Connection) -> str:
    """The articles table (syndicate 0.1 named it syndicate_articles), to lock it as another command would."""
    return connection.execute(
        "SELECT coalesce(to_regclass('syndicate.articles'), to_regclass('syndicate_articles'))::text").fetchone()[0]


def _cli(*arguments: str | Path):
    return runner.invoke(app, [str(a) for a in arguments])


def _titles(out: Path, feed: str) -> list[str]:
    return [i["title"] for i in json.loads((out / feed / "feed.json").read_text(encoding="utf-8"))["items"]]


def test_an_export_neither_waits_for_an_open_write_nor_holds_one_up(store: str, tmp_path: Path):
    """Opening the store ran CREATE INDEX IF NOT EXISTS, whose SHARE lock queued behind any open write
    (forever: no lock_timeout) and made every later writer queue behind it."""
    config = example_config(tmp_path, store=store, timeout=1)
    with psycopg.connect(store) as writer:  # a transaction of its own, left open
        writer.execute(f"UPDATE {_articles(writer)} SET record = jsonb_set(record, '{{title}}', '\"Not committed\"')")
        started = time.monotonic()
        report = api.export(config, out_dir=tmp_path / "out", formats=["jsonfeed"])
        _location, stats = api.store_stats(store, config_path=config)
        assert time.monotonic() - started < 5
        writer.rollback()
    assert report.records == 23 and stats.total == 25
    assert "Not committed" not in _titles(tmp_path / "out", "all")

    # An export in progress (its snapshot taken, its tables read): an import commits meanwhile, promptly.
    opened = open_store(store, config=load_config(config))
    try:
        with opened.snapshot() as snapshot:
            before = snapshot.latest(FeedQuery(section="society", limit=1), as_of=FAR)
            started = time.monotonic()
            api.import_records([write_story(tmp_path / "late", "late")], into=store, config_path=config)
            assert time.monotonic() - started < 5
            assert snapshot.latest(FeedQuery(section="society", limit=1), as_of=FAR) == before
            assert snapshot.state.version == 1
    finally:
        opened.close()
    assert _state(store, config).version == 2


def test_an_export_behind_an_exclusive_lock_fails_after_the_timeout(store: str, tmp_path: Path):
    config = example_config(tmp_path, store=store, timeout=1)
    with psycopg.connect(store) as locker:
        locker.execute(f"LOCK TABLE {_articles(locker)} IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        result = _cli("export", "--config", config, "--out", tmp_path / "out", "--format", "jsonfeed")
        waited = time.monotonic() - started
        locker.rollback()
    assert result.exit_code == 2, result.output
    assert 0.9 <= waited < 5
    message = result.output.strip()
    assert message.startswith(f"error: {store}: cannot read the store: waited 1 s for "), message
    assert "another command holds" in message and "raise [store] timeout" in message
    assert not (tmp_path / "out").exists()


def test_an_import_waits_for_another_import_at_most_the_timeout(store: str, tmp_path: Path):
    config = example_config(tmp_path, store=store, timeout=1)
    with psycopg.connect(store) as other:
        other.execute("UPDATE syndicate.metadata SET changes = changes + 1")  # another import, not committed
        started = time.monotonic()
        with pytest.raises(StoreError, match=r"cannot import: waited 1 s for .*raise \[store\] timeout"):
            api.import_records([write_story(tmp_path / "new", "new")], into=store, config_path=config)
        assert 0.9 <= time.monotonic() - started < 5
        other.rollback()
    assert _state(store, config).version == 1


def test_a_connection_lost_during_an_export_is_a_store_error(store: str, postgres_server: str, tmp_path: Path,
                                                             monkeypatch):
    """The export's COMMIT on the dead connection raised psycopg's 'the connection is closed': exit 3."""
    config = example_config(tmp_path, store=store)
    original = postgres._Snapshot.latest

    def latest_then_the_server_ends_the_session(self, query, *, as_of):
        rows = original(self, query, as_of=as_of)
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (self.store.connection.info.backend_pid,))
        return rows

    monkeypatch.setattr(postgres._Snapshot, "latest", latest_then_the_server_ends_the_session)
    result = _cli("export", "--config", config, "--out", tmp_path / "out")
    assert result.exit_code == 2, result.output
    message = result.output.strip()
    assert message.startswith(f"error: {store}: cannot read the store: lost the connection to the server ("), message
    assert not (tmp_path / "out").exists()


def test_a_server_that_is_not_there_is_a_store_error_without_the_password(tmp_path: Path):
    secret = "s3cret-Passw0rd"
    config = example_config(tmp_path)
    for url, shown in [
        (f"postgresql://editor:{secret}@127.0.0.1:1/newsroom", "postgresql://editor:***@127.0.0.1:1/newsroom"),
        (f"postgresql://editor:{secret}%zz@127.0.0.1:1/newsroom", "postgresql://editor:***@127.0.0.1:1/newsroom"),
        (f"postgresql://editor@127.0.0.1:1/newsroom?password={secret}&connect_timeout=2",
         "postgresql://editor@127.0.0.1:1/newsroom?password=***&connect_timeout=2"),
        (f"postgresql://editor:{secret}@[::1/newsroom", "postgresql://editor:***@[::1/newsroom"),
    ]:
        for arguments in (("export", "--config", config, "--store", url, "--out", tmp_path / "out"),
                          ("stats", "--store", url),
                          ("import", EXAMPLE_STORE, "--into", url, "--config", config)):
            result = _cli(*arguments)
            assert result.exit_code == 2, (url, result.output)
            assert result.output.startswith(f"error: {shown}: cannot open as a PostgreSQL store: "), result.output
            assert secret not in result.output and "zz" not in result.output.replace(shown, ""), result.output


def test_the_password_in_a_working_url_is_never_printed(postgres_url: str, tmp_path: Path):
    secret = "s3cret-Passw0rd"
    url = postgres_url.replace("://syndicate@", f"://syndicate:{secret}@")  # the test server trusts, and ignores it
    assert secret in url
    shown = url.replace(secret, "***")
    result = _cli("stats", "--store", url)  # a database without a store
    assert result.exit_code == 2 and result.output.startswith(f"error: {shown}: no syndicate store"), result.output
    config = example_config(tmp_path)
    result = _cli("import", EXAMPLE_STORE, "--into", url, "--config", config)
    assert result.output.strip() == f"imported 25 records into {shown}: 25 new, 0 replaced, 0 skipped"
    result = _cli("stats", "--store", url)
    assert result.exit_code == 0 and result.output.splitlines()[0] == f"store: {shown}"
    opened = open_store(url, config=None)
    try:
        assert opened.location == shown and all(secret not in r.origin for r in opened.records())
    finally:
        opened.close()


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as admin:
        return {f"{schema}.{name}" for schema, name in admin.execute(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")}


def test_syndicate_0_2_tables_are_read_then_moved_into_the_schema_by_an_import(postgres_url: str, tmp_path: Path):
    config = example_config(tmp_path, store=postgres_url)
    scratch = postgres_url + "?schema=scratch"
    api.import_records([EXAMPLE_STORE], into=scratch, config_path=config)
    with psycopg.connect(postgres_url) as admin:
        admin.execute(OLD_LAYOUT)
        admin.execute("INSERT INTO public.syndicate_articles SELECT id, record, section, published, updated, status, "
                      "embargo_until FROM scratch.articles")
        admin.execute("INSERT INTO public.syndicate_article_sections SELECT section, id, published, status, "
                      "embargo_until FROM scratch.article_sections")
        admin.execute("DROP SCHEMA scratch CASCADE")
    assert _tables(postgres_url) == {"public.syndicate_articles", "public.syndicate_article_sections"}

    assert api.store_stats(postgres_url, config_path=config)[1].total == 25  # read as it is
    result = _cli("export", "--config", config, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert ("upgrade it once, as the role that owns those tables, with `syndicate import URL --into URL`"
            in result.output)
    assert _tables(postgres_url) == {"public.syndicate_articles", "public.syndicate_article_sections"}

    result = _cli("import", postgres_url, "--into", postgres_url, "--config", config)
    assert result.exit_code == 0, result.output
    assert _tables(postgres_url) == {"syndicate.articles", "syndicate.article_sections", "syndicate.metadata",
                                     "syndicate.versions"}
    assert _state(postgres_url, config).version == 1  # 0 when moved, then the import
    report = api.export(config, out_dir=tmp_path / "out", formats=["jsonfeed"])
    assert report.records == 23


def test_a_schema_named_in_the_url(postgres_url: str, tmp_path: Path):
    url = postgres_url + "?sslmode=disable&schema=news_feeds"
    config = example_config(tmp_path, store=url)
    assert api.import_records([EXAMPLE_STORE], into=url, config_path=config).imported == 25
    assert _tables(postgres_url) == {"news_feeds.articles", "news_feeds.article_sections", "news_feeds.metadata",
                                     "news_feeds.versions"}
    assert api.export(config, out_dir=tmp_path / "out", formats=["jsonfeed"]).records == 23
    with pytest.raises(StoreError, match="no syndicate store in schema syndicate"):
        api.store_stats(postgres_url, config_path=config)
    for bad in ("News", "x;drop", "1st", "a" * 64, ""):
        with pytest.raises(StoreError, match="is not a schema name syndicate accepts"):
            api.store_stats(f"{postgres_url}?schema={bad}", config_path=config)


def test_a_schema_holding_other_tables_is_refused(postgres_url: str, tmp_path: Path):
    with psycopg.connect(postgres_url) as admin:
        admin.execute("CREATE SCHEMA syndicate; CREATE TABLE syndicate.cms_pages (id int)")
    config = example_config(tmp_path, store=postgres_url)
    for arguments in (("import", EXAMPLE_STORE, "--into", postgres_url, "--config", config),
                      ("stats", "--config", config), ("export", "--config", config, "--out", tmp_path / "out")):
        result = _cli(*arguments)
        assert result.exit_code == 2
        assert "schema syndicate holds tables that are not syndicate's (cms_pages)" in result.output
    assert _tables(postgres_url) == {"syndicate.cms_pages"}


def test_store_state_has_a_stable_id_and_counts_every_import(store: str, tmp_path: Path):
    config = example_config(tmp_path, store=store)
    first = _state(store, config)
    assert first.version == 1 and len(first.store) == 36
    api.import_records([write_story(tmp_path / "a", "one")], into=store, config_path=config)
    api.import_records([write_story(tmp_path / "b", "two"), write_story(tmp_path / "b", "three")], into=store,
                       config_path=config)
    assert _state(store, config) == StoreState(store=first.store, version=3)
    other = store + "?schema=another"
    api.import_records([EXAMPLE_STORE], into=other, config_path=config)
    assert _state(other, config).store != first.store


def test_a_full_disk_on_the_server_is_a_store_error_and_the_import_is_all_or_none(store: str, tmp_path: Path):
    config = example_config(tmp_path, store=store)
    with psycopg.connect(store) as admin:  # the server fails to write the second record, as with a full disk
        admin.execute("""
            CREATE FUNCTION public.disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
                IF NEW.id = 'two' THEN
                    RAISE EXCEPTION 'could not extend file "base/1/2": No space left on device'
                        USING ERRCODE = 'disk_full';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER disk_full BEFORE INSERT ON syndicate.articles
                FOR EACH ROW EXECUTE FUNCTION public.disk_full();""")
    write_story(tmp_path / "a", "one")
    write_story(tmp_path / "a", "two")
    result = _cli("import", tmp_path / "a", "--into", store, "--config", config)
    assert result.exit_code == 2, result.output
    assert result.output.strip() == (f"error: {store}: cannot import: the server's disk is full (could not extend "
                                     'file "base/1/2": No space left on device); the store is as it was')
    assert _state(store, config).version == 1
    assert api.store_stats(store, config_path=config)[1].total == 25


def test_two_imports_creating_the_same_store_at_once_make_one(postgres_url: str, tmp_path: Path):
    config = example_config(tmp_path, store=postgres_url, timeout=30)
    stories = [write_story(tmp_path / str(n), f"story-{n}") for n in range(4)]
    with ThreadPoolExecutor(4) as pool:
        reports = list(pool.map(lambda story: api.import_records([story], into=postgres_url, config_path=config),
                                stories))
    assert [r.imported for r in reports] == [1, 1, 1, 1]
    assert _state(postgres_url, config).version == 4
    assert api.store_stats(postgres_url, config_path=config)[1].total == 4


def test_the_server_stopped_during_an_export_is_a_store_error(tmp_path: Path, monkeypatch):
    """A server of its own, stopped (immediate shutdown) between two queries of the export."""
    if pg_server.server_binaries() is None:
        pytest.skip("no PostgreSQL server binaries to start a server of this test's own")
    folder = Path(tempfile.mkdtemp(prefix="syndicate-pg-"))  # not under tmp_path: the server's user reads it
    folder.chmod(0o755)  # the server runs as another user when we are root
    try:
        url = pg_server.start(folder / "server")
        config = example_config(tmp_path, store=url)
        api.import_records([EXAMPLE_STORE], into=url, config_path=config)
        original = postgres._Snapshot.latest

        def latest_then_the_server_stops(self, query, *, as_of):
            rows = original(self, query, as_of=as_of)
            pg_server.stop(folder / "server")
            return rows

        monkeypatch.setattr(postgres._Snapshot, "latest", latest_then_the_server_stops)
        result = _cli("export", "--config", config, "--out", tmp_path / "out")
    finally:
        pg_server.stop(folder / "server")
        shutil.rmtree(folder, ignore_errors=True)
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"error: {url}: cannot read the store: lost the connection to the server ("), \
        result.output
    assert not (tmp_path / "out").exists()
