"""nginx, Apache httpd and Caddy run with examples/serve/'s snippets, for tests/test_serve_snippets.py.

Each server runs in the foreground as a child of the test, unprivileged (as `nobody` when the
tests run as root), on a free loopback port, from a minimal configuration of our own that
includes its snippet as a site would: its pid file, logs and temporaries in a folder of the
test's, no system service. The snippets serve /srv/www/feeds at /feeds/ of news.example.org;
the copy the server reads has the test's folder in place of /srv/www.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SNIPPETS = Path(__file__).resolve().parents[1] / "examples" / "serve"
SNIPPET_ROOT = "/srv/www"  # the folder holding the snippets' feeds/ directory
SNIPPET_HOST = "news.example.org"
APACHE_MODULES = Path("/usr/lib/apache2/modules")
# Where Debian installs the servers (sbin is not on an ordinary user's PATH).
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
START_SECONDS = 20.0


@dataclass(frozen=True, slots=True, kw_only=True)
class WebServer:
    """How to run one server: its binary and its configuration around the snippet."""

    name: str
    package: str  # Debian's
    binary: str
    snippet: str
    # (the snippet with the test's folders, the port, the state folder) -> (config file text, command)
    configure: Callable[[str, int, Path], tuple[str, list[str]]]

    def executable(self) -> str | None:
        return shutil.which(self.binary, path=SEARCH_PATH)


def _nginx(snippet: str, port: int, state: Path) -> tuple[str, list[str]]:
    temporaries = "\n".join(f"    {kind}_temp_path {state / kind};"
                            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    config = f"""
daemon off;
worker_processes 1;
pid {state / 'nginx.pid'};
error_log {state / 'error.log'} warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;  # as a site's http block does
    default_type application/octet-stream;
    access_log off;
{temporaries}
    server {{
        listen 127.0.0.1:{port};
        server_name {SNIPPET_HOST};
        include {state / 'snippet.conf'};
    }}
}}
"""
    (state / "snippet.conf").write_text(snippet, encoding="utf-8")
    return config, ["-p", str(state), "-e", str(state / "error.log"), "-c", str(state / "server.conf")]


def _apache(snippet: str, port: int, state: Path) -> tuple[str, list[str]]:
    # The modules of a default Debian installation the snippet needs, and the event MPM.
    modules = "\n".join(f"LoadModule {name}_module {APACHE_MODULES / f'mod_{name}.so'}"
                        for name in ("mpm_event", "authz_core", "alias", "dir", "mime", "headers", "filter",
                                     "deflate"))
    config = f"""
ServerRoot {state}
DefaultRuntimeDir {state}
PidFile {state / 'apache2.pid'}
Mutex file:{state} default
ErrorLog {state / 'error.log'}
LogLevel warn
{modules}
TypesConfig /etc/mime.types
Listen 127.0.0.1:{port}
ServerName {SNIPPET_HOST}
StartServers 1
<Directory />
    Require all denied
    AllowOverride None
</Directory>
<VirtualHost 127.0.0.1:{port}>
    ServerName {SNIPPET_HOST}
    DirectoryIndex index.html
    Include {state / 'snippet.conf'}
</VirtualHost>
"""
    (state / "snippet.conf").write_text(snippet, encoding="utf-8")
    return config, ["-D", "FOREGROUND", "-f", str(state / "server.conf")]


def _caddy(snippet: str, port: int, state: Path) -> tuple[str, list[str]]:
    # The site's address in plain HTTP on the test's port; Caddy's own storage in the state folder.
    site = snippet.replace(f"{SNIPPET_HOST} {{", f"http://{SNIPPET_HOST}:{port} {{", 1)
    config = f"""{{
    admin off
    auto_https off
    default_bind 127.0.0.1
    storage file_system {state / 'data'}
}}

{site}"""
    return config, ["run", "--adapter", "caddyfile", "--config", str(state / "server.conf")]


SERVERS = {
    "nginx": WebServer(name="nginx", package="nginx", binary="nginx", snippet="nginx.conf", configure=_nginx),
    "apache": WebServer(name="apache", package="apache2", binary="apache2", snippet="apache.conf", configure=_apache),
    "caddy": WebServer(name="caddy", package="caddy", binary="caddy", snippet="Caddyfile", configure=_caddy),
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _unprivileged() -> dict[str, object]:
    """Popen arguments that run the server as `nobody` when we are root (nginx and Apache would
    otherwise switch their workers to a user of their own, Apache refuses to serve as root)."""
    if os.geteuid() != 0:
        return {}
    nobody = pwd.getpwnam("nobody")
    return {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}


@contextmanager
def running(server: WebServer, www: Path, state: Path) -> Iterator[int]:
    """SERVER serving WWW/feeds at /feeds/ with its snippet, its files in STATE (an empty folder
    it may write); yields its port, and stops it."""
    executable = server.executable()
    assert executable is not None, f"{server.binary} is not installed"
    snippet = (SNIPPETS / server.snippet).read_text(encoding="utf-8").replace(SNIPPET_ROOT, str(www))
    port = _free_port()
    config, arguments = server.configure(snippet, port, state)
    (state / "server.conf").write_text(config, encoding="utf-8")
    privileges = _unprivileged()
    if privileges:
        for path in (state, *state.rglob("*")):
            os.chown(path, privileges["user"], privileges["group"])
    home = {"HOME": str(state), "XDG_DATA_HOME": str(state / "data"), "XDG_CONFIG_HOME": str(state / "config")}
    output = state / "output.log"
    with output.open("wb") as stream:
        process = subprocess.Popen([executable, *arguments], stdin=subprocess.DEVNULL, stdout=stream,
                                   stderr=subprocess.STDOUT, env={**os.environ, **home}, cwd=state, **privileges)
    try:
        # Until it listens: each turn waits for the server to exit (a configuration it refuses).
        for _turn in range(int(START_SECONDS / 0.02)):
            if _listening(port):
                break
            try:
                process.wait(timeout=0.02)
            except subprocess.TimeoutExpired:
                continue
            raise AssertionError(f"{server.name} stopped at start:\n{_logs(state)}")
        else:
            raise AssertionError(f"{server.name} does not listen on {port} after {START_SECONDS} s:\n{_logs(state)}")
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _logs(state: Path) -> str:
    return "\n".join(f"{path.name}: {path.read_text(encoding='utf-8', errors='replace')}"
                     for path in sorted(state.glob("*.log")))
