from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from syndicate import api
from syndicate.config import load_config
from syndicate.records import LoadResult, load_articles
from syndicate.store import open_store

from tests import newsroom

if TYPE_CHECKING:
    from tests.websub_hub import Hub

PROJECT = Path(__file__).resolve().parents[1]
EXAMPLE_CONFIG = PROJECT / "examples" / "syndicate.toml"
REFERENCE = PROJECT.parent / "shared" / "reference"
# The W3C Feed Validation Service's library, run offline (../shared/tools/w3c-feedvalidator/README.md).
W3C_VALIDATOR = PROJECT.parent / "shared" / "tools" / "w3c-feedvalidator"
SEED_ID = "society-2014-08-06-human-trafficking"
# The partner trees the profiles of examples/syndicate.toml add to its export (README "Partner profiles").
EXAMPLE_PARTNER_FILES = sorted(
    [f"partners/agency/{slug}/{name}" for slug in ("society", "analysis", "all") for name in ("newsml.xml", "ninjs.json")]
    + [f"partners/google-news/{slug}/rss.xml" for slug in ("society", "analysis", "all")]
    + ["partners/msn/all/atom.xml", "partners/flipboard/all/rss.xml", "partners/smartnews/society/rss.xml"]
    + [f"partners/{name}/index.opml" for name in ("agency", "google-news", "msn", "flipboard", "smartnews")]
    + ["partners/google-news/sitemap-news.xml"]
)

# Hypothesis profiles. "ci" (chosen when CI=true) draws the same examples on every run, so a
# run's result depends only on the code, and half as many as "dev", to keep the run short;
# "dev" (the default) draws new ones each run and replays any failure it found from
# .hypothesis/; "thorough" (--hypothesis-profile=thorough) draws ten times as many as "dev".
# A property test states its number of examples through examples().
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("ci", max_examples=50, deadline=None, derandomize=True, database=None, print_blob=True)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile("ci" if os.environ.get("CI", "").lower() in ("true", "1") else "dev")


def pytest_configure(config: pytest.Config) -> None:
    """Temporary files on a RAM disk where the machine has one and TMPDIR is not chosen.

    The tests create thousands of small stores and feed trees, each committed with fsync; on
    a disk that is most of the suite's time, on a RAM disk it costs nothing. Crash safety is
    still tested (by killing processes, which is what a RAM disk and a disk answer alike; a
    power cut is not simulated either way). Set TMPDIR to keep them on a disk."""
    ram_disk = Path("/dev/shm")
    if "TMPDIR" not in os.environ and ram_disk.is_dir() and os.access(ram_disk, os.W_OK | os.X_OK):
        os.environ["TMPDIR"] = str(ram_disk)  # read by workers (-n) and child processes too
        tempfile.tempdir = None  # tempfile.gettempdir() reads TMPDIR again
    # The tests start some hundred Python processes: each would compile syndicate's modules again
    # where bytecode is not written. It is written here, under the temporary directory, never
    # beside the sources (PYTHONPYCACHEPREFIX), unless a prefix is chosen already.
    if os.environ.get("PYTHONDONTWRITEBYTECODE") and "PYTHONPYCACHEPREFIX" not in os.environ:
        del os.environ["PYTHONDONTWRITEBYTECODE"]
        os.environ["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "syndicate-tests-bytecode")


@pytest.fixture(scope="session", autouse=True)
def record_cache_directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Directory stores' record caches (syndicate.store.cache) of the whole run in a temporary
    directory, never the user's ~/.cache; subprocesses inherit it."""
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("record-caches")
        patch.setenv("SYNDICATE_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def one_render_process_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """An export given no jobs renders in this process: the tests already run in one process per
    core (pytest-xdist), and two workers forked for each small archive would only contend with
    them. Tests of the workers ask for them (tests/export/test_parallel.py, test_archives.py); the
    default itself is tested there too."""
    from syndicate.export import parallel

    monkeypatch.setattr(parallel, "default_jobs", lambda: 1)


def examples(count: int) -> int:
    """COUNT examples under the dev profile, scaled with the profile's max_examples (half under ci)."""
    return max(1, count * settings.default.max_examples // 100)


def reference(relative: str) -> Path:
    """A public schema from ../shared/reference/, or a skip saying why it is absent."""
    path = REFERENCE / relative
    if not path.is_file():
        pytest.skip(f"public reference {relative} not found: ../shared/reference/ is not beside the checkout")
    return path


@pytest.fixture(scope="session")
def example_feeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example store exported once, in every default format."""
    out = tmp_path_factory.mktemp("feeds")
    api.export(EXAMPLE_CONFIG, out_dir=out)
    return out


@pytest.fixture(scope="session")
def varied(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, newsroom.Expected]]:
    """A varied newsroom store (tests/newsroom.py) exported once in every format:
    (output directory, what each record must read back as, by item id)."""
    site = tmp_path_factory.mktemp("newsroom")
    expected = newsroom.build(site)
    out = site / "out"
    report = api.export(site / "syndicate.toml", out_dir=out, formats=["rss", "atom", "jsonfeed", "newsml", "ninjs"])
    assert report.records == len(expected)
    assert any("id=r" in w and "title: removed" in w for w in report.warnings)  # the controls, named
    return out, expected


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A minimal site of our own: a config and an empty store, to be filled by the test."""
    return make_site(tmp_path)


def make_site(folder: Path) -> Path:
    """The `site` fixture's site in FOLDER; returns FOLDER."""
    (folder / "store").mkdir()
    config = folder / "syndicate.toml"
    config.write_text(
        """
[site]
title = "Test News"
home_url = "https://test.example.org/"
id_prefix = "tag:test.example.org,2024:"
timezone = "Europe/Minsk"
dayfirst = true
language = "en"

[[sections]]
slug = "society"
title = "Society"
description = "Society news."

[[sections]]
slug = "sport"
title = "Sport"
""",
        encoding="utf-8",
    )
    return folder


def write_record(site: Path, name: str, **fields) -> Path:
    record = {
        "id": name,
        "url": f"https://test.example.org/society/{name}/",
        "title": f"Title of {name}",
        "section": "society",
        "published": "2024-01-02T10:00:00+03:00",
    }
    record.update(fields)
    record = {k: v for k, v in record.items() if v is not None}
    path = site / "store" / f"{name}.json"
    # ASCII JSON: escapes carry what UTF-8 cannot (lone surrogates) into the store.
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


def enable_archive(site: Path, site_line: str = "", *, society: str = "", limit: int = 2) -> Path:
    """SITE's config (the `site` fixture's) with the line SITE_LINE in [site] and SOCIETY in the
    society section (e.g. 'archive = "month"'), and a feed limit of LIMIT."""
    config = site / "syndicate.toml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("[site]\n", f"[site]\n{site_line}\n", 1)
    text = text.replace('slug = "society"\n', f'slug = "society"\n{society}\n', 1)
    config.write_text(text + f"\n[defaults]\nlimit = {limit}\n", encoding="utf-8")
    return config


def monthly_store(site: Path) -> None:
    """Nine society articles over January to March 2024 (three a month), a draft and a sport article."""
    for month in (1, 2, 3):
        for day in (5, 15, 25):
            write_record(site, f"s{month}-{day}", published=f"2024-0{month}-{day:02d}T10:00:00+03:00")
    write_record(site, "draft", published="2024-02-10T10:00:00+03:00", status="draft")
    write_record(site, "ball", section="sport", url="https://test.example.org/sport/ball/",
                 published="2024-02-20T10:00:00+03:00")


def copy_example(tmp_path: Path, *, partners: bool = True) -> Path:
    """A writable copy of examples/ (config and store); returns the config path. Without PARTNERS,
    its config has no partner profiles: the public feeds alone are written."""
    shutil.copytree(PROJECT / "examples", tmp_path / "examples")
    config = tmp_path / "examples" / "syndicate.toml"
    if not partners:
        config.write_text(_without_partners(config.read_text(encoding="utf-8")), encoding="utf-8")
    return config


def _without_partners(text: str) -> str:
    """The example config's TEXT without its partner profiles (the last part of it)."""
    return text[:text.index("\n# Partner profiles")] + "\n"


@pytest.fixture(scope="session")
def public_example_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example config without its partner profiles, its store the example's (for tests of the
    public feeds that count what an export writes)."""
    folder = tmp_path_factory.mktemp("public-example")
    text = _without_partners(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    text = text.replace('location = "store"', f'location = "{(EXAMPLE_CONFIG.parent / "store").as_posix()}"')
    (folder / "syndicate.toml").write_text(text, encoding="utf-8")
    return folder / "syndicate.toml"


def load_store(config_path: Path, store: Path | None = None) -> LoadResult:
    """Every record of a site's store, read and checked as an export does."""
    config = load_config(config_path)
    opened = open_store(store or config.store, config=config)
    try:
        return load_articles(opened.records(), config)
    finally:
        opened.close()


def kill_at_pause_point(command: list[str], point: str, *, env: dict[str, str] | None = None) -> str:
    """Run COMMAND until it stops at the pause point POINT ("NAME" or "NAME:N", see
    syndicate.pausepoints), SIGKILL it there, and return what it said on stopping. Fails if
    it ends without reaching the point. Nothing is timed: the pipe tells when it has stopped."""
    import signal
    import subprocess

    read_end, write_end = os.pipe()
    environment = {**(os.environ if env is None else env), "SYNDICATE_PAUSE_AT": point,
                   "SYNDICATE_PAUSE_FD": str(write_end)}
    process = subprocess.Popen(command, env=environment, pass_fds=(write_end,), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as reader:
            stopped = reader.readline().decode("ascii")  # end of file if it ends without stopping
        process.send_signal(signal.SIGKILL)
    finally:
        _out, errors = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, f"it ended before {point}: {errors.decode()}"
    name, _, nth = point.partition(":")
    assert stopped.split()[:2] == [name, nth or "1"], stopped
    return stopped


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hub]:
    """A WebSub hub on loopback (tests/websub_hub.py), reached directly, recording what it receives."""
    from tests.websub_hub import Hub, serve

    for variable in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    recording = Hub()
    server, thread = serve(recording)
    try:
        yield recording
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
