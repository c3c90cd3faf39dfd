"""WebSub: the hub told of exactly the feeds whose bytes changed, asked again when it fails, and
a clear error when it refuses; each against a real hub on loopback (the `hub` fixture)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from syndicate import websub
from syndicate.cli import app
from syndicate.websub import HubError, notify

from tests.conftest import PROJECT, enable_archive, monthly_store, write_record

runner = CliRunner()
FEEDS = "https://test.example.org/feeds/"
READER_FILES = ("rss.xml", "atom.xml", "feed.json")


def _with_hub(site: Path, hub_url: str) -> Path:
    config = site / "syndicate.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "[site]\n", f'[site]\nwebsub_hub = "{hub_url}"\n', 1), encoding="utf-8")
    return config


def _export(config: Path, out: Path, *options: str):
    return runner.invoke(app, ["export", "--config", str(config), "--out", str(out), *options])


def _topics(*slugs: str) -> list[str]:
    return [f"{FEEDS}{slug}/{name}" for slug in slugs for name in READER_FILES]


def test_export_ping_tells_the_hub_of_exactly_the_feeds_that_changed(site: Path, hub):
    config = _with_hub(site, hub.url)
    write_record(site, "first")
    out = site / "out"
    result = _export(config, out, "--ping")
    assert result.exit_code == 0, result.output
    # Every feed is new: each current feed in RSS, Atom and JSON Feed, never NewsML-G2.
    assert sorted(hub.topics) == sorted(_topics("society", "sport", "all"))
    assert all(method == "POST" and kind == "application/x-www-form-urlencoded" for method, kind, _ in hub.received)
    assert f"WebSub hub {hub.url}: told of 9 changed feeds" in result.output

    hub.received.clear()
    write_record(site, "ball", section="sport", url="https://test.example.org/sport/ball/")
    result = _export(config, out, "--ping")
    assert result.exit_code == 0, result.output
    assert sorted(hub.topics) == sorted(_topics("sport", "all"))  # society's files did not change
    assert f"notified {FEEDS}sport/rss.xml" in result.output

    hub.received.clear()
    result = _export(config, out, "--ping")  # nothing changed: nothing to tell
    assert result.exit_code == 0 and hub.received == [], result.output
    assert "told of 0 changed feeds" in result.output


def test_a_refusing_hub_is_exit_2_naming_the_hub_the_feed_and_its_answer(site: Path, hub):
    config = _with_hub(site, hub.url)
    write_record(site, "first")
    hub.answer((403, "topic not allowed for this publisher\n"))
    out = site / "out"
    result = _export(config, out, "--ping", "--format", "atom")
    assert result.exit_code == 2
    first = hub.topics[0]
    assert (f"error: the WebSub hub {hub.url} was not told that the feed {first} changed: refused: "
            "HTTP 403 Forbidden: topic not allowed for this publisher; it was told of 0 of the 3 feeds") in result.output
    assert f"run `syndicate ping {out}`" in result.output
    assert "Traceback" not in result.output
    assert len(hub.received) == 1  # a refusal is not asked again, and stops the notifications
    assert (out / "society" / "atom.xml").is_file()  # the export was published before the hub was told

    result = runner.invoke(app, ["ping", str(out), "--config", str(config)])  # the hub accepts again
    assert result.exit_code == 0, result.output
    assert sorted(hub.topics[1:]) == sorted(f"{FEEDS}{slug}/atom.xml" for slug in ("society", "sport", "all"))


def test_a_failing_hub_is_asked_again_after_a_pause(hub):
    hub.answer((503, "busy"))
    pauses: list[float] = []
    report = notify(hub.url, [f"{FEEDS}society/rss.xml", f"{FEEDS}all/rss.xml"], pause=pauses.append)
    assert hub.topics == [f"{FEEDS}society/rss.xml", f"{FEEDS}society/rss.xml", f"{FEEDS}all/rss.xml"]
    assert report.topics == (f"{FEEDS}society/rss.xml", f"{FEEDS}all/rss.xml") and report.attempts == 3
    assert pauses == [websub.FIRST_PAUSE]


def test_a_hub_failing_every_time_is_given_up_after_the_last_attempt_with_growing_pauses(hub):
    hub.answer(*[(503, "down for maintenance")] * 3)
    pauses: list[float] = []
    with pytest.raises(HubError) as raised:
        notify(hub.url, [f"{FEEDS}society/rss.xml", f"{FEEDS}all/rss.xml"], pause=pauses.append)
    assert len(hub.received) == 3 and pauses == [websub.FIRST_PAUSE, 2 * websub.FIRST_PAUSE]
    assert ("HTTP 503 Service Unavailable: down for maintenance (after 3 attempts); it was told of 0 of the 2 feeds"
            in str(raised.value))


def test_an_unreachable_hub_names_why(hub):
    import socket

    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/"
    pauses: list[float] = []
    with pytest.raises(HubError, match=r"no answer: .*refused \(after 2 attempts\)"):
        notify(url, [f"{FEEDS}society/rss.xml"], tries=2, pause=pauses.append)
    assert pauses == [websub.FIRST_PAUSE]


def test_a_redirect_is_a_refusal_not_followed(hub):
    hub.answer((302, ""))
    with pytest.raises(HubError, match="refused: HTTP 302 Found"):
        notify(hub.url, [f"{FEEDS}society/rss.xml"], pause=lambda seconds: None)
    assert len(hub.received) == 1  # neither asked again nor followed to the page it named


def test_ping_tells_the_hub_of_every_current_feed_of_the_manifest_not_archive_pages(site: Path, hub):
    enable_archive(site, f'websub_hub = "{hub.url}"\narchive = "month"')
    monthly_store(site)
    out = site / "out"
    assert _export(site / "syndicate.toml", out).exit_code == 0
    assert hub.received == []  # export pings only when asked
    assert (out / "society" / "archive" / "2024-01" / "rss.xml").is_file()
    result = runner.invoke(app, ["ping", str(out), "--config", str(site / "syndicate.toml")])
    assert result.exit_code == 0, result.output
    assert sorted(hub.topics) == sorted(_topics("society", "sport", "all"))


def test_ping_needs_a_hub_and_an_export(site: Path, hub):
    write_record(site, "first")
    out = site / "out"
    result = _export(site / "syndicate.toml", out, "--ping")
    assert result.exit_code == 2 and "site.websub_hub: no WebSub hub configured" in result.output
    assert not out.exists()  # refused before anything was written
    config = _with_hub(site, hub.url)
    result = runner.invoke(app, ["ping", str(out), "--config", str(config)])
    assert result.exit_code == 2 and "no manifest.json" in result.output
    result = _export(config, out, "--ping", "--check")
    assert result.exit_code == 2 and "--ping cannot go with --check" in result.output
    assert hub.received == [] and not out.exists()


def test_the_json_report_says_what_the_hub_was_told(site: Path, hub, monkeypatch: pytest.MonkeyPatch):
    config = _with_hub(site, hub.url)
    write_record(site, "first")
    hub.answer((503, ""))
    monkeypatch.setattr(websub, "FIRST_PAUSE", 0.0)  # the retry's pause, not waited for here
    result = _export(config, site / "out", "--ping", "--json", "--format", "jsonfeed")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    schema = json.loads((PROJECT / "schemas" / "cli-report.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator(schema).validate(document)
    assert document["websub"]["hub"] == hub.url and document["websub"]["attempts"] == 4
    assert sorted(document["websub"]["notified"]) == sorted(f"{FEEDS}{slug}/feed.json"
                                                            for slug in ("society", "sport", "all"))


def test_configuring_a_hub_rewrites_the_feeds_that_carry_it(site: Path):
    """The hub is part of what a feed is rendered from: the next export writes it in, though no record changed."""
    write_record(site, "first")
    out = site / "out"
    assert _export(site / "syndicate.toml", out, "--format", "rss", "--format", "newsml").exit_code == 0
    config = _with_hub(site, "https://hub.example.net/")
    result = _export(config, out, "--format", "rss", "--format", "newsml")
    assert result.exit_code == 0, result.output
    assert b'<atom:link rel="hub" href="https://hub.example.net/"/>' in (out / "society" / "rss.xml").read_bytes()
    assert "newsml.xml" not in result.output  # the formats without hub links are as they were
    assert f"wrote {out / 'society' / 'rss.xml'}" in result.output


def test_a_partner_s_changed_feeds_are_told_too(site: Path, hub):
    """A partner's feeds carry the hub link, so the hub hears of them as of the public ones."""
    config = _with_hub(site, hub.url)
    config.write_text(config.read_text(encoding="utf-8") + '\n[partners.reader]\nformats = ["atom"]\n'
                      'sections = ["sport"]\n', encoding="utf-8")
    write_record(site, "first")
    result = _export(config, site / "out", "--ping")
    assert result.exit_code == 0, result.output
    assert f"{FEEDS}partners/reader/sport/atom.xml" in hub.topics
    assert b'rel="hub"' in (site / "out" / "partners" / "reader" / "sport" / "atom.xml").read_bytes()


def test_a_hub_answering_something_that_is_not_http_is_a_hub_error_not_a_crash():
    import socket
    import threading

    from syndicate.websub import HubError, notify

    listener = socket.create_server(("127.0.0.1", 0))

    def answer_nonsense() -> None:
        for _ in range(2):
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(b"HELLO THERE\r\n\r\n")

    thread = threading.Thread(target=answer_nonsense, daemon=True)
    thread.start()
    try:
        with pytest.raises(HubError) as refused:
            notify(f"http://127.0.0.1:{listener.getsockname()[1]}/", [f"{FEEDS}society/rss.xml"], tries=2,
                   pause=lambda seconds: None)
    finally:
        listener.close()
    assert "an answer that is not HTTP: BadStatusLine" in str(refused.value) and "after 2 attempts" in str(refused.value)
