"""Versions that count: the ledger raises a version when what partners see changes, and only then."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path

from syndicate.model import Article, Feed, Media
from syndicate.versions import Versions, file_bytes, read_file, seen_by_partners

WHEN = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def _article(**changes) -> Article:
    article = Article(id="a1", item_id="tag:x.org,2026:a1", item_uri="tag:x.org,2026:a1", url="https://x.org/a1/",
                      title="Title", summary="Teaser.", body_html="<p>Body.</p>", section="society",
                      published=WHEN, updated=WHEN, language="en")
    return dataclasses.replace(article, **changes)


def _feed(*items: Article, tombstones: tuple[Article, ...] = ()) -> Feed:
    return Feed(slug="society", title="Society", description="D", language="en", home_url="https://x.org/s/",
                site_url="https://x.org/", base_url="https://x.org/feeds/society/", updated=WHEN, items=items,
                tombstones=tombstones)


def test_a_new_item_is_version_1_made_when_the_record_says():
    ledger = Versions()
    stamped = ledger.of_article(_article())
    assert (stamped.version, stamped.created, stamped.signal) == (1, WHEN, None)
    assert ledger.changed == {"tag:x.org,2026:a1": (1, seen_by_partners(_article()), WHEN)}


def test_the_same_content_keeps_its_version_whatever_else_changes():
    held = Versions()
    held.of_article(_article())
    ledger = Versions(held.changed)
    # The URL, sections and dates are not what the ledger compares: the item is the same version.
    stamped = ledger.of_article(_article(url="https://x.org/moved/", updated=WHEN + timedelta(days=1),
                                         tags=("new",)))
    assert (stamped.version, stamped.created) == (1, WHEN)
    assert ledger.changed == {}


def test_each_change_partners_see_raises_the_version_once():
    first = Versions()
    first.of_article(_article())
    for change in ({"title": "New title"}, {"summary": "Other."}, {"body_html": "<p>Fixed.</p>"},
                   {"media": (Media(url="https://x.org/i.jpg", type="image/jpeg"),)},
                   {"correction": "The name was wrong."}, {"status": "withheld"}, {"status": "killed"}):
        ledger = Versions(first.changed)
        later = WHEN + timedelta(hours=2)
        stamped = ledger.of_article(_article(updated=later, **change))
        assert (stamped.version, stamped.created) == (2, later), change
        # Exported again, from the ledger as this export left it: no second raise.
        again = Versions({**first.changed, **ledger.changed}).of_article(_article(updated=later, **change))
        assert again.version == 2, change


def test_a_correction_is_signalled_as_one_and_an_update_as_an_update():
    ledger = Versions()
    ledger.of_article(_article())
    corrected = ledger.of_article(_article(body_html="<p>Fixed.</p>", correction="The name was misspelt.",
                                           updated=WHEN + timedelta(hours=1)))
    assert (corrected.version, corrected.signal) == (2, "correction")
    updated = ledger.of_article(_article(body_html="<p>More.</p>", updated=WHEN + timedelta(hours=2)))
    assert (updated.version, updated.signal) == (3, "update")
    killed = ledger.of_article(_article(body_html="<p>More.</p>", status="killed", kill_reason="Legal.",
                                        updated=WHEN + timedelta(hours=3)))
    assert (killed.version, killed.signal) == (4, None)


def test_a_change_the_record_did_not_date_is_made_a_second_after_the_previous_version():
    ledger = Versions()
    ledger.of_article(_article())
    stamped = ledger.of_article(_article(title="Changed without a new updated date"))
    assert (stamped.version, stamped.created) == (2, WHEN + timedelta(seconds=1))


def test_a_pinned_version_is_never_overridden():
    ledger = Versions()
    ledger.of_article(_article())
    pinned = ledger.of_article(_article(title="Changed", version=7, version_pinned=True))
    assert pinned.version == 7
    assert ledger.of_article(_article(title="Changed again", version=7, version_pinned=True)).version == 7
    # Unpinned later, numbering goes on from what partners last saw.
    assert ledger.of_article(_article(title="Third", updated=WHEN + timedelta(days=1))).version == 8


def test_a_feed_package_version_rises_when_its_group_changes():
    ledger = Versions()
    one = ledger.of_article(_article())
    assert ledger.of_feed(_feed(one)).version == 1
    assert Versions({**ledger.changed}).of_feed(_feed(one)).version == 1
    two = ledger.of_article(_article(title="New", updated=WHEN + timedelta(hours=1)))
    assert ledger.of_feed(_feed(two)).version == 2
    assert ledger.of_feed(_feed(two, tombstones=(_article(id="a2", item_id="x:a2", status="killed"),))).version == 3


def test_the_ledger_file_round_trips_and_an_unreadable_one_starts_afresh(tmp_path: Path):
    ledger = Versions()
    ledger.of_article(_article())
    path = tmp_path / "versions.json"
    path.write_bytes(file_bytes({}, ledger.changed))
    assert read_file(path) == ledger.changed
    assert file_bytes(read_file(path), {}) == path.read_bytes()  # the same bytes again
    path.write_text("{not json", encoding="utf-8")
    assert read_file(path) == {}
    assert read_file(tmp_path / "absent.json") == {}


def test_the_store_s_entries_are_read_for_the_items_asked_and_outs_newer_ones_win():
    stored = Versions()
    stored.of_article(_article())
    asked: list[list[str]] = []

    def fetch(keys: list[str]) -> dict:
        asked.append(keys)
        return {key: stored.changed[key] for key in keys if key in stored.changed}

    # Nothing pending in OUT: the store's entry, read once for the two articles asked together.
    ledger = Versions(fetch=fetch)
    two = ledger.of_articles([_article(), _article(id="a2", item_id="x:a2")])
    assert [a.version for a in two] == [1, 1] and asked == [["tag:x.org,2026:a1", "x:a2"]]
    assert ledger.of_article(_article()).version == 1 and len(asked) == 1  # not read again
    # OUT kept version 2 the store could not take: it wins over the store's version 1.
    pending = {"tag:x.org,2026:a1": (2, seen_by_partners(_article(title="New")), WHEN + timedelta(hours=1))}
    ledger = Versions(pending, fetch=fetch)
    assert ledger.of_article(_article(title="New")).version == 2 and ledger.changed == {}


def test_a_directory_store_s_lost_ledger_is_said(site: Path):
    from syndicate import api
    from syndicate.versions import VERSIONS_FILE
    from tests.conftest import write_record

    write_record(site, "one")
    out = site / "out"
    assert not [w for w in api.export(site / "syndicate.toml", out_dir=out).warnings if VERSIONS_FILE in w]
    write_record(site, "one", title="Changed")
    (out / VERSIONS_FILE).write_text('{"versions": ', encoding="utf-8")
    report = api.export(site / "syndicate.toml", out_dir=out)
    assert any(f"{out / VERSIONS_FILE}: missing or unreadable" in w for w in report.warnings)
    write_record(site, "one", title="Changed again")
    assert not [w for w in api.export(site / "syndicate.toml", out_dir=out).warnings if VERSIONS_FILE in w]
