"""A story's life in every format: the notes said the same in each, files byte for byte the same
on every run, an item made anew for each new version, and nothing new where nothing happened."""

from __future__ import annotations

from dataclasses import replace

import pytest

from syndicate.export.manifest import InputsHashes
from syndicate.formats import FORMATS
from syndicate.formats.lifecycle import (
    correction_note, with_correction_html, with_correction_text, withdrawal_note,
)
from syndicate.formats.per_article import PerArticle, contents

from tests.formats.conftest import CORRECTED, KILLED, UPDATED, WITHHELD, lifecycle_feed, story, written

NOTE = "An earlier version gave the wrong date & place."


def test_a_correction_note_is_said_only_on_the_version_it_corrects():
    assert correction_note(CORRECTED) == NOTE
    assert correction_note(UPDATED) is None  # an update has no note
    assert correction_note(replace(CORRECTED, version=1)) is None  # nothing published before to correct
    assert correction_note(replace(CORRECTED, status="withheld")) is None  # withdrawn: its note says why


def test_the_correction_closes_the_text_as_a_paragraph():
    assert with_correction_html("<p>Text.</p>", CORRECTED) == (
        "<p>Text.</p><p>Correction: An earlier version gave the wrong date &amp; place.</p>")
    assert with_correction_text("Summary.", CORRECTED) == f"Summary.\n\nCorrection: {NOTE}"
    assert with_correction_html("<p>Text.</p>", UPDATED) == "<p>Text.</p>"
    assert with_correction_text("Summary.", UPDATED) == "Summary."


def test_a_withdrawn_story_has_its_reason_or_a_default_by_status():
    assert withdrawal_note(KILLED) == "Legal: a court order forbids publication."
    assert withdrawal_note(WITHHELD) == "Withheld: do not use until it is released again."
    assert withdrawal_note(replace(KILLED, kill_reason=None)) == (
        "Withdrawn: do not use, and take down every copy already published.")


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_writes_the_same_bytes_on_every_run(name: str):
    first = written(name, lifecycle_feed())
    for kept in PerArticle.every:  # made anew, not remembered
        kept.forget()
    assert written(name, lifecycle_feed()) == first
    assert FORMATS[name].check(first, None) == []


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_a_new_version_is_a_new_item_though_items_are_remembered_by_their_content(name: str):
    """Items are made once per content digest (per_article): the export's digest of an article
    covers its version, note and dates, so each version is written as it is."""
    first = story("corrected", origin="store#corrected", version=2)  # an update
    note = "The date was wrong."  # the same text in every format: nothing in it to escape
    corrected = replace(first, correction=note)  # the same but for its note: a correction
    files = []
    for article in (first, corrected):
        feed = lifecycle_feed(items=(article,), tombstones=())
        digest = InputsHashes().item(article)  # as each export makes it
        with contents([(article, digest)]):
            files.append(written(name, feed))
        with contents([(replace(article), digest)]):  # a copy, as a worker process receives it
            assert written(name, replace(feed, items=(replace(article),))) == files[-1]
    assert note not in files[0].decode("utf-8") and note in files[1].decode("utf-8")


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_a_feed_with_no_story_corrected_or_withdrawn_says_nothing_of_them(name: str):
    data = written(name, lifecycle_feed(items=(story("plain"),), tombstones=(), version=1)).decode("utf-8")
    for word in ("Correction", "tombstone", "deleted-entry", "edNote", "ednote", "signal", "withheld",
                 "canceled", "expires"):
        assert word not in data, word


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_a_feed_of_withdrawn_stories_alone_is_valid_and_recognised(name: str):
    data = written(name, lifecycle_feed(items=()))
    assert FORMATS[name].check(data, None) == [] and FORMATS[name].sniff(data)
