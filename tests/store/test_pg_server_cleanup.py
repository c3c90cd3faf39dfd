"""A test run stopped by SIGTERM or SIGINT (a CI timeout, Ctrl-C) or killed outright leaves no
PostgreSQL server running and no server directory behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests import pg_server
from tests.conftest import PROJECT

pytestmark = pytest.mark.skipif(pg_server.server_binaries() is None,
                                reason="no PostgreSQL server binaries (Debian package 'postgresql') to start one with")

# Run by the inner pytest: the server is up, its directory and the postmaster's pid are told to
# the outer test through the descriptor SERVER_READY_FD, then the test waits to be stopped.
WAITING_TEST = '''
import os, time
from pathlib import Path

def test_waits_with_the_server_up(postgres_server):
    (folder,) = Path(os.environ["TMPDIR"]).glob("syndicate-pg-*")
    pid = (folder / "server" / "data" / "postmaster.pid").read_text().split()[0]
    os.write(int(os.environ["SERVER_READY_FD"]), f"{folder} {pid}\\n".encode())
    time.sleep(600)
'''


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has stopped; only its parent has yet to reap it


# SIGINT is not sent: pytest turns it into KeyboardInterrupt and tears down, the path the
# fixture's SIGTERM handler takes too.
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_a_stopped_test_run_stops_its_postgres_server_and_removes_its_directory(tmp_path: Path, how: int):
    (tmp_path / "test_waiting.py").write_text(WAITING_TEST, encoding="utf-8")
    (tmp_path / "conftest.py").write_text("from tests.store.conftest import postgres_server  # noqa: F401\n",
                                          encoding="utf-8")
    # The inner run's temporary directory, outside pytest's own (which the server's user cannot enter).
    with tempfile.TemporaryDirectory(prefix="syndicate-pg-test-") as temporary:
        temporary = Path(temporary)
        temporary.chmod(0o711)
        _stop_a_run_with_a_server(tmp_path, temporary, how)


def _stop_a_run_with_a_server(tmp_path: Path, temporary: Path, how: int) -> None:
    read_end, write_end = os.pipe()
    environment = {key: value for key, value in os.environ.items() if key != "SYNDICATE_TEST_POSTGRES_URL"}
    environment.update(TMPDIR=str(temporary), SERVER_READY_FD=str(write_end),
                       PYTHONPATH=os.pathsep.join([str(PROJECT), str(PROJECT / "src")]))
    run = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
                            "-c", os.devnull, str(tmp_path / "test_waiting.py")],
                           cwd=tmp_path, env=environment, pass_fds=(write_end,),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as reader:
            ready = reader.readline().decode()
        if not ready:
            pytest.fail(f"the inner test run ended before its server was up: {run.communicate()[0].decode()}")
        folder, pid = Path(ready.split()[0]), int(ready.split()[1])
        assert folder.is_dir() and _running(pid)
        run.send_signal(how)
    finally:
        output, _ = run.communicate(timeout=120)
    if how == signal.SIGKILL:
        # Nothing in the killed process can clean up: its watchdog does, once the process is gone.
        for watchdog in _processes_with_argument(str(folder)):
            _wait_for_exit(watchdog)
    else:
        assert run.returncode == pytest.ExitCode.INTERRUPTED, output.decode()
    assert not _running(pid), output.decode()
    assert not folder.exists()
    assert list(temporary.iterdir()) == []


def _processes_with_argument(argument: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and argument.encode() in (entry / "cmdline").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            pass  # ended meanwhile
    return found


def _wait_for_exit(pid: int) -> None:
    """Wait for PID, which is not our child, to end (pidfd: no polling)."""
    import select

    try:
        descriptor = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        assert select.select([descriptor], [], [], 120)[0], f"process {pid} did not end"
    finally:
        os.close(descriptor)
