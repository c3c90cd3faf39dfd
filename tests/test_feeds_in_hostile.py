"""Hostile feed files: each is imported or refused within bounded time and memory.

Every import runs in a child process (`python -m syndicate import ...`) under an address-space
limit, and reports its own peak resident memory and CPU time (resource.getrusage), so that a
failure is a failed assertion, never a machine brought down.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

import syndicate
from syndicate.content import MAX_HTML_DEPTH, bounded_nesting, html_to_text, sanitize_html

CONFIG = """
[site]
title = "Test News"
home_url = "https://test.example.org/"
id_prefix = "tag:test.example.org,2024:"

[[sections]]
slug = "society"
title = "Society"
"""
# What a child may use: Python, lxml, feedparser and syndicate take about 60 MB before any work.
MAX_RSS_BYTES = 300 * 1024 * 1024
MAX_CPU_SECONDS = 20
_CHILD = """
import os, resource, sys
sys.argv = ["syndicate", *sys.argv[1:]]
try:
    from syndicate.cli import main
    main()
finally:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with open(os.environ["SYNDICATE_TEST_USAGE"], "w") as report:
        report.write(f"{usage.ru_maxrss * 1024} {usage.ru_utime + usage.ru_stime}")
"""


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))


def _import(folder: Path, source: Path, *extra_config: str) -> tuple[subprocess.CompletedProcess, int, float]:
    """(completed child, its peak resident bytes, its CPU seconds) of importing SOURCE."""
    config = folder / "syndicate.toml"
    config.write_text(CONFIG + "".join(extra_config), encoding="utf-8")
    usage = folder / "usage.txt"
    environment = {**os.environ, "SYNDICATE_TEST_USAGE": str(usage),
                   "PYTHONPATH": os.pathsep.join([str(Path(syndicate.__file__).parents[1]),
                                                  os.environ.get("PYTHONPATH", "")])}
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, "import", str(source), "--into", str(folder / "store.db"), "-c", str(config),
         "--section", "society"],
        capture_output=True, text=True, timeout=120, env=environment, preexec_fn=_limit_address_space)
    peak, seconds = usage.read_text().split()
    assert "Traceback" not in child.stderr and child.returncode in (0, 2), child.stderr
    assert int(peak) < MAX_RSS_BYTES and float(seconds) < MAX_CPU_SECONDS, (int(peak), float(seconds))
    return child, int(peak), float(seconds)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> int:
    """The peak resident memory of a child importing a one-item feed: what any import takes."""
    folder = tmp_path_factory.mktemp("baseline")
    source = folder / "small.xml"
    source.write_text(_rss("", title="Small", description="d"), encoding="utf-8")
    child, peak, _ = _import(folder, source)
    assert child.returncode == 0, child.stderr
    return peak


def _rss(doctype: str, *, title: str, description: str, extra: str = "") -> str:
    return (f'<?xml version="1.0"?>{doctype}<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>'
            '<link>https://h.example/</link><description>d</description>'
            f'<item><title>{title}</title><link>https://h.example/1</link>'
            '<pubDate>Tue, 02 Jan 2024 08:00:00 GMT</pubDate>'
            f'<description>{description}</description>{extra}</item></channel></rss>')


def _newsml(doctype: str, headline: str) -> str:
    return (f'<?xml version="1.0"?>{doctype}<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:x:1" '
            'version="1"><itemMeta><itemClass qcode="ninat:text"/><versionCreated>2024-01-02T08:00:00Z'
            '</versionCreated><link rel="irel:seeAlso" href="https://h.example/1"/></itemMeta><contentMeta>'
            f'<headline>{headline}</headline></contentMeta></newsItem>')


LAUGHS = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
QUADRATIC = f'<!ENTITY big "{"x" * 100_000}">'


def _json_items(folder: Path) -> list[dict]:
    from syndicate import api

    out = folder / "out"
    api.export(folder / "syndicate.toml", out_dir=out, store=folder / "store.db", formats=["jsonfeed"])
    return json.loads((out / "society" / "feed.json").read_text(encoding="utf-8"))["items"]


@pytest.mark.parametrize("doctype,reference", [
    (f"<!DOCTYPE rss [{LAUGHS}]>", "&lol9;"),
    (f"<!DOCTYPE rss [\n{QUADRATIC}\n]>", "&big;" * 20_000),
])
def test_entity_expansion_in_rss_expands_nothing(tmp_path: Path, doctype: str, reference: str):
    source = tmp_path / "laughs.xml"
    source.write_text(_rss(doctype, title="Laughs", description=reference), encoding="utf-8")
    child, _, _ = _import(tmp_path, source)
    assert child.returncode == 0, child.stderr
    (item,) = _json_items(tmp_path)
    assert item["title"] == "Laughs" and "lol" * 3 not in item["content_html"] and "xxx" not in item["content_html"]


def test_external_entities_in_rss_read_nothing(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    source = tmp_path / "xxe.xml"
    source.write_text(_rss(f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">'
                           '<!ENTITY remote SYSTEM "http://127.0.0.1:9/x"><!ENTITY % p SYSTEM "file:///etc/passwd">'
                           '%p;]>', title="&xxe;", description="&remote;"), encoding="utf-8")
    child, _, _ = _import(tmp_path, source)
    assert "TOP-SECRET-VALUE" not in child.stdout + child.stderr
    (item,) = _json_items(tmp_path)
    assert (item["title"], item["content_html"]) == ("&xxe;", "&amp;remote;")  # unknown entities, as text


def test_entity_expansion_in_newsml_is_refused(tmp_path: Path):
    source = tmp_path / "item.xml"
    source.write_text(_newsml(f"<!DOCTYPE newsItem [{LAUGHS}]>", "&lol9;"), encoding="utf-8")
    child, _, _ = _import(tmp_path, source)
    assert child.returncode == 2  # libxml2 refuses the amplification even unresolved
    assert f"{source} record: is not well-formed NewsML-G2: Maximum" in child.stdout + child.stderr


def test_external_entities_in_newsml_read_nothing(tmp_path: Path):
    source = tmp_path / "item.xml"
    source.write_text(_newsml('<!DOCTYPE newsItem [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"),
                      encoding="utf-8")
    child, _, _ = _import(tmp_path, source)
    # The entity is never resolved: the headline is empty, a named problem.
    assert child.returncode == 2
    assert f"{source} newsItem 1 (guid 'urn:x:1') id=urn:x:1 title: is required" in child.stdout + child.stderr
    assert "root:" not in child.stdout + child.stderr


def test_deeply_nested_xml_in_rss_is_imported_within_bounds(tmp_path: Path):
    source = tmp_path / "deep.xml"
    depth = 20_000  # twenty times Python's recursion limit, ten times libxml2's deepest (XML_PARSE_HUGE)
    source.write_text(_rss("", title="Deep", description="d", extra="<x>" * depth + "deep" + "</x>" * depth),
                      encoding="utf-8")
    child, _, _ = _import(tmp_path, source)
    assert child.returncode == 0, child.stderr


def test_deeply_nested_xml_in_newsml_is_refused_within_bounds(tmp_path: Path):
    source = tmp_path / "deep.xml"
    depth = 100_000
    source.write_text(_newsml("", "Deep").replace("</contentMeta>", "<x>" * depth + "</x>" * depth + "</contentMeta>"),
                      encoding="utf-8")
    child, _, _ = _import(tmp_path, source)
    assert child.returncode == 2
    assert f"{source} record: is not well-formed NewsML-G2" in child.stdout + child.stderr


def test_deeply_nested_json_is_refused_within_bounds(tmp_path: Path):
    source = tmp_path / "deep.json"
    source.write_text('{"version": "https://jsonfeed.org/version/1.1", "items": [' + "[" * 100_000
                      + "]" * 100_000 + "]}", encoding="utf-8")
    child, _, _ = _import(tmp_path, source)
    assert child.returncode == 2
    assert f"{source} record: is JSON nested too deeply to read" in child.stdout + child.stderr


def test_deeply_nested_html_in_a_body_is_imported_within_bounds(tmp_path: Path):
    # About 1.1 MB, as the feed that took 89 s of CPU before nesting was bounded.
    depth = 100_000
    body = "<div>" * depth + "deep text" + "</div>" * depth
    source = tmp_path / "nested.json"
    source.write_text(json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [
        {"id": "n", "url": "https://h.example/n", "title": "Nested", "date_published": "2024-01-02T10:00:00Z",
         "content_html": body}]}), encoding="utf-8")
    assert source.stat().st_size > 1_100_000
    child, _, seconds = _import(tmp_path, source)
    assert child.returncode == 0, child.stderr
    assert seconds < 10
    (item,) = _json_items(tmp_path)
    assert item["summary"] == "deep text" and item["content_html"].count("<div>") == MAX_HTML_DEPTH


def test_a_file_above_the_size_limit_is_refused_unread(tmp_path: Path, baseline: int):
    source = tmp_path / "huge.xml"
    with source.open("wb") as file:  # sparse: 60 MiB on paper, nothing on disk
        file.write(b"<rss>")
        file.truncate(60 * 1024 * 1024)
    child, peak, _ = _import(tmp_path, source)
    assert child.returncode == 2
    assert f"{source} record: is 62,914,560 bytes, more than [limits] max_feed_bytes (52,428,800)" in child.stderr + child.stdout
    assert peak < baseline + 20 * 1024 * 1024  # reading it would take 60 MiB more


def test_a_gzip_bomb_is_refused_after_the_limit_decompressed(tmp_path: Path, baseline: int):
    source = tmp_path / "bomb.xml.gz"
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
    with source.open("wb") as file:  # 256 MiB of spaces after a feed's start, about 1.1 MB compressed
        file.write(compressor.compress(b'<?xml version="1.0"?><rss version="2.0"><channel>'))
        chunk = b" " * (1024 * 1024)
        for _ in range(256):
            file.write(compressor.compress(chunk))
        file.write(compressor.flush())
    child, peak, _ = _import(tmp_path, source, "\n[limits]\nmax_feed_bytes = 10485760\n")
    assert child.returncode == 2
    assert (f"{source} record: decompresses to more than [limits] max_feed_bytes (10,485,760); it was not "
            "decompressed further") in child.stderr + child.stdout
    assert peak < baseline + 50 * 1024 * 1024  # the 10 MiB limit, not the 256 MiB inside


# --- HTML nesting, in content.py ----------------------------------------------------------------

def test_html_within_the_nesting_limit_is_unchanged():
    flat = "<p>a<p>b" * 300 + "<ul>" + "<li>x" * 500 + "</ul>" + "<br>" * 500
    assert bounded_nesting(flat) == flat
    nested = "<div>" * MAX_HTML_DEPTH + "x" + "</div>" * MAX_HTML_DEPTH
    assert bounded_nesting(nested) == nested


def test_html_beyond_the_nesting_limit_is_unwrapped_keeping_its_text():
    nested = "<div><span>" * 150 + "<b>t</b>" + "</span></div>" * 150
    cleaned = sanitize_html(nested, base_url="https://h.example/")
    assert cleaned.count("<div>") + cleaned.count("<span>") == MAX_HTML_DEPTH
    assert "t" in cleaned and html_to_text(nested) == "t"
