"""The three stores, each filled with the example store, for tests that must pass on all of them."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from syndicate import api

from tests import pg_server
from tests.conftest import EXAMPLE_CONFIG, PROJECT

BACKENDS = ["files", "sqlite", "postgres"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server: SYNDICATE_TEST_POSTGRES_URL (as .ci/run sets it), else one started here."""
    if url := os.environ.get("SYNDICATE_TEST_POSTGRES_URL"):
        yield url
        return
    if pg_server.server_binaries() is None:
        if os.environ.get("CI"):
            pytest.fail("CI must provide PostgreSQL: .ci/run installs and starts it")
        pytest.skip("no PostgreSQL server can be started here: install Debian's 'postgresql' package "
                    "or set SYNDICATE_TEST_POSTGRES_URL")
    folder = Path(tempfile.mkdtemp(prefix="syndicate-pg-"))
    folder.chmod(0o755)  # the server runs as another user when we are root

    def stop_and_remove() -> None:
        pg_server.stop(folder / "server")
        shutil.rmtree(folder, ignore_errors=True)

    # A SIGTERM (what a CI timeout sends) ends the run as Ctrl-C does, so that this teardown
    # runs; a watchdog process stops the server if this process dies without it (SIGKILL).
    previous = signal.signal(signal.SIGTERM, _interrupt)
    watchdog = pg_server.watch(folder)
    try:
        yield pg_server.start(folder / "server")
    finally:
        stop_and_remove()
        watchdog.stdin.close()  # it finds nothing left to do
        watchdog.wait(timeout=60)
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on the test server."""
    with postgres_database(postgres_server) as url:
        yield url


@contextlib.contextmanager
def postgres_database(server: str, *, template: str | None = None) -> Iterator[str]:
    """The URL of a database of its own on SERVER (a copy of the database at the URL TEMPLATE, if
    given), dropped on leaving."""
    name = f"syndicate_test_{uuid.uuid4().hex[:12]}"
    copied = f' TEMPLATE "{template.rpartition("/")[2]}"' if template else ""
    postgres_admin(server, f'CREATE DATABASE "{name}"{copied}')
    try:
        yield f"{server.rpartition('/')[0]}/{name}"
    finally:
        postgres_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pristine_sqlite_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example store imported once into SQLite, for tests to copy."""
    location = tmp_path_factory.mktemp("pristine-example") / "news.db"
    api.import_records([PROJECT / "examples" / "store"], into=location, config_path=EXAMPLE_CONFIG)
    return location


@pytest.fixture(scope="session")
def pristine_postgres_example(postgres_server: str) -> Iterator[str]:
    """The example store imported once into a PostgreSQL database, for tests to copy (as a template)."""
    with postgres_database(postgres_server) as url:
        api.import_records([PROJECT / "examples" / "store"], into=url, config_path=EXAMPLE_CONFIG)
        yield url


def copy_sqlite(pristine: str | Path, copy: Path) -> str:
    """A copy of the SQLite store PRISTINE (with its write-ahead log, if any) at COPY."""
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{pristine}{suffix}").exists():
            shutil.copy(f"{pristine}{suffix}", f"{copy}{suffix}")
    return str(copy)


@contextlib.contextmanager
def postgres_role(url: str, privileges: str, *, prefix: str = "role") -> Iterator[tuple[str, str]]:
    """A login role of its own on the database at URL, with USAGE on schema syndicate and PRIVILEGES
    on its tables: (its name, URL as that role); dropped on leaving."""
    import psycopg

    role = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")
        admin.execute(f"GRANT USAGE ON SCHEMA syndicate TO {role}")
        admin.execute(f"GRANT {privileges} ON ALL TABLES IN SCHEMA syndicate TO {role}")
    try:
        yield role, url.replace("://syndicate@", f"://{role}@")
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP OWNED BY {role} CASCADE")
            admin.execute(f"DROP ROLE {role}")


def imported_into_sqlite(config: Path) -> str:
    """The store of the site whose config is CONFIG, imported into news.db beside it."""
    location = str(config.parent / "news.db")
    api.import_records([config.parent / "store"], into=location, config_path=config)
    return location


@contextlib.contextmanager
def imported_into_postgres(server: str, config: Path) -> Iterator[str]:
    """The store of the site whose config is CONFIG, imported into a database of its own on SERVER."""
    with postgres_database(server) as url:
        api.import_records([config.parent / "store"], into=url, config_path=config)
        yield url


def each_store(request: pytest.FixtureRequest, site: Path, config: Path, *, sqlite: str,
               postgres: str) -> Iterator[str]:
    """SITE's store as request.param says: the directory, or a copy of the import of it the fixture
    named SQLITE or POSTGRES made (for a fixture parametrized over BACKENDS; CONFIG is SITE's)."""
    if request.param == "files":
        yield str(site / "store")
    elif request.param == "sqlite":
        yield copy_sqlite(request.getfixturevalue(sqlite), site / "news.db")
    else:
        with postgres_database(request.getfixturevalue("postgres_server"),
                               template=request.getfixturevalue(postgres)) as url:
            yield url


def postgres_admin(server: str, statement: str) -> None:
    """Run STATEMENT on SERVER's maintenance database, outside a transaction."""
    import psycopg

    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(statement)


@pytest.fixture(params=BACKENDS)
def example_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The example store, as a directory, in SQLite and in PostgreSQL (a copy of one import of it)."""
    if request.param == "files":
        shutil.copytree(PROJECT / "examples" / "store", tmp_path / "store")
        yield str(tmp_path / "store")
    elif request.param == "sqlite":
        yield str(request.getfixturevalue("example_sqlite"))
    else:
        yield request.getfixturevalue("example_postgres_url")


@pytest.fixture
def example_postgres_url(postgres_server: str, pristine_postgres_example: str) -> Iterator[str]:
    """The example store in a database of its own on the test server (a copy of one import of it)."""
    with postgres_database(postgres_server, template=pristine_postgres_example) as url:
        yield url


@pytest.fixture
def example_sqlite(pristine_sqlite_example: Path, tmp_path: Path) -> Path:
    """The example store in a SQLite file of its own, news.db in tmp_path (a copy of one import of it)."""
    return Path(copy_sqlite(pristine_sqlite_example, tmp_path / "news.db"))
