"""Every feed of feedparser's own test corpus (about 2,100 real-world and crafted feeds) goes
through `syndicate import`, without --skip-invalid and, where refused, with it: each is imported (exit 0) or
refused with named problems (exit 2), never an internal error or a traceback.

The corpus is not part of this project. It is read from a git copy of feedparser's repository
(kurtmckee/feedparser, its tests/ folder): the one named by SYNDICATE_FEEDPARSER_REPO, else
../.mirror/kurtmckee+feedparser/repo beside the checkout. Without one, the test is skipped.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import tarfile
from pathlib import Path

import pytest
import typer

from syndicate import cli

from tests.conftest import PROJECT

CONFIG = """
[site]
title = "Corpus"
home_url = "https://corpus.example.org/"
id_prefix = "tag:corpus.example.org,2024:"

[[sections]]
slug = "society"
title = "Society"
"""


def _repository() -> Path:
    named = os.environ.get("SYNDICATE_FEEDPARSER_REPO")
    repository = Path(named) if named else PROJECT.parent / ".mirror" / "kurtmckee+feedparser" / "repo"
    if not repository.exists():
        pytest.skip(f"feedparser's test corpus not found: no git copy of kurtmckee/feedparser at {repository} "
                    "(set SYNDICATE_FEEDPARSER_REPO to one)")
    return repository


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    repository = _repository()
    archive = subprocess.run(["git", "-C", str(repository), "archive", "--format=tar", "HEAD", "tests"],
                             capture_output=True, check=False)
    if archive.returncode != 0:
        pytest.skip(f"feedparser's test corpus at {repository} cannot be read: {archive.stderr.decode()[:200]}")
    folder = tmp_path_factory.mktemp("feedparser-corpus")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    files = sorted(p for p in (folder / "tests").rglob("*") if p.is_file() and p.suffix in (".xml", ".json"))
    assert len(files) > 2000
    return files


PARTS = 6  # the corpus in parts, which test runs on several cores (-n) share out


def _import(source: Path, *, into: Path, config: Path, options: dict) -> tuple[int, str]:
    """(exit code, output) of `syndicate import SOURCE --into INTO -c CONFIG --section society`:
    the command's own function, as Typer calls it once the arguments are parsed (parsing them
    does not depend on the feed), printing to a strict UTF-8 stream as a terminal's is."""
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    with contextlib.redirect_stdout(stream), contextlib.redirect_stderr(stream):
        try:
            cli.import_(sources=[str(source)], into=str(into), config=config, section="society", quiet=False,
                        json_report=False, **options)
            code = 0
        except typer.Exit as exited:
            code = exited.exit_code
    stream.flush()
    return code, stream.buffer.getvalue().decode("utf-8")


@pytest.mark.parametrize("part", range(PARTS))
def test_every_corpus_feed_is_imported_or_refused_by_name(corpus: list[Path], part: int, tmp_path: Path):
    feeds = corpus[part::PARTS]
    config = tmp_path / "syndicate.toml"
    config.write_text(CONFIG, encoding="utf-8")
    failures = []
    exits = {}
    for number, source in enumerate(feeds):
        for options in ({"skip_invalid": False}, {"skip_invalid": True}):
            store = tmp_path / f"store-{number}.db"
            try:
                code, output = _import(source, into=store, config=config, options=options)
            except Exception as error:  # what the command would report as an internal error
                failures.append(f"{source} {options}: {error!r}")
                break
            finally:
                store.unlink(missing_ok=True)
            exits[code] = exits.get(code, 0) + 1
            if code not in (0, 2) or "Traceback" in output:
                failures.append(f"{source} {options}: exit {code}")
            if code == 0:
                break  # imported whole: --skip-invalid has nothing to skip
            if not options["skip_invalid"]:
                assert output.rstrip().endswith("nothing was written") or "error:" in output, (source, output)
    assert not failures, "\n".join(failures[:20])
    assert exits.get(0, 0) == len(feeds)  # each feed, with --skip-invalid if not without
