"""The import pipeline: every record checked as export checks it before the first is written, in worker
processes or not with the same outcome, written one batch at a time in memory that does not grow with
the number of records; progress on a terminal, and a summary of what was new, replaced and skipped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syndicate import api, cli, importing
from syndicate.config import load_config
from syndicate.errors import InvalidRecords, SyndicateError
from syndicate.records import load_articles
from syndicate.store import StoreError, open_store
from syndicate.store.sqlite import SqliteStore

from tests import newsroom
from tests.conftest import EXAMPLE_CONFIG
from tests.store.configs import EXAMPLE_STORE, example_config, write_many

runner = CliRunner()


def _environment() -> dict[str, str]:
    import syndicate

    here = str(Path(syndicate.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))}


def _append(path: Path, *lines: str) -> Path:
    with path.open("a", encoding="utf-8") as out:
        for line in lines:
            out.write(line + "\n")
    return path


BAD = json.dumps({"id": "bad-one", "url": "https://news.example.org/x/bad-one/", "title": "Bad",
                  "section": "society", "published": "31.31.2014"})


# The contract: nothing written unless every record is valid; --skip-invalid imports the others.

def test_an_invalid_record_after_1200_valid_ones_means_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # Past the point where worker processes start, and more than one batch: nothing written all the same.
    monkeypatch.setattr(importing, "_PARALLEL_AFTER", 200)
    config = example_config(tmp_path)
    store = tmp_path / "news.db"
    api.import_records([EXAMPLE_STORE], into=store, config_path=config)
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir() if path.name.startswith("news.db")}
    source = _append(write_many(tmp_path / "many.jsonl", 1200), BAD)

    result = runner.invoke(app := cli.app, ["import", str(source), "--into", str(store), "--config", str(config)])
    assert result.exit_code == 2, result.output
    named, summary = result.stderr.splitlines()
    assert named.startswith(f"{source}:1201 id=bad-one published: cannot read '31.31.2014' as a date")
    assert summary == "error: 1 problem in the store; nothing was written"
    assert result.stdout == ""
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir() if path.name.startswith("news.db")} == before
    new_store = tmp_path / "never.db"  # (a short source: that no store is created does not depend on its length)
    short = _append(write_many(tmp_path / "short.jsonl", 10), BAD)
    assert runner.invoke(app, ["import", str(short), "--into", str(new_store), "--config", str(config)]
                         ).exit_code == 2
    assert not new_store.exists()

    result = runner.invoke(app, ["import", str(source), "--into", str(store), "--config", str(config),
                                 "--skip-invalid"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"imported 1200 records into {store}: 1200 new, 0 replaced, 1 skipped\n"
    assert result.stderr.startswith(f"skipped: {source}:1201 id=bad-one published: ")
    assert api.store_stats(store, config_path=config)[1].total == 1225


def _tricky(site: Path) -> Path:
    """The varied newsroom's records as one .jsonl file, with later duplicates of earlier ids (one of them
    also invalid), a guid that is another record's item id or
    item URI, lines that are not records, and bad dates."""
    site.mkdir()
    newsroom.build(site)
    records = [json.loads(path.read_text(encoding="utf-8")) for path in sorted((site / "store").rglob("*.json"))]
    lines = [json.dumps(record, ensure_ascii=False) for record in records]
    copy = dict(records[3], title="A later record with an id seen before")
    broken = dict(records[7], title=42)  # a duplicate id with a schema problem too
    taken = records[5].get("guid") or "tag:naviny.example.org,2014:" + records[5]["id"]  # its item id
    guid = dict(records[0], id="other-id", guid=taken)
    late = dict(records[2], id="late-date", published="31.31.2014")
    # A guid that is no URI: Atom and ninjs write the record's tag URI, which a later guid then takes.
    plain = dict(records[1], id="plain-guid", guid="wp-post-4711")
    uri_taken = dict(records[4], id="takes-a-uri", guid="tag:naviny.example.org,2014:plain-guid")
    extra = ["{not json", "[1, 2]", json.dumps({"id": 7, "title": "an id that is not text"}),
             json.dumps(copy, ensure_ascii=False), json.dumps(broken, ensure_ascii=False),
             json.dumps(guid, ensure_ascii=False), json.dumps(late, ensure_ascii=False),
             json.dumps(plain, ensure_ascii=False), json.dumps(uri_taken, ensure_ascii=False)]
    # Interleaved so that duplicates fall in other chunks than the records they repeat.
    mixed = lines[:20] + extra[:3] + lines[20:] + extra[3:] + [json.dumps(records[3], ensure_ascii=False)]
    source = site / "tricky.jsonl"
    source.write_text("\n".join(mixed) + "\n", encoding="utf-8")
    return source


def test_records_are_checked_exactly_as_export_checks_them_in_worker_processes_or_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    source = _tricky(tmp_path / "site")
    config_path = tmp_path / "site" / "syndicate.toml"
    config = load_config(config_path)
    expected = load_articles(open_store(source, config=config).records(), config)  # as an export reads a store
    assert expected.skipped >= 7 and expected.warnings

    reports = {}
    for workers in (1, 2):
        started = []

        class Counted(ProcessPoolExecutor):
            def __init__(self, *arguments, **keywords):
                started.append(arguments)
                super().__init__(*arguments, **keywords)

        monkeypatch.setattr(importing, "ProcessPoolExecutor", Counted)
        monkeypatch.setattr(importing, "_PARALLEL_AFTER", 0)
        monkeypatch.setattr(importing, "_CHUNK", 3)  # many chunks in flight, duplicates across them
        with pytest.raises(InvalidRecords) as refused:
            api.import_records([source], into=tmp_path / f"refused-{workers}.db", config_path=config_path,
                               workers=workers)
        assert refused.value.problems == expected.problems
        reports[workers] = api.import_records([source], into=tmp_path / f"{workers}.db", config_path=config_path,
                                              skip_invalid=True, workers=workers)
        assert len(started) == (2 if workers == 2 else 0)  # the pool was used (twice), or not at all
        assert not (tmp_path / f"refused-{workers}.db").exists()

    for report in reports.values():
        assert report.skipped == expected.problems
        assert report.warnings == expected.warnings
        assert report.skipped_records == expected.skipped
        assert (report.new, report.replaced) == (len(expected.articles), 0)
    assert any("duplicate id, first used in" in str(p) for p in expected.problems)
    assert any("is already the item id of" in str(p) for p in expected.problems)
    assert any("takes-a-uri" in str(p) and "is already the item id of" in str(p) for p in expected.problems)

    def contents(path: Path) -> list:
        import sqlite3

        with sqlite3.connect(path) as connection:
            return [connection.execute("SELECT * FROM articles ORDER BY id").fetchall(),
                    connection.execute("SELECT * FROM article_sections ORDER BY section, id").fetchall()]

    assert contents(tmp_path / "1.db") == contents(tmp_path / "2.db")
    assert [row[0] for row in contents(tmp_path / "1.db")[0]] == sorted(a.id for a in expected.articles)


def test_records_are_checked_here_when_worker_processes_cannot_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def refused(*arguments, **keywords):
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(importing, "_PARALLEL_AFTER", 0)
    monkeypatch.setattr(ProcessPoolExecutor, "submit", refused)
    report = api.import_records([write_many(tmp_path / "many.jsonl", 200)], into=tmp_path / "news.db",
                                config_path=example_config(tmp_path), workers=2)
    assert report.new == 200


# Bounded memory: one batch at a time in the store, a few chunks at a time in the check.

@pytest.mark.parametrize("workers", [1, 2])
def test_the_pipeline_holds_a_few_chunks_while_checking_and_one_batch_while_writing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int):
    config = example_config(tmp_path)
    source = write_many(tmp_path / "many.jsonl", 600)
    monkeypatch.setattr(importing, "_PARALLEL_AFTER", 200)
    batches: list[int] = []
    in_flight: list[int] = []
    read = 0
    settled = 0
    upsert, add, raw_records = SqliteStore.upsert, importing._Spool.add, importing._raw_records

    def counting_upsert(self, records):
        batches.append(len(records))
        return upsert(self, records)

    def counting_add(self, row):
        nonlocal settled
        settled += 1
        add(self, row)

    def counting_records(*arguments, **keywords):
        nonlocal read
        for raw in raw_records(*arguments, **keywords):
            read += 1
            in_flight.append(read - settled)
            yield raw

    monkeypatch.setattr(SqliteStore, "upsert", counting_upsert)
    monkeypatch.setattr(importing._Spool, "add", counting_add)
    monkeypatch.setattr(importing, "_raw_records", counting_records)
    report = api.import_records([source], into=tmp_path / "news.db", config_path=config, batch_size=150,
                                workers=workers)
    assert report.new == 600
    assert batches == [150] * 4
    chunk = importing._CHUNK
    assert max(in_flight) <= (2 * workers + 2) * chunk < 600  # read, not yet checked and spooled


MEASURE = r"""
import json, sys
from syndicate import api
source, into, config = sys.argv[1:4]
# Batches of 100: what a batch holds is bounded by its size, which both imports here exceed.
api.import_records([source], into=into, config_path=config, workers=1, batch_size=100)
print(next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""


def _records(path: Path, count: int) -> Path:
    """COUNT records with bodies of 8 KB: 1,000 of them held at once would take over 25 MB."""
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            out.write(json.dumps({"id": f"m{n}", "url": f"https://news.example.org/x/m{n}/", "title": f"Story {n}",
                                  "section": "society", "published": "2024-01-01",
                                  "body": "<p>" + f"Paragraph {n} of the story. " * 300 + "</p>"}) + "\n")
    return path


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory is read from /proc")
def test_peak_memory_does_not_grow_with_the_number_of_records(tmp_path: Path):
    config = example_config(tmp_path)
    peaks = []
    for count in (300, 1000):
        done = subprocess.run([sys.executable, "-c", MEASURE, str(_records(tmp_path / f"{count}.jsonl", count)),
                               str(tmp_path / f"{count}.db"), str(config)],
                              env=_environment(), capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        peaks.append(int(done.stdout.split()[-1]) / 1024)
    assert peaks[1] < peaks[0] + 15, f"peak {peaks[0]:.0f} MiB for 300 records, {peaks[1]:.0f} MiB for 1,000"


# Failures while writing, and of the spool.

def test_a_failure_in_a_later_batch_says_what_was_imported_before_it(tmp_path: Path):
    config = example_config(tmp_path)
    store = tmp_path / "store"
    store.mkdir()
    held = json.loads(write_many(tmp_path / "held.jsonl", 1, prefix="h").read_text(encoding="utf-8"))
    (store / "old.jsonl").write_text(json.dumps(held) + "\n", encoding="utf-8")
    source = _append(write_many(tmp_path / "many.jsonl", 25), json.dumps(held))  # the 26th: held by a .jsonl line
    with pytest.raises(StoreError) as failed:
        api.import_records([source], into=store, config_path=config, batch_size=10)
    assert str(failed.value).endswith(
        "which import cannot replace; move it to a .json file of its own; nothing was imported (of this batch of "
        "6 records; the 20 before it were imported: run the import again once this is fixed, records are upserted "
        "by id)")
    assert api.store_stats(store, config_path=config)[1].total == 21


def test_a_spool_that_cannot_grow_is_an_error_naming_it_and_nothing_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    start = importing._Spool.__init__

    def small(self):
        start(self)
        self._db.execute("PRAGMA max_page_count = 20")  # a full TMPDIR

    monkeypatch.setattr(importing._Spool, "__init__", small)
    config = example_config(tmp_path)
    result = runner.invoke(cli.app, ["import", str(write_many(tmp_path / "many.jsonl", 300)), "--into",
                                     str(tmp_path / "news.db"), "--config", str(config)])
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith("error: cannot import: the temporary file that holds the checked records (")
    assert message.endswith(", in TMPDIR) failed: database or disk is full; nothing was imported")
    assert not (tmp_path / "news.db").exists()
    with pytest.raises(SyndicateError):
        api.import_records([tmp_path / "many.jsonl"], into=tmp_path / "news.db", config_path=config)


def test_the_spool_is_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    spools = []
    start = importing._Spool.__init__

    def noted(self):
        start(self)
        spools.append(self.path.parent)

    monkeypatch.setattr(importing._Spool, "__init__", noted)
    config = example_config(tmp_path)
    api.import_records([EXAMPLE_STORE], into=tmp_path / "news.db", config_path=config)
    with pytest.raises(InvalidRecords):
        api.import_records([_append(tmp_path / "bad.jsonl", BAD)], into=tmp_path / "news.db", config_path=config)
    assert len(spools) == 2 and not any(folder.exists() for folder in spools)


# Progress and summary.

def test_a_progress_bar_on_a_terminal_and_nothing_but_the_summary_otherwise(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    arguments = ["import", str(EXAMPLE_STORE), "--into", str(tmp_path / "news.db"), "--config", str(EXAMPLE_CONFIG)]
    result = runner.invoke(cli.app, arguments)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout == f"imported 25 records into {tmp_path / 'news.db'}: 25 new, 0 replaced, 0 skipped\n"

    monkeypatch.setattr(cli, "_stderr_is_terminal", lambda: True)
    result = runner.invoke(cli.app, arguments)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"imported 25 records into {tmp_path / 'news.db'}: 0 new, 25 replaced, 0 skipped\n"
    bar = result.stderr
    assert "checking" in bar and "writing" in bar and "25/25" in bar and " left" in bar, bar
    assert "\x1b[" in bar  # drawn for a terminal

    result = runner.invoke(cli.app, [*arguments, "--quiet"])
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == ""


def test_progress_is_reported_as_records_are_checked_then_written(tmp_path: Path):
    calls = []
    api.import_records([write_many(tmp_path / "many.jsonl", 250)], into=tmp_path / "news.db",
                       config_path=example_config(tmp_path), batch_size=100,
                       progress=lambda phase, done, total: calls.append((phase, done, total)))
    checking = [done for phase, done, total in calls if phase == "check"]
    assert checking == sorted(checking) and checking[-1] == 250 and len(checking) > 2
    assert [(done, total) for phase, done, total in calls if phase == "write"] == [
        (0, 250), (100, 250), (200, 250), (250, 250)]
    assert calls.index(("write", 0, 250)) > max(i for i, call in enumerate(calls) if call[0] == "check")
