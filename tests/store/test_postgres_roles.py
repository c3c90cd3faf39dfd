"""The PostgreSQL roles the README documents, created with the README's own SQL: an owner that
creates and fills the store, a reader that exports with SELECT only, an importer that does not own it."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from typer.testing import CliRunner

from syndicate.cli import app
from syndicate.config import load_config
from syndicate.store import open_store

from tests.conftest import PROJECT
from tests.store.configs import EXAMPLE_STORE, example_config, write_story

runner = CliRunner()
SECTION = "**A PostgreSQL the newsroom already runs.**"


def readme_sql() -> list[str]:
    """The ```sql blocks of the README's section on roles, in order."""
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    section = section[:section.index("\n## ")]
    blocks = re.findall(r"```sql\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2, "the README gives the owner and reader roles, then the importer role"
    return blocks


def _as(url: str, role: str, password: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{role}:{quote(password, safe='')}@{host}"))


def _cli(*arguments: str | Path):
    return runner.invoke(app, [str(a) for a in arguments])


@pytest.fixture
def roles(postgres_url: str):
    """The README's roles on the test server, in the test's database; dropped afterwards."""
    blocks = readme_sql()
    passwords = dict(re.findall(r"CREATE ROLE (\w+) LOGIN PASSWORD '([^']*)'", "".join(blocks)))
    assert set(passwords) == {"syndicate_owner", "syndicate_reader", "syndicate_importer"}
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        for role in passwords:
            if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                admin.execute(f"DROP ROLE {role}")  # left by an interrupted run
        for block in blocks:
            admin.execute(block)
    try:
        yield {role: _as(postgres_url, role, password) for role, password in passwords.items()}
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            for role in passwords:  # one at a time: together, PostgreSQL 15 trips on the default privileges
                admin.execute(f"DROP OWNED BY {role} CASCADE")
            for role in passwords:
                admin.execute(f"DROP ROLE {role}")


def test_the_readme_roles_import_export_and_stay_in_their_lanes(roles: dict[str, str], postgres_url: str,
                                                               tmp_path: Path):
    """0.1 created its tables in public (PostgreSQL 15: 'permission denied for schema public'), and ran
    CREATE INDEX IF NOT EXISTS on every open, which only the tables' owner may ('must be owner of table')."""
    owner, reader, importer = roles["syndicate_owner"], roles["syndicate_reader"], roles["syndicate_importer"]
    config = example_config(tmp_path, store=reader)

    result = _cli("import", EXAMPLE_STORE, "--into", owner, "--config", config)
    assert result.exit_code == 0, result.output
    with psycopg.connect(postgres_url) as admin:
        owners = set(admin.execute("SELECT tableowner FROM pg_tables WHERE schemaname = 'syndicate'").fetchall())
    assert owners == {("syndicate_owner",)}

    result = _cli("export", "--config", config, "--out", tmp_path / "out", "--format", "jsonfeed")
    assert result.exit_code == 0, result.output
    assert "23 records, 3 feeds" in result.output
    result = _cli("stats", "--config", config)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"store: {reader.replace('change-me-too', '***')}"

    # The reader may not write: not by import, not by hand, not a table of its own.
    result = _cli("import", write_story(tmp_path / "new", "by-reader"), "--into", reader, "--config", config)
    assert result.exit_code == 2, result.output
    assert "cannot import: the role syndicate_reader may not (permission denied for table metadata)" in result.output
    with psycopg.connect(reader) as connection:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("DELETE FROM syndicate.articles")
    with psycopg.connect(reader) as connection:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("CREATE TABLE syndicate.mine (id int)")
    with psycopg.connect(postgres_url) as admin:
        assert admin.execute("SELECT count(*) FROM pg_class WHERE relowner = 'syndicate_reader'::regrole"
                             ).fetchone() == (0,)

    # The one table the reader writes: the versions ledger, made by the README's SQL as the store makes it.
    store = open_store(reader, config=load_config(config))
    try:
        store.keep_versions({"tag:news.example.org,2024:a": (2, "digest", datetime(2026, 1, 1, tzinfo=timezone.utc))})
    finally:
        store.close()
    with psycopg.connect(reader) as connection:
        kept = dict(connection.execute("SELECT id, version FROM syndicate.versions").fetchall())
        # This one, and the versions the reader's export above published.
        assert kept.pop("tag:news.example.org,2024:a") == 2 and kept
        assert connection.execute("SELECT changes FROM syndicate.metadata").fetchone() == (1,)
    columns = _columns(postgres_url, "syndicate")
    assert columns == _columns(postgres_url, "made_by_syndicate") and len(columns) == 4

    # An importer that does not own the tables imports; the counter says so.
    result = _cli("import", tmp_path / "new", "--into", importer, "--config", config)
    assert result.exit_code == 0, result.output
    with psycopg.connect(reader) as connection:
        assert connection.execute("SELECT changes FROM syndicate.metadata").fetchone() == (2,)
        assert connection.execute("SELECT count(*) FROM syndicate.articles").fetchone() == (26,)


def _columns(url: str, schema: str) -> list[tuple]:
    """The columns of SCHEMA's versions table, as the catalog describes them; a store is made in
    SCHEMA first, if it has none."""
    if schema != "syndicate":
        open_store(f"{url}?schema={schema}", config=None, create=True).close()
    with psycopg.connect(url) as connection:
        return connection.execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, c.collname FROM pg_attribute AS a "
            "LEFT JOIN pg_collation AS c ON c.oid = a.attcollation AND a.attcollation <> 100 "
            "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 ORDER BY a.attnum", (f"{schema}.versions",)).fetchall()


def test_a_role_that_may_not_create_the_store_is_told_what_to_ask_for(roles: dict[str, str], postgres_url: str,
                                                                      tmp_path: Path):
    config = example_config(tmp_path)
    result = _cli("import", EXAMPLE_STORE, "--into", roles["syndicate_reader"] + "?schema=elsewhere",
                  "--config", config)
    assert result.exit_code == 2, result.output
    assert "cannot create the store: the role syndicate_reader may not (permission denied for database" in result.output
    assert "CREATE SCHEMA elsewhere AUTHORIZATION syndicate_reader;" in result.output
    result = _cli("stats", "--store", roles["syndicate_reader"])
    assert result.exit_code == 2 and "no syndicate store in schema syndicate" in result.output
