"""`syndicate serve` (syndicate.serve) answering a real HTTP client: media types, ETags from the
manifest, Last-Modified, 304 for either validator, gzip on request, HEAD, and 404 for anything that
is not a file of DIR partners may fetch."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from email.utils import formatdate
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syndicate import api
from syndicate.cli import app
from syndicate.serve import accepts_gzip

from tests.conftest import make_site, write_record

AS_OF = datetime(2024, 1, 3, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    """(an export's output directory, the port it is served on), with files partners must not see
    planted in it and beside it."""
    site = make_site(tmp_path_factory.mktemp("served"))
    write_record(site, "one", published="2024-01-02T10:00:00+03:00")
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, formats=["rss", "atom", "jsonfeed", "newsml", "ninjs"],
               as_of=AS_OF)
    (out / ".lock").write_text("lock")
    (out / ".rss.xml.1234.tmp").write_text("half")
    (out / "_shards").mkdir()
    (out / "_shards" / "1-of-2.xml").write_text("<partial/>")
    (site / "secret.xml").write_text("<secret/>")
    (out / "society" / "leak.xml").symlink_to(site / "secret.xml")
    (out / "society" / "alias.xml").symlink_to(out / "society" / "rss.xml")
    server = api.make_server(out, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield out, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _get(port: int, path: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(("path", "media_type"), [
    ("/society/rss.xml", "application/rss+xml; charset=utf-8"),
    ("/society/atom.xml", "application/atom+xml; charset=utf-8"),
    ("/all/feed.json", "application/feed+json"),
    ("/all/newsml.xml", "application/vnd.iptc.g2.newsmessage+xml; charset=utf-8"),
    ("/sport/ninjs.json", "application/json"),
    ("/index.opml", "text/x-opml; charset=utf-8"),
    ("/sitemap-news.xml", "application/xml; charset=utf-8"),
])
def test_each_file_with_its_media_type_and_the_manifests_hash_as_etag(served, path: str, media_type: str):
    out, port = served
    status, headers, body = _get(port, path)
    assert status == 200
    assert body == (out / path[1:]).read_bytes()
    assert headers["content-type"] == media_type
    manifest = json.loads((out / "manifest.json").read_bytes())
    assert headers["etag"] == f'"{manifest["files"][path[1:]]["sha256"]}"'
    assert headers["last-modified"] == formatdate(int((out / path[1:]).stat().st_mtime), usegmt=True)
    assert headers["cache-control"] == "no-cache" and headers["vary"] == "Accept-Encoding"
    assert int(headers["content-length"]) == len(body)


def test_304_for_if_none_match_and_for_if_modified_since(served):
    _out, port = served
    _, headers, _ = _get(port, "/society/rss.xml")
    tag, modified = headers["etag"], headers["last-modified"]

    for conditions in ({"If-None-Match": tag}, {"If-None-Match": f'"other", W/{tag}'}, {"If-None-Match": "*"},
                       {"If-Modified-Since": modified}):
        status, answer, body = _get(port, "/society/rss.xml", **conditions)
        assert (status, body) == (304, b""), conditions
        assert answer["etag"] == tag and answer["last-modified"] == modified
    earlier = formatdate(datetime.strptime(modified, "%a, %d %b %Y %H:%M:%S GMT")
                         .replace(tzinfo=timezone.utc).timestamp() - 1, usegmt=True)
    assert _get(port, "/society/rss.xml", If_Modified_Since=earlier)[0] == 200
    assert _get(port, "/society/rss.xml", If_None_Match='"other"')[0] == 200
    # If-None-Match decides alone when both are sent (RFC 9110 section 13.2.2).
    assert _get(port, "/society/rss.xml", If_None_Match='"other"', If_Modified_Since=modified)[0] == 200
    # A date no calendar holds is ignored, as any invalid date is (it crashed the request).
    assert _get(port, "/society/rss.xml", If_Modified_Since="Mon, 1 Jan 99999999999999999999 00:00:00 GMT")[0] == 200


def test_gzip_when_asked_with_its_own_etag(served):
    out, port = served
    _, plain, _ = _get(port, "/all/atom.xml")
    status, headers, body = _get(port, "/all/atom.xml", Accept_Encoding="br;q=1, gzip;q=0.5")

    assert status == 200 and headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(body) == (out / "all" / "atom.xml").read_bytes()
    assert int(headers["content-length"]) == len(body) < len(gzip.decompress(body))
    assert headers["etag"] != plain["etag"] and headers["etag"].endswith('-gzip"')
    assert _get(port, "/all/atom.xml", Accept_Encoding="gzip", If_None_Match=headers["etag"])[0] == 304
    assert _get(port, "/all/atom.xml", Accept_Encoding="gzip", If_None_Match=plain["etag"])[0] == 200
    assert "content-encoding" not in _get(port, "/all/atom.xml", Accept_Encoding="gzip;q=0, *")[1]


@pytest.mark.parametrize(("header", "gzip_ok"), [
    ("gzip", True), ("deflate, gzip", True), ("GZIP;q=0.1", True), ("*", True), ("gzip;q=0", False),
    ("gzip;q=0, *", False), ("identity", False), ("", False), (None, False), ("*;q=0", False), ("x-gzip", True)])
def test_accept_encoding_is_read_with_its_qualities(header, gzip_ok: bool):
    assert accepts_gzip(header) is gzip_ok


def test_head_answers_the_headers_without_the_body(served):
    out, port = served
    status, headers, body = _get(port, "/society/feed.json", method="HEAD")
    assert (status, body) == (200, b"")
    assert int(headers["content-length"]) == len((out / "society" / "feed.json").read_bytes())
    assert headers["content-type"] == "application/feed+json"


@pytest.mark.parametrize("path", [
    "/manifest.json", "/.lock", "/.rss.xml.1234.tmp", "/.syndicate-versions.json", "/_shards/1-of-2.xml",
    "/../secret.xml", "/society/../../secret.xml", "/%2e%2e/secret.xml", "/society/%2E%2E/%2e%2e/secret.xml",
    "/society%2f..%2f..%2fsecret.xml", "/society/..%5c..%5csecret.xml", "/society/leak.xml", "/society/archive/",
    "/nothing.xml", "/society", "/%ff.xml", "//etc/passwd",
])
def test_404_for_anything_partners_may_not_fetch(served, path: str):
    out, port = served
    assert (out / ".syndicate-versions.json").is_file()  # the versions ledger of a directory store
    status, _, body = _get(port, path)
    assert status == 404 and b"secret" not in body and b"lock" not in body


@pytest.mark.parametrize(("path", "page"), [("/", "index.html"), ("/society/", "society/index.html")])
def test_a_directory_address_serves_its_preview_page(served, path: str, page: str):
    out, port = served
    status, headers, body = _get(port, path)
    assert (status, headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert body == (out / page).read_bytes()


def test_a_link_inside_the_directory_is_served(served):
    out, port = served
    status, _, body = _get(port, "/society/alias.xml")
    assert status == 200 and body == (out / "society" / "rss.xml").read_bytes()


@pytest.mark.parametrize("when", ["after the manifest", "before the manifest (a copy that keeps times)"])
def test_a_file_changed_since_the_manifest_gets_the_hash_of_its_bytes(tmp_path: Path, when: str):
    site = make_site(tmp_path)
    write_record(site, "one", published="2024-01-02T10:00:00+03:00")
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, as_of=AS_OF)
    changed = (out / "society" / "rss.xml").read_bytes().replace(b"Title of one", b"Title of two")
    (out / "society" / "rss.xml").write_bytes(changed)
    moment = (out / "manifest.json").stat().st_mtime_ns + (10**9 if when == "after the manifest" else -10**9)
    os.utime(out / "society" / "rss.xml", ns=(moment, moment))
    server = api.make_server(out, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        _, headers, body = _get(server.server_address[1], "/society/rss.xml")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert body == changed and headers["etag"] == f'"{hashlib.sha256(changed).hexdigest()}"'


def test_serve_of_a_missing_directory_is_a_usage_error(tmp_path: Path):
    result = CliRunner().invoke(app, ["serve", str(tmp_path / "missing"), "--port", "0"])
    assert result.exit_code == 2 and "no such directory" in result.output
    result = CliRunner().invoke(app, ["serve", str(tmp_path), "--port", "70000"])
    assert result.exit_code == 2 and "--port: expected 0 to 65535, got 70000" in result.output


def test_ctrl_c_stops_the_command_cleanly(served):
    out, _port = served
    environment = {**os.environ, "PYTHONPATH": str(Path(api.__file__).resolve().parents[1])}
    process = subprocess.Popen([sys.executable, "-m", "syndicate", "serve", str(out), "--port", "0"],
                               stderr=subprocess.PIPE, text=True, env=environment)
    try:
        started = process.stderr.readline()  # said once it listens
        port = int(started.rsplit(":", 1)[1].split("/")[0])
        assert _get(port, "/index.opml")[0] == 200
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, errors
    assert "GET /index.opml" in errors and errors.rstrip().endswith("stopped") and "Traceback" not in errors
