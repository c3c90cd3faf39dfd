"""`syndicate serve DIR`: an output directory over HTTP, for previews and small deployments.

The standard library's threaded HTTP server, answering GET and HEAD with what a partner's poller
expects of a feed host (RFC 9110, RFC 9111):

- each file with its media type (MEDIA_TYPES; files of other kinds are not served);
- a strong ETag: the SHA-256 of the file's bytes, as manifest.json lists it (the bytes are hashed
  for a file it does not list, or one changed since it was written), and another one for the
  gzip-coded body (RFC 9110 section 8.8.3.3: another representation, another tag);
- Last-Modified (the file's modification time) and Cache-Control: no-cache (a cache may keep a
  file but asks each time whether it changed);
- 304 Not Modified for an If-None-Match naming the tag (or `*`), else for an If-Modified-Since
  not older than the file (RFC 9110 section 13.2.2: If-None-Match first);
- gzip when Accept-Encoding allows it, with Vary: Accept-Encoding on every answer;
- 404 for anything that is not a file of DIR: a path with `..` (also percent-encoded) or a
  backslash, a symbolic link leading out of DIR, and never what partners must not fetch
  (NOT_SERVED: the manifest, the shards' partial manifests, dot-files such as the versions
  ledger and an interrupted export's temporaries). The lock an export holds is on DIR itself.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import socket
import threading
from collections.abc import Callable
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from syndicate.errors import UsageError

MANIFEST = "manifest.json"  # syndicate.export.manifest.MANIFEST, named here so that serving loads no export code
# Each file kind an export writes, by its name (or extension), with its media type.
MEDIA_TYPES = {
    "rss.xml": "application/rss+xml; charset=utf-8",
    "atom.xml": "application/atom+xml; charset=utf-8",
    "feed.json": "application/feed+json",
    "newsml.xml": "application/vnd.iptc.g2.newsmessage+xml; charset=utf-8",
    "ninjs.json": "application/json",
    ".opml": "text/x-opml; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",  # the news sitemap
    ".html": "text/html; charset=utf-8",
    ".xsl": "text/xsl; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
# Top-level names in DIR that are syndicate's own, not for partners (README "Output layout").
NOT_SERVED = (MANIFEST, "_shards")
CACHE_CONTROL = "no-cache"
INDEX_PAGE = "index.html"  # served for a directory's address, when there is one


def media_type(name: str) -> str | None:
    """The media type a file called NAME is served with; None: it is not served."""
    return MEDIA_TYPES.get(name) or MEDIA_TYPES.get("." + name.rpartition(".")[2] if "." in name else "")


def resolve(root: Path, request_path: str) -> Path | None:
    """The file of ROOT (resolved) that REQUEST_PATH (a request target) names, or None when it
    names nothing that may be served."""
    path = unquote(urlsplit(request_path).path, errors="strict") if request_path.startswith("/") else None
    if path is None or "\\" in path or "\0" in path:
        return None
    parts = [part for part in path.split("/") if part]
    if any(part.startswith(".") for part in parts) or (parts and parts[0] in NOT_SERVED):
        return None  # '..', dot-files and temporaries, syndicate's own files
    target = root.joinpath(*parts)
    if path.endswith("/") or not parts:
        target = target / INDEX_PAGE
    try:
        resolved = target.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_relative_to(root) or not resolved.is_file() or media_type(resolved.name) is None:
        return None  # a link out of ROOT, a directory, a kind of file not served
    return resolved


class Tags:
    """Strong entity tags of ROOT's files: the SHA-256 of the bytes served (the manifest's hash of
    a file as the export wrote it), each kept while the file's size and time stay."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._hashed: dict[Path, tuple[tuple[int, int], str]] = {}
        self._lock = threading.Lock()

    def of(self, path: Path, data: bytes, mtime_ns: int) -> str:
        """The quoted strong ETag of PATH, whose bytes are DATA."""
        # The SHA-256 of the bytes served, which is the manifest's for a file as the export wrote
        # it. Always of the bytes: a copy that keeps modification times (`rsync -a`) can bring a
        # manifest before the files it lists, and its hash would then name older bytes.
        return f'"{self._digest(path, data, mtime_ns)}"'

    def _digest(self, path: Path, data: bytes, mtime_ns: int) -> str:
        stamp = (len(data), mtime_ns)
        with self._lock:
            known = self._hashed.get(path)
            if known is None or known[0] != stamp:
                known = self._hashed[path] = (stamp, hashlib.sha256(data).hexdigest())
        return known[1]


def accepts_gzip(header: str | None) -> bool:
    """Whether an Accept-Encoding HEADER allows gzip (RFC 9110 section 12.5.3): named, or `*`, with
    a quality above zero (gzip's own quality rules over `*`'s)."""
    qualities: dict[str, float] = {}
    for element in (header or "").split(","):
        coding, *parameters = (part.strip() for part in element.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding:
            qualities[coding.lower()] = quality
    if "gzip" in qualities or "x-gzip" in qualities:
        return max(qualities.get("gzip", 0.0), qualities.get("x-gzip", 0.0)) > 0
    return qualities.get("*", 0.0) > 0


def _matches(header: str, tag: str) -> bool:
    """Whether If-None-Match HEADER names TAG (weak comparison, RFC 9110 section 13.1.2), or is `*`."""
    if header.strip() == "*":
        return True
    return any(candidate.strip().removeprefix("W/") == tag for candidate in header.split(","))


def _not_modified_since(header: str, mtime: float) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError, OverflowError):
        return False  # an invalid date is ignored (RFC 9110 section 13.1.3)
    return since.tzinfo is not None and int(mtime) <= since.timestamp()


class Handler(BaseHTTPRequestHandler):
    """GET and HEAD of the files of the server's root."""

    server: Server
    server_version = "syndicate"
    protocol_version = "HTTP/1.1"
    # The headers and the body are two writes: with Nagle's algorithm, a keep-alive client's delayed
    # acknowledgement holds the body back some 40 ms.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        self._answer(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(body=False)

    def _answer(self, *, body: bool) -> None:
        root = self.server.root
        try:
            path = resolve(root, self.path)
        except UnicodeDecodeError:
            path = None
        if path is None:
            return self._plain(HTTPStatus.NOT_FOUND, "not found\n", body=body)
        try:
            with path.open("rb") as stream:  # the bytes and their time from one open file
                data, mtime_ns = stream.read(), os.fstat(stream.fileno()).st_mtime_ns
        except OSError:
            return self._plain(HTTPStatus.NOT_FOUND, "not found\n", body=body)
        tag = self.server.tags.of(path, data, mtime_ns)
        coded = accepts_gzip(self.headers.get("Accept-Encoding"))
        if coded:
            tag = tag[:-1] + '-gzip"'
        headers = {"ETag": tag, "Last-Modified": formatdate(mtime_ns // 1_000_000_000, usegmt=True),
                   "Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding"}
        condition = self.headers.get("If-None-Match")
        since = self.headers.get("If-Modified-Since")
        if (_matches(condition, tag) if condition is not None
                else since is not None and _not_modified_since(since, mtime_ns / 1e9)):
            return self._send(HTTPStatus.NOT_MODIFIED, headers, b"", body=False)
        if coded:
            # mtime=0: the same bytes for the same file, every time (no clock in the gzip header).
            data = gzip.compress(data, compresslevel=6, mtime=0)
            headers["Content-Encoding"] = "gzip"
        headers["Content-Type"] = media_type(path.name)
        self._send(HTTPStatus.OK, headers, data, body=body)

    def _plain(self, status: HTTPStatus, text: str, *, body: bool) -> None:
        self._send(status, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": CACHE_CONTROL},
                   text.encode(), body=body)

    def _send(self, status: HTTPStatus, headers: dict[str, str], data: bytes, *, body: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body and data:
            self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the standard library's name)
        if self.server.log is not None:
            self.server.log(f"{self.address_string()} {format % args}")


class Server(ThreadingHTTPServer):
    """The HTTP server of one output directory."""

    daemon_threads = True  # a request in progress does not keep the process from stopping

    def __init__(self, root: Path, address: tuple[str, int], *, log: Callable[[str], None] | None) -> None:
        self.root = root
        self.tags = Tags(root)
        self.log = log
        super().__init__(address, Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


class Server6(Server):
    address_family = socket.AF_INET6


def make_server(directory: str | Path, *, host: str = "127.0.0.1", port: int = 8000,
                log: Callable[[str], None] | None = None) -> Server:
    """A server of DIRECTORY listening on HOST:PORT (port 0: one the system picks), not yet
    serving (call serve_forever, then server_close). LOG, when given, is called with a line per
    request. Raises UsageError when DIRECTORY is not a directory or the address cannot be taken."""
    root = Path(directory)
    if not root.is_dir():
        raise UsageError(f"{root}: no such directory; export into it first (syndicate export --out DIR)")
    kind = Server6 if ":" in host else Server
    if not 0 <= port <= 65535:
        raise UsageError(f"--port: expected 0 to 65535, got {port}")
    try:
        return kind(root.resolve(), (host, port), log=log)
    except OSError as error:
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
