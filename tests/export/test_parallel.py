"""`export --jobs N`: feeds rendered in worker processes give the same bytes as one process, their
checks' problems still fail the export with nothing written, a worker that dies is an error, and an
export with little to render starts no process."""

from __future__ import annotations

import os
import signal
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syndicate import api
from syndicate.cli import app
from syndicate.errors import OutputInvalid, UsageError
from syndicate.export import parallel, render
from syndicate.formats import FORMATS

from tests.conftest import enable_archive, monthly_store, write_record

ALL_FORMATS = ["rss", "atom", "jsonfeed", "newsml", "ninjs"]
DEFAULT_JOBS = parallel.default_jobs  # as the module defines it, taken before any test replaces it


def _tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of processes of each pool of workers started."""
    started: list[int] = []

    class Counted(ProcessPoolExecutor):
        def __init__(self, jobs: int, **options) -> None:
            started.append(jobs)
            super().__init__(jobs, **options)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", Counted)
    return started


@pytest.fixture
def archived(site: Path) -> Path:
    """SITE with pages of 3 items and a store of 10 public records over three months: 4 archive
    pages of `all`, 3 of society and 1 of sport, besides the current feeds."""
    enable_archive(site, "archive = 3")
    monthly_store(site)
    return site / "syndicate.toml"


def test_two_jobs_write_the_bytes_one_job_writes(archived: Path, pools: list[int]):
    one = api.export(archived, out_dir=archived.parent / "one", formats=ALL_FORMATS, jobs=1)
    assert pools == []
    two = api.export(archived, out_dir=archived.parent / "two", formats=ALL_FORMATS, jobs=2)
    assert pools == [2]
    published = _tree(archived.parent / "one")
    assert len([p for p in published if "/archive/" in p]) == 8 * len(ALL_FORMATS)
    assert {"index.opml", "manifest.json"} <= published.keys()
    assert _tree(archived.parent / "two") == published  # every file, the manifest and index.opml too
    assert (two.rendered, two.records, len(two.written)) == (one.rendered, one.records, len(one.written))
    # Again after one change: only its pages are rendered, the others are found as published.
    write_record(archived.parent, "s3-25", published="2024-03-25T10:00:00+03:00", title="Changed")
    one = api.export(archived, out_dir=archived.parent / "one", formats=ALL_FORMATS, jobs=1)
    two = api.export(archived, out_dir=archived.parent / "two", formats=ALL_FORMATS, jobs=2)
    assert _tree(archived.parent / "two") == _tree(archived.parent / "one")
    assert two.rendered == one.rendered < len(published) - 2
    assert [p.name for p in two.unchanged] == [p.name for p in one.unchanged]


def test_only_the_feeds_whose_inputs_changed_are_handed_to_a_worker(archived: Path, pools: list[int],
                                                                     monkeypatch: pytest.MonkeyPatch):
    out = archived.parent / "out"
    first = api.export(archived, out_dir=out, formats=["rss", "atom"], jobs=2)
    write_record(archived.parent, "s3-25", published="2024-03-25T10:00:00+03:00", title="Changed")
    handed: list[str] = []
    real = render.in_order

    def recording(task, tasks, **options):
        def each_noted():
            for each in tasks:
                if each.feed is not None:  # a page of articles, to render or read back
                    handed.append(each.slug)
                yield each
        return real(task, each_noted(), **options)

    monkeypatch.setattr(render, "in_order", recording)
    report = api.export(archived, out_dir=out, formats=["rss", "atom"], jobs=2)
    assert pools == [2, 2]
    feeds = {path.parent.relative_to(out).as_posix() for path in first.written if path.name == "rss.xml"}
    written = {path.parent.relative_to(out).as_posix() for path in report.written if path.suffix == ".xml"}
    assert sorted(handed) == sorted(written) and 0 < len(handed) < len(feeds)
    assert report.rendered == 2 * len(handed)


def test_a_check_failing_in_a_worker_fails_the_export_and_writes_nothing(archived: Path, pools: list[int],
                                                                         monkeypatch: pytest.MonkeyPatch):
    # The workers are forked from this process: they check with the check patched here.
    atom = FORMATS["atom"]
    monkeypatch.setitem(FORMATS, "atom", replace(atom, check=lambda data, schema: (
        ["refused"] if b"fh:archive" in data else atom.check(data, schema))))
    out = archived.parent / "out"
    with pytest.raises(OutputInvalid) as failed:
        api.export(archived, out_dir=out, formats=["rss", "atom"], jobs=2)
    assert pools == [2]
    refused = sorted(line for line in str(failed.value).splitlines() if line.endswith(": refused"))
    assert refused == [f"{feed}/archive/{page:05d}/atom.xml: refused" for feed, page in
                       [("all", 1), ("all", 2), ("all", 3), ("society", 1), ("society", 2)]]
    assert not out.exists() or _tree(out) == {}


def test_only_tasks_that_hold_a_page_count_towards_the_tasks_in_flight():
    taken: list[str] = []  # the order in which tasks are taken and results given

    def tasks(names):
        for name in names:
            taken.append(f"task {name}")
            yield name

    with parallel.workers(2) as workers:
        assert workers is not None
        bound = parallel.IN_FLIGHT_PER_JOB * workers.count
        # Quick tasks that hold nothing: all are taken before the first result is given.
        quick = [f"q{n}" for n in range(3 * bound)]
        for result in parallel.in_order(str.upper, tasks(quick), workers=workers, doing="testing",
                                        holds=lambda name: False):
            taken.append(f"result {result}")
        assert taken[:len(quick)] == [f"task {name}" for name in quick]
        assert [t for t in taken if t.startswith("result")] == [f"result {name.upper()}" for name in quick]
        # Tasks that hold a page: never more than the bound in flight.
        taken.clear()
        pages = [f"p{n}" for n in range(3 * bound)]
        for result in parallel.in_order(str.upper, tasks(pages), workers=workers, doing="testing"):
            taken.append(f"result {result}")
        in_flight = 0
        for event in taken:
            in_flight += 1 if event.startswith("task") else -1
            assert in_flight <= bound


def test_a_worker_that_dies_is_an_error_not_a_wait():
    with parallel.workers(2) as workers:
        assert workers is not None  # each task kills the process it runs in: never this one
        results = parallel.in_order(signal.raise_signal, [signal.SIGKILL] * 3, workers=workers, doing="testing")
        with pytest.raises(parallel.WorkerStopped, match="a process testing stopped .*; nothing was written"):
            list(results)


def test_an_export_whose_worker_is_killed_fails_and_writes_nothing(archived: Path, monkeypatch: pytest.MonkeyPatch):
    exporting = os.getpid()
    rss = FORMATS["rss"]

    def killed(feed, out) -> None:  # in a worker (forked after this patch), at the first archive page
        if os.getpid() != exporting and "/archive/" in feed.slug:
            signal.raise_signal(signal.SIGKILL)
        rss.write(feed, out)

    monkeypatch.setitem(FORMATS, "rss", replace(rss, write=killed))
    out = archived.parent / "out"
    with pytest.raises(parallel.WorkerStopped, match="a process rendering feeds stopped"):
        api.export(archived, out_dir=out, formats=["rss"], jobs=2)
    assert not out.exists() or _tree(out) == {}


def test_little_to_render_starts_no_process(site: Path, pools: list[int]):
    monthly_store(site)
    report = api.export(site / "syndicate.toml", out_dir=site / "out", formats=["rss", "atom"], jobs=2)
    assert pools == [] and report.rendered == 3 * 2


def test_the_cli_option_and_its_usage_errors(archived: Path, pools: list[int]):
    runner = CliRunner()
    out = archived.parent / "out"
    result = runner.invoke(app, ["export", "-c", str(archived), "--out", str(out), "--jobs", "2", "-f", "atom"])
    assert result.exit_code == 0, result.output
    assert pools == [2] and (out / "all" / "archive" / "00001" / "atom.xml").is_file()
    for wrong in ("0", "-1"):
        result = runner.invoke(app, ["export", "-c", str(archived), "--out", str(archived.parent / "no"),
                                     "--jobs", wrong])
        assert result.exit_code == 2
        assert f"error: --jobs: expected 1 or more processes; got {wrong}" in result.output
    assert not (archived.parent / "no").exists()
    with pytest.raises(UsageError, match="--jobs"):
        api.export(archived, out_dir=out, jobs=0)


def test_by_default_an_archive_is_rendered_by_one_process_per_cpu(archived: Path, pools: list[int],
                                                                   monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(parallel, "default_jobs", DEFAULT_JOBS)  # not the tests' one process (conftest.py)
    cpus = len(os.sched_getaffinity(0))
    assert parallel.default_jobs() == cpus
    api.export(archived, out_dir=archived.parent / "out", formats=["atom"])
    assert pools == ([cpus] if cpus > 1 else [])
