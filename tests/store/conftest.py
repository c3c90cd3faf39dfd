"""The three stores, each filled with the example store, for tests that must pass on all of them."""

from __future__ import annotations

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
    import psycopg

    name = f"syndicate_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = postgres_server.rpartition("/")
    yield f"{base}/{name}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def example_store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The example store, as a directory, in SQLite and in PostgreSQL."""
    if request.param == "files":
        shutil.copytree(PROJECT / "examples" / "store", tmp_path / "store")
        return str(tmp_path / "store")
    location = str(tmp_path / "news.db") if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    api.import_records([PROJECT / "examples" / "store"], into=location, config_path=EXAMPLE_CONFIG)
    return location
