"""A directory store's export with its record cache, against the same export without it and from SQLite.

    python benchmarks/directory_store.py [--articles 20000] [--sections 10] [--repeat 3]

Writes a directory store of ARTICLES record files (benchmarks/corpus.py's newsroom
records, one .json file each, as `import --into DIR` writes them), imports it into
SQLite with `syndicate import`, and measures, interleaved, REPEAT times each (the
median is printed), a latest-50 export of every section and the site into an
output directory that already holds it (so that the store is what is measured):

- cold: from the directory store, its record cache removed first;
- warm: from the directory store, nothing changed since the last export;
- touched: from the directory store, after one record file was touched;
- SQLite: from the SQLite store of the same records.

Each export runs in its own process (peak memory: VmHWM). Prints the ratios
warm/SQLite and warm/cold; exits 1 when warm takes more than WARM_LIMIT times
SQLite or the feeds of the two stores differ. Not a test: these machines are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import newsroom_record, write_config  # noqa: E402

WARM_LIMIT = 2.0  # a warm export at most this many times the SQLite export

# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child would report its parent's peak.
RUN = """
import json, sys, time
from syndicate import api
config, out, store = sys.argv[1], sys.argv[2], sys.argv[3]
started = time.perf_counter()
report = api.export(config, out_dir=out, store=store)
seconds = time.perf_counter() - started
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "rendered": report.rendered, "peak_mib": peak / 1024}))
"""


def write_store(root: Path, *, articles: int, sections: int, seed: int = 2014) -> Path:
    """ROOT/store: ARTICLES record files under their sections, as an import writes them."""
    from syndicate.store.files import file_stem

    rng = random.Random(seed)
    store = root / "store"
    for number in range(articles):
        record = newsroom_record(rng, number, sections=sections)
        folder = store / record["section"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{file_stem(record['id'])}.json").write_text(
            json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return store


def _export(config: Path, out: Path, store: Path, environment: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", RUN, str(config), str(out), str(store)],
                          capture_output=True, text=True, env=environment)
    if done.returncode != 0:
        sys.exit(f"export from {store} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=20000)
    parser.add_argument("--sections", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        cache = root / "cache"
        environment = {**os.environ, "SYNDICATE_CACHE_DIR": str(cache)}
        config = write_config(root, sections=arguments.sections)
        started = time.perf_counter()
        store = write_store(root, articles=arguments.articles, sections=arguments.sections)
        written = time.perf_counter() - started
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "syndicate", "import", str(store), "--into", str(root / "news.db"),
                        "--config", str(config)], check=True, capture_output=True, env=environment)
        imported = time.perf_counter() - started
        touched = sorted(store.rglob("*.json"))[arguments.articles // 2]

        # Each output directory already holds its feeds: what follows measures reading the store.
        _export(config, root / "out-sqlite", root / "news.db", environment)
        _export(config, root / "out-directory", store, environment)
        same = subprocess.run(["diff", "-r", "-x", "manifest.json", str(root / "out-directory"),
                               str(root / "out-sqlite")], capture_output=True).returncode == 0
        runs: dict[str, list[dict]] = {"cold": [], "warm": [], "touched": [], "sqlite": []}
        for _round in range(arguments.repeat):
            shutil.rmtree(cache, ignore_errors=True)
            runs["cold"].append(_export(config, root / "out-directory", store, environment))
            runs["warm"].append(_export(config, root / "out-directory", store, environment))
            os.utime(touched)
            runs["touched"].append(_export(config, root / "out-directory", store, environment))
            runs["sqlite"].append(_export(config, root / "out-sqlite", root / "news.db", environment))
        cache_bytes = sum(path.stat().st_size for path in cache.iterdir())
        store_bytes = sum(path.stat().st_size for path in store.rglob("*.json"))

    seconds = {kind: statistics.median(run["seconds"] for run in done) for kind, done in runs.items()}
    peaks = {kind: max(run["peak_mib"] for run in done) for kind, done in runs.items()}
    print(f"{arguments.articles} record files, {arguments.sections + 1} feeds of 50; written in {written:.1f}s, "
          f"imported into SQLite in {imported:.1f}s; median of {arguments.repeat}, interleaved")
    for kind, label in (("cold", "directory, no cache"), ("warm", "directory, cache, nothing changed"),
                        ("touched", "directory, cache, one file touched"), ("sqlite", "SQLite")):
        print(f"{label:36} {seconds[kind]:7.2f}s  peak {peaks[kind]:6.0f} MiB")
    warm_sqlite = seconds["warm"] / seconds["sqlite"]
    print(f"warm / SQLite: x{warm_sqlite:.2f} (limit x{WARM_LIMIT}); warm / cold: x{seconds['warm'] / seconds['cold']:.3f}; "
          f"touched / warm: x{seconds['touched'] / seconds['warm']:.2f}")
    print(f"cache {cache_bytes / 2**20:.0f} MiB for {store_bytes / 2**20:.0f} MiB of record files; "
          f"feeds of both stores identical: {same}")
    return 0 if same and warm_sqlite <= WARM_LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
