"""A throwaway PostgreSQL server on loopback, for the store tests and .ci/run.

    python tests/pg_server.py start DIR   # prints the URL of a fresh server whose files live in DIR
    python tests/pg_server.py stop DIR
    python tests/pg_server.py watch DIR   # at end of input: stop the server in DIR/server, remove DIR

Uses Debian's server binaries (package `postgresql`); as root, the server runs as
the `postgres` user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL bin directory that has initdb and pg_ctl."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    for candidate in reversed(candidates):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(directory: Path) -> str:
    """Initialise and start a server in DIRECTORY; return its URL."""
    binaries = server_binaries()
    if binaries is None:
        raise RuntimeError("no PostgreSQL server binaries (Debian package 'postgresql') are installed")
    directory.mkdir(parents=True, exist_ok=True)
    data, sockets = directory / "data", directory / "sockets"
    sockets.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
        shutil.chown(sockets, "postgres")
    subprocess.run(_as_server_user([str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "syndicate",
                                    "--no-sync", "-E", "UTF8", "--locale=C"]),
                   check=True, capture_output=True)
    port = _free_port()
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-w",
                                    "-l", str(directory / "server.log"), "start"]),
                   check=True, capture_output=True)
    (directory / "port").write_text(str(port))
    return f"postgresql://syndicate@127.0.0.1:{port}/postgres"


def stop(directory: Path) -> None:
    binaries = server_binaries()
    if binaries is not None and (directory / "data").exists():
        subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(directory / "data"), "-m", "immediate",
                                        "stop"]), capture_output=True)


def watch(folder: Path) -> subprocess.Popen:
    """A process that stops the server in FOLDER/server and removes FOLDER once its standard
    input ends: when the returned process's stdin is closed, or when this process dies however
    it dies. It runs in a session of its own, so a signal to this process group spares it."""
    return subprocess.Popen([sys.executable, __file__, "watch", str(folder)], stdin=subprocess.PIPE,
                            start_new_session=True)


def _watch(folder: Path) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C meant for the test run
    sys.stdin.buffer.read()
    if folder.exists():
        stop(folder / "server")
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    action, folder = sys.argv[1], Path(sys.argv[2])
    if action == "start":
        print(start(folder))
    elif action == "watch":
        _watch(folder)
    else:
        stop(folder)
