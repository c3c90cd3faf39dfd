"""Import time and peak memory against the plainest possible import, into SQLite and PostgreSQL.

    python benchmarks/import_stores.py [--records 20000] [--large 100000] [--feed-items 20000]
                                       [--sections 8] [--batch-size 1000] [--no-postgres]

A newsroom's canonical records (benchmarks/corpus.py: bodies of about 5 KB of HTML,
Belarusian and English, several sections each) are imported with
syndicate.api.import_records, each run in its own process (peak memory: that
process's VmHWM, and the peak PSS of it and the worker processes it starts, sampled
together), and compared with the plainest import of the same input measured
in this same run: a script that parses each line, sanitises its body with
syndicate.content.sanitize_html and inserts the rows into tables of the same shape
in one transaction with plain sqlite3 / psycopg, nothing else (no checks, no dates
read, no batches). Measured:

- RECORDS records into a new store (SQLite; PostgreSQL too), then the same records
  again over themselves;
- a feed of FEED_ITEMS items (RSS written by syndicate's own exporter) into SQLite,
  against the plainest import of the same file (lxml, sanitise, insert);
- LARGE records into a new store, whose peak memory must be that of RECORDS records.

Exits 1 when a limit is passed: an import more than 3x the plainest, the feed more
than 6x, a re-import more than 1.5x the first import, a peak (all processes) of 300
MiB or more, or a peak for LARGE records more than 20% above the peak for RECORDS. PostgreSQL is the
server at SYNDICATE_BENCH_POSTGRES_URL, else a throwaway one started with
tests/pg_server.py (fsync off, as in the tests), else skipped. Not a test: these
machines are noisy, so the limits are far from what a quiet machine shows.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from corpus import write_config, write_newsroom  # noqa: E402

IMPORT_LIMIT = 3.0  # an import at most this many times the plainest import of the same records
FEED_LIMIT = 6.0  # a feed file's import at most this many times the plainest import of the same file
REIMPORT_LIMIT = 1.5  # importing the same records again at most this many times the first import
PEAK_LIMIT_MIB = 300  # every import's peak memory below this
GROWTH_LIMIT = 1.2  # the peak for LARGE records at most this many times the peak for RECORDS

# Each run prints one JSON line: seconds, peak (VmHWM, not ru_maxrss: Linux keeps ru_maxrss across
# exec, so a child would report its parent's peak), and what was imported.
PEAK = """
def peak_mib():
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")) / 1024
"""

IMPORT = PEAK + """
import json, sys, time
from syndicate import api
source, into, config, batch_size, workers = sys.argv[1:6]
started = time.perf_counter()
report = api.import_records([source], into=into, config_path=config, batch_size=int(batch_size),
                            workers=int(workers) if workers != "auto" else None)
print(json.dumps({"seconds": time.perf_counter() - started, "peak_mib": peak_mib(), "new": report.new,
                  "replaced": report.replaced, "skipped": report.skipped_records}))
"""

# The plainest import of a .jsonl file: parse, sanitise the body, insert, one transaction.
PLAIN_ROWS = """
import json
from syndicate.content import sanitize_html

def rows(path):
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record.get("body"):
                record["body"] = sanitize_html(record["body"], base_url=record["url"])
            sections = [record["section"], *record.get("sections", [])]
            published = record["published"]
            yield ((record["id"], json.dumps(record, ensure_ascii=False), record["section"], published,
                    record.get("updated", published), record.get("status", "published")),
                   [(section, record["id"], published, record.get("status", "published")) for section in sections])
"""

# The plainest import of an RSS file: lxml, then the same as above for each item.
PLAIN_FEED_ROWS = """
import json
from lxml import etree
from syndicate.content import sanitize_html

CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"

def rows(path):
    for item in etree.parse(path).getroot().iterfind("channel/item"):
        text = lambda tag: (item.findtext(tag) or "").strip()
        link = text("link")
        record = {"id": text("guid"), "url": link, "title": text("title"), "summary": text("description"),
                  "body": sanitize_html(text(CONTENT), base_url=link), "published": text("pubDate"),
                  "tags": [c.text for c in item.iterfind("category")]}
        section = item.findtext("category")
        yield ((record["id"], json.dumps(record, ensure_ascii=False), section, record["published"],
                record["published"], "published"), [(section, record["id"], record["published"], "published")])
"""

PLAIN_SQLITE = PEAK + """
import sqlite3, sys, time
source, into = sys.argv[1:3]
started = time.perf_counter()
db = sqlite3.connect(into, isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("CREATE TABLE articles (id TEXT PRIMARY KEY, record TEXT NOT NULL, section TEXT NOT NULL, "
           "published TEXT NOT NULL, updated TEXT NOT NULL, status TEXT NOT NULL)")
db.execute("CREATE TABLE article_sections (section TEXT NOT NULL, id TEXT NOT NULL, published TEXT NOT NULL, "
           "status TEXT NOT NULL, PRIMARY KEY (section, id))")
db.execute("CREATE INDEX article_sections_latest ON article_sections (section, published DESC, id)")
db.execute("BEGIN")
count = 0
for article, sections in rows(source):
    db.execute("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?)", article)
    db.executemany("INSERT INTO article_sections VALUES (?, ?, ?, ?)", sections)
    count += 1
db.execute("COMMIT")
print(json.dumps({"seconds": time.perf_counter() - started, "peak_mib": peak_mib(), "new": count}))
"""

PLAIN_POSTGRES = PEAK + """
import sys, time
import psycopg
from psycopg.types.json import Jsonb
source, into = sys.argv[1:3]
started = time.perf_counter()
count = 0
with psycopg.connect(into) as db:
    db.execute("CREATE TABLE articles (id text COLLATE \\"C\\" PRIMARY KEY, record jsonb NOT NULL, "
               "section text NOT NULL, published text NOT NULL, updated text NOT NULL, status text NOT NULL)")
    db.execute("CREATE TABLE article_sections (section text NOT NULL, id text COLLATE \\"C\\" NOT NULL, "
               "published text NOT NULL, status text NOT NULL, PRIMARY KEY (section, id))")
    db.execute("CREATE INDEX article_sections_latest ON article_sections (section, published DESC, id)")
    with db.cursor() as cursor:
        articles, sections = [], []
        for article, rows_of_sections in rows(source):
            articles.append((article[0], Jsonb(json.loads(article[1])), *article[2:]))
            sections += rows_of_sections
            count += 1
            if len(articles) == 1000:  # executemany sends them in one pipeline; all in one transaction
                cursor.executemany("INSERT INTO articles VALUES (%s, %s, %s, %s, %s, %s)", articles)
                cursor.executemany("INSERT INTO article_sections VALUES (%s, %s, %s, %s)", sections)
                articles, sections = [], []
        cursor.executemany("INSERT INTO articles VALUES (%s, %s, %s, %s, %s, %s)", articles)
        cursor.executemany("INSERT INTO article_sections VALUES (%s, %s, %s, %s)", sections)
print(json.dumps({"seconds": time.perf_counter() - started, "peak_mib": peak_mib(), "new": count}))
"""

EXPORT_FEED = """
import sys
from syndicate import api
config, store, out = sys.argv[1:4]
api.export(config, out_dir=out, store=store, formats=["rss"], sections=["all"])
"""


def _tree(root: int) -> list[int]:
    """ROOT and its descendants, as /proc shows them now."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            parents.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found


def _pss_mib(pids: list[int]) -> float:
    """The proportional set size of PIDS together (shared pages counted once), in MiB."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
                total += next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
        except (OSError, StopIteration, ValueError):
            pass
    return total / 1024


def _run(script: str, *arguments: object) -> dict:
    """Run SCRIPT in a process of its own; its JSON line, with "all_mib": the peak memory of that
    process and of the worker processes it starts together (PSS: pages they share counted once),
    sampled every 50 ms from here (sampling from inside would start a thread there, and an import
    forks workers only from a process without one)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen([sys.executable, "-c", script, *map(str, arguments)], stdout=out, stderr=err,
                                   text=True)
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, _pss_mib(_tree(process.pid)))
            time.sleep(0.05)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"a benchmark run failed:\n{err.read()}")
        result = json.loads(out.read().strip().splitlines()[-1])
    result["all_mib"] = peak or result["peak_mib"]
    return result


def _repeated(runs: int, *scripts: tuple) -> list[dict]:
    """Each of SCRIPTS ((script, arguments...), or a callable giving that tuple, for a fresh store each
    time) run in turn, RUNS times over: for each, the fastest run (the least disturbed by the machine's
    other work), with the largest peaks of all its runs."""
    results: list[list[dict]] = [[] for _ in scripts]
    for _ in range(runs):
        for index, script in enumerate(scripts):
            script = script() if callable(script) else script
            results[index].append(_run(*script))
    best = []
    for runs_of_one in results:
        fastest = dict(min(runs_of_one, key=lambda result: result["seconds"]))
        fastest["peak_mib"] = max(result["peak_mib"] for result in runs_of_one)
        fastest["all_mib"] = max(result["all_mib"] for result in runs_of_one)
        best.append(fastest)
    return best


class Postgres:
    """Fresh databases on the server at SYNDICATE_BENCH_POSTGRES_URL, or on a throwaway one."""

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.url = os.environ.get("SYNDICATE_BENCH_POSTGRES_URL")
        if self.url is None:
            sys.path.insert(0, str(HERE.parent))
            from tests import pg_server

            self.server = pg_server
            if pg_server.server_binaries() is None:
                return
            self.folder = Path(tempfile.mkdtemp(prefix="syndicate-bench-pg-"))
            self.folder.chmod(0o755)  # the server runs as another user when we are root
            self.url = pg_server.start(self.folder / "server")

    def database(self) -> str:
        import psycopg

        name = f"syndicate_bench_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url.rpartition("/")[0] + "/" + name

    def close(self) -> None:
        if self.folder is not None:
            self.server.stop(self.folder / "server")
            shutil.rmtree(self.folder, ignore_errors=True)


def _head(source: Path, target: Path, lines: int) -> Path:
    with source.open(encoding="utf-8") as whole, target.open("w", encoding="utf-8") as part:
        part.writelines(itertools.islice(whole, lines))
    return target


def _line(name: str, run: dict, note: str = "") -> None:
    counts = f"{run.get('new', 0)} new, {run.get('replaced', 0)} replaced"
    memory = f"peak {run['peak_mib']:4.0f} MiB (VmHWM), all processes {run['all_mib']:4.0f} MiB (PSS)"
    print(f"  {name:<28} {run['seconds']:7.1f} s  {memory}  {counts:<22} {note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--large", type=int, default=100000, help="0: no large import")
    parser.add_argument("--feed-items", type=int, default=20000, help="0: no feed")
    parser.add_argument("--sections", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--workers", default="auto", help="processes that check records (default: one per CPU)")
    parser.add_argument("--repeat", type=int, default=1, help="run each measurement N times, keep the fastest")
    parser.add_argument("--no-postgres", action="store_true")
    arguments = parser.parse_args()
    failures: list[str] = []
    options = (arguments.batch_size, arguments.workers)

    def limit(what: str, value: float, most: float) -> str:
        if value > most:
            failures.append(f"{what}: x{value:.2f}, above x{most}")
        return f"x{value:.2f} (limit x{most})"

    def peak(name: str, run: dict) -> None:
        if run["all_mib"] >= PEAK_LIMIT_MIB:
            failures.append(f"{name}: peak {run['all_mib']:.0f} MiB, not below {PEAK_LIMIT_MIB} MiB")

    postgres = None if arguments.no_postgres else Postgres()
    try:
        with tempfile.TemporaryDirectory(prefix="syndicate-bench-") as folder:
            root = Path(folder)
            counter = itertools.count()
            # The feed of 20,000 items is about 140 MB, above the default [limits] max_feed_bytes.
            config = write_config(root, sections=arguments.sections, limit=max(arguments.feed_items, 50),
                                  max_feed_bytes=2 ** 30)
            started = time.perf_counter()
            most = max(arguments.records, arguments.large, arguments.feed_items)
            everything = write_newsroom(root / "all.jsonl", records=most, sections=arguments.sections)
            small = _head(everything, root / "records.jsonl", arguments.records)
            large = _head(everything, root / "large.jsonl", arguments.large) if arguments.large else None
            print(f"corpus: {most} records, {arguments.sections} sections, "
                  f"{small.stat().st_size / arguments.records / 1024:.1f} KiB a record as JSON "
                  f"(made in {time.perf_counter() - started:.0f} s); batches of {arguments.batch_size}, "
                  f"workers: {arguments.workers}; {os.cpu_count()} CPUs; fastest of {arguments.repeat}")
            stores = {"SQLite": lambda: root / f"store-{next(counter)}.db"}
            if postgres is not None and postgres.url:
                stores["PostgreSQL"] = postgres.database
            elif postgres is not None:
                print("PostgreSQL: skipped (no server: set SYNDICATE_BENCH_POSTGRES_URL or install Debian's "
                      "postgresql package)")
            sized = {}
            feed_store = None
            for kind, fresh in stores.items():
                plain_script = PLAIN_ROWS + (PLAIN_SQLITE if kind == "SQLite" else PLAIN_POSTGRES)
                print(f"{kind}, {arguments.records} records:")
                into = []

                def first_import(fresh=fresh, into=into) -> tuple:
                    into.append(fresh())
                    return (IMPORT, small, into[-1], config, *options)

                plain, first, again = _repeated(arguments.repeat, lambda: (plain_script, small, fresh()),
                                                first_import, lambda: (IMPORT, small, into[-1], config, *options))
                _line("plainest import (baseline)", plain)
                _line("import", first, limit(f"{kind} import", first["seconds"] / plain["seconds"], IMPORT_LIMIT))
                _line("the same records again", again,
                      limit(f"{kind} re-import", again["seconds"] / first["seconds"], REIMPORT_LIMIT)
                      + " of the first")
                peak(f"{kind} import", first)
                peak(f"{kind} re-import", again)
                if (first["new"], again["replaced"]) != (arguments.records, arguments.records):
                    failures.append(f"{kind}: expected {arguments.records} new records, then as many replaced")
                sized[kind] = first
                if kind == "SQLite":
                    feed_store = into[-1]
            for kind, fresh in stores.items() if large else ():
                print(f"{kind}, {arguments.large} records:")
                plain_script = PLAIN_ROWS + (PLAIN_SQLITE if kind == "SQLite" else PLAIN_POSTGRES)
                plain, imported = _repeated(1, (plain_script, large, fresh()), (IMPORT, large, fresh(), config,
                                                                                *options))
                _line("plainest import (baseline)", plain)
                _line("import", imported, f"x{imported['seconds'] / plain['seconds']:.2f}")
                growth = imported["all_mib"] / sized[kind]["all_mib"]
                print(f"  peak for {arguments.large} records / peak for {arguments.records}: "
                      f"{limit(f'{kind} peak growth', growth, GROWTH_LIMIT)}")
                peak(f"{kind} import of {arguments.large}", imported)
            if arguments.feed_items:
                print(f"RSS feed of {arguments.feed_items} items (written by syndicate's export) into SQLite:")
                if arguments.feed_items != arguments.records or feed_store is None:
                    feed_store = root / "feed-source.db"
                    _run(IMPORT, _head(everything, root / "feed.jsonl", arguments.feed_items), feed_store, config,
                         *options)
                subprocess.run([sys.executable, "-c", EXPORT_FEED, config, feed_store, root / "out"], check=True)
                feed = root / "out" / "all" / "rss.xml"
                print(f"  the feed: {feed.stat().st_size / 1e6:.0f} MB")
                plain_feed = PLAIN_FEED_ROWS + PLAIN_SQLITE
                plain, imported = _repeated(arguments.repeat,
                                            lambda: (plain_feed, feed, root / f"f{next(counter)}.db"),
                                            lambda: (IMPORT, feed, root / f"f{next(counter)}.db", config, *options))
                _line("plainest import (baseline)", plain)
                _line("import", imported, limit("feed import", imported["seconds"] / plain["seconds"], FEED_LIMIT))
                peak("feed import", imported)
                if imported["new"] != arguments.feed_items:
                    failures.append(f"feed: expected {arguments.feed_items} new records, got {imported['new']}")
    finally:
        if postgres is not None:
            postgres.close()
    for failure in failures:
        print(f"LIMIT PASSED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
