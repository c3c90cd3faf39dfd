"""examples/serve/'s snippets in the real servers (nginx, Apache httpd, Caddy; tests/web_servers.py)
serving the example's export: each kind of file with the media type `syndicate serve` gives it,
Cache-Control, a validator and 304 for it, gzip on request, and nothing of what partners must not
fetch. Skips a server that is not installed, except in CI, which installs them all (.ci/run)."""

from __future__ import annotations

import gzip
import http.client
import os
import shutil
import tempfile
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import pytest

from syndicate import api
from syndicate.serve import CACHE_CONTROL, media_type

from tests.web_servers import SERVERS, SNIPPET_HOST, running

EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "examples" / "syndicate.toml"
# One file of each kind the export writes (README "Serving the output"); directories' addresses below.
SERVED = ["society/rss.xml", "society/atom.xml", "society/feed.json", "society/newsml.xml", "society/ninjs.json",
          "index.opml", "sitemap-news.xml", "feed.xsl", "index.html", "society/index.html"]
NOT_SERVED = ["manifest.json", ".syndicate-versions.json", ".rss.xml.1234.tmp", "society/.feed.json.77.tmp",
              "_shards/1-of-2.json", "_shards/",
              # the same, as a client may spell them
              "%2esyndicate-versions.json", "manifest%2ejson", "society/../manifest.json",
              "society/%2E%2E/manifest.json",
              "%5fshards/1-of-2.json", "society/%2efeed.json.77.tmp"]


@pytest.fixture(scope="module")
def www() -> Iterator[Path]:
    """A folder holding feeds/, the example's export with every format, and the files partners
    must not see; readable by the servers' user."""
    folder = Path(tempfile.mkdtemp(prefix="syndicate-www-"))
    try:
        folder.chmod(0o755)  # the servers run as another user when we are root
        feeds = folder / "feeds"
        api.export(EXAMPLE_CONFIG, out_dir=feeds, formats=["rss", "atom", "jsonfeed", "newsml", "ninjs"])
        (feeds / ".rss.xml.1234.tmp").write_text("<half-written/>")
        (feeds / "society" / ".feed.json.77.tmp").write_text('{"half": "written"}')
        (feeds / "_shards").mkdir()
        (feeds / "_shards" / "1-of-2.json").write_text('{"partial": "manifest"}')
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module", params=sorted(SERVERS))
def port(request: pytest.FixtureRequest, www: Path) -> Iterator[int]:
    """The port of a server serving www/feeds at /feeds/ with its snippet."""
    server = SERVERS[request.param]
    if server.executable() is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide {server.binary}: .ci/run installs Debian's {server.package}")
        pytest.skip(f"no {server.binary} here: it comes with Debian's {server.package} package")
    state = Path(tempfile.mkdtemp(prefix=f"syndicate-{server.name}-"))
    try:
        with running(server, www, state) as listening:
            yield listening
    finally:
        shutil.rmtree(state, ignore_errors=True)


def _get(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        fields = {name.replace("_", "-"): value for name, value in headers.items()}
        connection.request("GET", f"/feeds/{path}", headers={"Host": f"{SNIPPET_HOST}:{port}", **fields})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _file(www: Path, path: str) -> Path:
    return www / "feeds" / (path + "index.html" if path.endswith("/") or not path else path)


@pytest.mark.parametrize("path", [*SERVED, "", "society/"])
def test_each_kind_of_file_with_its_media_type_and_caching_headers(www: Path, port: int, path: str):
    file = _file(www, path)
    status, headers, body = _get(port, path)
    assert status == 200 and body == file.read_bytes()
    assert headers["content-type"] == media_type(file.name)
    assert headers["cache-control"] == CACHE_CONTROL
    assert headers["last-modified"] == formatdate(int(file.stat().st_mtime), usegmt=True)
    assert headers["etag"]


@pytest.mark.parametrize("path", SERVED)
def test_304_for_the_etag_it_gave_and_for_its_last_modified(port: int, path: str):
    for coding in ({}, {"Accept_Encoding": "gzip"}):
        _, headers, _ = _get(port, path, **coding)
        status, answer, body = _get(port, path, If_None_Match=headers["etag"], **coding)
        assert (status, body) == (304, b""), coding
        # The tag it gave; but a 304 has no body to code, and nginx's to a request accepting gzip
        # carries the strong tag of which it gave the weak.
        assert answer["etag"] in (headers["etag"], headers["etag"].removeprefix("W/")), coding
        assert answer["cache-control"] == CACHE_CONTROL
        assert _get(port, path, If_Modified_Since=headers["last-modified"], **coding)[0] == 304
        assert _get(port, path, If_None_Match='"other"', **coding)[0] == 200


@pytest.mark.parametrize("path", SERVED)
def test_gzip_when_asked(www: Path, port: int, path: str):
    status, headers, body = _get(port, path, Accept_Encoding="gzip")
    assert status == 200 and headers.get("content-encoding") == "gzip"
    assert gzip.decompress(body) == _file(www, path).read_bytes()
    assert "accept-encoding" in headers["vary"].lower()
    assert headers["content-type"] == media_type(_file(www, path).name)
    plain = _get(port, path)[1]
    assert "content-encoding" not in plain
    # Another representation, another tag (RFC 9110 section 8.8.3.3), as `syndicate serve` gives.
    assert headers["etag"] != plain["etag"]


@pytest.mark.parametrize("path", NOT_SERVED)
def test_nothing_partners_must_not_fetch(www: Path, port: int, path: str):
    status, _, body = _get(port, path)
    assert status in (403, 404)
    assert b'"sha256"' not in body and b"written" not in body and b"partial" not in body
