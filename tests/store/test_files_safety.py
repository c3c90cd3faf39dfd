"""The directory store against hostile files and crashes: unlistable directories, FIFOs,
devices and sockets under record names, ids that make awkward file names, and an
import killed at any moment (all or none)."""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syndicate import api
from syndicate.cli import app
from syndicate.config import load_config
from syndicate.errors import InvalidRecords
from syndicate.store import StoreError, StoreState, open_store
from syndicate.store import files

from tests.conftest import kill_at_pause_point, load_store, write_record

runner = CliRunner()
PREFIX = "tag:test.example.org,2024:"  # the id_prefix of the `site` fixture
HANG_LIMIT = 20  # seconds: an export that takes longer is taken to hang


def _record(record_id: str, *, title: str | None = None, section: str = "society") -> dict:
    return {"id": record_id, "url": f"https://test.example.org/{section}/{len(record_id)}/",
            "title": title or f"Title of {record_id}", "section": section, "published": "2024-01-02T10:00:00+03:00"}


def _environment() -> dict[str, str]:
    """This environment, with the syndicate these tests import (the checkout's or the installed one) first."""
    import syndicate

    here = str(Path(syndicate.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))}


def _syndicate(*args: str, preexec_fn=None) -> subprocess.CompletedProcess:
    """The CLI of this checkout in a subprocess, which must finish within HANG_LIMIT."""
    try:
        return subprocess.run([sys.executable, "-m", "syndicate", *args], capture_output=True, text=True,
                              env=_environment(), timeout=HANG_LIMIT, preexec_fn=preexec_fn)
    except subprocess.TimeoutExpired:
        pytest.fail(f"syndicate {' '.join(args)} did not finish within {HANG_LIMIT} s")


def _promptly(work):
    """WORK's result, from a daemon thread that must finish within HANG_LIMIT (a blocked one is left behind)."""
    outcome: dict[str, object] = {}

    def run():
        try:
            outcome["result"] = work()
        except BaseException as error:  # handed to the test
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG_LIMIT)
    if thread.is_alive():
        pytest.fail(f"did not finish within {HANG_LIMIT} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def _feed_ids(out: Path, section: str) -> list[str]:
    return [item["id"] for item in json.loads((out / section / "feed.json").read_text(encoding="utf-8"))["items"]]


def _everything(root: Path) -> dict[str, tuple[int, int]]:
    """Every name under ROOT, hidden ones too, with its inode and mtime: what a reader must leave alone."""
    return {p.relative_to(root).as_posix(): (p.lstat().st_ino, p.lstat().st_mtime_ns) for p in root.rglob("*")}


# 1. A directory of the store that cannot be listed

def _unlistable(monkeypatch: pytest.MonkeyPatch, locked: Path) -> None:
    """os.scandir of LOCKED fails as it does for a directory without read permission."""
    real = os.scandir

    def scandir(path="."):
        if isinstance(path, (str, os.PathLike)) and Path(path) == locked:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_an_unlistable_directory_is_an_error_naming_it_and_nothing_is_published(site: Path, monkeypatch):
    write_record(site, "kept")
    (site / "store" / "sport").mkdir()
    (site / "store" / "sport" / "match.json").write_text(json.dumps(_record("match", section="sport")),
                                                        encoding="utf-8")
    _unlistable(monkeypatch, site / "store" / "sport")
    out = site / "out"
    with pytest.raises(StoreError, match=r"store/sport: cannot list this directory of the store "
                                         r"\(Permission denied\); nothing was read"):
        api.export(site / "syndicate.toml", out_dir=out)
    result = runner.invoke(app, ["export", "--config", str(site / "syndicate.toml"), "--out", str(out),
                                 "--skip-invalid"])
    assert result.exit_code == 2 and "store/sport: cannot list this directory" in result.output
    assert not out.exists()
    # stats, import from it and import into it refuse the same way.
    with pytest.raises(StoreError, match="store/sport: cannot list"):
        api.store_stats(site / "store", config_path=site / "syndicate.toml")
    with pytest.raises(StoreError, match="store/sport: cannot list"):
        api.import_records([site / "store"], into=site / "copy", config_path=site / "syndicate.toml")
    source = site / "new.json"
    source.write_text(json.dumps(_record("new")), encoding="utf-8")
    before = _everything(site / "store")
    with pytest.raises(StoreError, match="store/sport: cannot list"):
        api.import_records([source], into=site / "store", config_path=site / "syndicate.toml")
    assert {k for k in _everything(site / "store") if not k.startswith(".syndicate")} == \
        {k for k in before if not k.startswith(".syndicate")}


def _drop_dac_override() -> None:
    """In the child, before exec: give up root's power to read what permissions forbid."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_a_real_unreadable_directory_refuses_the_export(site: Path):
    """chmod 000 binds root only without CAP_DAC_OVERRIDE: as root the CLI runs with it dropped."""
    write_record(site, "kept")
    locked = site / "store" / "sport"
    locked.mkdir()
    (locked / "match.json").write_text(json.dumps(_record("match", section="sport")), encoding="utf-8")
    preexec = _drop_dac_override if os.geteuid() == 0 else None
    locked.chmod(0)
    try:
        probe = subprocess.run([sys.executable, "-c", f"import os; os.listdir({str(locked)!r})"],
                               capture_output=True, text=True, preexec_fn=preexec)
        if probe.returncode == 0:
            pytest.skip("this process can read a chmod 000 directory and cannot give that up "
                        "(root without CAP_SETPCAP); the simulated test above covers the behaviour")
        out = site / "out"
        result = _syndicate("export", "--config", str(site / "syndicate.toml"), "--out", str(out), "--skip-invalid",
                            preexec_fn=preexec)
    finally:
        locked.chmod(0o755)
    assert result.returncode == 2, result.stderr
    assert f"error: {locked}: cannot list this directory of the store (Permission denied)" in result.stderr
    assert not out.exists()


# 2. Files that are not regular files

def test_a_fifo_named_like_a_record_is_a_problem_naming_it_and_does_not_block(site: Path):
    write_record(site, "kept")
    fifo = site / "store" / "x.json"
    os.mkfifo(fifo)
    out = site / "out"
    started = time.monotonic()
    refused = _syndicate("export", "--config", str(site / "syndicate.toml"), "--out", str(out))
    assert refused.returncode == 2, refused.stderr
    assert "x.json record: is a FIFO (named pipe), not a regular file: a store reads regular files only" \
        in refused.stderr
    assert not out.exists()
    report = _promptly(lambda: api.export(site / "syndicate.toml", out_dir=out, skip_invalid=True))
    assert [str(p) for p in report.skipped] == [
        f"{fifo} record: is a FIFO (named pipe), not a regular file: a store reads regular files only"]
    assert _feed_ids(out, "society") == [PREFIX + "kept"]
    _location, stats = _promptly(lambda: api.store_stats(site / "store", config_path=site / "syndicate.toml"))
    assert stats.counts == {("society", "published"): 1, ("(unreadable)", "-"): 1}
    assert time.monotonic() - started < 2 * HANG_LIMIT
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # left as it was


@pytest.mark.parametrize("name", ["y.json", "y.jsonl"])
def test_a_link_to_a_device_is_refused_unread(site: Path, name: str):
    write_record(site, "kept")
    (site / "store" / name).symlink_to("/dev/zero")
    out = site / "out"
    result = _syndicate("export", "--config", str(site / "syndicate.toml"), "--out", str(out))
    assert result.returncode == 2, result.stderr  # not 3: no MemoryError
    assert f"{name} record: is a character device, not a regular file" in result.stderr
    assert "MemoryError" not in result.stderr and not out.exists()
    _location, stats = _promptly(lambda: api.store_stats(site / "store", config_path=site / "syndicate.toml"))
    assert stats.counts == {("society", "published"): 1, ("(unreadable)", "-"): 1}


def test_a_socket_and_a_directory_under_record_names(site: Path, tmp_path_factory: pytest.TempPathFactory):
    write_record(site, "kept")
    # A socket's path is limited to ~100 bytes: bind it in a short directory, then move it into the store.
    short = tmp_path_factory.mktemp("s")
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(short / "z"))
        os.rename(short / "z", site / "store" / "z.json")
        (site / "store" / "elsewhere").mkdir()
        (site / "store" / "d.json").symlink_to(site / "store" / "elsewhere")
        problems = {p.origin.rsplit("/", 1)[-1]: p.message for p in load_store(site / "syndicate.toml").problems}
    assert problems == {"d.json": "is a directory, not a regular file: a store reads regular files only",
                        "z.json": "is a socket, not a regular file: a store reads regular files only"}


def test_a_link_to_a_regular_file_is_read_and_an_import_replaces_the_link_not_its_target(
        site: Path, tmp_path_factory: pytest.TempPathFactory):
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "linked.json"
    elsewhere.write_text(json.dumps(_record("linked", title="Kept elsewhere")), encoding="utf-8")
    link = site / "store" / "linked.json"
    link.symlink_to(elsewhere)
    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, formats=["jsonfeed"])
    assert _feed_ids(out, "society") == [PREFIX + "linked"]
    source = site / "correction.json"
    source.write_text(json.dumps(_record("linked", title="Corrected")), encoding="utf-8")
    api.import_records([source], into=site / "store", config_path=site / "syndicate.toml")
    assert not link.is_symlink() and json.loads(link.read_text(encoding="utf-8"))["title"] == "Corrected"
    assert json.loads(elsewhere.read_text(encoding="utf-8"))["title"] == "Kept elsewhere"


def test_the_size_limit_holds_on_the_bytes_read_when_the_file_grows(site: Path, monkeypatch):
    config = site / "syndicate.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[limits]\nmax_record_bytes = 1000\n",
                      encoding="utf-8")
    write_record(site, "grown", body="<p>" + "x" * 5000 + "</p>")
    real = files._open_regular

    def stale_size(path):  # as if the file grew between fstat and read
        descriptor, status = real(path)
        return descriptor, os.stat_result((*status[:6], 10, *status[7:]))

    monkeypatch.setattr(files, "_open_regular", stale_size)
    (problem,) = load_store(config).problems
    assert problem.origin.endswith("grown.json")
    assert problem.message == ("the file grew while it was read and is 1001 bytes, above the limit of 1000 "
                               "(limits.max_record_bytes in syndicate.toml)")


# 3. Ids that make awkward file names

AWKWARD_IDS = [".x", "..", "...", "a/b", "a/../b", "~tilde", "A", "a", "x:y@z!$&'()*+,;=", "-", "_",
               "a" * 200, "'" * 200, "/" * 200, "." * 200, "a/" * 100]


def test_every_valid_id_round_trips_through_a_directory_store(site: Path):
    source = site / "many.jsonl"
    source.write_text("".join(json.dumps(_record(i, section="sport" if n % 2 else "society")) + "\n"
                              for n, i in enumerate(AWKWARD_IDS)), encoding="utf-8")
    store = site / "imported"
    report = api.import_records([source], into=store, config_path=site / "syndicate.toml")
    assert report.imported == len(AWKWARD_IDS)
    names = [p.name for p in store.rglob("*") if p.is_file()]
    assert sorted(n for n in names if n.startswith(".")) == [".syndicate-staging.lock", ".syndicate.lock"]
    assert all(len(n.encode()) <= 125 for n in names)
    assert {(store / "society" / ".x.json").exists(), (store / "sport" / "a%2Fb.json").exists()} == {False, True}
    assert (store / "society" / "%2Ex.json").exists() and (store / "sport" / "%2E..json").exists()

    out = site / "out"
    api.export(site / "syndicate.toml", out_dir=out, store=store, formats=["jsonfeed"])
    exported = _feed_ids(out, "society") + _feed_ids(out, "sport")
    assert sorted(exported) == sorted(PREFIX + i for i in AWKWARD_IDS)

    # Imported again, changed: each id is found in its file and replaced, never written twice.
    source.write_text("".join(json.dumps(_record(i, title=f"Changed {n}", section="sport" if n % 2 else "society"))
                              + "\n" for n, i in enumerate(AWKWARD_IDS)), encoding="utf-8")
    api.import_records([source], into=store, config_path=site / "syndicate.toml")
    assert sorted(p.name for p in store.rglob("*") if p.is_file()) == sorted(names)
    titles = {r.data["id"]: r.data["title"] for r in open_store(store, config=None).records()}
    assert titles == {i: f"Changed {n}" for n, i in enumerate(AWKWARD_IDS)}


def test_an_id_the_schema_refuses_is_not_imported(site: Path):
    source = site / "percent.json"
    source.write_text(json.dumps(_record("%41")), encoding="utf-8")
    with pytest.raises(InvalidRecords) as caught:
        api.import_records([source], into=site / "store", config_path=site / "syndicate.toml")
    (problem,) = caught.value.problems
    assert (problem.record_id, problem.field) == ("%41", "id")
    assert list((site / "store").iterdir()) == []


def test_a_new_id_never_takes_a_name_that_holds_another_record(site: Path):
    """A file named after id `b` that holds id `a`: a new record `b` gets a name of its own."""
    (site / "store" / "society").mkdir()
    (site / "store" / "society" / "b.json").write_text(json.dumps(_record("a")), encoding="utf-8")
    source = site / "b.json"
    source.write_text(json.dumps(_record("b")), encoding="utf-8")
    api.import_records([source], into=site / "store", config_path=site / "syndicate.toml")
    assert json.loads((site / "store" / "society" / "b.json").read_text(encoding="utf-8"))["id"] == "a"
    assert json.loads((site / "store" / "society" / "b~2.json").read_text(encoding="utf-8"))["id"] == "b"


def test_a_section_directory_that_is_a_link_is_refused(site: Path, tmp_path_factory: pytest.TempPathFactory):
    (site / "store" / "society").symlink_to(tmp_path_factory.mktemp("elsewhere"))
    source = site / "new.json"
    source.write_text(json.dumps(_record("new")), encoding="utf-8")
    with pytest.raises(StoreError, match="store/society is a symbolic link, which the store does not follow"):
        api.import_records([source], into=site / "store", config_path=site / "syndicate.toml")


# 4. All or none

# The import stops at named points (syndicate.pausepoints): the store need not be large enough
# to give a killer time to aim.
OLD, NEW, TOTAL = "Old", "New", 60


def _edition(path: Path, edition: str) -> Path:
    with path.open("w", encoding="utf-8") as lines:
        for n in range(TOTAL):
            lines.write(json.dumps({
                "id": f"r{n}", "url": f"https://test.example.org/r{n}/", "title": f"{edition} story {n}",
                "section": "sport" if n % 2 else "society", "published": "2024-01-02T10:00:00+03:00",
                "body": f"<p>{edition} body {n}</p>"}) + "\n")
    return path


SITE_CONFIG = """
[site]
title = "Test News"
home_url = "https://test.example.org/"
id_prefix = "tag:test.example.org,2024:"
timezone = "Europe/Minsk"
language = "en"

[[sections]]
slug = "society"
title = "Society"

[[sections]]
slug = "sport"
title = "Sport"
"""


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(config, a store holding the old edition, the new edition as a .jsonl file)."""
    root = tmp_path_factory.mktemp("editions")
    (root / "syndicate.toml").write_text(SITE_CONFIG, encoding="utf-8")
    api.import_records([_edition(root / "old.jsonl", OLD)], into=root / "store", config_path=root / "syndicate.toml")
    return root / "syndicate.toml", root / "store", _edition(root / "new.jsonl", NEW)


# The import, as a process of its own, in one batch so that one journal holds the whole edition
# (an import of several batches is all or none per batch: tests/store/test_upsert_scale.py).
IMPORT = "import sys; from syndicate import api; api.import_records([sys.argv[1]], into=sys.argv[2], " \
         "config_path=sys.argv[3], batch_size=int(sys.argv[4]))"


def _titles(store: Path) -> dict[str, str]:
    return {r.data["id"]: r.data["title"] for r in open_store(store, config=None).records()}


def _edition_seen(titles: dict[str, str]) -> str:
    kinds = {title.split()[0] for record_id, title in titles.items() if record_id.startswith("r")}
    assert len(kinds) == 1, f"a mix of editions: {sorted(kinds)}"
    assert sum(record_id.startswith("r") for record_id in titles) == TOTAL
    return kinds.pop()


def _leftovers(store: Path) -> list[str]:
    return sorted(p.name for p in store.rglob(".syndicate-*") if p.name not in (
        ".syndicate.lock", ".syndicate-staging.lock"))


# Kill points: every file staged and the journal not yet written; the journal written and no file
# renamed; after one rename, about two thirds of them, and all of them (before the journal is removed).
@pytest.mark.parametrize(("point", "committed"), [
    ("import-staged", False), ("import-journaled", True), ("import-renamed:1", True),
    (f"import-renamed:{TOTAL * 2 // 3}", True), (f"import-renamed:{TOTAL}", True)])
def test_sigkill_during_an_import_leaves_all_old_or_all_new(editions, tmp_path: Path, point: str, committed: bool):
    config, old_store, new_edition = editions
    store = tmp_path / "store"
    started = time.monotonic()
    # Linked, not copied (an import never writes a file in place); the lock files are the store's own.
    shutil.copytree(old_store, store, copy_function=lambda source, target: (
        shutil.copy2 if Path(source).name.startswith(".") else os.link)(source, target))
    kill_at_pause_point([sys.executable, "-c", IMPORT, str(new_edition), str(store), str(config), str(TOTAL)],
                        point, env={**_environment(), "TMPDIR": str(tmp_path)})  # where it leaves its spool
    killed_at = time.monotonic()
    journal = store / files.JOURNAL_NAME
    assert journal.exists() == committed
    renamed = int(point.partition(":")[2] or 0)
    assert len(list(store.rglob(".syndicate-staged-*"))) == TOTAL - renamed

    # Before recovery, a reader sees one edition whole, and writes nothing.
    untouched = _everything(store)
    expected = NEW if committed else OLD
    assert _edition_seen(_titles(store)) == expected
    _location, stats = api.store_stats(store, config_path=config)
    assert stats.total == TOTAL
    assert _everything(store) == untouched
    read_at = time.monotonic()

    # The next import (of something else) completes or discards the killed one, and cleans up.
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps(_record("extra")), encoding="utf-8")
    api.import_records([extra], into=store, config_path=config)
    titles = _titles(store)
    assert _edition_seen(titles) == expected and titles["extra"] == "Title of extra"
    assert _leftovers(store) == []
    assert len([p for p in store.rglob("*.json") if not p.name.startswith(".")]) == TOTAL + 1
    print(f"killed at {point}: copy and killed import {killed_at - started:.1f} s, reading "
          f"{read_at - killed_at:.1f} s (saw {expected}), recovery and checks {time.monotonic() - read_at:.1f} s")


def test_a_single_record_file_is_read_only_as_a_store(site: Path):
    single = write_record(site, "one")
    store = open_store(single, config=load_config(site / "syndicate.toml"))
    assert [r.data["id"] for r in store.records()] == ["one"]
    with store.snapshot() as snapshot:
        assert snapshot.state.store == str(single.resolve())
    with pytest.raises(StoreError, match="read-only"):
        store.upsert([])
    assert sorted(p.name for p in (site / "store").iterdir()) == ["one.json"]  # no lock, no journal


def test_a_reader_waits_for_an_import_that_holds_the_lock_then_gives_up(site: Path):
    import fcntl

    config = site / "syndicate.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[store]\ntimeout = 1\n", encoding="utf-8")
    write_record(site, "kept")
    with open(site / "store" / files.LOCK_NAME, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as an import holds it from its journal to its end
        started = time.monotonic()
        with pytest.raises(StoreError, match="another import is writing .*store.*waited 1 s"):
            api.export(config, out_dir=site / "out")
        assert 1 <= time.monotonic() - started < 5
    api.export(config, out_dir=site / "out")
    assert (site / "out" / "society" / "rss.xml").is_file()


def test_a_journal_syndicate_did_not_write_is_refused(site: Path):
    write_record(site, "kept")
    (site / "store" / files.JOURNAL_NAME).write_text(
        json.dumps({"format": files.JOURNAL_FORMAT, "renames": [["../../etc/.syndicate-staged-0123456789abcdef-0.tmp",
                                                                  "../../etc/passwd.json"]]}), encoding="utf-8")
    with pytest.raises(StoreError, match=r"\.syndicate-import\.json: not the journal of an import"):
        api.export(site / "syndicate.toml", out_dir=site / "out")
    assert not (site / "out").exists()


# 5. StoreState

def test_the_state_names_the_resolved_store_and_grows_with_every_change(site: Path):
    config = load_config(site / "syndicate.toml")
    relative = os.path.relpath(site / "store")
    link = site / "alias"
    link.symlink_to(site / "store")

    def state(location) -> StoreState:
        time.sleep(0.05)  # beyond the file system's timestamp granularity
        with open_store(location, config=config).snapshot() as snapshot:
            return snapshot.state

    empty = state(site / "store")
    assert empty.store == str((site / "store").resolve()) == state(relative).store == state(link).store
    source = site / "new.json"
    source.write_text(json.dumps(_record("new")), encoding="utf-8")
    api.import_records([source], into=site / "store", config_path=site / "syndicate.toml")
    imported = state(site / "store")
    (path,) = (site / "store" / "society").glob("*.json")
    path.write_text(json.dumps(_record("new", title="Edited")), encoding="utf-8")
    edited = state(site / "store")
    deep = site / "store" / "deep" / "er"
    deep.mkdir(parents=True)
    (deep / "more.json").write_text(json.dumps(_record("more")), encoding="utf-8")
    added_deep = state(site / "store")
    (deep / "more.json").unlink()
    deleted = state(site / "store")
    assert empty.version < imported.version < edited.version < added_deep.version < deleted.version
    assert state(site / "store") == deleted  # reading changes nothing
